"""The pricer of a pruned cohort: the triples left out of the solved subset that could improve it.

:func:`matcher.pruning.certified_solve` solves a subset of the candidates and asks a
pricer for every triple outside it whose reduced cost under the subset's dual prices is
positive (or near). :class:`CohortPricer` answers for a whole cohort without listing its
triples: it prices the reserve (candidates kept in memory beyond the subset), and
re-evaluates the rules and scores (:mod:`matcher.blockscan`) only for the requests whose
best left-out weight could still violate a check, against the mentors whose price leaves
room for one. Edges are priced by one compiled pass (:func:`near_picks`). When the
reserve has no violation, a proof that no left-out triple violates comes first
(:meth:`CohortPricer._violates`): it re-prices the cells a previous round recorded and
searches only where prices fell since, so the last call of a solve, which finds
nothing, costs a fraction of the others.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import NamedTuple

import numpy as np

from matcher.best import best_per_row, keep_greatest
from matcher.blockscan import Passes, Reach, block_passes
from matcher.candidates import WORKERS, Candidates, block_candidates, chunks, lookup, weights
from matcher.cohort import MENTOR_TYPES, Cohort
from matcher.config import ProgramConfig
from matcher.constraints import Rejected
from matcher.graph import group, lex_order
from matcher.kernels import INT, INT_CUBE, INT_TABLE, INTS, entry, jit
from matcher.pruning import Check, Edges

#: Groups of suspect requests that :class:`CohortPricer` prices separately, by slack (32
#: rather than 4: 233 -> 153 million cells per pricing round at 50,000 people), each of at
#: least ``GROUP_ROWS`` requests.
SLACK_GROUPS = 32
GROUP_ROWS = 500
#: Most triples a pricing call with a count certificate (fairness's, a check without
#: margin) returns per request, as a multiple of its ``keep``: the ``keep`` nearest, then
#: those tied with the ``keep``-th, in order, up to this many. Every edge gains 1 there,
#: so all of a request's left-out triples can tie; keeping every tie grew a 10,000-person
#: subset to 2 million edges. Other checks keep every tie.
TIES = 4
NO_LIMIT = np.iinfo(np.int64).max
#: Requests per block of :meth:`CohortPricer._violates`, the proof that no triple violates.
PROOF_ROWS = 128
#: Most cells within reach that a round of :class:`CohortPricer` keeps for the proofs of
#: later rounds (:class:`Record`; 32 bytes each).
RECORD_CELLS = 4_000_000


@dataclass(frozen=True, eq=False)
class Record:
    """The cells within reach of a round that priced its near triples (every candidate
    of a suspect request, against its group's mentors, with a near reduced cost before
    pair prices), and the prices of that round's checks.

    A later proof needs to search only where prices fell since (:meth:`stale`): a
    triple left out that violates a later check ``k`` (same scale, bonus and floor) at
    request price ``r'`` and mentor price ``m'`` has ``scale * w + bonus > r' + m'``;
    when the request's price fell by less than ``margin // 2`` and the mentor's by less
    than the rest of the margin, ``scale * w + bonus + margin > r + m`` at the recorded
    prices, so its request was suspect then, its mentor within its group's reach, and
    the cell is recorded: pricing the recorded cells again finds it.
    """

    forms: tuple[tuple[int, int, int], ...]
    request: tuple[np.ndarray, ...]
    mentor: tuple[np.ndarray, ...]
    cells: Edges

    @classmethod
    def of(cls, checks: Sequence[Check], cells: Edges) -> Record:
        """Record ``cells`` with the prices of ``checks``."""
        return cls(
            tuple((c.scale, c.bonus, c.floor) for c in checks),
            tuple(c.request for c in checks),
            tuple(c.mentor for c in checks),
            cells,
        )

    def without(self, mentee: np.ndarray, mentor: np.ndarray, kind: np.ndarray) -> Record:
        """The record less the cells of the triples given (rejected since it was made).

        >>> record = Record.of([], Edges.of([0, 0], [1, 2], [0, 0], [5, 7]))
        >>> record.without(np.array([0]), np.array([2]), np.array([0])).cells.mentor.tolist()
        [1]
        """
        cells = self.cells
        n = 1 + max(int(a.max(initial=0)) for a in (cells.mentee, cells.mentor, mentee, mentor))
        keys = (cells.kind * n + cells.mentee) * n + cells.mentor
        gone = np.unique((np.asarray(kind) * n + mentee) * n + mentor)
        return replace(self, cells=cells.take(~lookup(gone, keys)[0]))

    def stale(self, checks: Sequence[Check]) -> tuple[np.ndarray, np.ndarray] | None:
        """The requests (a mask, mentee x kind) and mentors (a mask over people) whose
        prices in ``checks`` fell too far for the record to answer for; None when the
        checks are not those recorded (other forms, or no margin).

        >>> from scipy import sparse
        >>> def check(request):
        ...     return Check(
        ...         1, 0, 0, np.array(request), np.array([0, 80]), sparse.csr_array((2, 2))
        ...     )
        >>> record = Record.of([check([[300], [0]])], Edges.of([], [], [], []))
        >>> requests, mentors = record.stale([check([[200], [0]])])
        >>> requests.tolist(), mentors.tolist()
        ([[True], [False]], [False, False])
        """
        forms = tuple((c.scale, c.bonus, c.floor) for c in checks)
        if not checks or forms != self.forms or any(c.margin <= 0 for c in checks):
            return None
        requests = np.zeros(self.request[0].shape, dtype=bool)
        mentors = np.zeros(len(self.mentor[0]), dtype=bool)
        for c, request, mentor in zip(checks, self.request, self.mentor, strict=True):
            half = c.margin // 2
            requests |= request - c.request >= half
            mentors |= mentor - c.mentor >= c.margin - half
        return requests, mentors


@dataclass
class CohortPricer:
    """Finds the triples outside a pruned candidate set that violate checks.

    The ``reserve`` (the candidates ``found`` kept beyond the subset being solved) is
    priced in memory. Beyond it, only requests whose best left-out weight
    (``found.unkept``) could still have a near reduced cost (see
    :attr:`matcher.pruning.Check.margin`) are re-evaluated block by block, against the
    mentors whose price leaves room for one (blocks on ``WORKERS`` threads, collected in
    order). When some triple violates, each request's ``keep`` nearest triples of either
    part (and ties, up to :data:`TIES` times as many under a count certificate) are
    returned; none otherwise.
    ``seconds`` adds up the time spent. With ``compiled=False`` blocks are evaluated by
    numpy and the plain Python of the kernels (nothing to compile; the same triples).

    A round that prices its near triples keeps the cells within its reach as ``record``
    (:class:`Record`) for the proofs of later rounds. A pricer given a ``record`` (an
    earlier run's, for a run that repairs that run's flow, :mod:`matcher.repair`) keeps
    it: its cells are priced again and only where prices fell since are searched, for
    the near triples as for the proof, whenever the record can answer.
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
    record: Record | None = field(default=None, repr=False)
    _seeded: bool = field(init=False, repr=False)
    _tables: list[Passes] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._seeded = self.record is not None
        if self.record is not None:  # by request, for each one's nearest cells
            cells = self.record.cells
            self.record = replace(
                self.record, cells=cells.take(lex_order(cells.kind, cells.mentee))
            )
        self._reserve_request = group(self.reserve.kind, self.reserve.mentee)
        self._tables = [
            block_passes(self.cohort, t, self.config, self.rejected, compiled=self.compiled)
            for t in MENTOR_TYPES
        ]

    def __call__(self, checks: Sequence[Check]) -> Edges:
        started = time.perf_counter()
        if self.found.unkept is None:
            raise ValueError("CohortPricer needs candidates built with keep")
        table = CheckTable.of(checks)
        near, violated = nearest_edges(
            self.reserve, self._reserve_request, checks, self.keep, self.compiled, table
        )
        out = [Edges.of([], [], [], []), self.reserve.take(near)]
        if not violated and self.compiled and not self._violates(checks, table):
            self.seconds += time.perf_counter() - started
            return out[0]
        record: list[Edges] | None = None if self._seeded else []
        scopes = self._scopes(checks) if self._seeded else None
        if scopes is None:
            scopes = [self._everywhere()]
        else:  # a seeded record answers for its cells and the prices that held
            assert self.record is not None
            cells = self.record.cells
            request = group(cells.kind, cells.mentee)
            picked, hit = nearest_edges(cells, request, checks, self.keep, self.compiled, table)
            out.append(cells.take(picked))
            violated |= hit
        jobs = []
        for asked, offered in scopes:
            jobs += self._near_jobs(checks, asked, offered)
        with ThreadPoolExecutor(WORKERS) as pool:
            for found, hit, cells in pool.map(lambda job: self._near(*job, checks, table), jobs):
                out.append(found)
                violated |= hit
                if record is not None:
                    record.append(cells)
                    if sum(len(r) for r in record) > RECORD_CELLS:
                        record = None
        if record is not None and self.compiled:
            self.record = Record.of(checks, Edges.concat([out[0], *record]))
        self.seconds += time.perf_counter() - started
        return Edges.concat(out) if violated else out[0]

    def _everywhere(self) -> tuple[np.ndarray, np.ndarray]:
        """The scope of every request and every mentor."""
        return np.ones(len(self.found.stats.mentee), dtype=bool), np.ones(len(self.cohort), bool)

    def _scopes(self, checks: Sequence[Check]) -> list[tuple[np.ndarray, np.ndarray]] | None:
        """Where a search must look when the record answers for the rest: the requests
        (a mask over the request rows) with every mentor, and the mentors (a mask over
        people) with every request, whose prices fell too far since it was recorded
        (:meth:`Record.stale`); None when there is no record or it cannot answer."""
        stale = None if self.record is None else self.record.stale(checks)
        if stale is None:
            return None
        stats = self.found.stats
        requests, mentors = stale
        everyone = np.ones(len(self.cohort), dtype=bool)
        scopes = [(requests[stats.mentee, stats.kind], everyone)]
        if mentors.any():
            scopes.append((np.ones(len(stats.mentee), dtype=bool), mentors))
        return scopes

    def _near_jobs(
        self, checks: Sequence[Check], asked: np.ndarray, offered: np.ndarray
    ) -> list[tuple[int, np.ndarray, np.ndarray]]:
        """Blocks ``(kind, mentees, mentors)`` of the requests in ``asked`` whose best
        left-out weight could still have a near reduced cost, by slack, against the
        mentors in ``offered`` whose price leaves room for one."""
        stats, bound = self.found.stats, self.found.unkept
        assert bound is not None  # checked by __call__
        jobs = []
        for kind, mentor_type in enumerate(MENTOR_TYPES):
            rows = np.flatnonzero((stats.kind == kind) & (bound >= 0) & asked)
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
            mentors = mentors[offered[mentors]]
            for suspects in _by_slack(np.flatnonzero(suspect), slack):
                reach = np.zeros(len(mentors), dtype=bool)
                for c, s in zip(checks, slack, strict=True):
                    reach |= c.mentor[mentors] < s[suspects].max()
                width = int(reach.sum())
                jobs += [
                    (kind, chunk, mentors[reach]) for chunk in chunks(mentees[suspects], width)
                ]
        return jobs

    def _violates(self, checks: Sequence[Check], table: CheckTable) -> bool:
        """Whether some triple outside the candidates kept violates a check (those kept are
        the subset, whose prices certify it, and the reserve, priced in memory).

        Such a triple weighs at most its request's best left-out weight ``b`` (and at least
        the check's floor), so its request has ``room = scale * b + bonus - request price
        > 0`` and its mentor a price below that room: the requests are taken by room,
        :data:`PROOF_ROWS` at a time, against the mentors below their greatest room, and
        the search stops at the first violation. When there is none, this proof costs
        fewer cells than pricing the near triples (no margin, and a tighter room per
        block); when there is one, it is mostly found in the first blocks.

        After a round that priced its near triples and recorded the cells within its
        reach (:class:`Record`), only the cells that record cannot answer for are
        searched (see :meth:`Record.stale`).
        """
        if not checks:
            return False
        stats, bound = self.found.stats, self.found.unkept
        scopes = self._scopes(checks)
        if scopes is None:
            scopes = [self._everywhere()]
        else:
            assert self.record is not None
            cells = self.record.cells
            no_request = np.zeros(len(cells), np.int64)
            if near_picks(no_request, *cells.columns(), *table, 1, NO_LIMIT)[1]:
                return True
        jobs = []
        for asked, offered in scopes:
            for kind, mentor_type in enumerate(MENTOR_TYPES):
                rows = np.flatnonzero((stats.kind == kind) & (bound >= 0) & asked)
                mentees, best = stats.mentee[rows], bound[rows]
                room = np.array(
                    [
                        np.where(
                            best >= c.floor, c.scale * best + c.bonus - c.request[mentees, kind], 0
                        )
                        for c in checks
                    ]
                ).reshape(len(checks), len(rows))
                largest = room.max(axis=0, initial=0)
                order = np.flatnonzero(largest > 0)
                order = order[np.argsort(-largest[order], kind="stable")]
                mentors = self.cohort.mentors_offering(mentor_type)
                mentors = mentors[offered[mentors]]
                prices = np.array([c.mentor[mentors] for c in checks]).reshape(len(checks), -1)
                for start in range(0, len(order), PROOF_ROWS):
                    part = order[start : start + PROOF_ROWS]
                    reach = (prices < room[:, part].max(axis=1)[:, None]).any(axis=0)
                    width = int(reach.sum())
                    jobs += [
                        (kind, chunk, mentors[reach]) for chunk in chunks(mentees[part], width)
                    ]
        with ThreadPoolExecutor(WORKERS) as pool:
            waiting = deque(
                pool.submit(self._near, *job, checks, table, False) for job in jobs[: 2 * WORKERS]
            )
            for job in jobs[2 * WORKERS :] + [None] * len(waiting):
                if waiting.popleft().result()[1]:
                    for later in waiting:
                        later.cancel()
                    return True
                if job is not None:
                    waiting.append(pool.submit(self._near, *job, checks, table, False))
        return False

    def _near(
        self,
        kind: int,
        mentees: np.ndarray,
        mentors: np.ndarray,
        checks: Sequence[Check],
        table: CheckTable,
        near_too: bool = True,
    ) -> tuple[Edges, bool, Edges]:
        """Near triples of type ``kind`` in one block of cells (each request's ``keep``
        nearest), whether one of them violates, and every cell within reach; with
        ``near_too`` false, only the cells that could violate are scored (the triples
        returned are then not all the near ones)."""
        reach = Reach(
            np.array([c.scale for c in checks], dtype=np.int64),
            np.array([c.floor for c in checks], dtype=np.int64),
            np.array(
                [c.request[mentees, kind] - c.bonus - near_too * c.margin for c in checks]
            ).reshape(len(checks), len(mentees)),
            np.array([c.mentor[mentors] for c in checks]).reshape(len(checks), len(mentors)),
        )
        cells = block_candidates(self._tables[kind], mentees, mentors, reach)
        kinds = np.full(len(cells.row), kind)
        edges = Edges.of(cells.mentee, cells.mentor, kinds, weights(cells.score))
        near, hit = nearest_edges(edges, cells.row, checks, self.keep, self.compiled, table)
        return edges.take(near), hit, edges


