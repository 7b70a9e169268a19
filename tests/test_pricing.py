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
import matcher.pricing as pricing
from matcher import ProgramConfig, load_participants, propose
from matcher.candidates import build_candidates, weights
from matcher.config import OBJECTIVES
from matcher.csv_io import to_csv_bytes
from matcher.graph import group
from matcher.pricing import TIES, CheckTable, CohortPricer, nearest_edges
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
    expected = nearest_edges(edges, request, checks, keep, compiled=False)
    found = nearest_edges(edges, request, checks, keep, compiled=True)
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
            numpy = CohortPricer.__call__(
                dataclasses.replace(self, compiled=False, record=None), checks
            )
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


def _last_round(
    monkeypatch: pytest.MonkeyPatch,
) -> tuple[CohortPricer, list[Check], Edges, np.ndarray]:
    """A pruned run of 400 people: its pricer (holding the record of a round), the checks
    of its last round, every candidate, and which of them the pricer kept (``found``)."""
    people = load_participants(to_csv_bytes(generate_cohort(400, seed=5))).participants
    seen: list[tuple[CohortPricer, list[Check]]] = []

    class Kept(CohortPricer):
        def __call__(self, checks: Sequence[Check]) -> Edges:
            seen.append((self, list(checks)))
            return super().__call__(checks)

    monkeypatch.setattr(engine, "KEEP", 2)
    monkeypatch.setattr(engine, "RESERVE", 4)
    monkeypatch.setattr(engine, "COMPILE_CELLS", 0)
    monkeypatch.setattr(engine, "CohortPricer", Kept)
    propose(people, ProgramConfig())
    pricer, checks = seen[-1]
    assert pricer.record is not None
    every = build_candidates(pricer.cohort, pricer.config, pricer.rejected)
    cells = Edges.of(every.mentee, every.mentor, every.kind, weights(every.score))
    n = len(pricer.cohort)
    keys = (cells.kind * n + cells.mentee) * n + cells.mentor
    found = pricer.found
    kept = np.isin(keys, (found.kind * n + found.mentee) * n + found.mentor)
    return pricer, checks, cells, kept


def test_the_proof_finds_a_violating_left_out_triple_whenever_there_is_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """After a run (its pricer holds the record of a round), the last round's prices cut
    at random (some by less than the margin, some by more): the proof says a triple
    violates whenever a candidate left out of ``found`` does, and only when some
    candidate does."""
    pricer, checks, cells, kept = _last_round(monkeypatch)
    rng = np.random.default_rng(0)
    answers = set()
    recorded = pricer.record.cells
    unrecorded = (  # prices the record has no cell of: only the stale ones answer for them
        np.ones(checks[0].request.shape, dtype=bool),
        np.ones(len(checks[0].mentor), dtype=bool),
    )
    unrecorded[0][recorded.mentee, recorded.kind] = False
    unrecorded[1][recorded.mentor] = False
    for trial in range(60):
        cut = []
        for c in checks:
            request, mentor = c.request.copy(), c.mentor.copy()
            drops = [0, 49, 50, 99, 100] if trial % 3 == 0 else [101, 150, 250, 400, 2000, 6000]
            drop = rng.choice(drops, 2)  # just past the margin too: slight violations
            at = rng.random(request.shape) < 0.02
            at &= unrecorded[0] if trial % 3 == 2 else True
            request[at] = np.maximum(request[at] - drop[0], 0)
            at = rng.random(mentor.shape) < 0.02
            at &= unrecorded[1] if trial % 3 == 2 else True
            mentor[at] = np.maximum(mentor[at] - drop[1], 0)
            cut.append(dataclasses.replace(c, request=request, mentor=mentor))
        violating = np.zeros(len(cells), dtype=bool)
        for c in cut:
            violating |= c.nearness(*cells.columns()) > c.margin
        said = pricer._violates(cut, CheckTable.of(cut))
        assert said or not violating[~kept].any()  # complete: any left-out one is found
        assert violating.any() or not said  # sound: what it finds violates
        answers.add((said, bool(violating[~kept].any())))
    assert (True, True) in answers and (False, False) in answers


