"""The entry point: participants, config and admin decisions in; a Proposal out.

``propose`` runs the whole flow, top to bottom: encode the participants and read the admin's
decisions (:mod:`matcher.proposal`), evaluate the hard rules and scores
(:mod:`matcher.candidates`), solve (:mod:`matcher.solver`, or on a pruned candidate set
:mod:`matcher.pruning` with :mod:`matcher.pricing`) and lay the result out in tables with
reasons (:mod:`matcher.frames`). Its result is a frozen :class:`~matcher.proposal.Proposal`
of pandas DataFrames with the columns of the CSV contract in DESIGN.md.

Determinism: people are sorted by e-mail before anything else, candidate triples are
listed in the canonical order (type, mentee e-mail, mentor e-mail) and the solver is
deterministic, so the same input gives byte-identical output whatever the input's row
order. Among equally good matchings, the one the solver reaches first for that canonical
order is returned. On the pruned path (large cohorts), under the coverage and quality
objectives, a run with decisions first solves with none and then repairs that flow for
them (:mod:`matcher.repair`), so a re-run that kept the first part (:mod:`matcher.warm`)
returns the same matching.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Sequence
from functools import partial

import numpy as np
import pandas as pd

from matcher.candidates import (
    Candidates,
    Progress,
    build_candidates,
    lookup,
    score_triples,
    weights,
)
from matcher.cohort import MENTOR_TYPES, Cohort, encode
from matcher.config import ProgramConfig
from matcher.constraints import Rejected
from matcher.errors import SolveError
from matcher.fill import Request, fillable, left_open, restricted
from matcher.frames import (
    CheckTriples,
    ExplainPairs,
    check_triples,
    explain_pairs,
    match_frame,
    scores_frame,
    triple_keys,
    unmatched_frame,
)
from matcher.graph import lex_order
from matcher.kernels import compile_kernels
from matcher.locks import stale_locks
from matcher.pricing import CohortPricer
from matcher.proposal import Decision, Proposal, decision_triples, rejected_matrices
from matcher.pruning import (
    CertificationError,
    Certified,
    Edges,
    certified_flow,
    top_per_mentor,
    top_per_request,
)
from matcher.rejections import RejectionFree
from matcher.repair import Settled, repaired_start
from matcher.schema import Participant
from matcher.solver import solve

#: Candidates per request the first round solves on (see :mod:`matcher.pruning`).
KEEP = 8
#: The first round also holds each mentor's ``MENTOR_KEEP * capacity`` best candidates
#: among those kept, so that it fills the places of mentors few requests rank highly.
MENTOR_KEEP = 3
#: Candidates per request kept in memory, so that pricing re-evaluates fewer triples.
RESERVE = 32
#: A cohort whose requests are all of one type, with at most this many (mentee, mentor)
#: cells, keeps every candidate and is solved in one go (a capacitated assignment, no
#: certified rounds), which is faster for one type; with several types the flow on every
#: candidate is slower than pruning (figures: docs/performance.md).
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


def propose(
    participants: Sequence[Participant],
    config: ProgramConfig | None = None,
    decisions: Sequence[Decision] = (),
    *,
    with_scores: bool = False,
    progress: Progress | None = None,
    fill: Collection[Request] | None = None,
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
    fill
        A rematch: the only requests ``(mentee e-mail, type)`` the run may fill. Every
        other request keeps its locked pair (if any) exactly, and is otherwise left open
        with the reason :data:`matcher.fill.NOT_FILLED`; locked pairs use their mentors'
        places and the requests of ``fill`` are filled optimally around them (the same
        exact solver and objective). None (the default) fills every request.

    Returns
    -------
    Proposal

    Raises
    ------
    SolveError
        When a lock cannot hold (it names someone who is not a participant, breaks a hard
        rule, or overfills a mentor: see :func:`matcher.locks.stale_locks`), a decision
        names someone who is not a participant, or ``fill`` names a request nobody makes.

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

    A rematch of no request leaves Ana's open:

    >>> propose(people, fill=[]).unmatched.reason[0]
    'not part of this rematch: it fills only other requests'
    """
    config = config or ProgramConfig()
    return propose_encoded(
        participants,
        encode(participants),
        config,
        decisions,
        with_scores=with_scores,
        progress=progress,
        fill=fill,
    )


