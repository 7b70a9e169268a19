"""The pricer of a pruned cohort: the triples left out of the solved subset that could improve it.

:func:`matcher.pruning.certified_solve` solves a subset of the candidates and asks a
pricer for every triple outside it whose reduced cost under the subset's dual prices is
positive (or near). :class:`CohortPricer` answers for a whole cohort without listing its
triples: it prices the reserve (candidates kept in memory beyond the subset), and
re-evaluates the rules and scores (:mod:`matcher.blockscan`) only for the requests whose
best left-out weight could still violate a check, against the mentors whose price leaves
room for one.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np

from matcher.blockscan import Passes, Reach, block_passes
from matcher.candidates import (
    WORKERS,
    Candidates,
    best_per_row,
    block_candidates,
    chunks,
    weights,
)
from matcher.cohort import MENTOR_TYPES, Cohort
from matcher.config import ProgramConfig
from matcher.constraints import Rejected
from matcher.graph import group
from matcher.pruning import Check, Edges

#: Groups of suspect requests that :class:`CohortPricer` prices separately, by slack (32
#: rather than 4: 233 -> 153 million cells per pricing round at 50,000 people), each of at
#: least ``GROUP_ROWS`` requests.
SLACK_GROUPS = 32
GROUP_ROWS = 500


@dataclass
class CohortPricer:
    """Finds the triples outside a pruned candidate set that violate checks.

    The ``reserve`` (the candidates ``found`` kept beyond the subset being solved) is
    priced in memory. Beyond it, only requests whose best left-out weight
    (``found.unkept``) could still have a near reduced cost (see
    :attr:`matcher.pruning.Check.margin`) are re-evaluated block by block, against the
    mentors whose price leaves room for one (blocks on ``WORKERS`` threads, collected in
    order). When some triple violates, each request's ``keep`` nearest triples (ties kept)
    of either part are returned; none otherwise.
    ``seconds`` adds up the time spent. With ``compiled=False`` blocks are evaluated by
    numpy and the plain Python of the kernels (nothing to compile; the same triples).
    """

    cohort: Cohort
    config: ProgramConfig
    rejected: Rejected | None
    found: Candidates
    keep: int
    reserve: Edges = field(default_factory=lambda: Edges.of([], [], [], []))
    compiled: bool = True
    seconds: float = 0.0
    _reserve_request: np.ndarray = field(init=False, repr=False)
    _tables: list[Passes] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._reserve_request = group(self.reserve.kind, self.reserve.mentee)
        self._tables = [
            block_passes(self.cohort, t, self.config, self.rejected, compiled=self.compiled)
            for t in MENTOR_TYPES
        ]

    def __call__(self, checks: Sequence[Check]) -> Edges:
        started = time.perf_counter()
        stats, bound = self.found.stats, self.found.unkept
        if bound is None:
            raise ValueError("CohortPricer needs candidates built with keep")
        near, violated = _nearest(
            self.reserve, self._reserve_request, checks, self.keep, self.compiled
        )
        out = [Edges.of([], [], [], []), self.reserve.take(near)]
        jobs = []
        for kind, mentor_type in enumerate(MENTOR_TYPES):
            rows = np.flatnonzero((stats.kind == kind) & (bound >= 0))
            mentees, best = stats.mentee[rows], bound[rows]
            slack = [
                np.where(
                    best >= c.floor,
                    c.scale * best + c.bonus + c.margin - c.request[mentees, kind],
                    0,
                )
                for c in checks
            ]
            suspect = np.any([s > 0 for s in slack], axis=0) if slack else np.zeros(0, bool)
            if not suspect.any():
                continue
            mentors = self.cohort.mentors_offering(mentor_type)
            for suspects in _by_slack(np.flatnonzero(suspect), slack):
                reach = np.zeros(len(mentors), dtype=bool)
                for c, s in zip(checks, slack, strict=True):
                    reach |= c.mentor[mentors] < s[suspects].max()
                width = int(reach.sum())
                jobs += [
                    (kind, chunk, mentors[reach]) for chunk in chunks(mentees[suspects], width)
                ]
        with ThreadPoolExecutor(WORKERS) as pool:
            for found, hit in pool.map(lambda job: self._near(*job, checks), jobs):
                out.append(found)
                violated |= hit
        self.seconds += time.perf_counter() - started
        return Edges.concat(out) if violated else out[0]

    def _near(
        self, kind: int, mentees: np.ndarray, mentors: np.ndarray, checks: Sequence[Check]
    ) -> tuple[Edges, bool]:
        """Near triples of type ``kind`` in one block of cells (each request's ``keep``
        nearest), and whether one of them violates."""
        reach = Reach(
            np.array([c.scale for c in checks], dtype=np.int64),
            np.array([c.floor for c in checks], dtype=np.int64),
            np.array([c.request[mentees, kind] - c.bonus - c.margin for c in checks]).reshape(
                len(checks), len(mentees)
            ),
            np.array([c.mentor[mentors] for c in checks]).reshape(len(checks), len(mentors)),
        )
        cells = block_candidates(self._tables[kind], mentees, mentors, reach)
        kinds = np.full(len(cells.row), kind)
        edges = Edges.of(cells.mentee, cells.mentor, kinds, weights(cells.score))
        near, hit = _nearest(edges, cells.row, checks, self.keep, self.compiled)
        return edges.take(near), hit


def _nearest(
    edges: Edges, request: np.ndarray, checks: Sequence[Check], keep: int, compiled: bool = True
) -> tuple[np.ndarray, bool]:
    """Positions of each request's ``keep`` nearest edges (ties kept) among those with a
    near reduced cost in some check, and whether one of them violates a check.

    ``request`` numbers each edge's request, in increasing order.

    >>> from scipy import sparse
    >>> none = np.zeros((1, 1), dtype=np.int64)
    >>> check = Check(1, 0, 0, none, np.array([5, 50]), sparse.csr_array((1, 2), dtype=np.int64))
    >>> edges = Edges.of([0, 0], [0, 1], [0, 0], [8, 9])
    >>> near, violated = _nearest(edges, np.array([0, 0]), [check], keep=1)
    >>> near.tolist(), violated
    ([0], True)
    """
    nearness = np.zeros(len(edges), dtype=np.int64)
    violated = False
    for c in checks:
        near = c.nearness(*edges.columns())
        violated |= bool((near > c.margin).any())
        np.maximum(nearness, near, out=nearness)
    near = np.flatnonzero(nearness > 0)
    rows = int(request.max(initial=-1)) + 1
    picked, _ = best_per_row(request[near], nearness[near], keep, rows, compiled)
    return near[picked], violated


def _by_slack(rows: np.ndarray, slack: Sequence[np.ndarray]) -> list[np.ndarray]:
    """Split suspect ``rows`` into up to :data:`SLACK_GROUPS` groups of similar slack, of
    at least :data:`GROUP_ROWS` rows each.

    A group is priced only against the mentors its largest slack can reach, so requests
    with little slack (well matched ones) are not checked against the many mentors only
    an unmatched request could still afford. Small groups would cost more in blocks than
    they save in cells.

    >>> [len(g) for g in _by_slack(np.arange(1000), [np.arange(1000)])]
    [500, 500]
    >>> _by_slack(np.arange(1000), [np.arange(1000)])[0][:3].tolist()
    [999, 998, 997]
    """
    largest = np.max([s[rows] for s in slack], axis=0)
    ordered = rows[np.argsort(-largest, kind="stable")]
    groups = min(SLACK_GROUPS, max(1, len(rows) // GROUP_ROWS))
    return [g for g in np.array_split(ordered, groups) if len(g)]
