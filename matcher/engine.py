"""The entry point: participants, config and admin decisions in; a Proposal out.

``propose`` runs the whole flow: encode the participants, evaluate the hard rules and
scores (:mod:`matcher.candidates`), solve (:mod:`matcher.solver`) and explain
(:mod:`matcher.explain`). Its result is a frozen :class:`Proposal` of pandas DataFrames
with the columns of the CSV contract in DESIGN.md.

Determinism: people are sorted by e-mail before anything else, candidate triples are
listed in the canonical order (type, mentee e-mail, mentor e-mail) and the solver is
deterministic, so the same input gives byte-identical output whatever the input's row
order. Among equally good matchings, the one the solver reaches first for that canonical
order is returned.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Literal

import numpy as np
import pandas as pd

from matcher.breaches import pair_breaches
from matcher.candidates import (
    Candidates,
    CohortPricer,
    Progress,
    are_candidates,
    build_candidates,
    count_candidates,
    rejected_matrices,
    score_triples,
    weights,
)
from matcher.cohort import MENTOR_TYPES, Cohort, Pairs, block, encode
from matcher.config import ProgramConfig
from matcher.constraints import Rejected
from matcher.errors import MatcherError, SolveError
from matcher.explain import match_reasons, unmatched_reason
from matcher.kernels import compile_kernels
from matcher.locks import stale_locks
from matcher.pruning import (
    CertificationError,
    Edges,
    certified_solve,
    top_per_mentor,
    top_per_request,
)
from matcher.schema import MentorType, Participant
from matcher.scoring import score
from matcher.solver import solve
from matcher.words import plural

#: Candidates per request the first round solves on (see :mod:`matcher.pruning`).
KEEP = 8
#: The first round also holds each mentor's ``MENTOR_KEEP * capacity`` best candidates
#: among those kept, so that it fills the places of mentors few requests rank highly.
MENTOR_KEEP = 3
#: Candidates per request kept in memory, so that pricing re-evaluates fewer triples.
RESERVE = 32
#: A cohort whose requests are all of one type, with at most this many (mentee, mentor)
#: cells, keeps every candidate and is solved in one go (a capacitated assignment, no
#: certified rounds): 1,200 + 1,200 people, solve 0.9 s -> 0.35 s. With several types
#: the flow on every candidate is slower than pruning (5,000 people: 22 s against 0.9 s).
DIRECT_CELLS = 2_000_000
#: A cohort with more (mentee, mentor) cells than this, over all types sought, runs the
#: compiled kernels, compiling them first on a machine's first such run (most of a minute;
#: they are kept in numba's cache, see :mod:`matcher.kernels`). Smaller ones run numpy and
#: the kernels' plain Python, about as fast as loading the compiled code from the cache and
#: running it. CPU seconds of a run, uncompiled against compiled, coverage / fairness:
#: 150 people (6,056 cells) 0.14 / 0.32 against 0.40 / 0.40; 250 people (18,195 cells)
#: 0.20 / 0.57 against 0.38 / 0.45; 300 people (23,755 cells) 0.27 / 0.93 against
#: 0.40 / 0.42; 600 people 1.40 / 5.15 against 0.40 / 0.58 (benchmarks/compile_threshold.py).
COMPILE_CELLS = 20_000
#: The progress step while the kernels compile (short: the web app's run page shows it and
#: stores steps of at most 40 characters).
COMPILE_STEP = "compiling the engine (first time only)"

MATCH_COLUMNS = [
    "mentee_email",
    "mentee_name",
    "mentor_email",
    "mentor_name",
    "mentor_type",
    "score",
    "reasons",
]
UNMATCHED_COLUMNS = ["mentee_email", "mentee_name", "mentor_type", "reason"]
SCORE_COLUMNS = ["mentee_email", "mentor_email", "mentor_type", "score"]
BREAKDOWN_COLUMNS = [
    "mentee_email",
    "mentor_email",
    "mentor_type",
    "criterion",
    "value",
    "weight",
    "points",
]


@dataclass(frozen=True)
class Decision:
    """An admin's decision on a triple: ``lock`` keeps it, ``reject`` never proposes it.

    >>> Decision("ana@x.org", "bo@x.org", MentorType.SPONSORSHIP, "lock").action
    'lock'
    """

    mentee_email: str
    mentor_email: str
    mentor_type: MentorType
    action: Literal["lock", "reject"]


@dataclass(frozen=True, eq=False)
class Proposal:
    """The result of :func:`propose`.

    Attributes
    ----------
    matches
        One row per proposed pair: ``mentee_email, mentee_name, mentor_email, mentor_name,
        mentor_type, score, reasons``, sorted by mentee e-mail, type, mentor e-mail.
    unmatched
        One row per open request: ``mentee_email, mentee_name, mentor_type, reason``.
    scores
        Every feasible triple with its score (only when asked for), else None.
    breakdown
        Per matched pair and criterion: value in [0, 1], weight and points earned.
    timings
        Seconds spent per step: rules, scores, solve, explain; ``compile`` too when the
        run had to compile the kernels first (see :data:`COMPILE_CELLS`).
    config
        The config the proposal was computed with.
    """

    matches: pd.DataFrame
    unmatched: pd.DataFrame
    scores: pd.DataFrame | None
    breakdown: pd.DataFrame
    config: ProgramConfig
    timings: dict[str, float] = field(default_factory=dict)


def decision_triples(
    cohort: Cohort, decisions: Iterable[Decision], action: str
) -> list[tuple[int, int, int]]:
    """The (mentee, mentor, type) indices of the decisions with ``action``, sorted.

    >>> decision_triples(encode([]), [], "lock")
    []
    """
    out = []
    for d in decisions:
        if d.action != action:
            continue
        missing = [e for e in (d.mentee_email, d.mentor_email) if e.lower() not in cohort.index]
        if missing:
            raise SolveError(
                f"the {action} decision on {d.mentee_email} -> {d.mentor_email} names "
                f"{', '.join(missing)}, who is not a participant; remove that decision"
            )
        kind = MENTOR_TYPES.index(MentorType(d.mentor_type))
        out.append(
            (cohort.index[d.mentee_email.lower()], cohort.index[d.mentor_email.lower()], kind)
        )
    return sorted(set(out))


def _with_locks(
    cohort: Cohort, found: Candidates, locks: list[tuple[int, int, int]], config: ProgramConfig
) -> tuple[Candidates, np.ndarray]:
    """Candidates plus any lock scoring below min_score, and the mask of locked edges."""
    if not locks:
        return found, np.zeros(len(found), dtype=bool)
    keys = set(zip(found.mentee.tolist(), found.mentor.tolist(), found.kind.tolist(), strict=True))
    extra = np.array([t for t in locks if t not in keys], dtype=np.int64).reshape(-1, 3)
    if len(extra):
        scores, _ = score_triples(cohort, extra[:, 0], extra[:, 1], extra[:, 2], config)
        mentee = np.concatenate([found.mentee, extra[:, 0]])
        mentor = np.concatenate([found.mentor, extra[:, 1]])
        kind = np.concatenate([found.kind, extra[:, 2]])
        order = np.lexsort((mentor, mentee, kind))
        found = Candidates(
            mentee[order],
            mentor[order],
            kind[order],
            np.concatenate([found.score, scores])[order],
            found.stats,
            found.timings,
            found.unkept,
        )
    lock_set = set(locks)
    locked = np.array(
        [
            t in lock_set
            for t in zip(
                found.mentee.tolist(), found.mentor.tolist(), found.kind.tolist(), strict=True
            )
        ],
        dtype=bool,
    )
    return found, locked


def _match_frame(
    cohort: Cohort, found: Candidates, chosen: np.ndarray, config: ProgramConfig
) -> tuple[pd.DataFrame, pd.DataFrame]:
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
        weights = config.weights[mentor_type]
        total = sum(weights.values())
        breakdown.extend(
            (
                e.email,
                m.email,
                mentor_type.value,
                name,
                v,
                weights[name],
                round(100 * weights[name] * v / total, 2),
            )
            for name, v in values.items()
        )
    return (
        pd.DataFrame(rows, columns=MATCH_COLUMNS),
        pd.DataFrame(breakdown, columns=BREAKDOWN_COLUMNS),
    )


def _unmatched_frame(
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
    own_ok = are_candidates(cohort, config, rejected, *own_triples.T)
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


def _scores_frame(cohort: Cohort, found: Candidates) -> pd.DataFrame:
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


def _cells(cohort: Cohort) -> list[int]:
    """Per mentor type, its (mentee, mentor) cells: mentees seeking it x mentors offering it."""
    return [len(cohort.mentees_seeking(t)) * len(cohort.mentors_offering(t)) for t in MENTOR_TYPES]


def _solved_directly(cohort: Cohort) -> bool:
    """True when every request is of one type and that type has at most
    :data:`DIRECT_CELLS` (mentee, mentor) cells (see :data:`DIRECT_CELLS`)."""
    sought = [c for c in _cells(cohort) if c]
    return len(sought) <= 1 and sum(sought) <= DIRECT_CELLS


def _build_kernels(progress: Progress | None) -> dict[str, float]:
    """Build the compiled kernels before a big run, reported as the step
    :data:`COMPILE_STEP` while they compile: ``{"compile": seconds}`` when they had to be
    compiled, ``{}`` when they came from numba's cache or were built already."""
    seconds = compile_kernels(None if progress is None else partial(progress, COMPILE_STEP))
    return {"compile": seconds} if seconds else {}


