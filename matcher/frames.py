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

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from itertools import chain

import numpy as np
import pandas as pd

from matcher.candidates import (
    Candidates,
    are_candidates,
    count_candidates,
    lookup,
    score_triples,
)
from matcher.cohort import MENTOR_TYPES, Cohort
from matcher.config import ProgramConfig
from matcher.constraints import Rejected
from matcher.explain import criterion_phrase, said_reasons, unmatched_reason
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

    Each criterion's weight and points (:func:`matcher.scoring.points`) and the order in
    which the reasons name the criteria (:func:`_ranked_criteria`) are worked out once for
    all the pairs, element-wise, which gives each pair the very numbers and order it would
    get alone; only the phrases read the two people pair by pair.

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
    names = list(values)
    worth = [points(name, v, mentor_type, config, names) for name, v in values.items()]
    said, ranked = _ranked_criteria(names, values, [earned for _, earned in worth])
    phrases = [criterion_phrase(name, mentor_type, config) for name in names]
    orders, order = np.unique(np.where(said, ranked, len(names)).T, axis=0, return_inverse=True)
    in_words = [tuple(phrases[c] for c in row if c < len(names)) for row in orders.tolist()]
    people = cohort.people
    reasons = [
        said_reasons(people[e], people[m], in_words[k], config)
        for e, m, k in zip(mentee.tolist(), mentor.tolist(), order.ravel().tolist(), strict=True)
    ]
    return list(zip(reasons, _breakdown_parts(values, worth), strict=True))


def _breakdown_parts(
    values: dict[str, np.ndarray], worth: list[tuple[float, np.ndarray]]
) -> Iterable[tuple[Part, ...]]:
    """Per pair, its breakdown rows: each criterion of ``values`` with its value, weight
    and points (``worth``: each criterion's weight and the points of each pair), rounded;
    a bonus criterion only where the pair earned it.

    >>> rows = _breakdown_parts(
    ...     {"goals": np.array([0.5, 1.0]), "priority": np.array([0.0, 1.0])},
    ...     [(30.0, np.array([15.0, 30.0])), (2.0, np.array([0.0, 2.0]))],
    ... )
    >>> list(rows)
    [(('goals', 0.5, 30.0, 15.0),), (('goals', 1.0, 30.0, 30.0), ('priority', 1.0, 2.0, 2.0))]
    """
    columns = [
        [
            (name, v, weight, round(earned, 2)) if v > 0 or name not in BONUSES else None
            for v, earned in zip(values[name].tolist(), pts.tolist(), strict=True)
        ]
        for name, (weight, pts) in zip(values, worth, strict=True)
    ]
    parts = zip(*columns, strict=True)
    if not any(name in BONUSES for name in values):
        return parts
    return (tuple(part for part in row if part is not None) for row in parts)


def _ranked_criteria(
    names: list[str], values: dict[str, np.ndarray], earned: list[np.ndarray]
) -> tuple[np.ndarray, np.ndarray]:
    """Per pair (column), the criteria (indices into ``names``) by the points they earned,
    most first, equal points by name, as :func:`matcher.explain.match_reasons` ranks them;
    and whether the criterion in each place has a value above 0 (only those are said).

    >>> said, ranked = _ranked_criteria(
    ...     ["b", "a", "c"],
    ...     {"b": np.array([1.0, 0.0]), "a": np.array([0.5, 1.0]), "c": np.array([0.0, 0.0])},
    ...     [np.array([10.0, 0.0]), np.array([10.0, 30.0]), np.array([0.0, 0.0])],
    ... )
    >>> ranked.T.tolist(), said.T.tolist()
    ([[1, 0, 2], [1, 0, 2]], [[True, True, False], [True, False, False]])
    """
    points = np.array(earned, dtype=np.float64).reshape(len(names), -1)
    by_name = np.broadcast_to(np.argsort(np.argsort(names))[:, None], points.shape)
    ranked = np.lexsort((by_name, -points), axis=0)
    value = np.array([values[name] for name in names], dtype=np.float64).reshape(points.shape)
    return np.take_along_axis(value, ranked, axis=0) > 0, ranked


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
    emails, names = (_people_column(cohort, field) for field in ("email", "name"))
    mentee_email, mentor_email, mentor_type = emails[mentee], emails[mentor], TYPE_NAMES[kind]
    matches = _frame(
        MATCH_COLUMNS,
        mentee_email, names[mentee], mentor_email, names[mentor], mentor_type, found.score[idx],
        explained.reasons,
    )  # fmt: skip
    count = [len(parts) for parts in explained.parts]
    flat = list(chain.from_iterable(explained.parts))
    criterion, value, weight, earned = ([part[f] for part in flat] for f in range(4))
    breakdown = _frame(
        BREAKDOWN_COLUMNS,
        *(np.repeat(column, count) for column in (mentee_email, mentor_email, mentor_type)),
        criterion, value, weight, earned,
    )  # fmt: skip
    return matches, breakdown


#: Each type's name, by type index (the ``mentor_type`` column of the tables).
TYPE_NAMES = np.array([t.value for t in MENTOR_TYPES], dtype=object)


def _people_column(cohort: Cohort, field: str) -> np.ndarray:
    """Each person's ``field`` (``email``, ``name``), by person index."""
    return np.array([getattr(p, field) for p in cohort.people], dtype=object)


