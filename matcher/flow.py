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

**Warm starts.** When edges are appended to a solved problem (the certification rounds of
:mod:`matcher.pruning`), :func:`max_gain_flow` continues from the previous flow and
potentials instead of starting over: only requests that an appended edge would now
prefer are routed again. Their old path keeps its unit at the pair or mentor it reached,
which then waits for one unit (a *deficit*), so no potential has to change. Each
rerouted request follows a cheapest path to the sink or to the nearest node with a
deficit; a deficit still open at the end is filled from the sink, along a cheapest path
that a search backwards from it finds. Both are successive-shortest-path steps for a
network with several sources and sinks, so the potentials stay a certificate.

A backward search scans the edges into a popular mentor heaviest first and stops early:
no request's potential is below the sink's, so an edge of gain ``g`` into a node ``v``
reached at distance ``d`` starts no path to the sink shorter than ``d + pi[T] - pi[v] -
g``; once that bound reaches the best distance to the sink found so far, the lighter
edges are skipped (see docs/performance.md).

A solve from scratch uses the same machinery in stages: each request's heaviest edge
first, then its 2, 4, 8, ... heaviest, each stage continuing from the last. The prices of
a stage are close to those of the next, so its searches stay short; on the pruned
candidate sets of large cohorts this is several times faster than one pass. A
warm start adds its appended edges in the same stages. All stages run in one call of the
kernel, on one network of all the edges, an edge taking part from its stage on (a call
per stage would rebuild the network each time; see docs/performance.md, "Measurements
behind the code").

The searches read memory in the order they need it: a request's edges as consecutive
rows ``(edge, head, gain, rank)``, the edges into a node likewise, a mentor's users with
the node they come from and their gain, and everything a search reads or writes about a
node (distance, predecessor, potential, settled, deficit) in one row of 8 integers, one
cache line (see docs/performance.md, "Measurements behind the code").

The kernel is compiled once with numba and cached on disk. Its helpers that run per arc
or per heap operation (``_relax``, ``_push``, ``_pop``, ...) allocate nothing and are
compiled without numba's reference counting (``_nrt=False``): otherwise every call touches
the count of each array it is passed (what that costs: docs/performance.md, "Measurements
behind the code").
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from matcher.graph import buckets, lex_order
from matcher.kernels import FLAGS, INT, INTS, entry, jit, plain

__all__ = ["FlowSolution", "WarmStart", "max_gain_flow", "repair_flow"]

IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]

# How a node was reached on a shortest path (the arc from its predecessor).
_EDGE, _EDGE_BACK, _PAIR, _PAIR_BACK, _TO_SINK, _UNMATCHED, _FROM_SINK, _DUMMY_BACK = range(8)
_INFINITY = np.iinfo(np.int64).max


@dataclass(frozen=True)
class WarmStart:
    """A solved flow, per edge, to continue from once edges are appended.

    ``level`` values are node potentials relative to the sink: of each edge's request, of
    its head (its pair node when the pair had one, else its mentor) and of every mentor.
    """

    gain: IntArray
    chosen: BoolArray
    request_level: IntArray
    head_level: IntArray
    shared: BoolArray
    mentor_level: IntArray


@dataclass(frozen=True)
class FlowSolution:
    """Chosen edges, the dual prices that prove them optimal (local indices), and the
    state a later solve with more edges can start from."""

    chosen: BoolArray
    request: IntArray
    pair: IntArray
    mentor: IntArray
    warm: WarmStart | None = None


@dataclass(frozen=True)
class _Network:
    """Node numbering: requests, shared pairs, mentors, then the sink; and the edges of
    each request, ``order[start[r]:start[r + 1]]``."""

    n_requests: int
    n_shared: int
    n_nodes: int
    pair_node: IntArray  # per pair, its node offset among shared pairs (-1: none)
    pair_mentor: IntArray
    shared_mentor: IntArray  # per shared pair, its mentor's node
    head: IntArray  # per edge, the node it leads to
    start: IntArray
    order: IntArray

    @classmethod
    def of(
        cls, request: IntArray, pair: IntArray, mentor: IntArray, n_mentors: int, compiled: bool
    ) -> _Network:
        kernels = (buckets, _pair_nodes) if compiled else (plain(buckets), plain(_pair_nodes))
        start, order = kernels[0](request, int(request.max()) + 1)
        n_requests = len(start) - 1
        pair_node, pair_mentor, head = kernels[1](pair, mentor, n_requests)
        n_shared = int(pair_node.max()) + 1
        shared_mentor = n_requests + n_shared + pair_mentor[pair_node >= 0]
        n_nodes = n_requests + n_shared + n_mentors + 1
        return cls(
            n_requests, n_shared, n_nodes, pair_node, pair_mentor, shared_mentor, head, start, order
        )

    @property
    def first_mentor(self) -> int:
        return self.n_requests + self.n_shared

    @property
    def degree(self) -> IntArray:
        """Per request, its number of edges."""
        return np.diff(self.start)


@entry(INTS, INTS, INT)
@jit(nogil=True)
def _pair_nodes(pair, mentor, n_requests):  # pragma: no cover - compiled
    """Per pair, its node offset among the shared pairs (those with more than one edge;
    -1 for the others) and its mentor; per edge, the node it leads to: its pair's node
    (numbered from ``n_requests``) when shared, else its mentor's (after the shared
    pairs). Returns ``(pair_node, pair_mentor, head)``."""
    n_pairs = pair.max() + 1
    pair_node = np.full(n_pairs, -1, dtype=np.int64)
    pair_mentor = np.zeros(n_pairs, dtype=np.int64)
    for e in range(len(pair)):
        p = pair[e]
        pair_node[p] += 1  # -1 + the edges of p: positive when shared
        pair_mentor[p] = mentor[e]
    n_shared = 0
    for p in range(n_pairs):
        if pair_node[p] > 0:
            pair_node[p] = n_shared
            n_shared += 1
        else:
            pair_node[p] = -1
    head = np.empty(len(pair), dtype=np.int64)
    for e in range(len(pair)):
        p = pair[e]
        if pair_node[p] >= 0:
            head[e] = n_requests + pair_node[p]
        else:
            head[e] = n_requests + n_shared + mentor[e]
    return pair_node, pair_mentor, head


def max_gain_flow(
    request: IntArray,
    pair: IntArray,
    mentor: IntArray,
    gain: IntArray,
    capacity: IntArray,
    warm: WarmStart | None = None,
    *,
    compiled: bool = True,
) -> FlowSolution:
    """Choose edges of greatest total gain, one per request and pair, ``capacity`` per mentor.

    Parameters
    ----------
    request, pair
        Per edge, its request and its pair (indices from 0; gaps are allowed).
    mentor
        Per edge, its mentor (an index into ``capacity``).
    gain
        Per edge, a non-negative integer gain. Totals must stay below ``2**62``.
    capacity
        Per mentor, the most edges it may get.
    warm
        The ``warm`` of an earlier solution whose edges are the first edges here, with the
        same requests, pairs, mentors and gains (edges may only have been appended).
    compiled
        Run the compiled kernel (built on first use), else the same kernel as plain Python
        (:func:`matcher.kernels.plain`): the same answer, faster on small problems when
        the kernel is not built yet.

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
    ([True, False, True], [10, 30], [40, 0], [0, 0])
    """
    n_mentors = len(capacity)
    if not request.size:
        none = np.zeros(0, dtype=np.int64)
        return FlowSolution(np.zeros(0, dtype=bool), none, none, np.zeros(n_mentors, np.int64))
    request, pair, mentor, gain = (
        np.asarray(a, dtype=np.int64) for a in (request, pair, mentor, gain)
    )
    return _staged(request, pair, mentor, gain, capacity, warm, compiled)


def repair_flow(
    request: IntArray,
    pair: IntArray,
    mentor: IntArray,
    capacity: IntArray,
    warm: WarmStart,
    gone: BoolArray,
    filled: BoolArray,
    room: IntArray,
    *,
    compiled: bool = True,
) -> WarmStart:
    """The optimal flow once some edges are taken out and some mentors lose places, from the
    flow of ``warm`` on these very edges (its gains), without solving again.

    The edges taken out release their units (their pair or mentor waits for one: a
    deficit); every mentor is brought within its new ``room``, giving up its users along
    cheapest paths; the requests that lost their edge and are still to be routed are routed
    again; the deficits left are filled from the sink. Each step is a successive-shortest-
    path step from the potentials of ``warm``, so the result is optimal on the edges left,
    and the same for the same inputs, however the earlier flow was found.

    Parameters
    ----------
    request, pair, mentor, capacity
        The edges and rooms ``warm`` was solved on (see :func:`max_gain_flow`).
    warm
        The solved flow of those edges (their ``warm``).
    gone
        Per edge, True when it is taken out (it never takes part again).
    filled
        Per edge, True when its request is taken out too (its edges must all be gone):
        it is not routed again.
    room
        Per mentor, the places left (at most ``capacity``).
    compiled
        As for :func:`max_gain_flow`.

    Returns
    -------
    WarmStart
        The repaired flow over the edges that are not gone, in their order: the ``warm``
        of :func:`max_gain_flow` on those edges, with ``room``.

    Examples
    --------
    Two requests want mentor 0's one place; the heavier gets it. Once its edge is taken
    out, the other gets the place:

    >>> edges = dict(request=np.array([0, 1]), pair=np.array([0, 1]), mentor=np.array([0, 0]))
    >>> solved = max_gain_flow(**edges, gain=np.array([50, 40]), capacity=np.array([1]))
    >>> solved.chosen.tolist()
    [True, False]
    >>> gone = np.array([True, False])
    >>> again = repair_flow(
    ...     **edges, capacity=np.array([1]), warm=solved.warm, gone=gone,
    ...     filled=np.zeros(2, dtype=bool), room=np.array([1]),
    ... )  # fmt: skip
    >>> again.chosen.tolist(), again.gain.tolist()
    ([True], [40])
    """
    request, pair, mentor = (np.asarray(a, dtype=np.int64) for a in (request, pair, mentor))
    gain = warm.gain
    if len(gain) != len(request):
        raise ValueError("a repair needs the edges its warm start was solved on")
    net = _Network.of(request, pair, mentor, len(capacity), compiled)
    pi, flow, deficit, dummy, seen = _starting_state(net, request, warm)
    released = gone & flow
    flow[released] = False
    np.add.at(deficit, net.head[released], 1)
    again = np.unique(request[released & ~filled])
    sources = again[np.argsort(-pi[again], kind="stable")]  # heaviest first
    rank = np.where(gone, _INFINITY, 0)
    by_rank = np.zeros(0, dtype=np.int64)  # no stages: nothing is added
    state = (pi, flow, deficit, dummy, seen)
    solved = _run(
        net, request, pair, mentor, gain, capacity, room, rank, by_rank, state, sources, compiled
    ).warm
    assert solved is not None  # _solution always leaves one
    kept = ~gone
    return WarmStart(
        gain[kept],
        solved.chosen[kept],
        solved.request_level[kept],
        solved.head_level[kept],
        solved.shared[kept],
        solved.mentor_level,
    )


def _staged(
    request: IntArray,
    pair: IntArray,
    mentor: IntArray,
    gain: IntArray,
    capacity: IntArray,
    warm: WarmStart | None,
    compiled: bool,
) -> FlowSolution:
    """Add the edges in stages: each request's heaviest new edge, then its 2, 4, 8, ...
    heaviest, each stage continuing from the previous one (or from ``warm``, whose edges
    come first), until every edge is in. A stage's prices are a good start for the next,
    so the searches stay short. The stages run inside one call of the kernel, on one
    network of all the edges (an edge takes part from its stage on)."""
    base = len(warm.chosen) if warm is not None else 0
    if base > len(gain) or (warm is not None and not np.array_equal(warm.gain, gain[:base])):
        raise ValueError("a warm start needs the same first edges and gains")
    rank = np.zeros(len(gain), dtype=np.int64)  # 0: solved already; then 1, 2, ... by gain
    by_gain = lex_order(request[base:], -gain[base:])
    grouped = request[base:][by_gain]
    at = np.arange(len(by_gain))
    first = np.maximum.accumulate(np.where(np.r_[True, grouped[1:] != grouped[:-1]], at, 0))
    rank[base + by_gain] = 1 + at - first
    net = _Network.of(request, pair, mentor, len(capacity), compiled)
    state = _starting_state(net, request, warm)
    if base == len(gain):  # nothing appended: the warm flow is the answer
        return _solution(net, request, pair, gain, state[0], state[1])
    bucket = buckets if compiled else plain(buckets)
    by_rank = bucket(rank, int(rank.max()) + 1)[1]
    none = np.zeros(0, dtype=np.int64)
    return _run(
        net, request, pair, mentor, gain, capacity, capacity, rank, by_rank, state, none, compiled
    )


def _run(
    net: _Network,
    request: IntArray,
    pair: IntArray,
    mentor: IntArray,
    gain: IntArray,
    capacity: IntArray,
    room: IntArray,
    rank: IntArray,
    by_rank: IntArray,
    state: tuple[IntArray, BoolArray, IntArray, BoolArray, BoolArray],
    released: IntArray,
    compiled: bool,
) -> FlowSolution:
    """Run the kernel from ``state`` (updated in place; see :func:`_starting_state`), with
    each mentor's users held in as many slots as ``capacity`` allows and ``room`` places
    (at most ``capacity``); return the solution."""
    degree = np.bincount(mentor, minlength=len(capacity))
    slots = np.concatenate([[0], np.cumsum(np.minimum(capacity, degree))])
    room = np.asarray(room, dtype=np.int64)
    arcs = (net.start, net.order, request, net.head, gain, net.shared_mentor, room, slots)
    kernel = _successive_shortest_paths if compiled else plain(_successive_shortest_paths)
    heaviest = np.argsort(-gain, kind="stable")  # numba's own sort takes four times as long
    kernel(*arcs, rank, by_rank, heaviest, *state, released)
    return _solution(net, request, pair, gain, state[0], state[1])


def _starting_state(
    net: _Network, request: IntArray, warm: WarmStart | None
) -> tuple[IntArray, BoolArray, IntArray, BoolArray, BoolArray]:
    """Potentials, flow, deficits, requests sent to the sink directly, and the requests
    routed already: those of ``warm``, whose edges come first."""
    pi = np.zeros(net.n_nodes, dtype=np.int64)
    flow = np.zeros(len(request), dtype=bool)
    deficit = np.zeros(net.n_nodes, dtype=np.int64)
    dummy = np.zeros(net.n_requests, dtype=bool)
    seen = np.zeros(net.n_requests, dtype=bool)
    if warm is not None:
        k = len(warm.chosen)
        first_mentor = net.first_mentor
        pi[first_mentor : net.n_nodes - 1] = warm.mentor_level
        pi[request[:k]] = warm.request_level
        pi[net.n_requests : first_mentor] = pi[net.shared_mentor]
        # used pair nodes keep their level; a used pair no longer shared (a repair took its
        # other edges out) has no node: its request's level takes up the pair's price, so
        # that its edge stays tight (the prices still add up to the chosen gain)
        shared = net.head[:k] < first_mentor
        kept = warm.chosen & warm.shared & shared
        pi[net.head[:k][kept]] = warm.head_level[kept]
        merged = warm.chosen & warm.shared & ~shared
        pi[request[:k][merged]] = warm.gain[merged] + pi[net.head[:k][merged]]
        seen[request[:k]] = True
        flow[:k] = warm.chosen
        dummy[:] = seen
        dummy[request[flow]] = False
    return pi, flow, deficit, dummy, seen


def _solution(
    net: _Network,
    request: IntArray,
    pair: IntArray,
    gain: IntArray,
    pi: IntArray,
    flow: BoolArray,
) -> FlowSolution:
    """Prices from the potentials (see the module docstring) and the warm start."""
    a = pi - pi[-1]
    first_mentor = net.first_mentor
    a_mentor = a[first_mentor : net.n_nodes - 1]
    used = pair[flow]  # each pair at most once
    pick = used[net.pair_node[used] >= 0]  # the used pair nodes
    pair_price = np.zeros(len(net.pair_node), dtype=np.int64)
    node_level = a[net.n_requests + net.pair_node[pick]]
    pair_price[pick] = np.maximum(0, a_mentor[net.pair_mentor[pick]] - node_level)
    shared = net.head < first_mentor
    warm = WarmStart(gain, flow, a[request], a[net.head], shared, a_mentor.copy())
    request_price = np.where(net.degree > 0, a[: net.n_requests], 0)  # no edges: worth nothing
    return FlowSolution(flow, request_price, pair_price, np.maximum(0, -a_mentor), warm)


@jit(_nrt=False)
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


@jit(_nrt=False)
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


@jit(_nrt=False)
def _relax(search, b, nd, a, kind, ident, size, n_touched):  # pragma: no cover - compiled
    """Reach node ``b`` from ``a`` at distance ``nd`` if that is shorter; return the heap size
    and the number of touched nodes. ``search`` holds the arrays of the running search."""
    reached, touched, heap_key, heap_node, deficit = search
    if nd < reached[b, 0]:
        if reached[b, 0] == _INFINITY:
            touched[n_touched] = b
            n_touched += 1
        reached[b, 0], reached[b, 1], reached[b, 2], reached[b, 3] = nd, a, kind, ident
        later = 0 if b == len(reached) - 1 or deficit[b] > 0 else 1  # ends first among equals
        size = _push(heap_key, heap_node, size, 2 * nd + later, b)
    return size, n_touched


@jit(_nrt=False)
def _add_user(users, slots, n_users, m, code, node, g):  # pragma: no cover - compiled
    """Record that ``code`` (an edge, or a shared pair ``p`` as ``-p-1``) uses mentor ``m``,
    with the node its unit comes from and its gain (0 for a pair)."""
    k = slots[m] + n_users[m]
    users[k, 0], users[k, 1], users[k, 2] = code, node, g
    n_users[m] += 1


@jit(_nrt=False)
def _remove_user(users, slots, n_users, m, code):  # pragma: no cover - compiled
    last = slots[m] + n_users[m] - 1
    for k in range(slots[m], last + 1):
        if users[k, 0] == code:
            users[k, 0], users[k, 1], users[k, 2] = users[last, 0], users[last, 1], users[last, 2]
            n_users[m] -= 1
            return


@entry(*[INTS] * 12, FLAGS, INTS, FLAGS, FLAGS, INTS)
@jit(nogil=True)
def _successive_shortest_paths(  # pragma: no cover - compiled
    start, order, request, head, gain, shared_mentor, capacity, slots, rank, by_rank, heaviest,
    potential, flow, waiting, dummy, seen, released,
):  # fmt: skip
    """Repair the starting flow (:func:`_repair`: mentors over their room, the requests in
    ``released``, then the deficits), then add the edges of ``by_rank`` stage by stage:
    ``rank`` 0 (in already), then ranks up to 1, 2, 4, ... (edges left out of ``by_rank``
    never take part).

    At each stage, every request that a new edge reaches first, or that a new edge would
    now suit better than its place, is routed again (the unit it held waits there as a
    deficit), heaviest first, along a cheapest path to the sink or a node with a deficit;
    then each deficit still open is filled from the sink, along a cheapest path found
    backwards from it.

    Nodes: requests ``0..R-1``, shared pairs, mentors, then the sink. ``potential``,
    ``flow``, ``waiting`` (deficits), ``dummy`` and ``seen`` (the requests routed already)
    are the starting state, updated in place.
    """
    n_requests = len(start) - 1
    n_shared = len(shared_mentor)
    first_mentor = n_requests + n_shared
    n_nodes = len(potential)
    n_mentors = len(capacity)
    # the flow as the searches need it: who uses each request, pair node and mentor
    matched = np.full(n_requests, -1, dtype=np.int64)
    pair_user = np.full(n_shared, -1, dtype=np.int64)
    pair_flow = np.zeros(n_shared, dtype=np.bool_)
    load = np.zeros(n_mentors, dtype=np.int64)
    n_users = np.zeros(n_mentors, dtype=np.int64)
    users = np.zeros((slots[-1], 3), dtype=np.int64)  # rows of _add_user
    for e in range(len(gain)):
        if flow[e]:
            matched[request[e]] = e
            h = head[e]
            if h < first_mentor:
                pair_user[h - n_requests] = e
                pair_flow[h - n_requests] = True
            else:
                _add_user(users, slots, n_users, h - first_mentor, e, request[e], gain[e])
                load[h - first_mentor] += 1
    for p in range(n_shared):
        if pair_flow[p] or waiting[n_requests + p] > 0:  # a deficit: its unit still flows on
            pair_flow[p] = True
            m = shared_mentor[p] - first_mentor
            _add_user(users, slots, n_users, m, -p - 1, n_requests + p, 0)
            load[m] += 1
    load += waiting[first_mentor : n_nodes - 1]  # units a mentor sends, but does not get yet
    pairs_start, pairs_of = buckets(shared_mentor - first_mentor, n_mentors)
    room = 3 * (len(gain) + n_nodes) + 16
    # Everything a search reads or writes about a node, in one row of 8 (a cache line):
    # distance, predecessor node, kind of the arc from it and its edge, pair, mentor or
    # request; potential, settled, deficit.
    nodes = np.zeros((n_nodes, 8), dtype=np.int64)
    nodes[:, 0], nodes[:, 1], nodes[:, 4], nodes[:, 6] = _INFINITY, -1, potential, waiting
    pi, settled, deficit = nodes[:, 4], nodes[:, 5], nodes[:, 6]
    search = (
        nodes[:, :4],
        np.empty(n_nodes, dtype=np.int64),  # nodes touched
        np.empty(room, dtype=np.int64),  # heap keys
        np.empty(room, dtype=np.int64),  # heap nodes
        deficit,
    )
    work = (
        settled,
        np.empty(n_nodes, dtype=np.int64),  # settled nodes in order
        np.empty(n_nodes, dtype=np.int64),  # path arc kinds
        np.empty(n_nodes, dtype=np.int64),  # path arc ids
    )
    flows = (flow, matched, pair_user, pair_flow, load, n_users, users, dummy)
    shape = (n_requests, first_mentor, head, shared_mentor, slots)
    out = _by_request(order, head, gain, rank)
    graph = (start, out, request, head, gain, rank, capacity, pairs_of, pairs_start)
    into_start = np.zeros(0, dtype=np.int64)  # arcs into each node: built when needed
    into = np.zeros((0, 4), dtype=np.int64)
    sources = np.empty(n_requests, dtype=np.int64)
    mark = np.zeros(n_requests, dtype=np.bool_)
    _repair(released, pi, graph, into, into_start, shape, flows, search, work)
    if deficit.any():
        into, into_start = _arcs_into(request, head, gain, rank, heaviest, n_nodes)
        for v in range(n_nodes - 1):
            while deficit[v] > 0:
                _search(v, True, 0, pi, graph, into, into_start, shape, flows, search, work)
    pos, stage = 0, 1
    while pos < len(by_rank) and rank[by_rank[pos]] == 0:
        pos += 1
    while pos < len(by_rank):
        n_sources = 0
        while pos < len(by_rank) and rank[by_rank[pos]] <= stage:
            e = by_rank[pos]
            pos += 1
            r = request[e]
            if not mark[r] and (not seen[r] or pi[r] - pi[head[e]] < gain[e]):
                mark[r] = True
                sources[n_sources] = r
                n_sources += 1
        ids = np.sort(sources[:n_sources])
        for r in ids:
            mark[r] = False
            if seen[r]:
                _release(r, deficit, shape, flows)
            seen[r] = True
            top = 0
            for k in range(start[r], start[r + 1]):
                if out[k, 3] <= stage:
                    top = max(top, out[k, 2] + pi[out[k, 1]])
            pi[r] = max(pi[r], top)
        for r in ids[np.argsort(-pi[ids], kind="mergesort")]:  # heaviest first
            _search(r, False, stage, pi, graph, into, into_start, shape, flows, search, work)
        for v in range(n_nodes - 1):
            if deficit[v] > 0 and not len(into_start):
                into, into_start = _arcs_into(request, head, gain, rank, heaviest, n_nodes)
            while deficit[v] > 0:
                _search(v, True, stage, pi, graph, into, into_start, shape, flows, search, work)
        stage *= 2
    potential[:], waiting[:] = pi, deficit


@jit(_nrt=False)
def _repair(sources, pi, graph, into, into_start, shape, flows, search, work):  # pragma: no cover
    """Before the stages, bring a repaired flow back within its rooms: a mentor that sends
    more units than its room (it lost places) first gives up the units it is still waiting
    for (deficits), then sends each unit left over back along a cheapest path from it to
    the sink or a deficit (one of its users gives up its place); then each request in
    ``sources`` (released, heaviest first) is routed again."""
    capacity, first_mentor = graph[6], shape[1]
    load, deficit = flows[4], search[4]
    for m in range(len(capacity)):
        over = load[m] - capacity[m]
        if over <= 0:
            continue
        given_up = min(over, deficit[first_mentor + m])
        deficit[first_mentor + m] -= given_up
        load[m] -= over
        v = first_mentor + m
        for _ in range(over - given_up):
            _search(v, False, 0, pi, graph, into, into_start, shape, flows, search, work)
    for r in sources:
        _search(r, False, 0, pi, graph, into, into_start, shape, flows, search, work)


@jit(_nrt=False)
def _release(r, deficit, shape, flows):  # pragma: no cover - compiled
    """Take request ``r`` off its place, which waits for a unit (a deficit), or off the
    arc that sends it to the sink unmatched."""
    n_requests, first_mentor, head, slots = shape[0], shape[1], shape[2], shape[4]
    flow, matched, pair_user, n_users, users, dummy = (
        flows[0], flows[1], flows[2], flows[5], flows[6], flows[7]
    )  # fmt: skip
    e = matched[r]
    if e < 0:
        dummy[r] = False
        return
    flow[e] = False
    matched[r] = -1
    h = head[e]
    deficit[h] += 1
    if h < first_mentor:
        pair_user[h - n_requests] = -1
    else:
        _remove_user(users, slots, n_users, h - first_mentor, e)


@jit(_nrt=False)
def _search(  # pragma: no cover - compiled
    origin, backward, stage, pi, graph, into, into_start, shape, flows, search, work
):  # fmt: skip
    """One successive-shortest-path step: from source request ``origin`` to the sink or
    the nearest deficit, or (``backward``) from the deficit at ``origin`` back to the
    sink; update the potentials of the settled nodes and send the unit."""
    start, out, request, gain, capacity = graph[0], graph[1], graph[2], graph[4], graph[6]
    n_requests, first_mentor, shared_mentor, slots = shape[0], shape[1], shape[3], shape[4]
    pair_user, pair_flow, load, n_users, users = flows[2], flows[3], flows[4], flows[5], flows[6]
    reached, touched, heap_key, heap_node, deficit = search
    settled, done, path_kind, path_id = work
    sink = len(pi) - 1
    n_touched, n_done, target = 1, 0, -1
    reached[origin, 0] = 0
    touched[0] = origin
    size = _push(heap_key, heap_node, 0, 0, origin)
    while size:
        key, v, size = _pop(heap_key, heap_node, size)
        d = key >> 1
        if settled[v] or d > reached[v, 0]:
            continue
        settled[v] = 1
        done[n_done] = v
        n_done += 1
        if backward:
            if v == sink:
                target = v
                break
            size, n_touched = _relax_into(
                v, d, stage, pi, graph, into, into_start, shape, flows, search, size, n_touched
            )
            continue
        if v == sink or deficit[v] > 0:
            target = v
            break
        if v < n_requests:
            for k in range(start[v], start[v + 1]):
                if out[k, 3] > stage:
                    continue
                b = out[k, 1]
                nd = d - out[k, 2] + pi[v] - pi[b]
                size, n_touched = _relax(search, b, nd, v, _EDGE, out[k, 0], size, n_touched)
            nd = d + pi[v] - pi[sink]
            size, n_touched = _relax(search, sink, nd, v, _UNMATCHED, v, size, n_touched)
        elif v < first_mentor:
            p = v - n_requests
            if not pair_flow[p]:
                b = shared_mentor[p]
                nd = d + pi[v] - pi[b]
                size, n_touched = _relax(search, b, nd, v, _PAIR, p, size, n_touched)
            elif pair_user[p] >= 0:
                e = pair_user[p]
                b = request[e]
                nd = d + gain[e] + pi[v] - pi[b]
                size, n_touched = _relax(search, b, nd, v, _EDGE_BACK, e, size, n_touched)
        else:
            m = v - first_mentor
            if load[m] < capacity[m]:
                nd = d + pi[v] - pi[sink]
                size, n_touched = _relax(search, sink, nd, v, _TO_SINK, m, size, n_touched)
            for k in range(slots[m], slots[m] + n_users[m]):
                code, b = users[k, 0], users[k, 1]
                nd = d + users[k, 2] + pi[v] - pi[b]
                kind, ident = (_EDGE_BACK, code) if code >= 0 else (_PAIR_BACK, -code - 1)
                size, n_touched = _relax(search, b, nd, v, kind, ident, size, n_touched)
    if target < 0:
        raise AssertionError("a search found no node to end at")
    reach = reached[target, 0]
    sign = 1 if backward else -1  # backward: distances to the origin, not from it
    for k in range(n_done):
        v = done[k]
        pi[v] += sign * (reach - reached[v, 0])
    n_path = 0
    node = target
    while node != origin:
        path_kind[n_path], path_id[n_path] = reached[node, 2], reached[node, 3]
        n_path += 1
        node = reached[node, 1]
    _augment(path_kind, path_id, n_path, request, gain, shape, flows)
    if backward:  # the sink gives back a unit to the deficit
        deficit[origin] -= 1
    elif target != sink:
        deficit[target] -= 1
    for k in range(n_touched):
        v = touched[k]
        reached[v, 0] = _INFINITY
        settled[v] = 0


@jit()
def _by_request(order, head, gain, rank):  # pragma: no cover - compiled
    """The edges in ``order`` (by request) as rows ``(edge, head, gain, rank)``: a search
    reads a request's edges from consecutive memory instead of gathering them."""
    out = np.empty((len(order), 4), dtype=np.int64)
    for k in range(len(order)):
        e = order[k]
        out[k, 0], out[k, 1], out[k, 2], out[k, 3] = e, head[e], gain[e], rank[e]
    return out


@jit()
def _arcs_into(request, head, gain, rank, heaviest, n_nodes):  # pragma: no cover - compiled
    """The edges into each node, heaviest first, as rows ``(edge, request, gain, rank)``:
    ``into[into_start[v]:into_start[v + 1]]``. ``heaviest`` lists every edge heaviest first
    (a stable sort: equal gains in edge order)."""
    into_start, members = buckets(head[heaviest], n_nodes)
    into = np.empty((len(gain), 4), dtype=np.int64)
    for k in range(len(members)):
        e = heaviest[members[k]]
        into[k, 0], into[k, 1], into[k, 2], into[k, 3] = e, request[e], gain[e], rank[e]
    return into, into_start


@jit(_nrt=False)
def _relax_into(  # pragma: no cover - compiled
    v, d, stage, pi, graph, into, into_start, shape, flows, search, size, n_touched
):  # fmt: skip
    """Relax every residual arc into ``v`` (a backward search); return the heap size and
    the number of touched nodes."""
    head, gain = graph[3], graph[4]
    pairs_of, pairs_start = graph[7], graph[8]
    n_requests, first_mentor, shared_mentor = shape[0], shape[1], shape[3]
    matched, pair_flow, load, dummy = flows[1], flows[3], flows[4], flows[7]
    sink = len(pi) - 1
    if v < n_requests:
        e = matched[v]
        if e >= 0:
            u = head[e]
            nd = d + gain[e] + pi[u] - pi[v]
            size, n_touched = _relax(search, u, nd, v, _EDGE_BACK, e, size, n_touched)
        elif dummy[v]:
            nd = d + pi[sink] - pi[v]
            size, n_touched = _relax(search, sink, nd, v, _DUMMY_BACK, v, size, n_touched)
        return size, n_touched
    to_sink = d + pi[sink] - pi[v]  # minus an edge's gain: a bound through that edge
    if v >= first_mentor and load[v - first_mentor] > 0:
        size, n_touched = _relax(
            search, sink, to_sink, v, _FROM_SINK, v - first_mentor, size, n_touched
        )
    reached = search[0]
    for k in range(into_start[v], into_start[v + 1]):
        g = into[k, 2]
        if to_sink - g >= reached[sink, 0]:
            break  # no path through this or a lighter edge beats the sink's distance
        if into[k, 3] > stage:
            continue
        u = into[k, 1]
        nd = d - g + pi[u] - pi[v]
        size, n_touched = _relax(search, u, nd, v, _EDGE, into[k, 0], size, n_touched)
        if dummy[u] and reached[u, 0] == nd:  # an unmatched request: the sink is one arc on
            nd += pi[sink] - pi[u]
            size, n_touched = _relax(search, sink, nd, u, _DUMMY_BACK, u, size, n_touched)
    if v < first_mentor:
        p = v - n_requests
        if pair_flow[p]:
            u = shared_mentor[p]
            nd = d + pi[u] - pi[v]
            size, n_touched = _relax(search, u, nd, v, _PAIR_BACK, p, size, n_touched)
        return size, n_touched
    m = v - first_mentor
    for k in range(pairs_start[m], pairs_start[m + 1]):
        p = pairs_of[k]
        if not pair_flow[p]:
            u = n_requests + p
            nd = d + pi[u] - pi[v]
            size, n_touched = _relax(search, u, nd, v, _PAIR, p, size, n_touched)
    return size, n_touched


@jit(_nrt=False)
def _augment(  # pragma: no cover - compiled
    path_kind, path_id, n_path, request, gain, shape, flows
):  # fmt: skip
    """Send one unit along the path's arcs: first what it takes away, then what it adds
    (so that a mentor never holds more users than its slots)."""
    n_requests, first_mentor, head, shared_mentor, slots = shape
    flow, matched, pair_user, pair_flow, load, n_users, users, dummy = flows
    for k in range(n_path):
        kind, ident = path_kind[k], path_id[k]
        if kind == _EDGE_BACK:
            flow[ident] = False
            matched[request[ident]] = -1
            h = head[ident]
            if h < first_mentor:
                pair_user[h - n_requests] = -1
            else:
                _remove_user(users, slots, n_users, h - first_mentor, ident)
        elif kind == _PAIR_BACK:
            pair_flow[ident] = False
            _remove_user(users, slots, n_users, shared_mentor[ident] - first_mentor, -ident - 1)
        elif kind == _FROM_SINK:
            load[ident] -= 1
        elif kind == _DUMMY_BACK:
            dummy[ident] = False
    for k in range(n_path):
        kind, ident = path_kind[k], path_id[k]
        if kind == _EDGE:
            flow[ident] = True
            matched[request[ident]] = ident
            h = head[ident]
            if h < first_mentor:
                pair_user[h - n_requests] = ident
            else:
                m = h - first_mentor
                _add_user(users, slots, n_users, m, ident, request[ident], gain[ident])
        elif kind == _PAIR:
            pair_flow[ident] = True
            m = shared_mentor[ident] - first_mentor
            _add_user(users, slots, n_users, m, -ident - 1, n_requests + ident, 0)
        elif kind == _TO_SINK:
            load[ident] += 1
        elif kind == _UNMATCHED:
            dummy[ident] = True
