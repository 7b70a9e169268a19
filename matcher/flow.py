"""Compiled min-cost flow for the packing problem, with exact integer dual prices.

The problem of :mod:`matcher.solver`: edges ``e`` with an integer ``gain[e]``, each in one
request (at most one edge), one pair (at most one edge: a mentee's mentors are distinct)
and at one mentor (at most ``capacity`` edges); choose edges of greatest total gain.

It is a min-cost flow: every request sends one unit to a sink ``T``, either along an edge
(through its pair and its mentor, cost ``-gain``) or directly (cost 0: the request stays
unmatched). A pair with a single edge needs no node of its own. :func:`max_gain_flow`
solves it by successive shortest paths: requests are routed one at a time, those with the
heaviest edge first (fewer of them later lose their mentor again), along a cheapest
augmenting path in the residual network, found by Dijkstra's algorithm on
reduced costs, which stops as soon as the sink is reached; only the nodes it settled
change potential (as in the Jonker–Volgenant assignment algorithm). Everything is
integer, so the answer is exact.

The node potentials ``pi`` at the end are an optimality certificate, and they translate
into the dual prices of the packing linear program (``a = pi - pi[T]``):

- request ``u = a[request]`` (never negative: the direct arc to ``T`` is always open);
- pair ``w = max(0, a[mentor] - a[pair])`` (positive only on a used pair node);
- mentor ``v = max(0, -a[mentor])`` (positive only on a full mentor).

Every edge then has ``gain <= u + w + v``, with equality on chosen edges, and the prices
add up to the chosen gain (strong duality), which :mod:`matcher.pruning` checks again in
exact integer arithmetic before it trusts them.

The kernel is compiled once with numba and cached on disk.
"""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np
from numpy.typing import NDArray

__all__ = ["FlowSolution", "max_gain_flow"]

IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]

# How a node was reached on a shortest path (the arc from its predecessor).
_EDGE, _EDGE_BACK, _PAIR, _PAIR_BACK, _TO_SINK, _UNMATCHED = 0, 1, 2, 3, 4, 5
_INFINITY = np.iinfo(np.int64).max


@dataclass(frozen=True)
class FlowSolution:
    """Chosen edges and the dual prices that prove them optimal (local indices)."""

    chosen: BoolArray
    request: IntArray
    pair: IntArray
    mentor: IntArray


def max_gain_flow(
    request: IntArray, pair: IntArray, mentor: IntArray, gain: IntArray, capacity: IntArray
) -> FlowSolution:
    """Choose edges of greatest total gain, one per request and pair, ``capacity`` per mentor.

    Parameters
    ----------
    request, pair
        Per edge, its request and its pair, numbered ``0, 1, ...`` without gaps.
    mentor
        Per edge, its mentor (an index into ``capacity``).
    gain
        Per edge, a non-negative integer gain. Totals must stay below ``2**62``.
    capacity
        Per mentor, the most edges it may get.

    Returns
    -------
    FlowSolution
        The chosen edges and integer prices per request, pair and mentor; an edge of gain 0
        may or may not be chosen.

    Examples
    --------
    Two requests of one mentee (pair 0) both want mentor 0, who has room for two; the
    mentee may still have that mentor only once, so the second request takes mentor 1.

    >>> s = max_gain_flow(
    ...     request=np.array([0, 1, 1]),
    ...     pair=np.array([0, 0, 1]),
    ...     mentor=np.array([0, 0, 1]),
    ...     gain=np.array([50, 40, 30]),
    ...     capacity=np.array([2, 1]),
    ... )
    >>> s.chosen.tolist(), s.request.tolist(), s.pair.tolist(), s.mentor.tolist()
    ([True, False, True], [40, 30], [10, 0], [0, 0])
    """
    n_requests = int(request.max()) + 1 if request.size else 0
    n_pairs = int(pair.max()) + 1 if pair.size else 0
    n_mentors = len(capacity)
    if not request.size:
        none = np.zeros(0, dtype=np.int64)
        return FlowSolution(np.zeros(0, dtype=bool), none, none, np.zeros(n_mentors, np.int64))
    size = np.bincount(pair, minlength=n_pairs)
    shared = size > 1
    pair_node = np.cumsum(shared) - 1  # node number among the shared pairs
    n_pairs_shared = int(shared.sum())
    n_nodes = n_requests + n_pairs_shared + n_mentors + 1
    pair_mentor = np.zeros(n_pairs, dtype=np.int64)
    pair_mentor[pair] = mentor
    mentor_node = n_requests + n_pairs_shared + mentor
    head = np.where(shared[pair], n_requests + pair_node[pair], mentor_node)
    shared_mentor = n_requests + n_pairs_shared + pair_mentor[shared]
    order = np.argsort(request, kind="stable")
    start = np.concatenate([[0], np.cumsum(np.bincount(request, minlength=n_requests))])
    degree = np.bincount(mentor, minlength=n_mentors)
    slots = np.concatenate([[0], np.cumsum(np.minimum(capacity, degree))])
    chosen, pi = _successive_shortest_paths(
        n_nodes,
        start,
        order.astype(np.int64),
        request.astype(np.int64),
        head.astype(np.int64),
        gain.astype(np.int64),
        shared_mentor.astype(np.int64),
        capacity.astype(np.int64),
        slots.astype(np.int64),
    )
    a = pi - pi[-1]
    a_mentor = a[n_requests + n_pairs_shared : n_nodes - 1]
    pair_price = np.zeros(n_pairs, dtype=np.int64)
    used_pair = np.zeros(n_pairs, dtype=bool)
    used_pair[pair[chosen]] = True
    node_price = a_mentor[pair_mentor] - a[n_requests + pair_node]
    pick = shared & used_pair
    pair_price[pick] = np.maximum(0, node_price[pick])
    return FlowSolution(chosen, a[:n_requests].copy(), pair_price, np.maximum(0, -a_mentor))