def _frame(names: Sequence[str], *columns: Sequence) -> pd.DataFrame:
    """The table of ``columns`` named ``names``, of the dtypes pandas gives a table built
    from its rows: also when there are none (then each column holds objects).

    >>> rows = pd.DataFrame([("x", 1.5)], columns=["a", "b"])
    >>> _frame(["a", "b"], np.array(["x"], dtype=object), [1.5]).dtypes.equals(rows.dtypes)
    True
    >>> _frame(["a", "b"], [], []).dtypes.tolist()
    [dtype('O'), dtype('O')]
    """
    if not len(columns[0]):
        return pd.DataFrame([], columns=names)
    return pd.DataFrame(dict(zip(names, columns, strict=True)), columns=names)


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
    open_rows = _open_requests(found, chosen)
    with_room = np.zeros(len(stats.mentee), dtype=np.int64)
    at_held = np.zeros(len(stats.mentee), dtype=np.int64)
    for kind, mentor_type in enumerate(MENTOR_TYPES):
        rows = open_rows[stats.kind[open_rows] == kind]
        offering = cohort.mentors_offering(mentor_type)
        for counts, mentors in (
            (with_room, offering[~is_full[offering]]),
            (at_held, offering[held_full[offering]]),
        ):
            if len(rows) and len(mentors):
                counts[rows] = count_candidates(
                    cohort, config, rejected, kind, stats.mentee[rows], mentors, compiled
                )
    own_row, own_mentor = _other_mentors(found, chosen, open_rows)
    own_triples = (stats.mentee[own_row], own_mentor, stats.kind[own_row])
    checked = check(cohort, config, *own_triples, compiled)
    _, at = lookup(checked.key, triple_keys(len(cohort), *own_triples))
    own_ok = checked.ok[at] & ~rejected_cells(rejected, *own_triples)
    own, own_full, own_held = (
        np.bincount(own_row[own_ok & mentors], minlength=len(stats.mentee))
        for mentors in (True, is_full[own_mentor], held_full[own_mentor])
    )
    at_held -= own_held
    full = stats.feasible - stats.below_min - with_room - own_full
    best = _best_candidates(found, len(cohort))
    rows = []
    for r, mentee, kind, taken in zip(
        open_rows.tolist(),
        stats.mentee[open_rows].tolist(),
        stats.kind[open_rows].tolist(),
        zip(*(a[open_rows].tolist() for a in (full - at_held, at_held, own)), strict=True),
        strict=True,
    ):
        top = best.get(mentee * len(MENTOR_TYPES) + kind)
        best_text = ""
        if top is not None:
            best_text = f"{cohort.people[found.mentor[top]].name} (score {found.score[top]:g})"
        e = cohort.people[mentee]
        reason = unmatched_reason(cohort, stats, r, config, taken, best_text, rejected)
        rows.append((e.email, e.name, MENTOR_TYPES[kind].value, reason))
    return pd.DataFrame(rows, columns=UNMATCHED_COLUMNS)


def _open_requests(found: Candidates, chosen: np.ndarray) -> np.ndarray:
    """The rows of ``found.stats`` whose request no ``chosen`` candidate fills, by mentee
    and type."""
    stats = found.stats
    request = stats.mentee * len(MENTOR_TYPES) + stats.kind
    filled = np.isin(request, found.mentee[chosen] * len(MENTOR_TYPES) + found.kind[chosen])
    order = np.lexsort((stats.kind, stats.mentee))
    return order[~filled[order]]


def _other_mentors(
    found: Candidates, chosen: np.ndarray, rows: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Each mentor a ``chosen`` candidate gives the mentee of each of ``rows`` (rows of
    ``found.stats``), in any type: the row and the mentor of each such pair.

    >>> from matcher.candidates import RequestStats
    >>> no = np.zeros(3, dtype=np.int64)
    >>> stats = RequestStats(np.array([0, 1, 2]), no, no, no, no, no)
    >>> found = Candidates(np.array([0, 0, 2]), np.array([5, 6, 7]), no, no, stats)
    >>> row, mentor = _other_mentors(found, np.array([True, True, False]), np.array([1, 0, 2]))
    >>> row.tolist(), mentor.tolist()
    ([0, 0], [5, 6])
    """
    by_mentee = np.argsort(found.mentee[chosen], kind="stable")
    mentees, mentors = found.mentee[chosen][by_mentee], found.mentor[chosen][by_mentee]
    wanted = found.stats.mentee[rows]
    first = np.searchsorted(mentees, wanted, side="left")
    count = np.searchsorted(mentees, wanted, side="right") - first
    start = np.repeat(first - (np.cumsum(count) - count), count)
    return np.repeat(rows, count), mentors[start + np.arange(len(start))]


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
    emails = _people_column(cohort, "email")
    frame = pd.DataFrame(
        {
            "mentee_email": emails[found.mentee],
            "mentor_email": emails[found.mentor],
            "mentor_type": TYPE_NAMES[found.kind],
            "score": found.score,
        },
        columns=SCORE_COLUMNS,
    )
    return frame.sort_values(SCORE_COLUMNS[:3], kind="stable", ignore_index=True)