def propose_encoded(
    participants: Sequence[Participant],
    everyone: Cohort,
    config: ProgramConfig,
    decisions: Sequence[Decision] = (),
    *,
    with_scores: bool = False,
    progress: Progress | None = None,
    fill: Collection[Request] | None = None,
    build: RejectionFree | None = None,
    settled: Settled | None = None,
    explain: ExplainPairs = explain_pairs,
    check: CheckTriples = check_triples,
) -> Proposal:
    """:func:`propose` on participants encoded already (``everyone``, their
    :func:`~matcher.cohort.encode`), with ``explain`` in the place of
    :func:`~matcher.frames.explain_pairs` and ``check`` in the place of
    :func:`~matcher.frames.check_triples` (each called the same way; each must return what
    it would). ``build`` builds the candidates and keeps those with no rejection, and
    ``settled`` keeps the certified flow with no decision (:mod:`matcher.repair`); both
    may hold an earlier run's of the same participants and config. :mod:`matcher.warm`
    passes them with its reuse of an earlier run's candidates, flow and tables.

    >>> from matcher.schema import Role
    >>> ana = Participant("ana@x.org", "Ana", Role.MENTEE, seeks=("developmental",))
    >>> bo = Participant("bo@x.org", "Bo", Role.MENTOR, offers=("developmental",))
    >>> people = [ana, bo]
    >>> propose_encoded(people, encode(people), ProgramConfig()).matches.mentor_name.tolist()
    ['Bo']
    """
    cohort = everyone
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
    if fill is not None:
        mask = fillable(everyone, fill, locks)
        cohort = restricted(everyone, mask)
    rejected = rejected_matrices(cohort, rejects)
    keep, compiled = run_shape(cohort, with_scores)
    built = _build_kernels(progress) if compiled else {}
    build = build or RejectionFree(None)
    found = build(cohort, config, rejected, progress, keep, compiled=compiled)

    started = time.perf_counter()

    def unrejected() -> Candidates:
        return build(cohort, config, None, progress, keep, compiled=compiled)

    # a rematch's cohort is restricted: nothing of its flow is kept
    settled = (settled or Settled(None)) if fill is None else None
    found, chosen = _solve(
        cohort, config, rejected, found, (locks, rejects), progress, compiled, settled, unrejected
    )
    timings = {**built, **found.timings, "solve": time.perf_counter() - started}
    if progress is not None:
        progress("solve", 1, 1)

    started = time.perf_counter()
    matches, breakdown = match_frame(cohort, found, chosen, config, explain)
    unmatched = unmatched_frame(cohort, found, chosen, config, rejected, compiled, locks, check)
    if fill is not None:
        unmatched = _in_request_order(everyone, [unmatched, left_open(everyone, mask)])
    scores = scores_frame(cohort, found) if with_scores else None
    timings["explain"] = time.perf_counter() - started
    return Proposal(matches, unmatched, scores, breakdown, config, timings)


def run_shape(cohort: Cohort, with_scores: bool = False) -> tuple[int | None, bool]:
    """How :func:`propose` builds the candidates of ``cohort``: the ``keep`` of
    :func:`~matcher.candidates.build_candidates` (None: every candidate, for ``with_scores``
    or a cohort solved directly, else :data:`RESERVE`) and whether it runs compiled
    (more than :data:`COMPILE_CELLS` cells).

    >>> run_shape(encode([]))
    (None, False)
    """
    keep = None if with_scores or _solved_directly(cohort) else RESERVE
    return keep, sum(_cells(cohort)) > COMPILE_CELLS