@numba.njit(cache=True)
def _push(heap_key, heap_node, size, key, node):  # pragma: no cover - compiled
    """Insert ``(key, node)`` into the binary heap of ``size`` entries; return the new size."""
    at = size
    while at > 0:
        parent = (at - 1) >> 1
        if heap_key[parent] <= key:
            break
        heap_key[at], heap_node[at] = heap_key[parent], heap_node[parent]
        at = parent
    heap_key[at], heap_node[at] = key, node
    return size + 1


@numba.njit(cache=True)
def _pop(heap_key, heap_node, size):  # pragma: no cover - compiled
    """Remove the smallest entry of the heap; return ``(key, node, new size)``."""
    key, node = heap_key[0], heap_node[0]
    size -= 1
    last_key, last_node = heap_key[size], heap_node[size]
    at = 0
    while True:
        child = 2 * at + 1
        if child >= size:
            break
        if child + 1 < size and heap_key[child + 1] < heap_key[child]:
            child += 1
        if heap_key[child] >= last_key:
            break
        heap_key[at], heap_node[at] = heap_key[child], heap_node[child]
        at = child
    heap_key[at], heap_node[at] = last_key, last_node
    return key, node, size


@numba.njit(cache=True)
def _successive_shortest_paths(  # pragma: no cover - compiled
    n_nodes, start, order, request, head, gain, shared_mentor, capacity, slots
):
    """Route every request to the sink along cheapest augmenting paths.

    Nodes: requests ``0..R-1``, shared pairs, mentors, then the sink. Returns the chosen
    edges and the final node potentials.
    """
    n_requests = len(start) - 1
    n_shared = len(shared_mentor)
    first_mentor = n_requests + n_shared
    sink = n_nodes - 1
    n_edges = len(gain)
    pi = np.zeros(n_nodes, dtype=np.int64)
    for r in range(n_requests):
        best = 0
        for k in range(start[r], start[r + 1]):
            best = max(best, gain[order[k]])
        pi[r] = best
    flow = np.zeros(n_edges, dtype=np.bool_)
    pair_user = np.full(n_shared, -1, dtype=np.int64)
    load = np.zeros(len(capacity), dtype=np.int64)
    users = np.full(slots[-1], 0, dtype=np.int64)  # edge e >= 0 or shared pair p as -p-1
    dist = np.full(n_nodes, _INFINITY, dtype=np.int64)
    settled = np.zeros(n_nodes, dtype=np.bool_)
    pred_node = np.full(n_nodes, -1, dtype=np.int64)
    pred_kind = np.zeros(n_nodes, dtype=np.int64)
    pred_id = np.zeros(n_nodes, dtype=np.int64)
    room = 2 * (n_edges + n_nodes) + 16
    heap_key = np.empty(room, dtype=np.int64)
    heap_node = np.empty(room, dtype=np.int64)
    touched = np.empty(n_nodes, dtype=np.int64)
    done = np.empty(n_nodes, dtype=np.int64)
    for source in np.argsort(-pi[:n_requests], kind="mergesort"):  # heaviest first
        if start[source] == start[source + 1]:
            continue
        n_touched = 0
        n_done = 0
        size = 0
        dist[source] = 0
        touched[n_touched] = source
        n_touched += 1
        size = _push(heap_key, heap_node, size, 0, source)
        while size:
            d, a, size = _pop(heap_key, heap_node, size)
            if settled[a] or d > dist[a]:
                continue
            settled[a] = True
            if a == sink:
                break
            done[n_done] = a
            n_done += 1
            # every arc out of a: (head, reduced cost, kind, id)
            if a < n_requests:
                for k in range(start[a], start[a + 1]):
                    e = order[k]
                    b = head[e]
                    nd = d - gain[e] + pi[a] - pi[b]
                    if nd < dist[b]:
                        if dist[b] == _INFINITY:
                            touched[n_touched] = b
                            n_touched += 1
                        dist[b], pred_node[b], pred_kind[b], pred_id[b] = nd, a, _EDGE, e
                        size = _push(heap_key, heap_node, size, nd, b)
                nd = d + pi[a] - pi[sink]
                if nd < dist[sink]:
                    if dist[sink] == _INFINITY:
                        touched[n_touched] = sink
                        n_touched += 1
                    dist[sink], pred_node[sink], pred_kind[sink], pred_id[sink] = (
                        nd,
                        a,
                        _UNMATCHED,
                        a,
                    )
                    size = _push(heap_key, heap_node, size, nd, sink)
            elif a < first_mentor:
                p = a - n_requests
                e = pair_user[p]
                if e < 0:
                    b, nd, kind, ident = shared_mentor[p], d + pi[a], _PAIR, p
                    nd -= pi[b]
                else:
                    b, kind, ident = request[e], _EDGE_BACK, e
                    nd = d + gain[e] + pi[a] - pi[b]
                if nd < dist[b]:
                    if dist[b] == _INFINITY:
                        touched[n_touched] = b
                        n_touched += 1
                    dist[b], pred_node[b], pred_kind[b], pred_id[b] = nd, a, kind, ident
                    size = _push(heap_key, heap_node, size, nd, b)
            else:
                m = a - first_mentor
                if load[m] < capacity[m]:
                    nd = d + pi[a] - pi[sink]
                    if nd < dist[sink]:
                        if dist[sink] == _INFINITY:
                            touched[n_touched] = sink
                            n_touched += 1
                        dist[sink], pred_node[sink], pred_kind[sink], pred_id[sink] = (
                            nd,
                            a,
                            _TO_SINK,
                            m,
                        )
                        size = _push(heap_key, heap_node, size, nd, sink)
                for k in range(slots[m], slots[m] + load[m]):
                    code = users[k]
                    if code >= 0:
                        b, kind, ident = request[code], _EDGE_BACK, code
                        nd = d + gain[code] + pi[a] - pi[b]
                    else:
                        b, kind, ident = n_requests - code - 1, _PAIR_BACK, -code - 1
                        nd = d + pi[a] - pi[b]
                    if nd < dist[b]:
                        if dist[b] == _INFINITY:
                            touched[n_touched] = b
                            n_touched += 1
                        dist[b], pred_node[b], pred_kind[b], pred_id[b] = nd, a, kind, ident
                        size = _push(heap_key, heap_node, size, nd, b)
        reach = dist[sink]
        for k in range(n_done):
            v = done[k]
            pi[v] -= reach - dist[v]
        # augment along the path, walking back from the sink
        node = sink
        mentor_out = 0  # at the mentor about to be entered: -1 to the sink, else lost code + 1
        while node != source:
            a, kind, ident = pred_node[node], pred_kind[node], pred_id[node]
            if kind == _EDGE:
                flow[ident] = True
                if node < first_mentor:
                    pair_user[node - n_requests] = ident
                else:
                    _enter(users, slots, load, node - first_mentor, mentor_out, ident)
            elif kind == _EDGE_BACK:
                flow[ident] = False
                if a < first_mentor:
                    pair_user[a - n_requests] = -1
                else:
                    mentor_out = ident + 1
            elif kind == _PAIR:
                _enter(users, slots, load, node - first_mentor, mentor_out, -ident - 1)
            elif kind == _PAIR_BACK:
                mentor_out = -ident - 1 + 1
            elif kind == _TO_SINK:
                mentor_out = -(1 << 62)
            node = a
        for k in range(n_touched):
            v = touched[k]
            dist[v] = _INFINITY
            settled[v] = False
    return flow, pi


@numba.njit(cache=True)
def _enter(users, slots, load, m, mentor_out, code):  # pragma: no cover - compiled
    """Record that ``code`` now sends flow into mentor ``m``; ``mentor_out`` says where the
    path left ``m``: to the sink (a new slot) or back along a user (``code + 1``), replaced."""
    if mentor_out == -(1 << 62):
        users[slots[m] + load[m]] = code
        load[m] += 1
        return
    lost = mentor_out - 1
    for k in range(slots[m], slots[m] + load[m]):
        if users[k] == lost:
            users[k] = code
            return