def nearest_edges(
    edges: Edges,
    request: np.ndarray,
    checks: Sequence[Check],
    keep: int,
    compiled: bool = True,
    table: CheckTable | None = None,
) -> tuple[np.ndarray, bool]:
    """Positions of each request's ``keep`` nearest edges among those with a near reduced
    cost in some check (ties with the ``keep``-th kept, in order: all of them, or up to
    :data:`TIES` times ``keep`` in all when a check has no margin), and whether one of them
    violates a check.

    ``request`` numbers each edge's request, in increasing order. Compiled, it is the one
    pass of :func:`near_picks` over the edges (``table``: the checks' prices, built when
    not given), else numpy and the plain Python of :func:`~matcher.best.segment_cuts`.

    >>> from scipy import sparse
    >>> none = np.zeros((1, 1), dtype=np.int64)
    >>> check = Check(1, 0, 0, none, np.array([5, 50]), sparse.csr_array((1, 2), dtype=np.int64))
    >>> edges = Edges.of([0, 0], [0, 1], [0, 0], [8, 9])
    >>> near, violated = nearest_edges(edges, np.array([0, 0]), [check], keep=1)
    >>> near.tolist(), violated
    ([0], True)
    """
    most = TIES * keep if any(c.margin == 0 for c in checks) else NO_LIMIT
    if compiled:
        table = CheckTable.of(checks) if table is None else table
        return near_picks(request, *edges.columns(), *table, keep, most)
    nearness = np.zeros(len(edges), dtype=np.int64)
    violated = False
    for c in checks:
        near = c.nearness(*edges.columns())
        violated |= bool((near > c.margin).any())
        np.maximum(nearness, near, out=nearness)
    near = np.flatnonzero(nearness > 0)
    rows = int(request.max(initial=-1)) + 1
    picked, _ = best_per_row(request[near], nearness[near], keep, rows, compiled)
    if most < NO_LIMIT:
        picked[picked] = _first_ties(request[near][picked], nearness[near][picked], most)
    return near[picked], violated


