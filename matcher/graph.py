"""The graph the solvers work on: candidate edges grouped by request, pair and mentor.

A valid choice of edges fills each ``(mentee, kind)`` request and each ``(mentee,
mentor)`` pair at most once and each mentor at most up to their room (see
:mod:`matcher.solver`). :func:`group` numbers the requests and pairs, :func:`lex_order`
and :func:`buckets` order edges by columns or by one key, :func:`free_graph` sets locked
edges aside and returns the :class:`Graph` of the choosable rest,
:func:`max_count` is the most edges a valid choice holds (an exact maximum flow) and
:func:`fair_floor` the fairness objective's threshold (compiled, :func:`floor_level`: a
binary search whose maximum counts are augmenting paths continuing from one another).
:mod:`matcher.solver` and :mod:`matcher.pruning` both build on these.
"""

from __future__ import annotations

from collections import namedtuple
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.sparse import csr_array
from scipy.sparse.csgraph import maximum_flow

from matcher.kernels import INT, INTS, entry, jit

IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]


@dataclass(frozen=True)
class Graph:
    """Choosable edges, each with its request and pair group, and the room left per mentor.

    >>> g = Graph(*(np.array(a) for a in ([0, 1], [0, 1], [0, 0], [5, 7], [1])))
    >>> g.n_requests, g.n_pairs, len(g.subset(g.weight > 5).weight)
    (2, 2, 1)
    """

    request: IntArray
    pair: IntArray
    mentor: IntArray
    weight: IntArray
    capacity: IntArray

    @property
    def n_requests(self) -> int:
        """Requests numbered in ``request``."""
        return int(self.request.max()) + 1 if self.request.size else 0

    @property
    def n_pairs(self) -> int:
        """Pairs numbered in ``pair``."""
        return int(self.pair.max()) + 1 if self.pair.size else 0

    def subset(self, keep: BoolArray) -> Graph:
        """Return the graph restricted to the edges where ``keep`` is true (itself when
        that is every edge: no copies)."""
        if keep.all():
            return self
        return Graph(
            self.request[keep], self.pair[keep], self.mentor[keep], self.weight[keep], self.capacity
        )


def group(*columns: IntArray) -> IntArray:
    """Number the distinct rows of ``columns`` 0, 1, ... in sorted order; one id per edge.

    The columns are folded into one integer key (:func:`fold`); keys spanning no more
    than a few times the number of rows are numbered through a table, others by a stable
    sort, which is quick on keys made of a few ascending runs, such as edges listed by
    type, then mentee, then mentor (:func:`group_by_ranks` when the key would overflow).

    >>> group(np.array([3, 1, 3, 1]), np.array([0, 5, 0, 2])).tolist()
    [2, 1, 2, 0]
    """
    n = len(columns[0])
    if not n:
        return np.zeros(0, dtype=np.int64)
    folded = fold(columns)
    if folded is None:
        return group_by_ranks(columns)
    key, span = folded
    if span <= 4 * n:
        present = np.zeros(span, dtype=bool)
        present[key] = True
        return (np.cumsum(present) - 1)[key]
    order = np.argsort(key, kind="stable")
    ordered = key[order]
    rank = np.zeros(n, dtype=np.int64)  # in place from here: fresh memory is slow to touch
    np.not_equal(ordered[1:], ordered[:-1], out=rank[1:])
    np.cumsum(rank, out=rank)
    key[order] = rank  # the key is this function's own
    return key


def fold(columns: tuple[IntArray, ...]) -> tuple[IntArray, int] | None:
    """One key per row, ordered as the rows by columns in order (mixed radix over each
    column's range), and its span (every key is below it); None when it would reach
    ``2**62``.

    >>> key, span = fold((np.array([3, 1, 3]), np.array([0, 5, 2])))
    >>> key.tolist(), span
    ([12, 5, 14], 18)
    """
    key, span = np.zeros(len(columns[0]), dtype=np.int64), 1
    for column in columns:
        low, high = (int(column.min()), int(column.max())) if len(column) else (0, 0)
        width = high - low + 1
        if span * width >= 2**62:
            return None
        key *= width  # in place: these arrays are long, and fresh memory is slow to touch
        key += column
        key -= low
        span *= width
    return key, span