def _solve(
    cohort: Cohort,
    config: ProgramConfig,
    rejected: Rejected,
    found: Candidates,
    locks: list[tuple[int, int, int]],
    progress: Progress | None,
    compiled: bool,
) -> tuple[Candidates, np.ndarray]:
    """The optimal choice among all candidates, and the candidates it was chosen from.

    Unpruned candidates go straight to :func:`matcher.solver.solve`. Pruned ones are
    solved by :func:`matcher.pruning.certified_solve`, which adds the triples the
    certificate needs; should the flow's prices ever fail the exact check, every
    candidate is built and solved instead.
    """
    found, locked = _with_locks(cohort, found, locks, config)
    if found.pruned:
        kept = Edges.of(found.mentee, found.mentor, found.kind, weights(found.score))
        first = top_per_request(kept, KEEP) | locked
        first |= top_per_mentor(kept, cohort.capacity, MENTOR_KEEP)
        pricer = CohortPricer(
            cohort, config, rejected, found, KEEP, kept.take(~first), compiled=compiled
        )
        try:
            edges, chosen = certified_solve(
                kept.take(first),
                cohort.capacity,
                pricer,
                objective=config.objective,
                locked=locked[first],
                shape=(len(cohort), len(MENTOR_TYPES)),
                requests=len(found.stats.mentee),
                compiled=compiled,
            )
        except CertificationError:
            found = build_candidates(cohort, config, rejected, progress, compiled=compiled)
            found, locked = _with_locks(cohort, found, locks, config)
        else:
            order = np.lexsort((edges.mentor, edges.mentee, edges.kind))
            found = Candidates(
                edges.mentee[order],
                edges.mentor[order],
                edges.kind[order],
                edges.weight[order] / 100,
                found.stats,
                {**found.timings, "pricing": pricer.seconds},
                found.unkept,
            )
            return found, chosen[order]
    chosen = solve(
        found.mentee,
        found.mentor,
        found.kind,
        weights(found.score),
        cohort.capacity,
        objective=config.objective,
        locked=locked,
        compiled=compiled,
    )
    return found, chosen