def _first_ties(row: np.ndarray, values: np.ndarray, most: int) -> np.ndarray:
    """Of entries grouped by ``row`` (increasing), every entry above its row's least value,
    then the entries at that least value in order, up to ``most`` entries a row.

    >>> _first_ties(np.array([0, 0, 0, 0, 1]), np.array([5, 3, 3, 3, 3]), 3).tolist()
    [True, True, True, False, True]
    """
    starts = np.flatnonzero(np.r_[True, row[1:] != row[:-1]]) if len(row) else row
    least = np.minimum.reduceat(values, starts) if len(row) else values
    group = np.cumsum(np.r_[False, row[1:] != row[:-1]]) if len(row) else row
    at = values == least[group]
    above = np.bincount(group[~at], minlength=len(starts))
    ties = np.cumsum(at)
    rank = ties - np.r_[0, ties][starts][group]  # 1 for a row's first tie, 2 for its next
    return ~at | (rank <= most - above[group])


class CheckTable(NamedTuple):
    """The prices of a list of checks stacked for :func:`near_picks`: per check ``k``, its
    ``scale``, ``bonus``, ``floor`` and ``margin``, its request prices ``request[k]``
    (mentee x kind), its mentor prices ``mentor[k]``, and its pair prices as one CSR
    matrix per check in shared arrays (mentee ``e``'s pairs are ``pair_mentor[p]``,
    ``pair_price[p]`` for ``p`` in ``range(pair_start[k, e], pair_start[k, e + 1])``).

    >>> from scipy import sparse
    >>> none = np.zeros((2, 1), dtype=np.int64)
    >>> pair = sparse.csr_array(([7], ([1], [0])), shape=(2, 2))
    >>> table = CheckTable.of([Check(1, 0, 0, none, np.array([5, 50]), pair)])
    >>> table.pair_start.tolist(), table.pair_mentor.tolist(), table.margin.tolist()
    ([[0, 0, 1]], [0], [100])
    """

    scale: np.ndarray
    bonus: np.ndarray
    floor: np.ndarray
    margin: np.ndarray
    request: np.ndarray
    mentor: np.ndarray
    pair_start: np.ndarray
    pair_mentor: np.ndarray
    pair_price: np.ndarray

    @classmethod
    def of(cls, checks: Sequence[Check]) -> CheckTable:
        """Stack ``checks`` (all priced over the same people and kinds)."""

        def numbers(name: str) -> np.ndarray:
            return np.array([getattr(c, name) for c in checks], dtype=np.int64)

        if not checks:
            none, empty = np.zeros(0, dtype=np.int64), np.zeros((0, 0), dtype=np.int64)
            return cls(none, none, none, none, empty[None], empty, empty, none, none)
        starts, offset = [], 0
        for c in checks:
            starts.append(c.pair.indptr.astype(np.int64) + offset)
            offset += c.pair.indptr[-1]
        return cls(
            numbers("scale"),
            numbers("bonus"),
            numbers("floor"),
            numbers("margin"),
            np.ascontiguousarray([c.request for c in checks], dtype=np.int64),
            np.ascontiguousarray([c.mentor for c in checks], dtype=np.int64),
            np.ascontiguousarray(starts),
            np.concatenate([c.pair.indices[: c.pair.indptr[-1]] for c in checks]).astype(np.int64),
            np.concatenate([c.pair.data[: c.pair.indptr[-1]] for c in checks]).astype(np.int64),
        )


