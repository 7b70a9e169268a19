"""Exact matching on a pruned candidate set, certified against every feasible triple.

A cohort of n people has up to n² candidate triples, but an optimal matching touches few
of them. :func:`certified_solve` solves the packing problem of :mod:`matcher.solver` on a
small subset of the triples (each request's best candidates) as a min-cost flow
(:func:`matcher.flow.max_gain_flow`), reads integer dual prices off its node potentials,
and asks a *pricer* for every triple outside the subset whose reduced cost ``gain -
price(request) - price(mentor) - price(pair)`` is positive. By LP duality, when no triple
anywhere has a positive reduced cost and the prices' dual objective equals the value of
the chosen edges, no choice over *all* triples does better. Violating triples are added
and the subset solved again until none remain. A pricer may return, for several checks at
once, near triples of one check that the subset holds already in the place of another
check's violators (it returns each request's nearest); when a round adds nothing new, the
checks are priced one at a time, where violators always come first.

Every claim is checked again in exact integer arithmetic: the prices must be
non-negative, price every subset edge at a reduced cost ``<= 0`` and add up to the chosen
value exactly, and the choice must be valid. Should they ever fail,
:class:`CertificationError` is raised and the caller solves the full problem instead.

The objectives are certified as plain flows on integer gains, each with its own prices
(its own :class:`Check`):

- ``coverage``: gain ``big + weight`` with ``big = R * MAX_WEIGHT + 1`` above any total
  weight of R requests, so the total ranks count first and weight second.
- ``quality``: gain ``(R + 1) * weight + 1``, so the total ranks weight first and count
  second.
- ``fairness``: the coverage certificate (it proves ``K``, the most requests any choice
  fills); the threshold ``t`` found on the subset; a count certificate (gain 1) over the
  edges weighing more than ``t`` proving that they fill fewer than ``K``; then coverage
  over the edges weighing at least ``t``, whose choice must fill ``K``.

Locked edges are set aside as in :func:`matcher.solver.solve`; the requests, pairs and
mentors they fill get the price :data:`FILLED`, so no triple there ever violates.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.sparse import csr_array

from matcher.best import best_per_row, keep_greatest
from matcher.config import OBJECTIVES, Objective
from matcher.errors import MatcherError
from matcher.flow import WarmStart, max_gain_flow
from matcher.graph import Graph, buckets, fair_floor, free_graph, group
from matcher.kernels import INTS, entry, jit, plain
from matcher.solver import MAX_WEIGHT

__all__ = [
    "FILLED",
    "CertificationError",
    "Certified",
    "Check",
    "Edges",
    "ExplicitPricer",
    "Pricer",
    "Prices",
    "certified_flow",
    "certified_solve",
    "certifies",
    "solve_pruned",
    "top_per_mentor",
    "top_per_request",
]

IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]

#: Price of a request, pair or mentor that locked edges already fill.
FILLED = 2**60
#: Weight (hundredths of a point) within which a non-violating triple counts as near.
NEAR_WEIGHT = 100


class CertificationError(MatcherError):
    """The flow's prices failed the exact check of a certificate."""