def lex_order(*columns: IntArray) -> IntArray:
    """The positions of the rows sorted by columns in order, ties by position: the order
    of ``np.lexsort(columns[::-1])``, by one stable sort of a folded key when it fits
    (quick on keys made of a few ascending runs).

    >>> lex_order(np.array([1, 0, 1, 0]), np.array([2, 3, 1, 3])).tolist()
    [1, 3, 2, 0]
    """
    folded = fold(columns)
    if folded is None:
        return np.lexsort(columns[::-1])
    return np.argsort(folded[0], kind="stable")


@entry(INTS, INT)
@jit(nogil=True)
def buckets(key, n_keys):  # pragma: no cover - compiled
    """Positions bucketed by ``key`` (in ``range(n_keys)``), each bucket in order: bucket
    ``k`` is ``members[start[k]:start[k + 1]]``, a stable counting sort (``members`` is
    ``np.argsort(key, kind="stable")``). Returns ``(start, members)``.

    >>> start, members = buckets(np.array([2, 0, 2, 0]), 3)
    >>> start.tolist(), members.tolist()
    ([0, 2, 2, 4], [1, 3, 0, 2])
    """
    start = np.zeros(n_keys + 1, dtype=np.int64)
    for k in key:
        start[k + 1] += 1
    start = np.cumsum(start)
    fill = start[:-1].copy()
    members = np.empty(len(key), dtype=np.int64)
    for e in range(len(key)):
        members[fill[key[e]]] = e
        fill[key[e]] += 1
    return start, members


def group_by_ranks(columns: tuple[IntArray, ...]) -> IntArray:
    """:func:`group` for any range of values: the ids of the distinct rows in sorted order.

    Each column is ranked and folded into the ids so far; ids and ranks stay below the
    number of rows, so the folded key never overflows where :func:`group`'s mixed-radix
    key would.

    Parameters
    ----------
    columns
        Integer columns of equal length, any values.

    Returns
    -------
    IntArray
        One id per row: the rank of the row among the distinct rows, by columns in order.

    Examples
    --------
    >>> big = np.array([2**62, -(2**62), 2**62])
    >>> group_by_ranks((big, np.array([1, 0, 0]))).tolist()
    [2, 0, 1]
    """
    ids = np.zeros(len(columns[0]), dtype=np.int64)
    for column in columns:
        _, rank = np.unique(column, return_inverse=True)
        _, ids = np.unique(ids * len(column) + rank, return_inverse=True)
    return ids.astype(np.int64)


def free_graph(
    mentee: IntArray,
    mentor: IntArray,
    kind: IntArray,
    weight: IntArray,
    capacity: IntArray,
    locked: BoolArray,
) -> tuple[BoolArray, Graph]:
    """Set the locked edges aside: return the mask of edges still choosable and their graph.

    An edge stays choosable when it is not locked, no lock fills its request or its pair,
    and its mentor has room left after the locks.

    >>> one = np.array([0, 0])
    >>> free, graph = free_graph(
    ...     one, np.array([0, 1]), one, np.array([5, 7]), np.array([1, 1]), np.array([True, False])
    ... )
    >>> free.tolist(), graph.capacity.tolist()
    ([False, False], [0, 1])
    """
    request, pair = group(mentee, kind), group(mentee, mentor)
    room = capacity - np.bincount(mentor[locked], minlength=len(capacity))
    free = ~locked & (room[mentor] > 0)
    if locked.any():  # a table per id: np.isin sorts or hashes every edge
        for ids in (request, pair):
            filled = np.zeros(int(ids.max()) + 1, dtype=bool)
            filled[ids[locked]] = True
            free &= ~filled[ids]
    return free, Graph(request, pair, mentor, weight, room).subset(free)


