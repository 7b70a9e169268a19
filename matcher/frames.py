"""The tables of a Proposal, built from the chosen candidates: matches, open requests, scores.

:func:`match_frame` lists each chosen pair with its score, its reasons in words and the
points each criterion earned; :func:`unmatched_frame` gives each open request the reason
an admin acts on (:func:`matcher.explain.unmatched_reason`), counting every candidate of
the request, also those pruning left out; :func:`scores_frame` lists every candidate with
its score. Their columns are those of :mod:`matcher.proposal`.

Two parts of the tables depend only on a triple, the cohort and the config, never on
decisions or other pairs, and are worked out by steps a later run may replace with a copy
(:mod:`matcher.warm`): a chosen pair's reasons and breakdown rows (:func:`explain_pairs`,
:class:`Explained`) and whether a mentor a mentee has in another type is a candidate of
the open request when nobody is rejected (:func:`check_triples`, :class:`Checked`).

>>> from matcher.candidates import build_candidates
>>> from matcher.cohort import encode
>>> from matcher.proposal import rejected_matrices
>>> from matcher.schema import Participant, Role
>>> people = [
...     Participant(
...         "ana@x.org",
...         "Ana",
...         Role.MENTEE,
...         seeks=("expertise", "sponsorship"),
...         expertise_wanted=("sql",),
...     ),
...     Participant("bo@x.org", "Bo", Role.MENTOR, offers=("expertise",), expertise=("sql",)),
... ]
>>> cohort, config = encode(people), ProgramConfig()
>>> found = build_candidates(cohort, config)
>>> chosen = np.ones(len(found), dtype=bool)
>>> match_frame(cohort, found, chosen, config)[0][["mentee_name", "mentor_name"]].values.tolist()
[['Ana', 'Bo']]
>>> rejected = rejected_matrices(cohort, [])
>>> unmatched_frame(cohort, found, chosen, config, rejected, False).reason.tolist()
['nobody in the program offers to be a sponsor']
>>> scores_frame(cohort, found).values.tolist()
[['ana@x.org', 'bo@x.org', 'expertise', 72.5]]
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from matcher.candidates import Candidates, are_candidates, count_candidates, score_triples
from matcher.cohort import MENTOR_TYPES, Cohort
from matcher.config import ProgramConfig
from matcher.constraints import Rejected
from matcher.explain import match_reasons, unmatched_reason
from matcher.proposal import BREAKDOWN_COLUMNS, MATCH_COLUMNS, SCORE_COLUMNS, UNMATCHED_COLUMNS
from matcher.schema import MentorType
from matcher.scoring import BONUSES, points

#: One breakdown row of a pair without its people and type: criterion, value in [0, 1],
#: weight and points earned.
Part = tuple[str, float, float, float]


@dataclass(frozen=True, eq=False)
class Explained:
    """Triples in words: each one's reasons and breakdown rows, in the order of ``key``.

    What a row of :func:`match_frame` says of a pair besides its score (the reasons, and
    the criteria of its breakdown with their values, weights and points) depends only on
    the triple, the cohort and the config: the criterion values are computed pair by pair
    (:func:`matcher.candidates.score_triples`), the phrases read the two people and the
    config, and the weights and points come from the config and the cohort (which criteria
    it counts). No decision, lock or other pair enters, so a later run of the same cohort
    and config may copy them (:mod:`matcher.warm`; the score column is read from that
    run's own candidates).

    ``key`` holds the triples as :func:`triple_keys`, ascending; ``reasons[i]`` and
    ``parts[i]`` are those of the triple ``key[i]``.
    """

    key: np.ndarray
    reasons: tuple[str, ...]
    parts: tuple[tuple[Part, ...], ...]

    def __len__(self) -> int:
        return len(self.key)


#: How the pairs of a run are put in words: ``explain(cohort, config, mentee, mentor,
#: kind)`` returns what :func:`explain_pairs` returns for them (:mod:`matcher.warm` passes
#: one that copies an earlier run's rows).
ExplainPairs = Callable[[Cohort, ProgramConfig, np.ndarray, np.ndarray, np.ndarray], Explained]


def triple_keys(n: int, mentee: np.ndarray, mentor: np.ndarray, kind: np.ndarray) -> np.ndarray:
    """Triples of a cohort of ``n`` people as one number each, ascending in the order of
    the matches (mentee, type, mentor).

    >>> triple_keys(10, np.array([0, 0, 1]), np.array([5, 3, 2]), np.array([1, 2, 0])).tolist()
    [15, 23, 42]
    """
    mentee, mentor, kind = (np.asarray(a, dtype=np.int64) for a in (mentee, mentor, kind))
    return (mentee * len(MENTOR_TYPES) + kind) * n + mentor


def lookup(known: np.ndarray, key: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Whether each of ``key`` is in ``known`` (ascending, each once), and where (any
    position where it is not).

    >>> found, at = lookup(np.array([2, 5, 9]), np.array([5, 1, 9]))
    >>> found.tolist(), at[found].tolist()
    ([True, False, True], [1, 2])
    """
    if not len(known):
        return np.zeros(len(key), dtype=bool), np.zeros(len(key), dtype=np.int64)
    at = np.minimum(np.searchsorted(known, key), len(known) - 1)
    return known[at] == key, at


def explain_pairs(
    cohort: Cohort,
    config: ProgramConfig,
    mentee: np.ndarray,
    mentor: np.ndarray,
    kind: np.ndarray,
    known: Explained | None = None,
) -> Explained:
    """The reasons and breakdown rows of the triples ``(mentee[i], mentor[i], kind[i])``,
    given in the order of :func:`triple_keys`: those of ``known`` (explained for the same
    cohort and config) copied, the others worked out.

    Parameters
    ----------
    cohort, config
        The encoded participants and the program config.
    mentee, mentor, kind
        The triples, in ascending :func:`triple_keys` order, each once.
    known
        Triples explained before for this cohort and config, or None.

    Returns
    -------
    Explained

    Examples
    --------
    >>> from matcher.cohort import encode
    >>> from matcher.schema import Participant, Role
    >>> people = [
    ...     Participant("ana@x.org", "Ana", Role.MENTEE, seeks=("expertise",),
    ...                 expertise_wanted=("sql",)),
    ...     Participant("bo@x.org", "Bo", Role.MENTOR, offers=("expertise",), expertise=("sql",)),
    ... ]  # fmt: skip
    >>> cohort, config = encode(people), ProgramConfig()
    >>> ana_bo = np.array([0]), np.array([1]), np.array([3])  # Ana, Bo, expertise
    >>> explained = explain_pairs(cohort, config, *ana_bo)
    >>> explained.reasons
    ('covers 1 of 1 wanted skill: sql',)
    >>> explained.parts[0][0]
    ('expertise', 1.0, 60.0, 60.0)
    >>> explain_pairs(cohort, config, *ana_bo, known=explained).parts == explained.parts
    True
    """
    key = triple_keys(len(cohort), mentee, mentor, kind)
    known = known or Explained(key[:0], (), ())
    reasons: list[str | None] = [None] * len(key)
    parts: list[tuple[Part, ...] | None] = [None] * len(key)
    copied, at = lookup(known.key, key)
    for i, k in zip(np.flatnonzero(copied).tolist(), at[copied].tolist(), strict=True):
        reasons[i], parts[i] = known.reasons[k], known.parts[k]
    fresh = np.flatnonzero(~copied)
    _, values_of = score_triples(cohort, mentee[fresh], mentor[fresh], kind[fresh], config)
    for k, values in values_of.items():
        at = fresh[kind[fresh] == k]
        worded = word_pairs(cohort, config, MENTOR_TYPES[k], mentee[at], mentor[at], values)
        for i, (reason, part) in zip(at.tolist(), worded, strict=True):
            reasons[i], parts[i] = reason, part
    return Explained(key, tuple(reasons), tuple(parts))


def word_pairs(
    cohort: Cohort,
    config: ProgramConfig,
    mentor_type: MentorType,
    mentee: np.ndarray,
    mentor: np.ndarray,
    values: dict[str, np.ndarray],
) -> list[tuple[str, tuple[Part, ...]]]:
    """The reasons and breakdown rows of the pairs ``(mentee[i], mentor[i])`` of one type,
    whose criterion values are ``values`` (name -> one value per pair, as
    :func:`matcher.candidates.score_triples` gives them).

    Each criterion's weight and points (:func:`matcher.scoring.points`) are worked out
    once for all the pairs, element-wise, which gives each pair the very numbers it would
    get alone; the pairs are then put in words one by one.

    >>> from matcher.candidates import score_triples
    >>> from matcher.cohort import encode
    >>> from matcher.schema import Participant, Role
    >>> people = [
    ...     Participant("ana@x.org", "Ana", Role.MENTEE, seeks=("expertise",),
    ...                 expertise_wanted=("sql", "go")),
    ...     Participant("bo@x.org", "Bo", Role.MENTOR, offers=("expertise",), expertise=("sql",)),
    ... ]  # fmt: skip
    >>> cohort, config, ana, bo = encode(people), ProgramConfig(), np.array([0]), np.array([1])
    >>> _, values_of = score_triples(cohort, ana, bo, np.array([3]), config)
    >>> [(reason, parts)] = word_pairs(cohort, config, MentorType.EXPERTISE, ana, bo, values_of[3])
    >>> reason, parts[0]
    ('covers 1 of 2 wanted skills: sql', ('expertise', 0.5, 60.0, 30.0))
    """
    counted = list(values)
    columns = [
        (name, v.tolist(), weight, earned.tolist())
        for name, v in values.items()
        for weight, earned in [points(name, v, mentor_type, config, counted)]
    ]
    people, worded = cohort.people, []
    for j, (e, m) in enumerate(zip(mentee.tolist(), mentor.tolist(), strict=True)):
        pair_values = {name: v[j] for name, v, _, _ in columns}
        earned = {name: pts[j] for name, _, _, pts in columns}
        reason = match_reasons(people[e], people[m], mentor_type, pair_values, config, earned)
        part = tuple(
            (name, v[j], weight, round(pts[j], 2))
            for name, v, weight, pts in columns
            if v[j] > 0 or name not in BONUSES  # a bonus the pair did not earn is no part
        )
        worded.append((reason, part))
    return worded


def match_frame(
    cohort: Cohort,
    found: Candidates,
    chosen: np.ndarray,
    config: ProgramConfig,
    explain: ExplainPairs = explain_pairs,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The matches and their score breakdown: one row per ``chosen`` candidate, and one per
    chosen candidate and criterion (value, weight and points earned; a bonus criterion such
    as ``priority`` only where the pair earned it).

    Rows are sorted by mentee, type and mentor; reasons and breakdown rows come from
    ``explain`` (:func:`explain_pairs`, whose reasons are
    :func:`matcher.explain.match_reasons`; see the module's example), scores from ``found``.
    """
    idx = np.flatnonzero(chosen)
    idx = idx[np.lexsort((found.mentor[idx], found.kind[idx], found.mentee[idx]))]
    mentee, mentor, kind = found.mentee[idx], found.mentor[idx], found.kind[idx]
    explained = explain(cohort, config, mentee, mentor, kind)
    rows, breakdown = [], []
    for i in range(len(idx)):
        e, m = cohort.people[mentee[i]], cohort.people[mentor[i]]
        mentor_type = MENTOR_TYPES[kind[i]].value
        score, reasons = found.score[idx[i]], explained.reasons[i]
        rows.append((e.email, e.name, m.email, m.name, mentor_type, score, reasons))
        breakdown.extend((e.email, m.email, mentor_type, *part) for part in explained.parts[i])
    return (
        pd.DataFrame(rows, columns=MATCH_COLUMNS),
        pd.DataFrame(breakdown, columns=BREAKDOWN_COLUMNS),
    )


@dataclass(frozen=True, eq=False)
class Checked:
    """Triples, each once by ascending :func:`triple_keys`, and whether each is a candidate
    when nobody is rejected (``ok``).

    That answer depends only on the triple, the cohort and the config (a rejection blocks
    only its own triple: the rule ``rejected`` reads one cell, :func:`rejected_cells`), so
    a later run of the same cohort and config may copy it (:mod:`matcher.warm`).
    """

    key: np.ndarray
    ok: np.ndarray


#: Whether triples are candidates when nobody is rejected: ``check(cohort, config, mentee,
#: mentor, kind, compiled)`` returns what :func:`check_triples` returns for them
#: (:mod:`matcher.warm` passes one that copies an earlier run's answers).
CheckTriples = Callable[[Cohort, ProgramConfig, np.ndarray, np.ndarray, np.ndarray, bool], Checked]


def check_triples(
    cohort: Cohort,
    config: ProgramConfig,
    mentee: np.ndarray,
    mentor: np.ndarray,
    kind: np.ndarray,
    compiled: bool,
    known: Checked | None = None,
) -> Checked:
    """Whether each triple ``(mentee[i], mentor[i], kind[i])`` would be a candidate if no
    admin had rejected anything (:func:`~matcher.candidates.are_candidates` with no
    rejection): the answers of ``known`` (checked for the same cohort and config) copied,
    the others worked out.

    Parameters
    ----------
    cohort, config
        The encoded participants and the program config.
    mentee, mentor, kind
        The triples, in any order, repeats allowed.
    compiled
        Whether the passes run compiled.
    known
        Triples checked before for this cohort and config, or None.

    Returns
    -------
    Checked
        The triples given, each once.

    Examples
    --------
    >>> from matcher.cohort import encode
    >>> from matcher.schema import Participant, Role
    >>> e = Participant("e@x.org", "E", Role.MENTEE, seeks=("developmental",))
    >>> m = Participant("m@x.org", "M", Role.MENTOR, offers=("developmental",))
    >>> cohort, config = encode([e, m]), ProgramConfig()
    >>> one, zero = np.array([1, 1]), np.array([0, 0])
    >>> check_triples(cohort, config, zero, one, zero, False).ok.tolist()
    [True]
    >>> no = Checked(np.array([1]), np.array([False]))  # as if E -> M were no candidate
    >>> check_triples(cohort, config, zero, one, zero, False, no).ok.tolist()
    [False]
    """
    key, first = np.unique(triple_keys(len(cohort), mentee, mentor, kind), return_index=True)
    known = known or Checked(key[:0], np.zeros(0, dtype=bool))
    copied, at = lookup(known.key, key)
    ok = np.zeros(len(key), dtype=bool)
    ok[copied] = known.ok[at[copied]]
    fresh = first[~copied]
    ok[~copied] = are_candidates(
        cohort, config, None, mentee[fresh], mentor[fresh], kind[fresh], compiled
    )
    return Checked(key, ok)


def rejected_cells(
    rejected: Rejected, mentee: np.ndarray, mentor: np.ndarray, kind: np.ndarray
) -> np.ndarray:
    """Whether an admin rejected each triple ``(mentee[i], mentor[i], kind[i])``.

    >>> from matcher.cohort import encode
    >>> from matcher.proposal import rejected_matrices
    >>> from matcher.schema import Participant, Role
    >>> people = encode(
    ...     [Participant("a@x.org", "A", Role.MENTEE), Participant("b@x.org", "B", Role.MENTOR)]
    ... )
    >>> rejected = rejected_matrices(people, [(0, 1, 2)])
    >>> rejected_cells(rejected, np.array([0, 0]), np.array([1, 1]), np.array([2, 3])).tolist()
    [True, False]
    """
    mentee, mentor, kind = (np.asarray(a, dtype=np.int64) for a in (mentee, mentor, kind))
    out = np.zeros(len(mentee), dtype=bool)
    for k in np.unique(kind).tolist():
        at = kind == k
        if (matrix := rejected.get(MENTOR_TYPES[k])) is not None:
            out[at] = np.asarray(matrix[mentee[at], mentor[at]]).ravel() != 0
    return out


def unmatched_frame(
    cohort: Cohort,
    found: Candidates,
    chosen: np.ndarray,
    config: ProgramConfig,
    rejected: Rejected,
    compiled: bool,
    locks: Sequence[tuple[int, int, int]] = (),
    check: CheckTriples = check_triples,
) -> pd.DataFrame:
    """One row per open request with its reason.

    "Full" and "already your mentor" counts are over every candidate of the request, also
    those pruning left out: the candidates at mentors with room are counted block by block
    and subtracted from the request's exact total. Of the full mentors, those whose every
    place holds one of ``locks`` (approved or locked pairs) are counted apart the same
    way: their places went to an admin's decision, not to better overall matches. Whether a
    mentor the mentee has in another type is a candidate of the request is ``check``'s
    answer (:func:`check_triples`) less the triples ``rejected``.
    """
    stats = found.stats
    assigned = np.bincount(found.mentor[chosen], minlength=len(cohort))
    is_full = assigned >= cohort.capacity
    locked = np.bincount(np.array([m for _, m, _ in locks], dtype=np.int64), minlength=len(cohort))
    held_full = is_full & (locked >= assigned)
    mentors_of: dict[int, list[int]] = {}
    for e, m in zip(found.mentee[chosen].tolist(), found.mentor[chosen].tolist(), strict=True):
        mentors_of.setdefault(e, []).append(m)
    filled = set(zip(found.mentee[chosen].tolist(), found.kind[chosen].tolist(), strict=True))
    best = _best_candidates(found, len(cohort))
    open_rows = [
        int(r)
        for r in np.lexsort((stats.kind, stats.mentee))
        if (int(stats.mentee[r]), int(stats.kind[r])) not in filled
    ]
    with_room = np.zeros(len(stats.mentee), dtype=np.int64)
    at_held = np.zeros(len(stats.mentee), dtype=np.int64)
    for kind, mentor_type in enumerate(MENTOR_TYPES):
        rows = np.array([r for r in open_rows if stats.kind[r] == kind], dtype=np.int64)
        offering = cohort.mentors_offering(mentor_type)
        for counts, mentors in (
            (with_room, offering[~is_full[offering]]),
            (at_held, offering[held_full[offering]]),
        ):
            if len(rows) and len(mentors):
                counts[rows] = count_candidates(
                    cohort, config, rejected, kind, stats.mentee[rows], mentors, compiled
                )
    own_rows = [(r, m) for r in open_rows for m in mentors_of.get(int(stats.mentee[r]), [])]
    own_triples = np.array(
        [(stats.mentee[r], m, stats.kind[r]) for r, m in own_rows], dtype=np.int64
    ).reshape(-1, 3)
    checked = check(cohort, config, *own_triples.T, compiled)
    _, at = lookup(checked.key, triple_keys(len(cohort), *own_triples.T))
    own_ok = checked.ok[at] & ~rejected_cells(rejected, *own_triples.T)
    own = np.zeros(len(stats.mentee), dtype=np.int64)
    own_full = np.zeros(len(stats.mentee), dtype=np.int64)
    for (r, m), ok in zip(own_rows, own_ok.tolist(), strict=True):
        own[r] += ok
        own_full[r] += ok and bool(is_full[m])
        at_held[r] -= ok and bool(held_full[m])
    rows = []
    for r in open_rows:
        key = (int(stats.mentee[r]), int(stats.kind[r]))
        possible = int(stats.feasible[r] - stats.below_min[r])
        full = possible - int(with_room[r]) - int(own_full[r])
        top = best.get(key[0] * len(MENTOR_TYPES) + key[1])
        best_text = ""
        if top is not None:
            best_text = f"{cohort.people[found.mentor[top]].name} (score {found.score[top]:g})"
        e = cohort.people[key[0]]
        taken = (full - int(at_held[r]), int(at_held[r]), int(own[r]))
        reason = unmatched_reason(cohort, stats, r, config, taken, best_text, rejected)
        rows.append((e.email, e.name, MENTOR_TYPES[key[1]].value, reason))
    return pd.DataFrame(rows, columns=UNMATCHED_COLUMNS)


def _best_candidates(found: Candidates, n: int) -> dict[int, int]:
    """Each request's best candidate in ``found``, of a cohort of ``n`` people: request
    ``mentee * len(MENTOR_TYPES) + kind`` -> its row of the top score (the lowest mentor
    index among equal scores). Candidates come in canonical order (type, mentee, mentor),
    so the sort below only checks that: a request's rows are one run, by mentor."""
    kind, mentee, mentor = (
        np.asarray(a, dtype=np.int64) for a in (found.kind, found.mentee, found.mentor)
    )
    order = np.argsort((kind * n + mentee) * n + mentor, kind="stable")
    request = (kind * n + mentee)[order]
    starts = np.flatnonzero(np.diff(request, prepend=-1))
    if not len(starts):
        return {}
    scores = found.score[order]
    segment = np.cumsum(np.diff(request, prepend=-1) != 0) - 1
    at_top = np.flatnonzero(scores == np.maximum.reduceat(scores, starts)[segment])
    _, first = np.unique(segment[at_top], return_index=True)  # the lowest mentor of each
    best = order[at_top[first]]
    return dict(
        zip((mentee[best] * len(MENTOR_TYPES) + kind[best]).tolist(), best.tolist(), strict=True)
    )


def scores_frame(cohort: Cohort, found: Candidates) -> pd.DataFrame:
    """Every candidate in ``found`` with its score, sorted by mentee, mentor and type (see
    the module's example)."""
    emails = np.array([p.email for p in cohort.people], dtype=object)
    types = np.array([t.value for t in MENTOR_TYPES], dtype=object)
    frame = pd.DataFrame(
        {
            "mentee_email": emails[found.mentee],
            "mentor_email": emails[found.mentor],
            "mentor_type": types[found.kind],
            "score": found.score,
        },
        columns=SCORE_COLUMNS,
    )
    return frame.sort_values(SCORE_COLUMNS[:3], kind="stable", ignore_index=True)