@dataclass(frozen=True)
class Edges:
    """Candidate triples as parallel int64 arrays, with integer weights (hundredths)."""

    mentee: IntArray
    mentor: IntArray
    kind: IntArray
    weight: IntArray

    @classmethod
    def of(cls, mentee: ArrayLike, mentor: ArrayLike, kind: ArrayLike, weight: ArrayLike) -> Edges:
        """Build from array-likes, as int64.

        >>> len(Edges.of([0], [1], [0], [50]))
        1
        """
        columns = (np.asarray(c, dtype=np.int64).ravel() for c in (mentee, mentor, kind, weight))
        return cls(*columns)

    @classmethod
    def concat(cls, parts: Sequence[Edges]) -> Edges:
        """All edges of ``parts`` in order (at least one part).

        >>> len(Edges.concat([Edges.of([0], [1], [0], [5]), Edges.of([2], [1], [0], [7])]))
        2
        """
        columns = zip(*(part.columns() for part in parts), strict=True)
        return cls(*(np.concatenate(column) for column in columns))

    def __len__(self) -> int:
        return len(self.mentee)

    def take(self, index: ArrayLike) -> Edges:
        """The edges at ``index`` (a mask or positions); themselves for a mask of every
        edge (no copies)."""
        index = np.asarray(index)
        if index.dtype == bool and index.all():
            return self
        return Edges(self.mentee[index], self.mentor[index], self.kind[index], self.weight[index])

    def columns(self) -> tuple[IntArray, IntArray, IntArray, IntArray]:
        """``(mentee, mentor, kind, weight)``."""
        return self.mentee, self.mentor, self.kind, self.weight


@dataclass(frozen=True)
class Check:
    """Integer dual prices to verify against triples outside the subset.

    An edge of weight ``w >= floor`` gains ``scale * w + bonus``; its reduced cost is that
    gain minus the prices of its request ``request[mentee, kind]``, its mentor
    ``mentor[mentor]`` and its pair ``pair[mentee, mentor]``. Edges below ``floor`` are not
    part of this problem and never violate it.
    """

    scale: int
    bonus: int
    floor: int
    request: IntArray
    mentor: IntArray
    pair: csr_array

    @property
    def margin(self) -> int:
        """Reduced costs above ``-margin`` are *near*: once some triple violates, the pricers
        add the near ones too (a score point's worth), which saves rounds of re-solving."""
        return self.scale * NEAR_WEIGHT

    def nearness(
        self, mentee: IntArray, mentor: IntArray, kind: IntArray, weight: IntArray
    ) -> IntArray:
        """Reduced costs of edges plus :attr:`margin`: positive for near edges, above the
        margin for violating ones (edges below ``floor`` count as reduced cost -1).

        Exact where positive, at most 0 elsewhere: prices are non-negative, so the pair
        price (a sparse lookup) is only subtracted where the rest leaves a positive value.

        >>> none = np.zeros((1, 1), dtype=np.int64)
        >>> check = Check(1, 0, 0, none, np.array([5]), csr_array((1, 1), dtype=np.int64))
        >>> zero = np.array([0])
        >>> check.nearness(zero, zero, zero, np.array([8])).tolist(), check.margin
        ([103], 100)
        """
        cost = self.scale * weight + self.bonus - self.request[mentee, kind] - self.mentor[mentor]
        cost = np.where(weight >= self.floor, cost, -1) + self.margin
        maybe = np.flatnonzero(cost > 0)
        if len(maybe):
            cost[maybe] -= np.asarray(self.pair[mentee[maybe], mentor[maybe]]).ravel()
        return cost


class Pricer(Protocol):
    """Finds triples outside the current subset that violate any of the checks."""

    def __call__(self, checks: Sequence[Check]) -> Edges:
        """Return triples with a positive reduced cost in some check (none: certified)."""
        ...


@dataclass(frozen=True)
class ExplicitPricer:
    """Prices a known list of every feasible edge (for explicit problems and tests).

    >>> pricer = ExplicitPricer(Edges.of([0], [0], [0], [10]))
    >>> len(pricer([]))
    0
    """

    edges: Edges

    def __call__(self, checks: Sequence[Check]) -> Edges:
        violates = np.zeros(len(self.edges), dtype=bool)
        near = np.zeros(len(self.edges), dtype=bool)
        for check in checks:
            nearness = check.nearness(*self.edges.columns())
            violates |= nearness > check.margin
            near |= nearness > 0
        return self.edges.take(near if violates.any() else violates)