@entry(
    INTS,
    INTS,
    INTS,
    INTS,
    INTS,
    INTS,
    INTS,
    INTS,
    INTS,
    INT_CUBE,
    INT_TABLE,
    INT_TABLE,
    INTS,
    INTS,
    INT,
    INT,
)
@jit(nogil=True)
def near_picks(
    request, mentee, mentor, kind, weight, scale, bonus, floor, margin, request_price,
    mentor_price, pair_start, pair_mentor, pair_price, keep, most
):  # fmt: skip
    """Positions of each request's ``keep`` nearest edges (ties as :func:`nearest_edges`
    keeps them, at most ``most``) among those near in some check of the
    :class:`CheckTable`, and whether one of them violates a check: in one pass what
    :meth:`matcher.pruning.Check.nearness`, :func:`~matcher.best.best_per_row` and
    the cut of ties compute, the same integers in the same order.

    ``request`` numbers the edges' requests, in increasing order. A mentee's pair prices
    are spread into one row per check while the edges of that mentee are read.
    """
    edges, checks = len(weight), len(scale)
    nearness = np.zeros(edges, dtype=np.int64)
    pair = np.zeros((checks, mentor_price.shape[1]), dtype=np.int64)
    picked = np.zeros(edges, dtype=np.bool_)
    top = np.empty(keep, dtype=np.int64)
    violated = False
    spread = -1  # the mentee whose pair prices are in ``pair``
    start = 0
    while start < edges:
        end = start
        while end < edges and request[end] == request[start]:
            end += 1
        for t in range(start, end):
            e = mentee[t]
            if e != spread:
                for k in range(checks):
                    if spread >= 0:
                        for p in range(pair_start[k, spread], pair_start[k, spread + 1]):
                            pair[k, pair_mentor[p]] = 0
                    for p in range(pair_start[k, e], pair_start[k, e + 1]):
                        pair[k, pair_mentor[p]] += pair_price[p]
                spread = e
            best = np.int64(0)
            for k in range(checks):
                cost = scale[k] * weight[t] + bonus[k] - request_price[k, e, kind[t]]
                cost -= mentor_price[k, mentor[t]]
                if weight[t] < floor[k]:
                    cost = np.int64(-1)
                cost += margin[k]
                if cost > 0:
                    cost -= pair[k, mentor[t]]
                violated |= cost > margin[k]
                best = max(best, cost)
            nearness[t] = best
        # the request's keep nearest, then ties with the keep-th in order, most in all
        size = held = 0
        for t in range(start, end):
            if nearness[t] > 0:
                size += 1
                held = keep_greatest(top, held, keep, nearness[t])
        cut = top[keep - 1] if size > keep else np.int64(1)
        room = most
        for t in range(start, end):
            room -= nearness[t] > cut
        for t in range(start, end):
            tie = nearness[t] == cut and room > 0
            picked[t] = nearness[t] > cut or tie
            room -= tie
        start = end
    return np.flatnonzero(picked), violated


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