def propose(
    participants: Sequence[Participant],
    config: ProgramConfig | None = None,
    decisions: Sequence[Decision] = (),
    *,
    with_scores: bool = False,
    progress: Progress | None = None,
) -> Proposal:
    """Find the best matching under every hard rule and explain it.

    Parameters
    ----------
    participants
        Validated participants (see :func:`matcher.intake.load_participants`).
    config
        Program config; defaults to :class:`ProgramConfig`.
    decisions
        Admin decisions: locked triples are kept (even below ``min_score``), rejected
        triples are never proposed.
    with_scores
        Also return every feasible triple with its score (grows with mentees x mentors).
    progress
        Called as ``progress(step, done, total)`` while the long steps run (the first
        :data:`COMPILE_STEP` when a big cohort has to compile the kernels).

    Returns
    -------
    Proposal

    Raises
    ------
    SolveError
        When a lock cannot hold (it names someone who is not a participant, breaks a hard
        rule, or overfills a mentor: see :func:`matcher.locks.stale_locks`), or a decision
        names someone who is not a participant.

    Examples
    --------
    >>> from matcher.schema import Role
    >>> people = [
    ...     Participant(
    ...         "ana@x.org", "Ana", Role.MENTEE, seeks=("expertise",), expertise_wanted=("python",)
    ...     ),
    ...     Participant(
    ...         "bo@x.org", "Bo", Role.MENTOR, offers=("expertise",), expertise=("python", "sql")
    ...     ),
    ... ]
    >>> p = propose(people)
    >>> p.matches[["mentee_name", "mentor_name", "mentor_type", "score"]].values.tolist()
    [['Ana', 'Bo', 'expertise', 72.5]]
    >>> p.matches.reasons[0]
    'covers 1 of 1 wanted skill: python'
    """
    config = config or ProgramConfig()
    cohort = encode(participants)
    if stale := stale_locks(participants, config, decisions, cohort):
        raise SolveError(stale[0].describe())
    locks = decision_triples(cohort, decisions, "lock")
    rejects = decision_triples(cohort, decisions, "reject")
    if clash := set(locks) & set(rejects):
        mentee, mentor, _ = sorted(clash)[0]
        raise SolveError(
            f"{cohort.people[mentee].email} -> {cohort.people[mentor].email} is both locked "
            "and rejected; keep one decision"
        )
    rejected = rejected_matrices(cohort, rejects)
    compiled = sum(_cells(cohort)) > COMPILE_CELLS
    built = _build_kernels(progress) if compiled else {}
    keep = None if with_scores or _solved_directly(cohort) else RESERVE
    found = build_candidates(cohort, config, rejected, progress, keep, compiled=compiled)

    started = time.perf_counter()
    found, chosen = _solve(cohort, config, rejected, found, locks, progress, compiled)
    timings = {**built, **found.timings, "solve": time.perf_counter() - started}
    if progress is not None:
        progress("solve", 1, 1)

    started = time.perf_counter()
    matches, breakdown = _match_frame(cohort, found, chosen, config)
    unmatched = _unmatched_frame(cohort, found, chosen, config, rejected, compiled, locks)
    scores = _scores_frame(cohort, found) if with_scores else None
    timings["explain"] = time.perf_counter() - started
    return Proposal(matches, unmatched, scores, breakdown, config, timings)


