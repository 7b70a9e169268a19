"""Properties of the whole engine on random cohorts, checked against plain-Python oracles.

The rule oracle below re-implements the hard-rule table of DESIGN.md pair by pair, with no
numpy, so a mistake in the vectorised rules shows up as a disagreement.
"""

from __future__ import annotations

import random
from dataclasses import replace

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matcher import Decision, ProgramConfig, check_proposal, propose
from matcher.candidates import build_candidates
from matcher.cohort import MENTOR_TYPES, encode
from matcher.config import OBJECTIVES
from matcher.csv_io import to_csv_bytes
from matcher.schema import MeetingMode, MentorType, Participant
from tests.strategies import SMALL_SEEDS, configs, participants, question_rule_oracle

SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _chain(people: dict[str, Participant], email: str) -> set[str]:
    seen: set[str] = set()
    boss = people[email].manager_email
    while boss in people and boss not in seen:
        seen.add(boss)
        boss = people[boss].manager_email
    return seen


def oracle_allows(
    people: dict[str, Participant],
    e: Participant,
    m: Participant,
    t: MentorType,
    cfg: ProgramConfig,
) -> bool:
    """The hard-rule table of DESIGN.md, one pair at a time."""
    if e.email == m.email or not e.is_mentee or not m.is_mentor:
        return False
    if t not in e.seeks or t not in m.offers or m.capacity < 1:
        return False
    if m.email in _chain(people, e.email) or e.email in _chain(people, m.email):
        return False
    if cfg.block_same_manager and e.manager_email and e.manager_email == m.manager_email:
        return False
    boss = people.get(e.manager_email)
    if (
        cfg.block_boss_peers
        and boss
        and boss.manager_email
        and boss.manager_email == m.manager_email
    ):
        return False
    if m.email in e.exclude or e.email in m.exclude:
        return False
    if m.email in e.previous_partners or e.email in m.previous_partners:
        return False
    if e.languages and m.languages and not set(e.languages) & set(m.languages):
        return False
    in_person = MeetingMode.IN_PERSON in (e.meeting_mode, m.meeting_mode)
    if in_person and (
        MeetingMode.REMOTE in (e.meeting_mode, m.meeting_mode)
        or (e.location and m.location and e.location != m.location)
    ):
        return False
    if t is MentorType.SPONSORSHIP and (
        e.level is None or m.level is None or m.level - e.level < cfg.sponsor_level_gap
    ):
        return False
    if t is MentorType.GENERATIONAL and (
        e.generation is None or m.generation is None or e.generation == m.generation
    ):
        return False
    if t is MentorType.EXPERTISE and not set(e.expertise_wanted) & set(m.expertise):
        return False
    gap = cfg.max_timezone_gap_hours
    e_tz, m_tz = e.utc_offset_minutes, m.utc_offset_minutes
    if gap is not None and e_tz is not None and m_tz is not None and abs(e_tz - m_tz) > gap * 60:
        return False
    if (
        t in cfg.outside_organization_types
        and e.organization
        and (e.organization.casefold() == m.organization.casefold())
    ):
        return False
    if cfg.avoid_penalty is None and e.email in m.avoid:
        return False
    picked = [email for email in e.preferred_mentors if email in people and people[email].is_mentor
              and t in people[email].offers]  # fmt: skip
    if cfg.only_picks and picked and m.email not in picked:
        return False
    return not any(
        question_rule_oracle(rule, e, m)[1]
        for rule in cfg.question_rules
        if rule.hard and t in rule.types
    )


@SETTINGS
@given(people=participants(), config=configs())
def test_feasible_triples_are_exactly_the_rule_table(people, config):
    by_email = {p.email: p for p in people}
    cohort = encode(people)
    found = build_candidates(cohort, replace(config, min_score=0.0))
    got = {
        (cohort.people[e].email, cohort.people[m].email, MENTOR_TYPES[k])
        for e, m, k in zip(found.mentee, found.mentor, found.kind, strict=True)
    }
    expected = {
        (e.email, m.email, t)
        for e in people
        for m in people
        for t in MentorType
        if oracle_allows(by_email, e, m, t, config)
    }
    assert got == expected


