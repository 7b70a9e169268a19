"""Tests of matcher.warm: a warm re-run is byte for byte the run from scratch, always."""

from __future__ import annotations

from dataclasses import fields, replace

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matcher import (
    Decision,
    MentorType,
    ProgramConfig,
    Proposal,
    WarmState,
    frames,
    load_config,
    load_participants,
    propose,
    rerun,
    to_csv_bytes,
)
from matcher.candidates import RequestStats, build_candidates
from matcher.cohort import encode
from matcher.decisions import load_decisions
from matcher.engine import run_shape
from matcher.frames import lookup, triple_keys
from matcher.rejections import with_rejections
from matcher.synthetic import generate_cohort
from tests.strategies import (
    SMALL_SEEDS,
    configs,
    participants,
    random_rejected,
    reject_decisions,
    tied_cohorts,
)
from tests.test_cli import PEOPLE, PROGRAM, SAMPLE


def tables(proposal: Proposal) -> list[bytes]:
    """What a run shows and exports, as the CSV bytes written."""
    return [to_csv_bytes(t) for t in (proposal.matches, proposal.unmatched, proposal.breakdown)]


def rejects_of(proposal: Proposal, rows: list[int]) -> list[Decision]:
    """Rejections of the proposed pairs at ``rows`` (what an admin rejects on the review)."""
    pairs = proposal.matches.iloc[sorted(set(rows))]
    return [
        Decision(r.mentee_email, r.mentor_email, MentorType(r.mentor_type), "reject")
        for r in pairs.itertuples()
    ]


def locks_of(proposal: Proposal, rows: list[int]) -> list[Decision]:
    return [replace(d, action="lock") for d in rejects_of(proposal, rows)]


def assert_warm_equals_cold(people, config, before, after) -> None:
    """``rerun`` with ``before``, then warm with ``after``: the tables of ``propose(after)``."""
    _, state = rerun(people, config, before)
    warm, kept = rerun(people, config, after, warm=state)
    assert kept is state  # reused, not rebuilt
    assert tables(warm) == tables(propose(people, config, after))


@settings(max_examples=40, deadline=None)
@given(people=participants(min_size=3, max_size=10), config=configs(), data=st.data())
def test_warm_rerun_equals_a_run_from_scratch(people, config, data) -> None:
    """Random cohorts and configs: rejections of any pairs, then of proposed pairs, and
    locks of proposed pairs."""
    first = data.draw(reject_decisions(people))
    proposal = propose(people, config, first)
    rows = st.lists(st.integers(0, max(len(proposal.matches) - 1, 0)), max_size=3)
    picked = data.draw(rows) if len(proposal.matches) else []
    more = data.draw(reject_decisions(people)) + rejects_of(proposal, picked)
    assert_warm_equals_cold(people, config, first, first + more)
    locked = locks_of(proposal, data.draw(rows) if len(proposal.matches) else [])
    assert_warm_equals_cold(people, config, first, first + locked)


@settings(max_examples=60, deadline=None)
@given(people=tied_cohorts(), data=st.data())
def test_warm_rerun_breaks_ties_as_a_run_from_scratch(people, data) -> None:
    """Correlated cohorts where many pairs score the same: the same one of several equally
    good matchings."""
    proposal = propose(people)
    if not len(proposal.matches):
        return
    picked = data.draw(st.lists(st.integers(0, len(proposal.matches) - 1), max_size=3))
    assert_warm_equals_cold(people, ProgramConfig(), [], rejects_of(proposal, picked))


@pytest.fixture(scope="module")
def pruned_people() -> list:
    return load_participants(to_csv_bytes(generate_cohort(300, seed=5))).participants


@settings(max_examples=4, deadline=None)
@given(seed=SMALL_SEEDS, objective=st.sampled_from(["coverage", "quality", "fairness"]))
def test_warm_rerun_on_the_pruned_path_equals_a_run_from_scratch(
    pruned_people, seed, objective
) -> None:
    """Synthetic cohorts big enough to prune (certified rounds, pricing): 1 and then 20
    decisions on proposed pairs, each re-run warm."""
    config = ProgramConfig(objective=objective)
    proposal, state = rerun(pruned_people, config)
    assert "pricing" in proposal.timings
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(proposal.matches)).tolist()
    decisions = rejects_of(proposal, order[:15]) + locks_of(proposal, order[15:20])
    for count in (1, 20):
        warm, kept = rerun(pruned_people, config, decisions[:count], warm=state)
        assert kept is state
        assert tables(warm) == tables(propose(pruned_people, config, decisions[:count]))