def top_per_request(edges: Edges, keep: int, compiled: bool = True) -> BoolArray:
    """Mask of each request's edges weighing at least its ``keep``-th heaviest (ties kept).

    The requests are numbered by type, then mentee, so edges listed in that order (as
    candidates are) are in order already and the stable sort that groups them is quick.
    ``compiled=False`` finds the cuts with the plain Python of their kernel.

    >>> top_per_request(Edges.of([0, 0, 0, 1], [0, 1, 2, 0], [0, 0, 0, 0], [5, 9, 5, 1]), 2)
    array([ True,  True,  True,  True])
    >>> top_per_request(Edges.of([0, 0, 0], [0, 1, 2], [0, 0, 0], [5, 9, 4]), 2).tolist()
    [True, True, False]
    """
    request = group(edges.kind, edges.mentee)
    order = np.argsort(request, kind="stable")
    rows = int(request.max(initial=-1)) + 1
    kept = np.empty(len(order), dtype=bool)
    kept[order] = best_per_row(request[order], edges.weight[order], keep, rows, compiled)[0]
    return kept


def top_per_mentor(
    edges: Edges, capacity: IntArray, factor: int, compiled: bool = True
) -> BoolArray:
    """Mask of each mentor's ``factor * capacity`` heaviest edges (ties broken by position).

    A first round that holds only each request's best edges leaves the places of the
    mentors few requests rank highly empty; these edges give them candidates.
    ``compiled=False`` runs the plain Python of the kernel.

    >>> edges = Edges.of([0, 1, 2, 0], [0, 0, 0, 1], [0, 0, 0, 0], [5, 9, 7, 1])
    >>> top_per_mentor(edges, np.array([1, 1]), 2).tolist()
    [False, True, True, True]
    """
    limit = factor * np.asarray(capacity, dtype=np.int64)
    heaviest = _heaviest_per_mentor if compiled else plain(_heaviest_per_mentor)
    return heaviest(edges.mentor, edges.weight, limit)


@entry(INTS, INTS, INTS)
@jit(nogil=True)
def _heaviest_per_mentor(mentor, weight, limit):  # pragma: no cover - compiled
    """Mask of each mentor ``m``'s ``limit[m]`` heaviest edges, ties broken by position.

    The edges are bucketed by mentor in order; in a bucket with more than ``limit[m]``,
    the ``limit[m]``-th greatest weight (the cut) is found by insertion into a short
    sorted list, then the edges above the cut are kept and, in order, as many at the cut
    as there is room for.
    """
    start, bucketed = buckets(mentor, len(limit))
    kept = np.zeros(len(mentor), dtype=np.bool_)
    longest = 1  # the longest list of greatest weights needed: a bucket holds more
    for room in limit:
        longest = max(longest, min(room, len(mentor)))
    top = np.empty(longest, dtype=np.int64)
    for m in range(len(limit)):
        bucket, room = bucketed[start[m] : start[m + 1]], limit[m]
        if len(bucket) <= room:
            kept[bucket] = True
            continue
        if room <= 0:
            continue
        size = 0
        for e in bucket:
            size = keep_greatest(top, size, room, weight[e])
        cut = top[room - 1]
        for e in bucket:
            if weight[e] > cut:
                room -= 1
        for e in bucket:  # above the cut, then as many at it as there is room left
            if weight[e] > cut:
                kept[e] = True
            elif weight[e] == cut and room > 0:
                kept[e] = True
                room -= 1
    return kept