def test_a_pricer_seeded_with_a_record_returns_a_violator_of_every_violated_request(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A new pricer given a run's record (as a repaired run's is), the last round's prices
    cut at random: it returns nothing only when no candidate left out violates, and else,
    for every request with a violating left-out candidate, one of that request's violating
    triples (from the record's cells or from where prices fell)."""
    pricer, checks, cells, kept = _last_round(monkeypatch)
    seeded = dataclasses.replace(pricer, record=pricer.record, seconds=0.0)
    rng = np.random.default_rng(2)
    outcomes = set()
    for trial in range(40):
        cut = []
        for c in checks:
            request, mentor = c.request.copy(), c.mentor.copy()
            drop = rng.choice([0, 49, 99, 101, 150, 400, 2000] if trial % 2 else [0, 30, 60], 2)
            at = rng.random(request.shape) < 0.02
            request[at] = np.maximum(request[at] - drop[0], 0)
            at = rng.random(mentor.shape) < 0.02
            mentor[at] = np.maximum(mentor[at] - drop[1], 0)
            cut.append(dataclasses.replace(c, request=request, mentor=mentor))
        violating = np.zeros(len(cells), dtype=bool)
        for c in cut:
            violating |= c.nearness(*cells.columns()) > c.margin
        wanted = set(
            zip(cells.mentee[violating & ~kept], cells.kind[violating & ~kept], strict=True)
        )
        found = seeded(cut)
        hit = np.zeros(len(found), dtype=bool)
        for c in cut:
            hit |= c.nearness(*found.columns()) > c.margin
        assert set(zip(found.mentee[hit], found.kind[hit], strict=True)) >= wanted
        outcomes.add(bool(wanted))
    assert outcomes == {True, False}


def test_the_proof_finds_a_left_out_triple_violating_by_a_hundredth(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The last round's price of a request (else of the mentor) of a heaviest left-out
    candidate lowered until its reduced cost is exactly 1 (a hundredth of a point): the
    proof finds it, for requests the record holds cells of and for those it does not, also
    with a block of one request (whose mentors are only those priced below its room)."""
    pricer, checks, cells, kept = _last_round(monkeypatch)
    monkeypatch.setattr(pricing, "PROOF_ROWS", 1)
    check, stats = checks[0], pricer.found.stats
    best = np.full(check.request.shape, -1)
    best[stats.mentee, stats.kind] = pricer.found.unkept
    heaviest = cells.weight == best[cells.mentee, cells.kind]
    out = cells.take(~kept & heaviest & (cells.weight >= check.floor))
    pair = np.asarray(check.pair[out.mentee, out.mentor]).ravel()
    gain = check.scale * out.weight + check.bonus
    reduced = gain - check.request[out.mentee, out.kind] - check.mentor[out.mentor] - pair
    assert (reduced <= 0).all()  # the run was certified
    recorded = np.zeros(check.request.shape, dtype=bool)
    recorded[pricer.record.cells.mentee, pricer.record.cells.kind] = True
    tried = {True: 0, False: 0}
    for at in np.random.default_rng(1).permutation(len(out)):
        mentee, kind, mentor = out.mentee[at], out.kind[at], out.mentor[at]
        lower = 1 - reduced[at]  # the price drop that leaves this cell at +1
        request, mentors = check.request.copy(), check.mentor.copy()
        if tried[recorded[mentee, kind]] >= 8:
            continue
        if request[mentee, kind] >= lower:
            request[mentee, kind] -= lower
        elif mentors[mentor] >= lower:
            mentors[mentor] -= lower
        else:
            continue
        cut = [dataclasses.replace(check, request=request, mentor=mentors), *checks[1:]]
        assert pricer._violates(cut, CheckTable.of(cut)), (mentee, kind, reduced[at])
        tried[recorded[mentee, kind]] += 1
    assert tried == {True: 8, False: 8}


@pytest.mark.parametrize("compiled", [True, False])
def test_a_count_certificate_returns_the_first_ties_only(compiled: bool) -> None:
    """50 left-out triples of one request, all of one weight: under a count certificate
    (gain 1, no margin) they all tie, and the first ``TIES * keep`` come back; under a
    check with a margin every tie does."""
    edges = Edges.of(np.zeros(50), np.arange(50), np.zeros(50), np.full(50, 700))
    request, none = np.zeros(50, dtype=np.int64), np.zeros((1, 1), dtype=np.int64)
    pair = sparse.csr_array((1, 50), dtype=np.int64)
    count = Check(0, 1, 0, none, np.zeros(50, dtype=np.int64), pair)
    near, violated = nearest_edges(edges, request, [count], keep=2, compiled=compiled)
    assert violated and near.tolist() == list(range(TIES * 2))
    weighed = dataclasses.replace(count, scale=1, bonus=0)
    near, violated = nearest_edges(edges, request, [weighed], keep=2, compiled=compiled)
    assert violated and near.tolist() == list(range(50))
