"""Tests of matcher.graph: the fairness threshold's compiled search against maximum flows."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from matcher import graph as graphs
from matcher.graph import Graph, by_request, fair_floor, free_graph, max_count
from tests.strategies import SEEDS, random_instance


def _graph(seed: int, popular: bool, n_kinds: int, per_request: int, fine: bool) -> Graph:
    """The choosable graph of a random instance (``fine``: weights of every hundredth)."""
    inst = random_instance(
        seed, popular=popular, n_kinds=n_kinds, n_mentees=30, n_mentors=12, per_request=per_request
    )
    weight = np.array(inst.weight)
    if fine:
        weight += np.random.default_rng(seed).integers(0, 100, size=len(weight))
    columns = (np.array(c) for c in (inst.mentee, inst.mentor, inst.kind))
    return free_graph(*columns, weight, np.array(inst.capacity), np.array(inst.locked))[1]


@settings(max_examples=200, deadline=None)
@given(
    seed=SEEDS,
    popular=st.booleans(),
    n_kinds=st.integers(1, 3),
    per_request=st.integers(1, 8),
    fine=st.booleans(),
    share=st.floats(0, 1),
    guess=st.integers(-1, 10_100),
)
def test_compiled_fair_floor_is_the_highest_weight_that_fills_the_target(
    seed: int, popular: bool, n_kinds: int, per_request: int, fine: bool, share: float, guess: int
) -> None:
    """The compiled search (augmenting paths from the flow of a weight found too high),
    with or without a guess, finds the threshold that maximum flows define, for the best
    count and fewer."""
    graph = _graph(seed, popular, n_kinds, per_request, fine)
    best = max_count(graph)
    target = max(1, round(share * best))
    floor = fair_floor(graph, target)
    assert floor == fair_floor(graph, target, compiled=False)
    assert floor == fair_floor(graph, target, guess=guess)
    assert floor == fair_floor(graph, target, guess=floor)
    if not best:
        return
    assert max_count(graph.subset(graph.weight >= floor)) >= target
    assert max_count(graph.subset(graph.weight > floor)) < target


def test_fair_floor_moves_a_request_off_its_heaviest_edge() -> None:
    """Two requests reach weight 8 only if request 0 moves from mentor 0 (weight 9) to
    mentor 1 (8) for request 1, whose one edge (8) wants mentor 0's one place: through a
    pair both share (two kinds of one mentee) or through the full mentor (two mentees).
    The search's flows at 9, then 8, are valid and maximum."""
    for pair in ([0, 1, 0, 2], [0, 1, 2, 3]):
        graph = Graph(
            request=np.array([0, 0, 1, 2]),
            pair=np.array(pair),
            mentor=np.array([0, 1, 0, 1]),
            weight=np.array([9, 8, 8, 3]),
            capacity=np.array([1, 1]),
        )
        assert max_count(graph) == 2
        assert fair_floor(graph, 2) == fair_floor(graph, 2, compiled=False) == 8
        assert fair_floor(graph, 1) == 9
        _assert_maximum_flows(graph, [9, 8])


@settings(max_examples=150, deadline=None)
@given(
    seed=SEEDS,
    popular=st.booleans(),
    n_kinds=st.integers(2, 3),
    per_request=st.integers(1, 8),
    floors=st.lists(st.integers(0, 10_000), min_size=1, max_size=4),
)
def test_the_search_flows_are_valid_and_maximum_from_any_higher_floor(
    seed: int, popular: bool, n_kinds: int, per_request: int, floors: list[int]
) -> None:
    """Random graphs, several kinds of request per mentee sharing pairs."""
    _assert_maximum_flows(_graph(seed, popular, n_kinds, per_request, fine=True), floors)


def _assert_maximum_flows(graph: Graph, floors: list[int]) -> None:
    """The flow the augmenting paths leave at each floor (each continuing from the last,
    floors falling) is a valid choice of edges at or above it, its bookkeeping (pairs,
    mentors' slots) agrees with it, and it holds as many edges as a maximum flow."""
    edges = graphs._Edges(*by_request(graph))
    flow, search = graphs._empty_flow(edges), graphs._new_search(edges)
    count = 0
    for floor in sorted(floors, reverse=True):
        assert not graphs._max_count(flow, edges, search, count, floor, len(graph.weight) + 1)
        used = flow.uses[flow.uses >= 0]
        count = len(used)
        assert (edges.request[used] == np.flatnonzero(flow.uses >= 0)).all()
        assert (edges.weight[used] >= floor).all()
        assert sorted(np.flatnonzero(flow.holder >= 0)) == sorted(edges.pair[used])
        assert (flow.holder[edges.pair[used]] == used).all()
        load = np.bincount(edges.mentor[used], minlength=len(edges.room))
        assert (flow.load == load).all() and (load <= edges.room).all()
        for m in range(len(edges.room)):
            slots = flow.slots[flow.slot_start[m] : flow.slot_start[m] + load[m]]
            assert sorted(slots) == sorted(used[edges.mentor[used] == m])
            assert (flow.slot_of[slots] == flow.slot_start[m] + np.arange(load[m])).all()
        assert count == max_count(graph.subset(graph.weight >= floor))