def solve_pruned(
    mentee: ArrayLike,
    mentor: ArrayLike,
    kind: ArrayLike,
    weight: ArrayLike,
    capacity: ArrayLike,
    *,
    objective: Objective = "coverage",
    locked: ArrayLike | None = None,
    keep: int = 8,
) -> BoolArray:
    """Solve an explicit problem exactly from each request's ``keep`` best edges.

    Same inputs and optimum values as :func:`matcher.solver.solve`; the subset is
    certified against every given edge and grown until optimal.

    Examples
    --------
    >>> edges = dict(mentee=[0, 0, 1], mentor=[0, 1, 0], kind=[0, 0, 0], weight=[100, 10, 20])
    >>> solve_pruned(**edges, capacity=[1, 1], keep=1)
    array([False,  True,  True])
    """
    everything = Edges.of(mentee, mentor, kind, weight)
    locked_ = np.zeros(len(everything), dtype=bool) if locked is None else np.asarray(locked)
    start = top_per_request(everything, keep) | locked_
    n_requests = len(np.unique(group(everything.mentee, everything.kind)))
    shape = (
        int(everything.mentee.max(initial=-1)) + 1,
        int(everything.kind.max(initial=-1)) + 1,
    )
    subset, chosen = certified_solve(
        everything.take(start),
        np.asarray(capacity, dtype=np.int64),
        ExplicitPricer(everything.take(~start)),
        objective=objective,
        locked=locked_[start],
        shape=shape,
        requests=n_requests,
    )
    key = _triple_keys(everything, shape, len(np.asarray(capacity)))
    picked = _triple_keys(subset.take(chosen), shape, len(np.asarray(capacity)))
    return np.isin(key, picked)


def _triple_keys(edges: Edges, shape: tuple[int, int], n_mentors: int) -> IntArray:
    return (edges.mentee * shape[1] + edges.kind) * n_mentors + edges.mentor


def certified_solve(
    edges: Edges,
    capacity: IntArray,
    pricer: Pricer,
    *,
    objective: Objective,
    locked: BoolArray,
    shape: tuple[int, int],
    requests: int,
    compiled: bool = True,
) -> tuple[Edges, BoolArray]:
    """Solve on ``edges``, grow them with the pricer's violators, until certified optimal.

    Parameters
    ----------
    edges
        The starting subset; it must hold every locked edge.
    capacity
        Places per mentor.
    pricer
        Returns, for a list of checks, the triples outside the subset that violate one.
    objective
        ``"coverage"``, ``"quality"`` or ``"fairness"``.
    locked
        Mask over ``edges`` of the locked ones.
    shape
        ``(number of mentees, number of kinds)``: bounds of the mentee and kind indices.
    requests
        Number of requests with at least one feasible triple (bounds any edge count).
    compiled
        Solve the flows with the compiled kernel, else with its plain Python (see
        :func:`matcher.flow.max_gain_flow`).

    Returns
    -------
    tuple
        The final subset and the mask over it of the chosen edges.

    Raises
    ------
    CertificationError
        When the flow's prices fail the exact check of a certificate, or the pricer
        reports violations but no triple the subset lacks.

    Examples
    --------
    >>> every = Edges.of([0, 0, 1], [0, 1, 0], [0, 0, 0], [100, 10, 20])
    >>> start = every.take([0, 2])
    >>> subset, chosen = certified_solve(
    ...     start,
    ...     np.array([1, 1]),
    ...     ExplicitPricer(every.take([1])),
    ...     objective="coverage",
    ...     locked=np.zeros(2, dtype=bool),
    ...     shape=(2, 1),
    ...     requests=2,
    ... )
    >>> subset.mentor[chosen].tolist(), int(subset.weight[chosen].sum())
    ([0, 1], 30)
    """
    found = certified_flow(
        edges,
        capacity,
        pricer,
        objective=objective,
        locked=locked,
        shape=shape,
        requests=requests,
        compiled=compiled,
    )
    return found.edges, found.chosen


@dataclass(frozen=True)
class Certified:
    """A certified choice: the final subset, the mask over it of the chosen edges, and the
    state of its main flow (over the subset's choosable edges, :func:`~matcher.graph.free_graph`),
    which :func:`matcher.flow.repair_flow` can repair."""

    edges: Edges
    chosen: BoolArray
    warm: WarmStart | None


