"""Tests of matcher.solver: a brute-force oracle, invariants, method agreement and errors."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matcher.config import OBJECTIVES
from matcher.errors import SolveError
from matcher.graph import Graph, buckets, group, group_by_ranks, lex_order
from matcher.kernels import plain
from matcher.solver import (
    MAX_WEIGHT,
    assignment_issue,
    check_solution,
    pick_method,
    solve,
    total_weight,
)
from tests.instances import NO_EDGE_LOW, Instance, objective_key
from tests.strategies import SEEDS, random_instance, tiny_instances

# --- brute force --------------------------------------------------------------------------


def oracle(inst: Instance, objective: str) -> tuple[int, ...]:
    """The best objective tuple over every valid choice, by exhaustive search over requests."""
    room = list(inst.capacity)
    pairs, done = set(), set()
    for k, lk in enumerate(inst.locked):
        if lk:
            room[inst.mentor[k]] -= 1
            pairs.add((inst.mentee[k], inst.mentor[k]))
            done.add((inst.mentee[k], inst.kind[k]))
    options: dict[tuple[int, int], list[int]] = {}
    for k, (e, t) in enumerate(zip(inst.mentee, inst.kind, strict=True)):
        if not inst.locked[k] and (e, t) not in done:
            options.setdefault((e, t), []).append(k)
    requests = list(options.values())
    best = inst.value(inst.locked, objective)

    def walk(i: int, count: int, total: int, low: int) -> None:
        nonlocal best
        if i == len(requests):
            best = max(best, objective_key(objective, count, total, low))
            return
        walk(i + 1, count, total, low)
        for k in requests[i]:
            m, pair = inst.mentor[k], (inst.mentee[k], inst.mentor[k])
            if room[m] > 0 and pair not in pairs:
                room[m] -= 1
                pairs.add(pair)
                w = inst.weight[k]
                walk(i + 1, count + 1, total + w, min(low, w))
                pairs.discard(pair)
                room[m] += 1

    walk(0, *inst.value(inst.locked, "coverage"), NO_EDGE_LOW)
    return best


@pytest.mark.parametrize("method", ["flow", "auto"])
@pytest.mark.parametrize("objective", OBJECTIVES)
@settings(max_examples=150, deadline=None)
@given(inst=tiny_instances())
def test_matches_brute_force(inst: Instance, objective: str, method: str) -> None:
    chosen = inst.solve(objective, method)
    inst.assert_valid(chosen)
    assert inst.value(chosen, objective) == oracle(inst, objective), inst


# --- larger random instances --------------------------------------------------------------


@settings(max_examples=100, deadline=None)
@given(
    seed=SEEDS,
    popular=st.booleans(),
    n_kinds=st.integers(1, 3),
    n_mentees=st.integers(10, 100),
    n_mentors=st.integers(5, 40),
)
def test_invariants_and_objective_relations(
    seed: int, popular: bool, n_kinds: int, n_mentees: int, n_mentors: int
) -> None:
    inst = random_instance(
        seed, popular=popular, n_kinds=n_kinds, n_mentees=n_mentees, n_mentors=n_mentors
    )
    chosen = {objective: inst.solve(objective) for objective in OBJECTIVES}
    for picked in chosen.values():
        inst.assert_valid(picked)
        rules = (inst.mentee, inst.mentor, inst.kind, inst.capacity)
        assert check_solution(*rules, picked, locked=inst.locked) == []
    coverage = inst.value(chosen["coverage"], "fairness")
    quality = inst.value(chosen["quality"], "fairness")
    fairness = inst.value(chosen["fairness"], "fairness")
    assert coverage[0] >= quality[0] and quality[2] >= coverage[2]
    assert fairness[0] == coverage[0] and fairness[1] >= coverage[1]
    assert fairness[2] <= coverage[2]


@settings(max_examples=100, deadline=None)
@given(seed=SEEDS, popular=st.booleans(), objective=st.sampled_from(OBJECTIVES))
def test_flow_and_assignment_agree(seed: int, popular: bool, objective: str) -> None:
    inst = random_instance(seed, popular=popular, distinct=True, n_mentors=24)
    by_flow = inst.solve(objective, "flow")
    by_assignment = inst.solve(objective, "assignment")
    inst.assert_valid(by_assignment)
    assert inst.value(by_flow, objective) == inst.value(by_assignment, objective)


@pytest.mark.parametrize("method", ["flow", "assignment"])
@pytest.mark.parametrize("objective", OBJECTIVES)
def test_same_input_same_output(objective: str, method: str) -> None:
    inst = random_instance(7, popular=True, distinct=True, n_mentors=24)
    first = inst.solve(objective, method)
    assert np.array_equal(first, inst.solve(objective, method))


# --- worked examples ----------------------------------------------------------------------


def test_coverage_fills_more_requests_than_quality() -> None:
    inst = Instance([0, 0, 1], [0, 1, 0], [0, 0, 0], [100, 10, 20], [1, 1], [False] * 3)
    assert inst.solve("coverage").tolist() == [False, True, True]
    assert inst.solve("quality").tolist() == [True, False, False]


@pytest.mark.parametrize("method", ["flow", "assignment"])
def test_quality_takes_the_most_edges_among_the_heaviest(method: str) -> None:
    # the heaviest choice weighs 10 (mentee 0 with mentor 0); the zero-weight edge of mentee 2
    # joins it for free, but filling mentee 1 too would cost weight
    inst = Instance([0, 0, 1, 2], [0, 1, 0, 2], [0] * 4, [10, 1, 1, 0], [1, 1, 1], [False] * 4)
    assert inst.solve("quality", method).tolist() == [True, False, False, True]
    assert inst.solve("coverage", method).tolist() == [False, True, True, True]


def test_fairness_lifts_the_lowest_score() -> None:
    inst = Instance([0, 0, 1, 1], [0, 1, 0, 1], [0] * 4, [100, 50, 50, 5], [1, 1], [False] * 4)
    assert inst.solve("coverage").tolist() == [True, False, False, True]
    assert inst.solve("fairness").tolist() == [False, True, True, False]


def test_fairness_ignores_locked_edges_for_the_lowest_score() -> None:
    locked = [False, False, False, False, True]
    inst = Instance(
        [0, 0, 1, 1, 2], [0, 1, 0, 1, 2], [0] * 5, [100, 50, 50, 5, 0], [1, 1, 1], locked
    )
    assert inst.solve("fairness").tolist() == [False, True, True, False, True]


def test_developmental_network_uses_distinct_mentors() -> None:
    # mentee 0 wants kinds 0 and 1; mentor 0 is best for both but may be used once
    inst = Instance([0, 0, 0, 0], [0, 0, 1, 1], [0, 1, 0, 1], [100, 90, 10, 5], [2, 2], [False] * 4)
    graph = Graph(
        *(np.array(a) for a in ([0, 1, 0, 1], [0, 0, 1, 1], [0, 0, 1, 1])),
        np.array(inst.weight),
        np.array(inst.capacity),
    )
    assert pick_method(graph, "coverage", "auto") == "flow"
    assert inst.solve("coverage").tolist() == [True, False, False, True]


def test_locks_are_kept_and_free_their_slots() -> None:
    inst = Instance([0, 1, 1], [0, 0, 1], [0, 0, 0], [10, 100, 1], [1, 1], [True, False, False])
    assert inst.solve("quality").tolist() == [True, False, True]


@pytest.mark.parametrize("method", ["flow", "assignment", "auto"])
@pytest.mark.parametrize("objective", OBJECTIVES)
@pytest.mark.parametrize("capacity", [[], [0, 0], [2]])
def test_empty_problems(objective: str, method: str, capacity: list[int]) -> None:
    chosen = solve([], [], [], [], capacity, objective=objective, method=method)
    assert chosen.dtype == bool and chosen.shape == (0,)


@pytest.mark.parametrize("objective", OBJECTIVES)
def test_no_room_anywhere(objective: str) -> None:
    chosen = solve([0, 1], [0, 0], [0, 0], [5, 6], [0], objective=objective)
    assert chosen.tolist() == [False, False]


def test_total_weight_is_exact() -> None:
    assert total_weight(np.full(3, MAX_WEIGHT), [True, True, False]) == 2 * MAX_WEIGHT


# --- errors -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mentee", "mentor", "kind", "capacity", "locked", "message"),
    [
        ([0, 0], [0, 1], [0, 0], [1, 1], [True, True], r"edges 0, 1 give mentee 0 .* kind 0"),
        ([0, 0], [0, 0], [0, 1], [2], [True, True], r"edges 0, 1 pair mentee 0 with mentor 0"),
        ([0, 1, 2], [1, 1, 1], [0, 0, 0], [0, 2], [True] * 3, r"edges 0, 1, 2 .* capacity of 2"),
    ],
)
def test_conflicting_locks_raise_solve_error(mentee, mentor, kind, capacity, locked, message):
    with pytest.raises(SolveError, match=message):
        solve(mentee, mentor, kind, [1] * len(mentee), capacity, locked=locked)


GOOD = {"mentee": [0, 1], "mentor": [0, 1], "kind": [0, 0], "weight": [5, 6], "capacity": [1, 1]}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"mentee": [0]}, r"same length; got \{'mentee': 1, 'mentor': 2"),
        ({"weight": [5, -1]}, r"weight must be >= 0; got weight\[1\] = -1"),
        (
            {"weight": [5, MAX_WEIGHT + 1]},
            rf"weight\[1\] = {MAX_WEIGHT + 1} must be < MAX_WEIGHT \+ 1",
        ),
        ({"weight": [5, 6.5]}, r"weight must hold whole numbers; got dtype float64"),
        ({"mentor": [0, 2]}, r"mentor\[1\] = 2 must be < len\(capacity\) = 2"),
        ({"capacity": [[1, 1]]}, r"capacity must be one-dimensional; got shape \(1, 2\)"),
        (
            {"mentee": [0, 0], "mentor": [1, 1]},
            r"duplicate edge \(mentee 0, mentor 1, kind 0\) "
            r"at indices 0 and 1",
        ),
        ({"locked": [True]}, r"locked must be a mask of shape \(2,\); got shape \(1,\)"),
        ({"locked": [1, 0]}, r"locked must be a boolean mask; got dtype int"),
        (
            {"objective": "speed"},
            r"objective must be one of coverage, quality, fairness; "
            r"got 'speed'",
        ),
        ({"method": "magic"}, r"method must be one of auto, flow, assignment; got 'magic'"),
        (
            {"kind": [0, 1], "mentee": [0, 0], "mentor": [0, 0], "method": "assignment"},
            r"'assignment' does not apply: a mentee has more than one choosable edge",
        ),
    ],
)
def test_bad_inputs_raise_value_error(change: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        solve(**{**GOOD, **change})


def test_whole_floats_are_accepted() -> None:
    chosen = solve(**{**GOOD, "weight": np.array([5.0, 6.0])})
    assert chosen.tolist() == [True, True]


def test_assignment_refuses_costs_too_large_for_float64() -> None:
    # a million requests of full-score edges: the coverage big-M would exceed 2**53
    graph = Graph(
        np.array([0, 10**6]),
        np.array([0, 1]),
        np.array([0, 0]),
        np.full(2, MAX_WEIGHT),
        np.array([1]),
    )
    assert "too large to be exact" in assignment_issue(graph, "coverage")
    assert pick_method(graph, "coverage", "auto") == "flow"


def test_check_solution_lists_every_broken_rule() -> None:
    # edges 0, 1: mentee 0 twice with kind 0; edges 1, 2: mentee 0 twice with mentor 1;
    # edges 1, 2, 3: three mentees for mentor 1, which has room for two
    edges = {
        "mentee": [0, 0, 0, 1],
        "mentor": [0, 1, 1, 1],
        "kind": [0, 0, 1, 0],
        "capacity": [1, 2],
    }
    assert check_solution(**edges, chosen=[True] * 4) == [
        "edges 0, 1 give mentee 0 more than one mentor of kind 0",
        "edges 1, 2 pair mentee 0 with mentor 1 more than once",
        "edges 1, 2, 3 give mentor 1 3 mentees, over its capacity of 2",
    ]
    assert check_solution(**edges, chosen=[False] * 4, locked=[False, True, False, True]) == [
        "locked edges 1, 3 are not chosen"
    ]


@settings(max_examples=200, deadline=None)
@given(
    st.integers(1, 3).flatmap(
        lambda width: st.lists(
            st.tuples(*[st.integers(-(2**40), 2**40) | st.integers(0, 6)] * width),
            min_size=1,
            max_size=40,
        )
    )
)
def test_group_numbers_distinct_rows_in_sorted_order(rows: list[tuple[int, ...]]) -> None:
    """Table, sort and overflow paths all number rows as sorted distinct rows do."""
    columns = tuple(np.array(c, dtype=np.int64) for c in zip(*rows, strict=True))
    expected = np.unique(np.stack(columns, axis=1), axis=0, return_inverse=True)[1].ravel()
    assert group(*columns).tolist() == expected.tolist()
    assert group_by_ranks(columns).tolist() == expected.tolist()


@settings(max_examples=200, deadline=None)
@given(
    st.integers(1, 3).flatmap(
        lambda width: st.lists(
            st.tuples(*[st.integers(-(2**40), 2**40) | st.integers(0, 6)] * width),
            max_size=40,
        ).map(lambda rows: rows or [(0,) * width])
    )
)
def test_lex_order_is_lexsorts_order(rows: list[tuple[int, ...]]) -> None:
    """The folded key's stable sort, or lexsort when it would overflow: lexsort's order."""
    columns = tuple(np.array(c, dtype=np.int64) for c in zip(*rows, strict=True))
    assert lex_order(*columns).tolist() == np.lexsort(columns[::-1]).tolist()


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(0, 5), max_size=40), st.booleans())
def test_buckets_are_a_stable_sort_by_key(keys: list[int], compiled: bool) -> None:
    key = np.array(keys, dtype=np.int64)
    start, members = (buckets if compiled else plain(buckets))(key, 7)
    assert members.tolist() == np.argsort(key, kind="stable").tolist()
    assert start.tolist() == [0, *np.cumsum(np.bincount(key, minlength=7)).tolist()]