def max_count(graph: Graph) -> int:
    """Return the most edges a valid choice can hold: an exact integer maximum flow.

    Nodes: source, requests, pairs, mentors, sink; every arc has capacity 1 except
    mentor → sink, which has the mentor's room.

    >>> max_count(Graph(*(np.array(a) for a in ([0, 1], [0, 1], [0, 0], [5, 7], [1]))))
    1
    """
    n_requests, n_pairs, n_mentors = graph.n_requests, graph.n_pairs, len(graph.capacity)
    pair_mentor = np.zeros(n_pairs, dtype=np.int64)
    pair_mentor[graph.pair] = graph.mentor
    first_pair, first_mentor = 1 + n_requests, 1 + n_requests + n_pairs
    sink = first_mentor + n_mentors
    tails = np.concatenate(
        [
            np.zeros(n_requests, dtype=np.int64),
            1 + graph.request,
            first_pair + np.arange(n_pairs),
            first_mentor + np.arange(n_mentors),
        ]
    )
    heads = np.concatenate(
        [
            1 + np.arange(n_requests),
            first_pair + graph.pair,
            first_mentor + pair_mentor,
            np.full(n_mentors, sink),
        ]
    )
    room = np.minimum(graph.capacity, len(graph.pair))  # fits int32 as scipy requires
    arc_capacity = np.concatenate(
        [np.ones(n_requests + len(graph.pair) + n_pairs, dtype=np.int64), room]
    )
    use = arc_capacity > 0
    network = csr_array(
        (arc_capacity[use].astype(np.int32), (tails[use], heads[use])), shape=(sink + 1, sink + 1)
    )
    return int(maximum_flow(network, 0, sink).flow_value)


def fair_floor(graph: Graph, target: int, compiled: bool = True, guess: int = -1) -> int:
    """The highest weight ``t`` of the graph such that its edges weighing ``>= t`` still fill
    ``target`` requests, or 0 without edges.

    A binary search over the distinct weights: compiled, by :func:`floor_level`, whose
    maximum flows each continue from the flow of the lowest weight found too high, and
    which first tries the weights just above and at ``guess`` (a weight likely to be the
    threshold, such as the last one found; the answer does not depend on it); else with a
    new exact maximum flow (:func:`max_count`) for each weight tried. The fairness
    objective keeps only those edges (see :mod:`matcher.solver`).

    >>> g = Graph(*(np.array(a) for a in ([0, 1], [0, 1], [0, 1], [5, 7], [1, 1])))
    >>> fair_floor(g, 2), fair_floor(g, 1), fair_floor(g, 2, compiled=False)
    (5, 7, 5)
    >>> fair_floor(g, 2, guess=7), fair_floor(g, 1, guess=6)
    (5, 7)
    """
    levels = np.unique(graph.weight)
    if not levels.size:
        return 0
    if compiled:
        at = int(np.searchsorted(levels, guess, side="right")) - 1  # the level at or below
        return int(levels[floor_level(*by_request(graph), levels, target, at)])
    low, high = 0, len(levels) - 1  # levels[low] always reaches the target
    while low < high:
        middle = (low + high + 1) // 2
        if max_count(graph.subset(graph.weight >= levels[middle])) >= target:
            low = middle
        else:
            high = middle - 1
    return int(levels[low])


def by_request(graph: Graph) -> tuple[IntArray, ...]:
    """The arguments of :func:`floor_level` before the levels: where each request's edges
    begin (and the end), then each edge's request, pair, mentor and weight, grouped by
    request, heaviest first, and each mentor's room (between 0 and the number of edges).

    >>> g = Graph(*(np.array(a) for a in ([1, 0, 1], [0, 1, 2], [0, 0, 1], [5, 7, 9], [4, 1])))
    >>> [a.tolist() for a in by_request(g)]
    [[0, 1, 3], [0, 1, 1], [1, 2, 0], [0, 1, 0], [7, 9, 5], [3, 1]]
    """
    order = lex_order(graph.request, -graph.weight)  # quick: requests mostly in order
    start = np.searchsorted(graph.request[order], np.arange(graph.n_requests + 1))
    columns = (graph.request, graph.pair, graph.mentor, graph.weight)
    room = np.clip(graph.capacity, 0, len(graph.weight))
    return (start, *(c[order] for c in columns), room)