def certified_flow(
    edges: Edges,
    capacity: IntArray,
    pricer: Pricer,
    *,
    objective: Objective,
    locked: BoolArray,
    shape: tuple[int, int],
    requests: int,
    compiled: bool = True,
    start: WarmStart | None = None,
) -> Certified:
    """:func:`certified_solve`, whose first flow continues from ``start`` (a flow of the
    first choosable edges of ``edges``, such as :func:`matcher.flow.repair_flow` leaves)
    when given, returning its main flow's state too.

    >>> every = Edges.of([0, 0, 1], [0, 1, 0], [0, 0, 0], [100, 10, 20])
    >>> found = certified_flow(
    ...     every.take([0, 2]),
    ...     np.array([1, 1]),
    ...     ExplicitPricer(every.take([1])),
    ...     objective="coverage",
    ...     locked=np.zeros(2, dtype=bool),
    ...     shape=(2, 1),
    ...     requests=2,
    ... )
    >>> found.chosen.tolist(), len(found.warm.chosen)
    ([False, True, True], 3)
    """
    if objective not in OBJECTIVES:
        raise ValueError(f"objective must be one of {', '.join(OBJECTIVES)}; got {objective!r}")
    last = _Round(start)
    have = np.sort(_triple_keys(edges, shape, len(capacity)), kind="stable")  # quick: runs
    while True:
        chosen, checks, last = _solve_and_price(
            edges, capacity, objective, locked, shape, requests, last, compiled
        )
        extra = pricer(checks)  # violators and near triples, some maybe in the subset
        if not len(extra):
            return Certified(edges, chosen, last.warm)
        extra, have = _new_triples(extra, have, shape, len(capacity))
        if not len(extra):  # near triples of one check outranked another's violators
            every = Edges.concat([pricer([check]) for check in checks])
            extra, have = _new_triples(every, have, shape, len(capacity))
            if not len(extra):
                raise CertificationError("the pricer finds violations but no new triple")
        edges = Edges.concat([edges, extra])
        locked = np.concatenate([locked, np.zeros(len(extra), dtype=bool)])


def _new_triples(
    extra: Edges, have: IntArray, shape: tuple[int, int], n_mentors: int
) -> tuple[Edges, IntArray]:
    """The triples of ``extra`` whose keys are not in ``have`` (sorted), each once, in order
    of first appearance, and ``have`` with their keys added.

    >>> extra = Edges.of([0, 1, 0], [1, 0, 1], [0, 0, 0], [5, 6, 5])
    >>> extra, have = _new_triples(extra, np.array([1]), (2, 1), 2)
    >>> extra.mentee.tolist(), have.tolist()
    ([1], [1, 2])
    """
    keys, first = np.unique(_triple_keys(extra, shape, n_mentors), return_index=True)
    at = np.searchsorted(have, keys)
    new = at == len(have)
    new[~new] = have[at[~new]] != keys[~new]
    have = np.sort(np.concatenate([have, keys[new]]), kind="stable")
    return extra.take(np.sort(first[new])), have


# --- one round: solve the subset, price it --------------------------------------------------


@dataclass(frozen=True)
class _Subset:
    """The choosable part of the subset, and how its local rows map to global indices."""

    graph: Graph
    free: BoolArray
    request_mentee: IntArray
    request_kind: IntArray
    pair_mentee: IntArray
    pair_mentor: IntArray
    base: Check  # prices FILLED where locks fill, zero elsewhere


