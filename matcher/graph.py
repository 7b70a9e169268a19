"""The graph the solvers work on: candidate edges grouped by request, pair and mentor.

A valid choice of edges fills each ``(mentee, kind)`` request and each ``(mentee,
mentor)`` pair at most once and each mentor at most up to their room (see
:mod:`matcher.solver`). :func:`group` numbers the requests and pairs, :func:`lex_order`
and :func:`buckets` order edges by columns or by one key, :func:`free_graph` sets locked
edges aside and returns the :class:`Graph` of the choosable rest,
:func:`max_count` is the most edges a valid choice holds (an exact maximum flow) and
:func:`fair_floor` the fairness objective's threshold. :mod:`matcher.solver` and
:mod:`matcher.pruning` both build on these.
"""

from __future__ import annotations

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


def fair_floor(graph: Graph, target: int) -> int:
    """The highest weight ``t`` of the graph such that its edges weighing ``>= t`` still fill
    ``target`` requests (binary search with exact maximum flows), or 0 without edges.

    The fairness objective keeps only those edges (see :mod:`matcher.solver`).

    >>> g = Graph(*(np.array(a) for a in ([0, 1], [0, 1], [0, 1], [5, 7], [1, 1])))
    >>> fair_floor(g, 2), fair_floor(g, 1)
    (5, 7)
    """
    levels = np.unique(graph.weight)
    if not levels.size:
        return 0
    low, high = 0, len(levels) - 1  # levels[low] always reaches the target
    while low < high:
        middle = (low + high + 1) // 2
        if max_count(graph.subset(graph.weight >= levels[middle])) == target:
            low = middle
        else:
            high = middle - 1
    return int(levels[low])
