"""Tests of matcher.flow: the compiled min-cost flow is optimal and its prices prove it.

The oracle is independent of the flow code: HiGHS (``scipy.optimize.linprog``) on the
packing linear program, whose matrix is totally unimodular, so its optimum value is the
best integer total.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog
from scipy.sparse import csr_array

from matcher.flow import max_gain_flow, repair_flow
from matcher.graph import Graph, group
from matcher.pruning import Prices, certifies
from matcher.solver import MAX_WEIGHT, solve
from tests.strategies import SEEDS, random_instance


def lp_optimum(graph: Graph, gain: np.ndarray) -> int:
    """Best total gain by linear programming (rows: requests, pairs, mentors)."""
    n_requests, n_pairs = graph.n_requests, graph.n_pairs
    rows = np.concatenate(
        [graph.request, n_requests + graph.pair, n_requests + n_pairs + graph.mentor]
    )
    bounds = np.concatenate([np.ones(n_requests + n_pairs), graph.capacity])
    columns = np.tile(np.arange(len(gain)), 3)
    matrix = csr_array((np.ones(len(rows)), (rows, columns)), shape=(len(bounds), len(gain)))
    result = linprog(-gain.astype(float), A_ub=matrix, b_ub=bounds, bounds=(0, 1))
    assert result.status == 0
    return round(-result.fun)


def graph_of(seed: int, popular: bool, n_kinds: int) -> Graph:
    inst = random_instance(
        seed, popular=popular, n_kinds=n_kinds, n_mentees=25, n_mentors=12, per_request=6
    )
    mentee, mentor, kind = (np.array(a) for a in (inst.mentee, inst.mentor, inst.kind))
    return Graph(
        group(mentee, kind),
        group(mentee, mentor),
        mentor,
        np.array(inst.weight),
        np.array(inst.capacity),
    )


@settings(max_examples=80, deadline=None)
@given(
    seed=SEEDS,
    popular=st.booleans(),
    n_kinds=st.integers(1, 3),
    form=st.sampled_from(["weight", "count", "coverage"]),
)
def test_flow_is_optimal_and_its_prices_certify_it(
    seed: int, popular: bool, n_kinds: int, form: str
) -> None:
    graph = graph_of(seed, popular, n_kinds)
    big = graph.n_requests * MAX_WEIGHT + 1
    gain = {"weight": graph.weight, "count": np.ones_like(graph.weight)}.get(
        form, graph.weight + big
    )
    found = max_gain_flow(graph.request, graph.pair, graph.mentor, gain, graph.capacity)
    assert int(gain[found.chosen].sum()) == lp_optimum(graph, gain)
    prices = Prices(found.request, found.pair, found.mentor)
    assert certifies(graph, gain, found.chosen, prices)


def test_a_mentee_gets_distinct_mentors_even_when_one_is_best_for_both() -> None:
    # requests 0 and 1 of one mentee (pair 0) both prefer mentor 0, who has room for both
    found = max_gain_flow(
        np.array([0, 0, 1, 1]),
        np.array([0, 1, 0, 1]),
        np.array([0, 1, 0, 1]),
        np.array([90, 10, 80, 50]),
        np.array([2, 2]),
    )
    assert found.chosen.tolist() == [True, False, False, True]


def test_no_edges() -> None:
    none = np.zeros(0, dtype=np.int64)
    found = max_gain_flow(none, none, none, none, np.array([3]))
    assert found.chosen.shape == (0,) and found.mentor.tolist() == [0]


@pytest.mark.parametrize("conflict", [False, True])
def test_auto_on_a_dense_graph_keeps_the_assignment_only_without_conflicts(
    conflict: bool,
) -> None:
    # one mentee, two kinds, 70 mentors each: dense, so "auto" tries the assignment first;
    # with the conflict, mentor 0 is best for both kinds and the flow must take over
    mentors = np.arange(70)
    weight = np.concatenate([100 - mentors, (99 - mentors) if conflict else mentors])
    mentee, kind = np.zeros(140, dtype=int), np.repeat([0, 1], 70)
    chosen = solve(mentee, np.tile(mentors, 2), kind, weight, np.ones(70, dtype=int))
    assert chosen.sum() == 2
    assert int(weight[chosen].sum()) == (100 + 98 if conflict else 100 + 69)


#: Random instances whose first ``cut`` of the edges are solved before the rest is appended.
APPENDED = given(
    seed=SEEDS,
    popular=st.booleans(),
    n_kinds=st.integers(1, 3),
    cut=st.floats(0.05, 1.0),
)


@settings(max_examples=80, deadline=None)
@APPENDED
def test_a_warm_start_after_appending_edges_reaches_the_optimum(
    seed: int, popular: bool, n_kinds: int, cut: float
) -> None:
    """Solve the first edges, append the rest in random order, continue: same optimum."""
    graph = graph_of(seed, popular, n_kinds)
    order = np.random.default_rng(seed).permutation(len(graph.weight))
    request, pair, mentor, weight = (
        graph.request[order],
        graph.pair[order],
        graph.mentor[order],
        graph.weight[order],
    )
    first = max(1, int(cut * len(order)))
    before = max_gain_flow(
        request[:first], pair[:first], mentor[:first], weight[:first], graph.capacity
    )
    found = max_gain_flow(request, pair, mentor, weight, graph.capacity, before.warm)
    shuffled = Graph(request, pair, mentor, weight, graph.capacity)
    assert int(weight[found.chosen].sum()) == lp_optimum(shuffled, weight)
    prices = Prices(found.request, found.pair, found.mentor)
    assert certifies(shuffled, weight, found.chosen, prices)


@settings(max_examples=120, deadline=None)
@given(
    seed=SEEDS,
    popular=st.booleans(),
    n_kinds=st.integers(1, 3),
    taken=st.sampled_from([0.0, 0.05, 0.3]),
    filled=st.sampled_from([0.0, 0.1, 0.3]),
    lost=st.sampled_from([0, 1, 2]),
    compiled=st.booleans(),
)
def test_a_repaired_flow_is_optimal_on_the_edges_and_rooms_left(
    seed: int,
    popular: bool,
    n_kinds: int,
    taken: float,
    filled: float,
    lost: int,
    compiled: bool,
) -> None:
    """Take edges out of a solved flow (some of them whole requests) and places away from
    its mentors; the repaired flow is optimal on what is left, and the prices of a flow
    continued from it (nothing appended) certify it."""
    graph = graph_of(seed, popular, n_kinds)
    rng = np.random.default_rng(seed)
    solved = max_gain_flow(graph.request, graph.pair, graph.mentor, graph.weight, graph.capacity)
    whole = np.isin(graph.request, np.flatnonzero(rng.random(graph.n_requests) < filled))
    gone = (rng.random(len(graph.weight)) < taken) | whole
    room = np.maximum(0, graph.capacity - rng.integers(0, lost + 1, len(graph.capacity)))
    repaired = repair_flow(
        graph.request,
        graph.pair,
        graph.mentor,
        graph.capacity,
        solved.warm,
        gone,
        whole,
        room,
        compiled=compiled,
    )
    left = Graph(*(a[~gone] for a in (graph.request, graph.pair, graph.mentor, graph.weight)), room)
    assert int(left.weight[repaired.chosen].sum()) == lp_optimum(left, left.weight)
    again = max_gain_flow(left.request, left.pair, left.mentor, left.weight, room, repaired)
    assert np.array_equal(again.chosen, repaired.chosen)
    assert certifies(
        left, left.weight, again.chosen, Prices(again.request, again.pair, again.mentor)
    )


def test_a_warm_start_must_extend_the_same_edges() -> None:
    one = np.array([0])
    before = max_gain_flow(one * 0, one * 0, one * 0, np.array([5]), np.array([1]))
    with pytest.raises(ValueError, match="same first edges"):
        max_gain_flow(one * 0, one * 0, one * 0, np.array([6]), np.array([1]), before.warm)


def _solutions_equal(one, other) -> bool:
    """Chosen edges, prices and warm-start state, array by array."""
    fields = ("chosen", "request", "pair", "mentor")
    warm = ("gain", "chosen", "request_level", "head_level", "shared", "mentor_level")
    return all(np.array_equal(getattr(one, f), getattr(other, f)) for f in fields) and all(
        np.array_equal(getattr(one.warm, f), getattr(other.warm, f)) for f in warm
    )


@settings(max_examples=40, deadline=None)
@APPENDED
def test_the_plain_python_flow_gives_the_compiled_flows_answer_and_prices(
    seed: int, popular: bool, n_kinds: int, cut: float
) -> None:
    """The kernel's source run uncompiled (small cohorts) is the same flow, cold and warm."""
    graph = graph_of(seed, popular, n_kinds)
    first = max(1, int(cut * len(graph.weight)))
    arrays = (graph.request, graph.pair, graph.mentor, graph.weight)
    part = [a[:first] for a in arrays]
    solved = {}
    for compiled in (True, False):
        before = max_gain_flow(*part, graph.capacity, compiled=compiled)
        after = max_gain_flow(*arrays, graph.capacity, before.warm, compiled=compiled)
        solved[compiled] = (before, after)
    assert _solutions_equal(solved[True][0], solved[False][0])
    assert _solutions_equal(solved[True][1], solved[False][1])