def _in_request_order(cohort: Cohort, frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Open requests of several tables in one, by mentee e-mail and type (the order of
    :func:`~matcher.frames.unmatched_frame`)."""
    rows = pd.concat([f for f in frames if len(f)] or frames[:1], ignore_index=True)
    rank = rows.mentor_type.map({t.value: k for k, t in enumerate(MENTOR_TYPES)})
    order = sorted(range(len(rows)), key=lambda r: (rows.mentee_email[r], rank[r]))
    return rows.iloc[order].reset_index(drop=True)


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


def _with_locks(
    cohort: Cohort, found: Candidates, locks: list[tuple[int, int, int]], config: ProgramConfig
) -> tuple[Candidates, np.ndarray]:
    """Candidates plus any locked triple they lack (one scoring below min_score, or one the
    certified rounds added beyond each request's best), in their order, and the mask of
    locked edges."""
    if not locks:
        return found, np.zeros(len(found), dtype=bool)
    lock = np.array(locks, dtype=np.int64).reshape(-1, 3)  # mentee, mentor, kind
    n = len(cohort)
    wanted = _listed_keys(n, lock[:, 0], lock[:, 1], lock[:, 2])
    have = _listed_keys(n, found.mentee, found.mentor, found.kind)  # ascending: their order
    lacking = ~lookup(have, wanted)[0]
    if lacking.any():
        order = np.argsort(wanted[lacking], kind="stable")
        extra, keys = lock[lacking][order], wanted[lacking][order]
        scores, _ = score_triples(cohort, extra[:, 0], extra[:, 1], extra[:, 2], config)
        at = np.searchsorted(have, keys)  # each before the first candidate listed after it
        found = Candidates(
            np.insert(found.mentee, at, extra[:, 0]),
            np.insert(found.mentor, at, extra[:, 1]),
            np.insert(found.kind, at, extra[:, 2]),
            np.insert(found.score, at, scores),
            found.stats,
            found.timings,
            found.unkept,
        )
        have = np.insert(have, at, keys)
    return found, lookup(np.unique(wanted), have)[0]  # binary search: np.isin took 0.06-0.1 s


def _listed_keys(n: int, mentee: np.ndarray, mentor: np.ndarray, kind: np.ndarray) -> np.ndarray:
    """Triples of a cohort of ``n`` people as one number each, ascending in the order
    candidates are listed (type, mentee, mentor)."""
    return (np.asarray(kind, dtype=np.int64) * n + mentee) * n + mentor


def _solve(
    cohort: Cohort,
    config: ProgramConfig,
    rejected: Rejected,
    found: Candidates,
    decided: tuple[list[tuple[int, int, int]], list[tuple[int, int, int]]],
    progress: Progress | None,
    compiled: bool,
    settled: Settled | None,
    unrejected: Callable[[], Candidates],
) -> tuple[Candidates, np.ndarray]:
    """The optimal choice among all candidates, and the candidates it was chosen from.

    Unpruned candidates go straight to :func:`matcher.solver.solve`. Pruned ones are
    solved by :func:`matcher.pruning.certified_flow`, which adds the triples the
    certificate needs: with no decision from each request's best candidates (the flow is
    then kept in ``settled``), with decisions (``decided``: locks, rejections) and a
    ``settled`` holder under the coverage or quality objective from the flow with no
    decision repaired for them (:mod:`matcher.repair`; that flow is found first when
    ``settled`` holds none, from the candidates ``unrejected`` returns). Should the flow's
    prices ever fail the exact check, every candidate is built and solved instead.
    """
    locks, rejects = decided
    found, locked = _with_locks(cohort, found, locks, config)
    if found.pruned:
        repair = bool(locks or rejects) and config.objective != "fairness"
        pricers: list[CohortPricer] = []
        try:
            base = None
            if settled is not None and repair:
                if settled.certified is None:
                    free = unrejected()
                    unlocked = np.zeros(len(free), dtype=bool)
                    settled.certified = _certify(
                        cohort, config, None, free, unlocked, pricers, compiled
                    )
                    settled.record = pricers[-1].record
                base = settled.certified
            if settled is not None and base is not None and base.warm is not None:
                certified = _certify_repaired(
                    cohort, config, rejected, found, locked, rejects, settled, pricers, compiled
                )
            else:  # no decision, no flow to repair (no choosable edge), or fairness
                certified = _certify(cohort, config, rejected, found, locked, pricers, compiled)
                if settled is not None and not (locks or rejects):
                    settled.certified, settled.record = certified, pricers[-1].record
        except CertificationError:
            found = build_candidates(cohort, config, rejected, progress, compiled=compiled)
            found, locked = _with_locks(cohort, found, locks, config)
        else:
            edges, chosen = certified.edges, certified.chosen
            order = lex_order(edges.kind, edges.mentee, edges.mentor)  # quick: ascending runs
            seconds = sum(pricer.seconds for pricer in pricers)
            found = Candidates(
                edges.mentee[order],
                edges.mentor[order],
                edges.kind[order],
                edges.weight[order] / 100,
                found.stats,
                {**found.timings, "pricing": seconds},
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


def _kept(found: Candidates) -> Edges:
    """The candidates as edges with integer weights."""
    return Edges.of(found.mentee, found.mentor, found.kind, weights(found.score))


def _certify(
    cohort: Cohort,
    config: ProgramConfig,
    rejected: Rejected,
    found: Candidates,
    locked: np.ndarray,
    pricers: list[CohortPricer],
    compiled: bool,
) -> Certified:
    """The certified solve from each request's :data:`KEEP` best candidates, the locked
    ones and each mentor's ``MENTOR_KEEP * capacity`` best; its pricer is appended to
    ``pricers``."""
    kept = _kept(found)
    first = top_per_request(kept, KEEP, compiled) | locked
    first |= top_per_mentor(kept, cohort.capacity, MENTOR_KEEP, compiled)
    reserve = kept.take(~first)
    pricer = CohortPricer(cohort, config, rejected, found, KEEP, reserve, compiled=compiled)
    pricers.append(pricer)
    return certified_flow(
        kept.take(first),
        cohort.capacity,
        pricer,
        objective=config.objective,
        locked=locked[first],
        shape=(len(cohort), len(MENTOR_TYPES)),
        requests=len(found.stats.mentee),
        compiled=compiled,
    )


def _certify_repaired(
    cohort: Cohort,
    config: ProgramConfig,
    rejected: Rejected,
    found: Candidates,
    locked: np.ndarray,
    rejects: list[tuple[int, int, int]],
    settled: Settled,
    pricers: list[CohortPricer],
    compiled: bool,
) -> Certified:
    """The certified solve of a run with decisions from the ``settled`` flow of the run
    without them, repaired (:func:`matcher.repair.repaired_start`); its pricer prices the
    candidates the repaired subset lacks, then every other triple (from the cells the
    settled run's pricer recorded, less the rejected ones, where it can), and is appended
    to ``pricers``."""
    assert settled.certified is not None  # found first by _solve
    kept = _kept(found)
    reject = np.array(rejects, dtype=np.int64).reshape(-1, 3)  # mentee, mentor, kind
    none = np.zeros(len(reject), dtype=np.int64)
    start = repaired_start(
        settled.certified,
        Edges.of(reject[:, 0], reject[:, 1], reject[:, 2], none),
        kept.take(locked),
        cohort.capacity,
        compiled=compiled,
    )
    n = len(cohort)
    subset = start.edges
    have = np.sort(triple_keys(n, subset.mentee, subset.mentor, subset.kind), kind="stable")
    outside = ~lookup(have, triple_keys(n, kept.mentee, kept.mentor, kept.kind))[0]
    reserve = kept.take(outside)
    record = settled.record
    if record is not None:
        record = record.without(reject[:, 0], reject[:, 1], reject[:, 2])
    pricer = CohortPricer(
        cohort, config, rejected, found, KEEP, reserve, compiled=compiled, record=record
    )
    pricers.append(pricer)
    return certified_flow(
        subset,
        cohort.capacity,
        pricer,
        objective=config.objective,
        locked=start.locked,
        shape=(n, len(MENTOR_TYPES)),
        requests=len(found.stats.mentee),
        compiled=compiled,
        start=start.start,
    )