ALTERNATIVE_COLUMNS = [
    "mentor_type",
    "rank",
    "mentor_email",
    "mentor_name",
    "score",
    "outcome",
    "why",
]


@dataclass(frozen=True, eq=False)
class MenteeExplanation:
    """One mentee's matches, open requests, and per type the best alternatives and their fate."""

    matches: pd.DataFrame
    unmatched: pd.DataFrame
    alternatives: pd.DataFrame


def _fate(
    mentor: Participant,
    score: float,
    blocked: list[str],
    placed: pd.DataFrame,
    chosen: pd.Series | None,
    config: ProgramConfig,
) -> tuple[str, str]:
    """Outcome and words for one alternative mentor of one request."""
    if chosen is not None and chosen.mentor_email == mentor.email:
        return "matched", chosen.reasons
    if blocked:
        return "blocked", "; ".join(blocked)
    if score < config.min_score:
        return "lower score", f"below the program's minimum score of {config.min_score:g}"
    theirs = placed[placed.mentor_email == mentor.email]
    if len(theirs) >= mentor.capacity:
        names = ", ".join(sorted(set(theirs.mentee_name)))
        places = plural(mentor.capacity, "place")
        return "went to another mentee", f"full ({places}): mentors {names}"
    if chosen is not None:
        return "lower score", f"score {score:g} vs {chosen.score:g} for the match"
    return "lower score", "left free: giving this pair would cost the cohort more elsewhere"


def mentee_index(cohort: Cohort, mentee_email: str) -> int:
    """The index in ``cohort`` of the mentee with this e-mail (case-insensitive).

    >>> from matcher.schema import Role
    >>> mentee_index(
    ...     encode([Participant("a@x.org", "A", Role.MENTEE, seeks=("expertise",))]), "A@X.org"
    ... )
    0

    Raises :class:`MatcherError` when the e-mail is not a mentee's.
    """
    email = mentee_email.strip().lower()
    if email not in cohort.index or not cohort.people[cohort.index[email]].is_mentee:
        raise MatcherError(f"{mentee_email} is not a mentee of this program")
    return cohort.index[email]


