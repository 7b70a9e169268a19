"""Tests of matcher.pruning and the engine's pruned path: certified = exact, always."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import matcher.engine as engine
from matcher import Decision, MentorType, ProgramConfig, Proposal, load_participants, propose
from matcher.candidates import Candidates, build_candidates, weights
from matcher.cohort import encode
from matcher.config import OBJECTIVES
from matcher.csv_io import to_csv_bytes
from matcher.frames import unmatched_frame
from matcher.proposal import rejected_matrices
from matcher.pruning import (
    CertificationError,
    Check,
    Edges,
    ExplicitPricer,
    certified_solve,
    solve_pruned,
    top_per_mentor,
    top_per_request,
)
from matcher.solver import solve
from matcher.synthetic import generate_cohort
from tests.instances import NO_EDGE_LOW, objective_key
from tests.strategies import SEEDS, random_instance


@settings(max_examples=60, deadline=None)
@given(
    seed=SEEDS,
    popular=st.booleans(),
    objective=st.sampled_from(OBJECTIVES),
    keep=st.integers(1, 3),
    n_kinds=st.integers(1, 3),
)
def test_certified_equals_exact(
    seed: int, popular: bool, objective: str, keep: int, n_kinds: int
) -> None:
    """Random and correlated ("popular mentors") instances, with locks, every objective."""
    inst = random_instance(
        seed, popular=popular, n_kinds=n_kinds, n_mentees=30, n_mentors=15, per_request=10
    )
    exact = inst.solve(objective)
    pruned = solve_pruned(
        inst.mentee,
        inst.mentor,
        inst.kind,
        inst.weight,
        inst.capacity,
        objective=objective,
        locked=np.array(inst.locked, dtype=bool),
        keep=keep,
    )
    inst.assert_valid(pruned)
    assert inst.value(pruned, objective) == inst.value(exact, objective)


class _NearOnly:
    """A pricer that, asked about several checks at once, returns triples the subset holds
    already in the place of the violators (as the cohort pricer can when one check's near
    triples outrank another's violators); about one check, the violators and near ones."""

    def __init__(self, subset: Edges, rest: Edges) -> None:
        self.subset, self.rest, self.calls = subset, ExplicitPricer(rest), 0

    def __call__(self, checks: Sequence[Check]) -> Edges:
        self.calls += 1
        assert self.calls < 200, "the rounds add nothing"
        found = self.rest(checks)
        return self.subset if len(checks) > 1 and len(found) else found


@settings(max_examples=40, deadline=None)
@given(seed=SEEDS, popular=st.booleans())
def test_certified_solve_prices_one_check_at_a_time_when_a_round_adds_nothing(
    seed: int, popular: bool
) -> None:
    inst = random_instance(seed, popular=popular, n_mentees=30, n_mentors=15, per_request=10)
    every = Edges.of(inst.mentee, inst.mentor, inst.kind, inst.weight)
    locked = np.array(inst.locked, dtype=bool)
    start = top_per_request(every, 1) | locked
    subset, chosen = certified_solve(
        every.take(start),
        np.array(inst.capacity),
        _NearOnly(every.take(start), every.take(~start)),
        objective="fairness",
        locked=locked[start],
        shape=(30, 3),
        requests=len(set(zip(inst.mentee, inst.kind, strict=True))),
    )
    fixed = np.zeros(len(subset), dtype=bool)
    fixed[: start.sum()] = locked[start]  # the starting edges come first
    low = int(subset.weight[chosen & ~fixed].min(initial=NO_EDGE_LOW))
    value = objective_key("fairness", int(chosen.sum()), int(subset.weight[chosen].sum()), low)
    assert value == inst.value(inst.solve("fairness"), "fairness")


def test_top_per_request_keeps_ties_and_every_request() -> None:
    edges = Edges.of([0, 0, 0, 0, 1], [0, 1, 2, 3, 0], [0, 0, 0, 0, 1], [9, 5, 5, 1, 3])
    assert top_per_request(edges, 2).tolist() == [True, True, True, False, True]


EDGE_LISTS = st.lists(
    st.tuples(st.integers(0, 4), st.integers(0, 3), st.integers(0, 2), st.integers(0, 6)),
    max_size=60,
)


def _edges(rows: list[tuple[int, int, int, int]]) -> Edges:
    return Edges.of(*(zip(*rows, strict=True) if rows else ([], [], [], [])))


@settings(max_examples=150, deadline=None)
@given(EDGE_LISTS, st.integers(1, 4), st.booleans())
def test_top_per_request_keeps_weights_from_the_keep_th_heaviest(
    rows: list[tuple[int, int, int, int]], keep: int, compiled: bool
) -> None:
    """Each request's edges weighing at least its keep-th heaviest, edges in any order."""
    edges = _edges(rows)
    expected = [
        w
        >= sorted(edges.weight[(edges.mentee == e) & (edges.kind == k)])[::-1][
            min(keep, int(((edges.mentee == e) & (edges.kind == k)).sum())) - 1
        ]
        for e, k, w in zip(edges.mentee, edges.kind, edges.weight, strict=True)
    ]
    assert top_per_request(edges, keep, compiled).tolist() == expected


@settings(max_examples=150, deadline=None)
@given(EDGE_LISTS, st.lists(st.integers(0, 3), min_size=4, max_size=4), st.booleans())
def test_top_per_mentor_keeps_the_heaviest_first_come(
    rows: list[tuple[int, int, int, int]], capacity: list[int], compiled: bool
) -> None:
    """Each mentor's factor * capacity heaviest edges, ties to the earlier edge."""
    edges = _edges(rows)
    rank = [
        sum(
            (w2, -p2) > (w, -p)
            for p2, (m2, w2) in enumerate(zip(edges.mentor, edges.weight, strict=True))
            if m2 == m
        )
        for p, (m, w) in enumerate(zip(edges.mentor, edges.weight, strict=True))
    ]
    expected = [r < 2 * capacity[m] for r, m in zip(rank, edges.mentor, strict=True)]
    assert top_per_mentor(edges, np.array(capacity), 2, compiled).tolist() == expected


@pytest.fixture(scope="module")
def cohort_people() -> list:
    return load_participants(to_csv_bytes(generate_cohort(240, seed=3))).participants


def _totals(proposal: Proposal) -> tuple[int, float, float]:
    scores = proposal.matches.score
    return len(scores), round(float(scores.sum()), 2), float(scores.min())


@pytest.mark.parametrize("objective", OBJECTIVES)
def test_engine_pruned_path_equals_the_full_solve(
    cohort_people: list, objective: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = dataclasses.replace(ProgramConfig(), objective=objective)
    monkeypatch.setattr(engine, "KEEP", 2)  # solved first; 4 per request priced in memory
    monkeypatch.setattr(engine, "RESERVE", 4)
    pruned = propose(cohort_people, config)
    monkeypatch.setattr(engine, "RESERVE", None)
    exact = propose(cohort_people, config)
    assert "pricing" in pruned.timings and "pricing" not in exact.timings
    if objective == "quality":
        assert _totals(pruned)[1] == _totals(exact)[1]
    else:
        assert _totals(pruned)[:2] == _totals(exact)[:2]
    if objective == "fairness":
        assert _totals(pruned)[2] == _totals(exact)[2]


def _decisions(people: list, config: ProgramConfig) -> list[Decision]:
    """Rejections of every 7th pair the run without decisions chose, locks of every 11th
    (from the 4th, rejected ones left out), and locks of up to 6 feasible triples it left
    out, at mentors it filled (so that they give up a user), one per mentee and at most
    one per mentor."""
    first = propose(people, config)
    every = propose(people, config, with_scores=True).scores
    chosen = set(zip(first.matches.mentee_email, first.matches.mentor_email, strict=True))
    load = first.matches.mentor_email.value_counts()
    room = {p.email: p.capacity for p in people}
    full = {m for m, n in load.items() if n >= room[m]}
    pairs = list(first.matches[["mentee_email", "mentor_email", "mentor_type"]].itertuples())
    decided = [
        Decision(*p[1:3], MentorType(p[3]), "reject" if k % 7 == 0 else "lock")
        for k, p in enumerate(pairs)
        if k % 7 == 0 or k % 11 == 3
    ]
    wanted = len(decided) + 6
    taken = {d.mentee_email for d in decided} | {d.mentor_email for d in decided}
    for row in every.itertuples():
        if len(decided) >= wanted:
            break
        outside = (row.mentee_email, row.mentor_email) not in chosen
        if (
            outside
            and row.mentor_email in full
            and not {row.mentee_email, row.mentor_email} & taken
        ):
            decided.append(
                Decision(row.mentee_email, row.mentor_email, MentorType(row.mentor_type), "lock")
            )
            taken |= {row.mentee_email, row.mentor_email}
    return decided


@pytest.mark.parametrize("objective", ["coverage", "quality"])
@pytest.mark.parametrize("compiled", [False, True])
def test_a_run_with_decisions_repairs_the_run_without_them_to_the_optimum(
    cohort_people: list, objective: str, compiled: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rejected pairs, locked pairs and locks that take a full mentor's place: the pruned
    run repairs the flow of the run without decisions (matcher.repair), and reaches the
    optimum of every candidate under the same decisions. Compiled, the repair's pricer
    starts from the cells the first run's pricer recorded."""
    config = dataclasses.replace(ProgramConfig(), objective=objective)
    decisions = _decisions(cohort_people, config)
    assert sum(d.action == "lock" for d in decisions) > 6
    monkeypatch.setattr(engine, "KEEP", 2)
    monkeypatch.setattr(engine, "RESERVE", 4)
    if compiled:
        monkeypatch.setattr(engine, "COMPILE_CELLS", 0)
    seeded = []

    class Pricer(engine.CohortPricer):
        def __post_init__(self) -> None:
            seeded.append(self.record is not None)
            super().__post_init__()

    monkeypatch.setattr(engine, "CohortPricer", Pricer)
    repairs = []

    def repaired_start(*args: object, **kwargs: object) -> object:
        repairs.append(args)
        return start(*args, **kwargs)

    start = engine.repaired_start
    monkeypatch.setattr(engine, "repaired_start", repaired_start)
    repaired = propose(cohort_people, config, decisions)
    assert len(repairs) == 1 and "pricing" in repaired.timings  # repaired, no fallback
    assert seeded == [False, compiled]  # the run without decisions, then the repair
    monkeypatch.setattr(engine, "RESERVE", None)
    exact = propose(cohort_people, config, decisions)
    assert "pricing" not in exact.timings
    if objective == "quality":
        assert _totals(repaired)[1] == _totals(exact)[1]
    else:
        assert _totals(repaired)[:2] == _totals(exact)[:2]
    got = set(zip(repaired.matches.mentee_email, repaired.matches.mentor_email, strict=True))
    for d in decisions:
        assert ((d.mentee_email, d.mentor_email) in got) == (d.action == "lock")


def test_small_one_type_cohort_is_solved_directly_with_the_same_result(
    cohort_people: list, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A small cohort asking for one type skips the certified rounds, with the same optimum;
    a cohort asking for several types, or a bigger one, is pruned."""
    one_type = [
        dataclasses.replace(p, seeks=p.seeks[:1] and ("developmental",), offers=("developmental",))
        for p in cohort_people
    ]
    monkeypatch.setattr(engine, "RESERVE", 4)
    direct = propose(one_type)
    assert "pricing" not in direct.timings
    assert "pricing" in propose(cohort_people).timings  # several types
    monkeypatch.setattr(engine, "DIRECT_CELLS", 0)
    pruned = propose(one_type)
    assert "pricing" in pruned.timings
    assert _totals(direct)[:2] == _totals(pruned)[:2]  # count, then total score
    assert len(direct.matches) > 50


def test_engine_falls_back_when_prices_fail(
    cohort_people: list, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise CertificationError("inexact prices")

    monkeypatch.setattr(engine, "certified_flow", refuse)
    fallback = propose(cohort_people)
    monkeypatch.setattr(engine, "RESERVE", None)
    assert fallback.matches.equals(propose(cohort_people).matches)


def test_unmatched_reasons_count_every_candidate(cohort_people: list) -> None:
    """Reasons from a pruned candidate set equal those from the full one, same matching."""
    config = ProgramConfig()
    cohort = encode(cohort_people)
    rejected = rejected_matrices(cohort, [])
    full = build_candidates(cohort, config, rejected)
    weight = weights(full.score)
    chosen = solve(
        full.mentee,
        full.mentor,
        full.kind,
        weight,
        cohort.capacity,
        objective=config.objective,
        compiled=True,
    )
    pruned = build_candidates(cohort, config, rejected, keep=1)
    assert pruned.pruned and len(pruned) < len(full)
    triples = list(zip(full.mentee, full.mentor, full.kind, strict=True))
    kept = set(zip(pruned.mentee, pruned.mentor, pruned.kind, strict=True))
    use = np.array([t in kept or c for t, c in zip(triples, chosen, strict=True)])
    both = Candidates(
        full.mentee[use], full.mentor[use], full.kind[use], full.score[use], pruned.stats
    )
    both_chosen = chosen[use]
    expected = unmatched_frame(cohort, full, chosen, config, rejected, compiled=True)
    got = unmatched_frame(cohort, both, both_chosen, config, rejected, compiled=True)
    assert len(expected) and got.equals(expected)
