"""The tables of a Proposal, built from the chosen candidates: matches, open requests, scores.

:func:`match_frame` lists each chosen pair with its score, its reasons in words and the
points each criterion earned; :func:`unmatched_frame` gives each open request the reason
an admin acts on (:func:`matcher.explain.unmatched_reason`), counting every candidate of
the request, also those pruning left out; :func:`scores_frame` lists every candidate with
its score. Their columns are those of :mod:`matcher.proposal`.

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

from collections.abc import Sequence

import numpy as np
import pandas as pd

from matcher.candidates import Candidates, are_candidates, count_candidates, score_triples
from matcher.cohort import MENTOR_TYPES, Cohort
from matcher.config import ProgramConfig
from matcher.constraints import Rejected
from matcher.explain import match_reasons, unmatched_reason
from matcher.proposal import BREAKDOWN_COLUMNS, MATCH_COLUMNS, SCORE_COLUMNS, UNMATCHED_COLUMNS
from matcher.scoring import BONUSES, points


def match_frame(
    cohort: Cohort, found: Candidates, chosen: np.ndarray, config: ProgramConfig
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The matches and their score breakdown: one row per ``chosen`` candidate, and one per
    chosen candidate and criterion (value, weight and points earned; a bonus criterion such
    as ``priority`` only where the pair earned it).

    Rows are sorted by mentee, type and mentor; reasons come from
    :func:`matcher.explain.match_reasons` (see the module's example).
    """
    idx = np.flatnonzero(chosen)
    idx = idx[np.lexsort((found.mentor[idx], found.kind[idx], found.mentee[idx]))]
    mentee, mentor, kind = found.mentee[idx], found.mentor[idx], found.kind[idx]
    _, parts = score_triples(cohort, mentee, mentor, kind, config)
    position = {k: np.cumsum(kind == k) - 1 for k in parts}
    rows, breakdown = [], []
    for i in range(len(idx)):
        e, m, k = cohort.people[mentee[i]], cohort.people[mentor[i]], int(kind[i])
        mentor_type = MENTOR_TYPES[k]
        values = {name: float(v[position[k][i]]) for name, v in parts[k].items()}
        reasons = match_reasons(e, m, mentor_type, values, config)
        rows.append(
            (e.email, e.name, m.email, m.name, mentor_type.value, found.score[idx[i]], reasons)
        )
        breakdown.extend(
            (e.email, m.email, mentor_type.value, name, v, weight, round(earned, 2))
            for name, v in values.items()
            if v > 0 or name not in BONUSES  # a bonus the pair did not earn is no part
            for weight, earned in [points(name, v, mentor_type, config, values)]
        )
    return (
        pd.DataFrame(rows, columns=MATCH_COLUMNS),
        pd.DataFrame(breakdown, columns=BREAKDOWN_COLUMNS),
    )


def unmatched_frame(
    cohort: Cohort,
    found: Candidates,
    chosen: np.ndarray,
    config: ProgramConfig,
    rejected: Rejected,
    compiled: bool,
    locks: Sequence[tuple[int, int, int]] = (),
) -> pd.DataFrame:
    """One row per open request with its reason.

    "Full" and "already your mentor" counts are over every candidate of the request, also
    those pruning left out: the candidates at mentors with room are counted block by block
    and subtracted from the request's exact total. Of the full mentors, those whose every
    place holds one of ``locks`` (approved or locked pairs) are counted apart the same
    way: their places went to an admin's decision, not to better overall matches.
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
    # each request's best candidate (the lowest mentor index among equal scores)
    order = np.lexsort((found.mentor, -found.score, found.kind, found.mentee))
    request = found.mentee[order] * len(MENTOR_TYPES) + found.kind[order]
    first = np.flatnonzero(np.diff(request, prepend=-1))
    best = dict(zip(request[first].tolist(), order[first].tolist(), strict=True))
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
    own_ok = are_candidates(cohort, config, rejected, *own_triples.T, compiled)
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