def _subset(edges: Edges, capacity: IntArray, locked: BoolArray, shape: tuple[int, int]) -> _Subset:
    """Set the locked edges aside and index the rest."""
    free, graph = free_graph(*edges.columns(), capacity, locked)
    mentee, mentor, kind, _ = edges.take(free).columns()
    request_mentee = np.full(graph.n_requests, -1, dtype=np.int64)
    request_kind = np.zeros(graph.n_requests, dtype=np.int64)
    request_mentee[graph.request], request_kind[graph.request] = mentee, kind
    pair_mentee = np.full(graph.n_pairs, -1, dtype=np.int64)
    pair_mentor = np.zeros(graph.n_pairs, dtype=np.int64)
    pair_mentee[graph.pair], pair_mentor[graph.pair] = mentee, mentor
    request = np.zeros(shape, dtype=np.int64)
    request[edges.mentee[locked], edges.kind[locked]] = FILLED
    n_mentors = len(capacity)
    pair = csr_array(
        (np.full(int(locked.sum()), FILLED), (edges.mentee[locked], edges.mentor[locked])),
        shape=(shape[0], n_mentors),
    )
    mentor_price = np.where(graph.capacity > 0, 0, FILLED).astype(np.int64)
    base = Check(0, 0, 0, request, mentor_price, pair)
    return _Subset(graph, free, request_mentee, request_kind, pair_mentee, pair_mentor, base)


@dataclass(frozen=True)
class _Round:
    """What a round leaves the next: the state of its main flow and its fairness threshold
    (the next round's search tries it first)."""

    warm: WarmStart | None = None
    floor: int = -1


def _solve_and_price(
    edges: Edges,
    capacity: IntArray,
    objective: Objective,
    locked: BoolArray,
    shape: tuple[int, int],
    requests: int,
    last: _Round,
    compiled: bool,
) -> tuple[BoolArray, list[Check], _Round]:
    """Optimal choice on the subset, the checks that certify it over all triples, and what
    the next round starts from (``last``: from the previous round, whose edges come first)."""
    sub = _subset(edges, capacity, locked, shape)
    weight = sub.graph.weight
    use = np.ones(len(weight), dtype=bool)
    big = requests * MAX_WEIGHT + 1  # above any total weight: coverage counts first
    main = (requests + 1, 1, 0) if objective == "quality" else (1, big, 0)
    pick, check, warm = _priced_flow(sub, use, main, compiled, last.warm)
    checks = [check]
    floor = -1
    if objective != "quality":
        target = int(pick.sum())
        if objective == "fairness" and target:
            floor = fair_floor(sub.graph, target, compiled, guess=last.floor)
            above = weight > floor
            fewer, check, _ = _priced_flow(sub, above, (0, 1, floor + 1), compiled)
            if int(fewer.sum()) >= target:
                raise CertificationError("the fairness threshold is not the highest one")
            use = weight >= floor
            pick, more, _ = _priced_flow(sub, use, (1, big, floor), compiled)
            if int(pick.sum()) != target:
                raise CertificationError("the edges from the fairness threshold fill fewer")
            checks += [check, more]
    chosen = locked.copy()
    free_chosen = np.zeros(len(weight), dtype=bool)
    free_chosen[use] = pick
    chosen[sub.free] = free_chosen
    return chosen, checks, _Round(warm, floor)


@dataclass(frozen=True)
class Prices:
    """Dual prices of a packing problem by local index: requests, pairs, mentors.

    >>> Prices(np.array([3]), np.array([0]), np.array([2])).mentor.tolist()
    [2]
    """

    request: IntArray
    pair: IntArray
    mentor: IntArray


def _priced_flow(
    sub: _Subset,
    use: BoolArray,
    form: tuple[int, int, int],
    compiled: bool,
    warm: WarmStart | None = None,
) -> tuple[BoolArray, Check, WarmStart | None]:
    """Maximise the gain over the ``use`` edges; certify the choice with its prices.

    ``form`` is ``(scale, bonus, floor)``: an edge of weight ``w`` gains ``scale * w +
    bonus``. Returns the choice over the ``use`` edges, the check and the flow's state.
    """
    graph = sub.graph.subset(use)
    gain = form[0] * graph.weight + form[1]
    found = max_gain_flow(
        graph.request, graph.pair, graph.mentor, gain, graph.capacity, warm, compiled=compiled
    )
    prices = Prices(found.request, found.pair, found.mentor)
    if not certifies(graph, gain, found.chosen, prices):
        raise CertificationError("the subset's flow prices do not certify its choice")
    return found.chosen, _check(sub, form, prices), found.warm