#: A flow of :func:`floor_level`: ``uses[r]`` the edge request ``r`` uses (-1: none),
#: ``holder[p]`` the edge through pair ``p`` (-1), ``load[m]`` the edges at mentor ``m``,
#: listed in ``slots[slot_start[m]:slot_start[m] + load[m]]``, edge ``e`` at ``slot_of[e]``.
_Flow = namedtuple("_Flow", "uses holder load slot_start slots slot_of")
#: The edges of :func:`floor_level`, grouped by request (``start``), and each mentor's room.
_Edges = namedtuple("_Edges", "start request pair mentor weight room")
#: A phase's search (:func:`_layers`, :func:`_augment`): ``layer`` of each request and
#: ``mentor_layer`` of each mentor (-1: not reached, or no path on from it), ``queue`` for
#: the breadth-first search; frame ``f`` of the depth-first stack is request ``node[f] >=
#: 0`` trying its edge ``edge[f]`` (its next at ``at[f]``) or mentor ``-1 - node[f]``
#: trying its slot ``at[f]``.
_Search = namedtuple("_Search", "layer mentor_layer queue node at edge")


@entry(INTS, INTS, INTS, INTS, INTS, INTS, INTS, INT, INT)
@jit(nogil=True)
def floor_level(
    start, request, pair, mentor, weight, room, levels, target, guess
):  # pragma: no cover
    """The index of :func:`fair_floor`'s threshold in ``levels`` (the distinct weights,
    ascending): the highest ``i`` whose edges weighing ``>= levels[i]`` fill ``target``
    requests (0 when none does).

    Edges come grouped by request, each request's heaviest first (``start``: where each
    request's edges begin, and the end); ``room`` is at most the number of edges. A binary
    search, after ``levels[guess + 1]`` and ``levels[guess]`` (those in range; -1: none);
    each weight tried gets a maximum count by augmenting paths (:func:`_max_count`), from
    the flow of the lowest weight found too high so far (its edges are there at any lower
    weight), and stops as soon as it reaches ``target``.

    >>> one = np.array([0, 1, 2])
    >>> floor_level(
    ...     one,
    ...     np.array([0, 1]),
    ...     one[:2],
    ...     one[:2] * 0,
    ...     np.array([5, 7]),
    ...     one[1:2],
    ...     np.array([5, 7]),
    ...     1,
    ...     -1,
    ... )
    1
    """
    edges = _Edges(start, request, pair, mentor, weight, room)
    flow, search = _empty_flow(edges), _new_search(edges)
    low, high = 0, len(levels)  # levels[low] fills the target, levels[high] (if any) not
    kept = flow.uses.copy()  # the flow at levels[high]: none yet
    for middle in (guess + 1, guess):
        if low < middle < high:
            low, high, kept = _probe(flow, edges, search, kept, levels, target, low, high, middle)
    while high - low > 1:
        middle = (low + high) // 2
        low, high, kept = _probe(flow, edges, search, kept, levels, target, low, high, middle)
    return low


@jit()
def _probe(flow, edges, search, kept, levels, target, low, high, middle):  # pragma: no cover
    """One step of :func:`floor_level`'s search: whether ``levels[middle]`` fills ``target``,
    by a maximum count from the flow ``kept`` (that of ``levels[high]``); returns the new
    ``low``, ``high`` and ``kept``."""
    count = _restore(flow, kept, edges)
    if _max_count(flow, edges, search, count, levels[middle], target):
        return middle, high, kept
    return low, middle, flow.uses.copy()


