"""Tests of matcher.pricing: the compiled pricing of edges equals numpy's, integer for integer."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import sparse

import matcher.engine as engine
from matcher import ProgramConfig, load_participants, propose
from matcher.config import OBJECTIVES
from matcher.csv_io import to_csv_bytes
from matcher.graph import group
from matcher.pricing import CheckTable, CohortPricer, _nearest
from matcher.pruning import FILLED, Check, Edges
from matcher.synthetic import generate_cohort
from tests.strategies import SMALL_SEEDS


def random_check(rng: np.random.Generator, people: int, kinds: int) -> Check:
    """Prices of a random check over ``people`` x ``kinds``: small round prices that make
    many edges near, violating, tied or exactly at the margin, some FILLED ones, and pair
    prices."""
    scale = int(rng.integers(0, 3))
    pairs = int(rng.integers(0, 3 * people))
    pair = sparse.csr_array(
        (
            rng.integers(0, 3, pairs) * 100,
            (rng.integers(0, people, pairs), rng.integers(0, people, pairs)),
        ),
        shape=(people, people),
    )
    request = rng.integers(0, 4, (people, kinds)) * 100
    request[rng.random((people, kinds)) < 0.05] = FILLED
    mentor = rng.integers(0, 4, people) * 100
    bonus, floor = int(rng.integers(0, 3)) * 100, int(rng.choice([0, 0, 150]))
    return Check(scale, bonus, floor, request, mentor, pair)


@settings(max_examples=80, deadline=None)
@given(seed=SMALL_SEEDS, n_checks=st.integers(0, 3), keep=st.integers(1, 4))
def test_compiled_nearest_edges_equal_numpys(seed: int, n_checks: int, keep: int) -> None:
    """Random edges (few weights, so ties at the cut), one to three checks."""
    rng = np.random.default_rng(seed)
    people, kinds, count = 12, 2, int(rng.integers(0, 200))
    edges = Edges.of(
        rng.integers(0, people, count),
        rng.integers(0, people, count),
        rng.integers(0, kinds, count),
        rng.integers(0, 4, count) * 100,
    )
    request = group(edges.kind, edges.mentee)
    order = np.argsort(request, kind="stable")
    edges, request = edges.take(order), request[order]
    checks = [random_check(rng, people, kinds) for _ in range(n_checks)]
    expected = _nearest(edges, request, checks, keep, compiled=False)
    found = _nearest(edges, request, checks, keep, compiled=True)
    assert found[0].tolist() == expected[0].tolist() and found[1] == expected[1]


def test_a_check_table_stacks_the_pair_prices_of_each_check() -> None:
    none = np.zeros((2, 1), dtype=np.int64)
    first = sparse.csr_array(([7], ([1], [0])), shape=(2, 2))
    second = sparse.csr_array(([3, 4], ([0, 1], [1, 1])), shape=(2, 2))
    table = CheckTable.of([Check(1, 0, 0, none, np.zeros(2), p) for p in (first, second)])
    assert table.pair_start.tolist() == [[0, 0, 1], [1, 2, 3]]
    assert table.pair_mentor.tolist() == [0, 1, 1] and table.pair_price.tolist() == [7, 3, 4]
    assert CheckTable.of([]).scale.tolist() == []


@pytest.mark.parametrize("objective", OBJECTIVES)
def test_each_pricing_call_of_a_run_returns_what_numpy_returns(
    objective: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every call of a pruned run, compiled (near_picks, the proof of no violation), equals
    the same call priced by numpy over every near cell, edge for edge."""
    people = load_participants(to_csv_bytes(generate_cohort(400, seed=5))).participants
    calls: list[tuple[int, bool]] = []

    class Twin(CohortPricer):
        def __call__(self, checks: Sequence[Check]) -> Edges:
            found = super().__call__(checks)
            numpy = CohortPricer.__call__(dataclasses.replace(self, compiled=False), checks)
            pairs = zip(found.columns(), numpy.columns(), strict=True)
            calls.append((len(numpy), all(np.array_equal(a, b) for a, b in pairs)))
            return found

    monkeypatch.setattr(engine, "KEEP", 2)
    monkeypatch.setattr(engine, "RESERVE", 4)
    monkeypatch.setattr(engine, "COMPILE_CELLS", 0)
    monkeypatch.setattr(engine, "CohortPricer", Twin)
    propose(people, ProgramConfig(objective=objective))
    assert len(calls) > 1 and calls[-1][0] == 0 and any(n for n, _ in calls)
    assert all(same for _, same in calls), calls