def test_a_warm_rerun_works_out_only_the_pairs_and_triples_its_state_lacks(
    pruned_people, monkeypatch
) -> None:
    """The words of the pairs the first run chose, and its answers on whether a mentee's
    other mentors are candidates, are copied; only new pairs are put in words and only
    triples the state has not checked are evaluated again, and the tables are still
    those of a run from scratch."""
    config = ProgramConfig()
    first, state = rerun(pruned_people, config)
    worded, checked = [], []

    def counted(calls, work):
        def spy(*args, **kwargs):
            calls.append(args)
            return work(*args, **kwargs)

        return spy

    decisions = rejects_of(first, list(range(0, len(first.matches), 25)))
    cold = propose(pruned_people, config, decisions)
    monkeypatch.setattr(frames, "said_reasons", counted(worded, frames.said_reasons))
    monkeypatch.setattr(frames, "are_candidates", counted(checked, frames.are_candidates))
    warm, _ = rerun(pruned_people, config, decisions, warm=state)
    assert tables(warm) == tables(cold)
    pairs = ["mentee_email", "mentor_email", "mentor_type"]
    new = pd.concat([first.matches[pairs]] * 2 + [warm.matches[pairs]]).drop_duplicates(keep=False)
    assert 0 < len(worded) == len(new) < len(warm.matches) / 4
    for _, _, _, mentee, mentor, kind, _ in checked:
        keys = triple_keys(len(state.cohort), mentee, mentor, kind)
        assert not lookup(state.checked.key, keys)[0].any()
    assert len(state.checked.key) and len(state.explained) == len(first.matches)


def test_a_rejection_or_its_undoing_changes_an_open_requests_other_mentors_count() -> None:
    """Rejecting, for an open request, the mentors a mentee has in another type (triples no
    run chose) takes them out of its "already mentoring" count; undoing it puts them
    back. The state answers whether those triples are candidates with nobody rejected, so
    both directions, from either run's state, equal a run from scratch."""
    people, config = load_participants(PEOPLE).participants, load_config(PROGRAM)
    first = propose(people, config)
    own = first.unmatched[first.unmatched.reason.str.contains("already mentoring")]
    assert len(own) >= 2
    rejects = [
        Decision(pair.mentee_email, pair.mentor_email, MentorType(request.mentor_type), "reject")
        for request in own.itertuples()
        for pair in first.matches[first.matches.mentee_email == request.mentee_email].itertuples()
    ]
    after = propose(people, config, rejects)
    requests = ["mentee_email", "mentor_type"]
    still = after.unmatched.merge(own[requests], on=requests)
    assert len(still) == len(own) and not still.reason.str.contains("already mentoring").any()
    assert_warm_equals_cold(people, config, [], rejects)
    assert_warm_equals_cold(people, config, rejects, [])


@given(seed=SMALL_SEEDS)
@settings(max_examples=10, deadline=None)
def test_candidates_with_rejections_are_those_built_with_them(pruned_people, seed) -> None:
    cohort, config = encode(pruned_people), ProgramConfig()
    keep, compiled = run_shape(cohort)
    base = build_candidates(cohort, config, None, None, keep, compiled=compiled)
    rejected = random_rejected(cohort, seed)
    found = with_rejections(base, cohort, config, rejected, keep, compiled=compiled)
    built = build_candidates(cohort, config, rejected, None, keep, compiled=compiled)
    for name in ("mentee", "mentor", "kind", "score", "unkept"):
        np.testing.assert_array_equal(getattr(found, name), getattr(built, name))
    for f in fields(RequestStats):
        np.testing.assert_array_equal(getattr(found.stats, f.name), getattr(built.stats, f.name))


def test_the_sample_with_its_decisions_file_rerun_warm() -> None:
    people, config = load_participants(PEOPLE).participants, load_config(PROGRAM)
    decisions = list(load_decisions(SAMPLE / "decisions.csv"))
    assert {d.action for d in decisions} >= {"lock", "reject"}
    assert_warm_equals_cold(people, config, [], decisions)
    locked = {replace(d, action="reject") for d in decisions if d.action == "lock"}
    more = [
        d for d in rejects_of(propose(people, config, decisions), [0, 3, 5, 8]) if d not in locked
    ]
    assert len(more) >= 2
    assert_warm_equals_cold(people, config, decisions, decisions + more)


def test_changed_participants_or_config_run_from_scratch() -> None:
    """A state is never reused for other people or another config: the run is that of the
    new input, with a new state."""
    people, config = list(load_participants(PEOPLE).participants), load_config(PROGRAM)
    first, state = rerun(people, config)
    mentor = first.matches.mentor_email[0]
    fewer = [p for p in people if p.email != mentor]
    changed, new_state = rerun(fewer, config, warm=state)
    assert new_state is not state and not state.fits(fewer, config)
    assert tables(changed) == tables(propose(fewer, config)) != tables(first)
    stricter = replace(config, min_score=60.0)
    stricter_run, other = rerun(people, stricter, warm=state)
    assert other is not state
    assert tables(stricter_run) == tables(propose(people, stricter)) != tables(first)


def test_a_lost_state_runs_from_scratch_with_the_same_answer() -> None:
    people, config = load_participants(PEOPLE).participants, load_config(PROGRAM)
    first, state = rerun(people, config)
    decisions = rejects_of(first, [1, 2])
    warm, _ = rerun(people, config, decisions, warm=state)
    lost, fresh = rerun(people, config, decisions, warm=None)
    assert isinstance(fresh, WarmState) and fresh is not state
    assert tables(lost) == tables(warm)
    assert 0 < state.nbytes < 10**6