@jit()
def _empty_flow(edges):  # pragma: no cover - compiled
    """A flow of no edge on ``edges``, each mentor with ``min(room, edges at it)`` slots."""
    n_mentors = len(edges.room)
    degree = np.zeros(n_mentors, dtype=np.int64)
    for m in edges.mentor:
        degree[m] += 1
    slot_start = np.zeros(n_mentors + 1, dtype=np.int64)
    for m in range(n_mentors):
        slot_start[m + 1] = slot_start[m] + min(edges.room[m], degree[m])
    n_pairs = 0
    for p in edges.pair:
        n_pairs = max(n_pairs, p + 1)
    return _Flow(
        np.full(len(edges.start) - 1, -1, dtype=np.int64),
        np.full(n_pairs, -1, dtype=np.int64),
        np.zeros(n_mentors, dtype=np.int64),
        slot_start,
        np.zeros(slot_start[-1], dtype=np.int64),
        np.zeros(len(edges.pair), dtype=np.int64),
    )


@jit()
def _new_search(edges):  # pragma: no cover - compiled
    """The arrays of a search on ``edges``."""
    n_requests, n_mentors = len(edges.start) - 1, len(edges.room)
    depth = n_requests + n_mentors + 1  # a path alternates requests and mentors
    return _Search(
        np.zeros(n_requests, dtype=np.int64),
        np.zeros(n_mentors, dtype=np.int64),
        np.zeros(n_requests, dtype=np.int64),
        np.zeros(depth, dtype=np.int64),
        np.zeros(depth, dtype=np.int64),
        np.zeros(depth, dtype=np.int64),
    )


@jit()
def _restore(flow, uses, edges):  # pragma: no cover - compiled
    """Make ``flow`` the flow whose requests use ``uses``; return its count."""
    flow.holder[:] = -1
    flow.uses[:] = -1
    flow.load[:] = 0
    count = 0
    for e in uses:
        if e >= 0:
            _take(flow, e, edges)
            count += 1
    return count


@jit()
def _take(flow, e, edges):  # pragma: no cover - compiled
    """Add edge ``e`` to the flow (its request, pair and a slot of its mentor free)."""
    m = edges.mentor[e]
    at = flow.slot_start[m] + flow.load[m]
    flow.slots[at] = e
    flow.slot_of[e] = at
    flow.load[m] += 1
    flow.holder[edges.pair[e]] = e
    flow.uses[edges.request[e]] = e


@jit()
def _drop(flow, e, edges):  # pragma: no cover - compiled
    """Take edge ``e`` out of the flow (the mentor's last slot fills its place)."""
    m = edges.mentor[e]
    flow.load[m] -= 1
    last = flow.slots[flow.slot_start[m] + flow.load[m]]
    flow.slots[flow.slot_of[e]] = last
    flow.slot_of[last] = flow.slot_of[e]
    flow.holder[edges.pair[e]] = -1
    flow.uses[edges.request[e]] = -1


@jit()
def _max_count(flow, edges, search, count, floor, target):  # pragma: no cover - compiled
    """Grow the flow (``count`` edges) on the edges weighing ``>= floor`` by shortest
    augmenting paths, in phases (Hopcroft and Karp): the layers of a breadth-first search
    from every request left out, then depth-first searches along them. True as soon as it
    fills ``target`` requests, False once no path is left (the flow is then maximum)."""
    while count < target:
        if not _layers(flow, edges, search, floor):
            return False
        grew = False
        for r in range(len(edges.start) - 1):
            if search.layer[r] == 0 and _augment(flow, edges, search, r, floor):
                count += 1
                grew = True
                if count >= target:
                    return True
        if not grew:  # never: the shortest path the layers hold is found
            return False
    return True