def certifies(graph: Graph, gain: IntArray, picked: BoolArray, prices: Prices) -> bool:
    """Exact check that ``prices`` prove ``picked`` optimal on ``graph`` (weak duality).

    The prices certify the choice when they are non-negative, no edge's ``gain`` exceeds
    the prices of its request, pair and mentor, the prices add up (a mentor's times its
    room) to the chosen gain exactly, and the choice is valid.

    Parameters
    ----------
    graph
        The edges and the room of each mentor.
    gain
        Integer gain per edge of ``graph``.
    picked
        The choice, a mask over the edges.
    prices
        Dual prices, e.g. those of :func:`matcher.flow.max_gain_flow`.

    Returns
    -------
    bool
        True when the prices prove that no valid choice gains more than ``picked``.

    Examples
    --------
    Two requests want the one seat of mentor 0; the one gaining 7 takes it, and pricing
    the seat at 7 (the requests and pairs at 0) proves that choice best:

    >>> graph = Graph(*(np.array(a) for a in ([0, 1], [0, 1], [0, 0], [5, 7], [1])))
    >>> gain, picked = graph.weight, np.array([False, True])
    >>> certifies(graph, gain, picked, Prices(np.array([0, 0]), np.array([0, 0]), np.array([7])))
    True
    >>> certifies(graph, gain, ~picked, Prices(np.array([5, 0]), np.array([0, 0]), np.array([7])))
    False
    """
    if len(prices.request) < graph.n_requests or len(prices.pair) < graph.n_pairs:
        return False
    reduced = gain - prices.request[graph.request]
    reduced -= prices.pair[graph.pair]
    reduced -= prices.mentor[graph.mentor]
    dual_value = int(prices.request.sum() + prices.pair.sum())
    dual_value += int((graph.capacity * prices.mentor).sum())
    lowest = min(
        prices.request.min(initial=0), prices.pair.min(initial=0), prices.mentor.min(initial=0)
    )
    return (
        lowest >= 0
        and reduced.max(initial=0) <= 0
        and dual_value == int(gain[picked].sum())
        and _valid(graph, picked)
    )


def _valid(graph: Graph, picked: BoolArray) -> bool:
    """True when ``picked`` fills each request and pair at most once and no mentor over
    its room."""
    counts = (
        np.bincount(graph.request[picked], minlength=graph.n_requests),
        np.bincount(graph.pair[picked], minlength=graph.n_pairs),
    )
    load = np.bincount(graph.mentor[picked], minlength=len(graph.capacity))
    return all(c.max(initial=0) <= 1 for c in counts) and not (load > graph.capacity).any()


def _check(sub: _Subset, form: tuple[int, int, int], prices: Prices) -> Check:
    """Place a subset LP's prices at their global indices, on top of the lock prices.

    A restricted graph keeps the subset's request and pair ids, so price ``i`` belongs to
    the subset's request (or pair) ``i``; ids of locked-out requests and pairs (mentee -1)
    have no edge and are skipped, and so are the pairs priced 0 (most of them), which the
    sparse pair prices need not hold.
    """
    base = sub.base
    request = base.request.copy()
    ids = np.flatnonzero(sub.request_mentee[: len(prices.request)] >= 0)
    request[sub.request_mentee[ids], sub.request_kind[ids]] += prices.request[ids]
    ids = np.flatnonzero((sub.pair_mentee[: len(prices.pair)] >= 0) & (prices.pair != 0))
    pair = base.pair + csr_array(
        (prices.pair[ids], (sub.pair_mentee[ids], sub.pair_mentor[ids])), shape=base.pair.shape
    )
    scale, bonus, floor = form
    mentor = base.mentor + prices.mentor
    return Check(scale, bonus, floor, request, mentor, csr_array(pair))