def mentors_for(
    cohort: Cohort, mentee: int, config: ProgramConfig
) -> Iterator[tuple[MentorType, np.ndarray, Pairs, np.ndarray]]:
    """Per type the mentee (an index) seeks: the other people who offer it, the 1 x n
    block of their pairs with the mentee, and each pair's score."""
    for kind, mentor_type in enumerate(MENTOR_TYPES):
        if not cohort.seeks[mentee, kind]:
            continue
        mentors = cohort.mentors_offering(mentor_type)
        mentors = mentors[mentors != mentee]
        pairs = block(cohort, np.array([mentee]), mentors)
        yield mentor_type, mentors, pairs, score(pairs, mentor_type, config)[0][0]


def explain_mentee(
    participants: Sequence[Participant],
    mentee_email: str,
    config: ProgramConfig | None = None,
    decisions: Sequence[Decision] = (),
    proposal: Proposal | None = None,
    top: int = 5,
    cohort: Cohort | None = None,
) -> MenteeExplanation:
    """Why one mentee got the mentors they got, and what became of the best alternatives.

    Parameters
    ----------
    participants, config, decisions
        As given to :func:`propose`.
    mentee_email
        The mentee to explain (case-insensitive).
    proposal
        A proposal already computed for these inputs (computed when omitted).
    top
        How many alternatives to show per type sought, besides the match.
    cohort
        ``encode(participants)`` already made (encoded when omitted), so that many
        mentees of one cohort are explained without encoding it again.

    Returns
    -------
    MenteeExplanation
        ``alternatives`` has one row per (type, mentor) with ``outcome`` one of
        ``matched``, ``went to another mentee``, ``lower score``, ``blocked``, ``already
        your mentor`` and ``why`` in words.

    Raises
    ------
    MatcherError
        When ``mentee_email`` is not a mentee of the program.

    Examples
    --------
    >>> from matcher.schema import Role
    >>> people = [
    ...     Participant(
    ...         "ana@x.org", "Ana", Role.MENTEE, seeks=("developmental",), manager_email="cy@x.org"
    ...     ),
    ...     Participant("bo@x.org", "Bo", Role.MENTOR, offers=("developmental",)),
    ...     Participant("cy@x.org", "Cy", Role.MENTOR, offers=("developmental",)),
    ... ]
    >>> alt = explain_mentee(people, "ana@x.org").alternatives
    >>> alt[["mentor_name", "outcome"]].values.tolist()
    [['Bo', 'matched'], ['Cy', 'blocked']]
    """
    config = config or ProgramConfig()
    proposal = proposal or propose(participants, config, decisions)
    cohort = encode(participants) if cohort is None else cohort
    mentee = mentee_index(cohort, mentee_email)
    email = cohort.people[mentee].email
    rejected = rejected_matrices(cohort, decision_triples(cohort, decisions, "reject"))
    mine = proposal.matches[proposal.matches.mentee_email == email]
    placed = proposal.matches[proposal.matches.mentee_email != email]
    rows = []
    for mentor_type, mentors, _, scores in mentors_for(cohort, mentee, config):
        chosen_rows = mine[mine.mentor_type == mentor_type.value]
        chosen = chosen_rows.iloc[0] if len(chosen_rows) else None
        other_types = set(mine.mentor_email) - set(chosen_rows.mentor_email)
        order = sorted(
            range(len(mentors)), key=lambda j: (-scores[j], cohort.people[mentors[j]].email)
        )
        chosen_email = None if chosen is None else chosen.mentor_email
        shown = [j for j in order if cohort.people[mentors[j]].email == chosen_email]
        shown += [j for j in order if j not in shown][:top]
        for rank, j in enumerate(sorted(shown, key=order.index), start=1):
            mentor = cohort.people[mentors[j]]
            if mentor.email in other_types:
                outcome, why = "already your mentor", "mentors this person in another type already"
            else:
                blocked = pair_breaches(
                    cohort, mentee, int(mentors[j]), mentor_type, config, rejected
                )
                outcome, why = _fate(mentor, float(scores[j]), blocked, placed, chosen, config)
            rows.append(
                (mentor_type.value, rank, mentor.email, mentor.name, float(scores[j]), outcome, why)
            )
    return MenteeExplanation(
        matches=mine.reset_index(drop=True),
        unmatched=proposal.unmatched[proposal.unmatched.mentee_email == email].reset_index(
            drop=True
        ),
        alternatives=pd.DataFrame(rows, columns=ALTERNATIVE_COLUMNS),
    )
