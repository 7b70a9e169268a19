"""Candidate triples: every feasible (mentee, mentor, type) with its score, built in blocks.

Rules are evaluated on blocks of mentees against all mentors of a type (numpy arrays, no
Python loop over pairs), and scores only on the cells every rule lets through; only
feasible triples scoring at least ``min_score`` leave a block, as a sparse edge list. For
each request (mentee, type) the block also counts how many mentors each rule blocked,
which is what an unmatched mentee's reason is built from. Blocks run on up to ``WORKERS``
threads (numpy and the compiled selection kernel release the GIL) and are collected in
block order, so the result never depends on timing.

With ``keep`` set, a block passes on only each request's best candidates (those scoring
at least its ``keep``-th best) and remembers, per request, the best weight it left out:
:class:`matcher.pricing.CohortPricer` later re-evaluates only the requests and mentors
whose left-out triples could still improve the matching (see :mod:`matcher.pruning`).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np

from matcher.blockscan import Passes, Reach, block_passes
from matcher.cohort import MENTOR_TYPES, Cohort, pairwise
from matcher.config import ProgramConfig
from matcher.constraints import RULES, Rejected
from matcher.scoring import score

Progress = Callable[[str, int, int], None]
BLOCK_CELLS = 2_000_000
WORKERS = min(4, os.cpu_count() or 1)
"""Blocks evaluated at once (threads: numpy and the kernel release the GIL)."""
CHECKED_TOGETHER = 256
"""About how many triples :func:`are_candidates` evaluates as one block (a block holds
their mentees x their mentors)."""
RULE_NAMES: tuple[str, ...] = tuple(rule.name for rule in RULES)


@dataclass(frozen=True, eq=False)
class RequestStats:
    """Per request (mentee, type): how the mentors offering that type fared.

    ``blocked[r, k]`` counts the mentors that rule ``RULE_NAMES[k]`` blocked for request r
    (a mentor blocked by two rules counts for both).
    """

    mentee: np.ndarray
    kind: np.ndarray
    offered: np.ndarray
    feasible: np.ndarray
    below_min: np.ndarray
    blocked: np.ndarray


@dataclass(frozen=True, eq=False)
class Candidates:
    """Feasible triples as parallel arrays, in canonical order (type, mentee, mentor)."""

    mentee: np.ndarray
    mentor: np.ndarray
    kind: np.ndarray
    score: np.ndarray
    stats: RequestStats
    timings: dict[str, float] = field(default_factory=dict)
    unkept: np.ndarray | None = None
    """Per request (row of ``stats``), the greatest weight (hundredths) among the triples
    left out by pruning, -1 when none was; None when nothing was pruned."""

    def __len__(self) -> int:
        return len(self.mentee)

    @property
    def pruned(self) -> bool:
        """True when some feasible triple was left out.

        >>> from matcher.cohort import encode
        >>> build_candidates(encode([]), ProgramConfig(), keep=1).pruned
        False
        """
        return self.unkept is not None and bool((self.unkept >= 0).any())


#: What builds the candidates of a run: :func:`build_candidates`, or a callable taking the
#: same arguments and returning the same (see :mod:`matcher.warm`).
BuildCandidates = Callable[..., Candidates]


def chunks(items: np.ndarray, width: int) -> Iterable[np.ndarray]:
    size = max(1, BLOCK_CELLS // max(width, 1))
    for start in range(0, len(items), size):
        yield items[start : start + size]


def weights(scores: np.ndarray) -> np.ndarray:
    """Scores in integer hundredths of a point, as the solver weighs them.

    >>> weights(np.array([72.5, 17.55])).tolist()
    [7250, 1755]
    """
    return np.rint(np.asarray(scores) * 100).astype(np.int64)


@dataclass(frozen=True, eq=False)
class _Cells:
    """Cells of a block in row-major order: each one's block row, mentee, mentor and
    score."""

    row: np.ndarray
    mentee: np.ndarray
    mentor: np.ndarray
    score: np.ndarray


def block_candidates(
    tables: Passes, mentees: np.ndarray, mentors: np.ndarray, reach: Reach | None = None
) -> _Cells:
    """The cells of ``mentees`` x ``mentors`` that pass every rule and score at least the
    minimum (the passes of :mod:`matcher.blockscan`), only those within ``reach`` when
    given and the passes are compiled."""
    ok, *_ = tables.rules(mentees, mentors)
    row, column, scores, *_ = tables.scores(mentees, mentors, ok, reach)
    return _Cells(row, mentees[row], mentors[column], scores)


def count_candidates(
    cohort: Cohort,
    config: ProgramConfig,
    rejected: Rejected | None,
    kind: int,
    mentees: np.ndarray,
    mentors: np.ndarray,
    compiled: bool = True,
) -> np.ndarray:
    """Per mentee, how many of ``mentors`` are candidates of type ``kind`` (blocks of cells,
    by the compiled passes or, with ``compiled=False``, by numpy).

    >>> from matcher.cohort import encode
    >>> from matcher.schema import Participant, Role
    >>> e = Participant("e@x.org", "E", Role.MENTEE, seeks=("developmental",))
    >>> m = Participant("m@x.org", "M", Role.MENTOR, offers=("developmental",))
    >>> count_candidates(encode([e, m]), ProgramConfig(), None, 0, np.array([0]), np.array([1]))
    array([1])
    """
    counts = [np.zeros(0, dtype=np.int64)]
    tables = block_passes(cohort, MENTOR_TYPES[kind], config, rejected, compiled=compiled)
    for chunk in chunks(np.asarray(mentees), len(mentors)):
        cells = block_candidates(tables, chunk, np.asarray(mentors))
        counts.append(np.bincount(cells.row, minlength=len(chunk)))
    return np.concatenate(counts)


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


def are_candidates(
    cohort: Cohort,
    config: ProgramConfig,
    rejected: Rejected | None,
    mentee: np.ndarray,
    mentor: np.ndarray,
    kind: np.ndarray,
    compiled: bool = True,
) -> np.ndarray:
    """Whether each triple ``(mentee[k], mentor[k], kind[k])`` is a candidate.

    The triples of a type are taken by mentee, about :data:`CHECKED_TOGETHER` at a time,
    and each such group's mentees and mentors are evaluated as one block, by the passes
    :func:`count_candidates` uses (compiled, or numpy with ``compiled=False``): a cell's
    answer depends on its two people only, so the cells the triples do not ask for cost a
    few nanoseconds each, against a block's fixed cost per mentee.

    >>> from matcher.cohort import encode
    >>> from matcher.schema import Participant, Role
    >>> e = Participant("e@x.org", "E", Role.MENTEE, seeks=("developmental",))
    >>> m = Participant("m@x.org", "M", Role.MENTOR, offers=("developmental",))
    >>> are_candidates(
    ...     encode([e, m]), ProgramConfig(), None, np.array([0]), np.array([1]), np.array([0])
    ... ).tolist()
    [True]
    """
    mentee, mentor, kind = (np.asarray(a, dtype=np.int64) for a in (mentee, mentor, kind))
    out = np.zeros(len(mentee), dtype=bool)
    for kind_index in np.unique(kind):
        tables = block_passes(cohort, MENTOR_TYPES[kind_index], config, rejected, compiled=compiled)
        at = np.flatnonzero(kind == kind_index)
        at = at[np.argsort(mentee[at], kind="stable")]
        starts = np.flatnonzero(np.diff(mentee[at], prepend=-1))  # each mentee's first
        window = starts // CHECKED_TOGETHER
        cuts = starts[np.flatnonzero(np.diff(window, prepend=-1))][1:]
        for mine in np.split(at, cuts):
            cells = block_candidates(tables, np.unique(mentee[mine]), np.unique(mentor[mine]))
            found = cells.mentee * len(cohort) + cells.mentor  # ascending: row-major
            out[mine] = lookup(found, mentee[mine] * len(cohort) + mentor[mine])[0]
    return out


def build_candidates(
    cohort: Cohort,
    config: ProgramConfig,
    rejected: Rejected | None = None,
    progress: Progress | None = None,
    keep: int | None = None,
    *,
    compiled: bool = True,
    mentees: Sequence[np.ndarray] | None = None,
) -> Candidates:
    """Evaluate every hard rule and score for every request, keeping the feasible triples.

    Parameters
    ----------
    cohort
        The encoded participants.
    config
        Program settings and weights.
    rejected
        Triples an admin rejected, per type (see :func:`matcher.proposal.rejected_matrices`).
    progress
        Called as ``progress("rules and scores", done, total)`` after each block of mentees.
    keep
        When set, keep only each request's candidates scoring at least its ``keep``-th best
        (ties kept) and record the best weight left out in ``Candidates.unkept``; the
        request statistics stay exact.
    compiled
        Evaluate blocks with the compiled passes of :mod:`matcher.blockscan`, else with
        the numpy definitions (nothing to compile; the same candidates).
    mentees
        Per type (in the order of ``MENTOR_TYPES``), the only mentees whose requests to
        evaluate, ascending; None (the default): every mentee seeking it. A request's
        candidates and statistics never depend on the other requests.

    Returns
    -------
    Candidates

    Examples
    --------
    >>> from matcher.cohort import encode
    >>> from matcher.schema import Participant, Role
    >>> e = Participant("e@x.org", "E", Role.MENTEE, seeks=("developmental",))
    >>> m = Participant("m@x.org", "M", Role.MENTOR, offers=("developmental",))
    >>> found = build_candidates(encode([e, m]), ProgramConfig())
    >>> len(found), found.mentee.tolist(), found.mentor.tolist()
    (1, [0], [1])
    """
    none = np.zeros(0, dtype=np.int64)
    edges: list[tuple[np.ndarray, ...]] = [(none, none, none, np.zeros(0))]
    stats: list[tuple[np.ndarray, ...]] = [(none,) * 5 + (np.zeros((0, len(RULE_NAMES))),)]
    unkept = [none]
    seconds = np.zeros(2)
    jobs = [
        (kind, chunk, mentors)
        for kind, mentor_type in enumerate(MENTOR_TYPES)
        for mentors in [cohort.mentors_offering(mentor_type)]
        for chunk in chunks(
            cohort.mentees_seeking(mentor_type) if mentees is None else mentees[kind],
            len(mentors),
        )
    ]
    total, done = sum(len(chunk) for _, chunk, _ in jobs), 0
    started = time.perf_counter()
    with ThreadPoolExecutor(WORKERS) as pool:
        tables = [
            block_passes(cohort, t, config, rejected, compiled=compiled) for t in MENTOR_TYPES
        ]
        for found in pool.map(_BlockBuilder(tables, keep), jobs):
            edges.append(found.edges)
            stats.append(found.stats)
            unkept.append(found.unkept)
            seconds += found.seconds
            done += len(found.unkept)
            if progress is not None:
                progress("rules and scores", done, total)
    # blocks overlap in time: share the wall time out as the blocks spent it
    share = (time.perf_counter() - started) / max(seconds.sum(), 1e-12)
    return Candidates(
        *(np.concatenate(column) for column in zip(*edges, strict=True)),
        stats=RequestStats(*(np.concatenate(column) for column in zip(*stats, strict=True))),
        timings={"rules": float(seconds[0] * share), "scores": float(seconds[1] * share)},
        unkept=None if keep is None else np.concatenate(unkept),
    )


@dataclass(frozen=True, eq=False)
class _Block:
    """What one block of requests leaves: kept edges (mentee, mentor, kind, score), request
    statistics (the columns of :class:`RequestStats`), best weights left out, and the
    seconds spent on rules and on scores."""

    edges: tuple[np.ndarray, ...]
    stats: tuple[np.ndarray, ...]
    unkept: np.ndarray
    seconds: np.ndarray


@dataclass(frozen=True, eq=False)
class _BlockBuilder:
    """Evaluates the rules and scores of a block of requests of one type (see
    :func:`build_candidates`), with each type's :class:`~matcher.blockscan.Passes`."""

    tables: Sequence[Passes]
    keep: int | None

    def __call__(self, job: tuple[int, np.ndarray, np.ndarray]) -> _Block:
        kind, chunk, mentors = job
        tables = self.tables[kind]
        started = time.perf_counter()
        ok, offered, feasible_count, blocked = tables.rules(chunk, mentors)
        checked = time.perf_counter()
        row, column, scores, below_min, left = tables.scores(chunk, mentors, ok, keep=self.keep)
        return _Block(
            (chunk[row], mentors[column], np.full(len(row), kind), scores),
            (chunk, np.full(len(chunk), kind), offered, feasible_count, below_min, blocked),
            left,
            np.array([checked - started, time.perf_counter() - checked]),
        )