@jit()
def _layers(flow, edges, search, floor):  # pragma: no cover - compiled
    """Number requests and mentors by their distance from a request left out (layer 0), up
    to the first request with an edge to a free pair at a mentor with room; False when no
    request has one (no augmenting path: the flow is maximum).

    From a request in layer ``d``, an edge leads to the request whose edge holds its pair
    (layer ``d + 1``) or, through a free pair, to a full mentor (layer ``d``) and on to
    each request with an edge there (``d + 1``): that request would give up its edge.
    """
    layer, mentor_layer, queue = search.layer, search.mentor_layer, search.queue
    layer[:] = -1
    mentor_layer[:] = -1
    size = 0
    for r in range(len(edges.start) - 1):
        first = edges.start[r]
        if flow.uses[r] < 0 and first < edges.start[r + 1] and edges.weight[first] >= floor:
            layer[r] = 0
            queue[size] = r
            size += 1
    last = -1  # the layer of the shortest paths, once one is found
    head = 0
    while head < size:
        r = queue[head]
        head += 1
        d = layer[r]
        if last >= 0 and d > last:
            break
        for e in range(edges.start[r], edges.start[r + 1]):
            if edges.weight[e] < floor:
                break
            held = flow.holder[edges.pair[e]]
            if held >= 0:
                other = edges.request[held]
                if layer[other] < 0:
                    layer[other] = d + 1
                    queue[size] = other
                    size += 1
                continue
            m = edges.mentor[e]
            if flow.load[m] < edges.room[m]:
                last = d
            elif mentor_layer[m] < 0:
                mentor_layer[m] = d
                for slot in range(flow.slot_start[m], flow.slot_start[m] + flow.load[m]):
                    other = edges.request[flow.slots[slot]]
                    if layer[other] < 0:
                        layer[other] = d + 1
                        queue[size] = other
                        size += 1
    return last >= 0


@jit()
def _augment(flow, edges, search, r, floor):  # pragma: no cover - compiled
    """Look for an augmenting path from request ``r`` (left out) by a depth-first search
    along the layers (each step to the next layer, see :func:`_layers`); apply it and
    return True when found. A request or mentor with no path on is taken out of its layer
    (each request's edges to a free pair at a mentor with room are checked first)."""
    layer, mentor_layer = search.layer, search.mentor_layer
    top = 0
    if _enter(flow, edges, search, 0, r, floor):
        return True
    while top >= 0:
        node = search.node[top]
        if node >= 0:
            e = search.at[top]
            if e == edges.start[node + 1] or edges.weight[e] < floor:
                layer[node] = -1
                top -= 1
                continue
            search.at[top] = e + 1
            search.edge[top] = e
            held = flow.holder[edges.pair[e]]
            if held >= 0:
                other = edges.request[held]
                if layer[other] == layer[node] + 1:
                    top += 1
                    if _enter(flow, edges, search, top, other, floor):
                        return True
                continue
            m = edges.mentor[e]  # a free pair: its mentor is full (see _enter)
            if mentor_layer[m] == layer[node]:
                top += 1
                search.node[top] = -1 - m
                search.at[top] = flow.slot_start[m]
        else:
            m = -1 - node
            slot = search.at[top]
            if slot == flow.slot_start[m] + flow.load[m]:
                mentor_layer[m] = -1
                top -= 1
                continue
            search.at[top] = slot + 1
            other = edges.request[flow.slots[slot]]
            if layer[other] == mentor_layer[m] + 1:
                top += 1
                if _enter(flow, edges, search, top, other, floor):
                    return True
    return False


@jit()
def _enter(flow, edges, search, top, r, floor):  # pragma: no cover - compiled
    """Push request ``r`` as frame ``top``; when one of its edges weighing ``>= floor``
    reaches a free pair at a mentor with room, apply the path of the stack ending with it
    and return True."""
    search.node[top] = r
    search.at[top] = edges.start[r]
    for e in range(edges.start[r], edges.start[r + 1]):
        if edges.weight[e] < floor:
            break
        m = edges.mentor[e]
        if flow.holder[edges.pair[e]] < 0 and flow.load[m] < edges.room[m]:
            search.edge[top] = e
            for f in range(1, top + 1):  # every request of the path but the first has an edge
                if search.node[f] >= 0:
                    _drop(flow, flow.uses[search.node[f]], edges)
            for f in range(top + 1):
                if search.node[f] >= 0:
                    _take(flow, search.edge[f], edges)
            return True
    return False