@SETTINGS
@given(people=participants(), config=configs())
def test_every_proposal_passes_the_independent_check(people, config):
    proposal = propose(people, config)
    assert check_proposal(people, proposal.matches, config) == []
    # 0-100 points, plus the priority bonus for a mentee with priority (docs/matching.md)
    priority = {p.email for p in people if p.priority}
    most = proposal.matches.mentee_email.map(
        lambda email: 100 + (config.priority_bonus if email in priority else 0)
    )
    assert (proposal.matches.score >= 0).all()
    assert (proposal.matches.score <= most).all()
    assert (proposal.matches.score >= config.min_score).all()
    requests = {(p.email, t.value) for p in people if p.is_mentee for t in p.seeks}
    answered = set(zip(proposal.matches.mentee_email, proposal.matches.mentor_type, strict=True))
    open_ = set(zip(proposal.unmatched.mentee_email, proposal.unmatched.mentor_type, strict=True))
    assert answered | open_ == requests and not answered & open_
    assert proposal.unmatched.reason.str.len().gt(10).all()


@SETTINGS
@given(people=participants(), config=configs(), seed=SMALL_SEEDS)
def test_output_is_byte_identical_whatever_the_row_order(people, config, seed):
    shuffled = list(people)
    random.Random(seed).shuffle(shuffled)
    first, second = propose(people, config), propose(shuffled, config)
    assert to_csv_bytes(first.matches) == to_csv_bytes(second.matches)
    assert to_csv_bytes(first.unmatched) == to_csv_bytes(second.unmatched)


@SETTINGS
@given(people=participants(min_size=4, max_size=12))
def test_objectives_rank_as_documented(people):
    results = {o: propose(people, ProgramConfig(objective=o)).matches for o in OBJECTIVES}
    coverage, quality, fairness = results["coverage"], results["quality"], results["fairness"]
    assert len(coverage) >= len(quality)
    assert quality.score.sum() >= coverage.score.sum() - 1e-6
    assert len(fairness) == len(coverage)
    if len(coverage):
        assert fairness.score.min() >= coverage.score.min()


@SETTINGS
@given(people=participants(min_size=3, max_size=10), data=st.data())
def test_locks_are_kept_and_rejects_never_return(people, data):
    first = propose(people)
    if first.matches.empty:
        return
    rows = first.matches.to_dict("records")
    picked = data.draw(st.lists(st.sampled_from(rows), min_size=1, max_size=3, unique_by=id))
    split = data.draw(st.integers(0, len(picked)))
    decisions = [
        Decision(r["mentee_email"], r["mentor_email"], MentorType(r["mentor_type"]), action)
        for i, r in enumerate(picked)
        for action in (("lock",) if i < split else ("reject",))
    ]
    again = propose(people, decisions=decisions)
    triples = set(
        zip(
            again.matches.mentee_email,
            again.matches.mentor_email,
            again.matches.mentor_type,
            strict=True,
        )
    )
    for d in decisions:
        key = (d.mentee_email, d.mentor_email, d.mentor_type.value)
        assert (key in triples) == (d.action == "lock")
    assert check_proposal(people, again.matches, decisions=decisions) == []


@settings(max_examples=20, deadline=None)
@given(people=participants(min_size=6, max_size=10))
def test_scores_table_lists_every_feasible_triple_sorted(people):
    proposal = propose(people, with_scores=True)
    scores = proposal.scores
    assert list(scores.columns) == ["mentee_email", "mentor_email", "mentor_type", "score"]
    assert scores.equals(scores.sort_values(list(scores.columns[:3]), ignore_index=True))
    matched = proposal.matches.merge(scores, on=["mentee_email", "mentor_email", "mentor_type"])
    assert np.allclose(matched.score_x, matched.score_y)
    assert len(matched) == len(proposal.matches)