def score_triples(
    cohort: Cohort, mentee: np.ndarray, mentor: np.ndarray, kind: np.ndarray, config: ProgramConfig
) -> tuple[np.ndarray, dict[int, dict[str, np.ndarray]]]:
    """Scores of arbitrary triples, and per type the criterion values behind them.

    Returns the scores aligned with the inputs and, for each type index present, the
    criterion values of that type's triples in input order.

    >>> from matcher.cohort import encode
    >>> from matcher.schema import Participant, Role
    >>> e = Participant("e@x.org", "E", Role.MENTEE, seeks=("developmental",))
    >>> m = Participant("m@x.org", "M", Role.MENTOR, offers=("developmental",))
    >>> s, _ = score_triples(
    ...     encode([e, m]), np.array([0]), np.array([1]), np.array([0]), ProgramConfig()
    ... )
    >>> s.tolist()
    [17.5]
    """
    scores = np.zeros(len(mentee), dtype=np.float64)
    parts: dict[int, dict[str, np.ndarray]] = {}
    for kind_index in np.unique(kind):
        sel = kind == kind_index
        pairs = pairwise(cohort, mentee[sel], mentor[sel])
        scores[sel], parts[int(kind_index)] = score(pairs, MENTOR_TYPES[kind_index], config)
    return scores, parts
