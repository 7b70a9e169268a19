"""check_proposal finds every kind of broken matches table, in words."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from matcher import Decision, MatcherError, check_proposal, mentor_fits, propose
from matcher.checks import assess_pair
from matcher.schema import MentorType, Participant, Role
from tests.strategies import configs, participants, reject_decisions

DEV, EXPERT = MentorType.DEVELOPMENTAL, MentorType.EXPERTISE
PEOPLE = [
    Participant("ana@x.org", "Ana", Role.MENTEE, seeks=(DEV, EXPERT), expertise_wanted=("sql",)),
    Participant("ben@x.org", "Ben", Role.MENTEE, seeks=(DEV,)),
    Participant("max@x.org", "Max", Role.MENTOR, offers=(DEV, EXPERT), expertise=("sql",)),
    Participant("liz@x.org", "Liz", Role.MENTOR, offers=(DEV,)),
]


def table(*rows) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["mentee_email", "mentor_email", "mentor_type", "score"])


def test_a_real_proposal_is_clean():
    assert check_proposal(PEOPLE, propose(PEOPLE).matches) == []


def test_over_capacity_duplicate_type_and_same_mentor_twice_are_all_reported():
    score_dev, score_exp = 17.5, 67.5
    problems = check_proposal(
        PEOPLE,
        table(
            ("ana@x.org", "max@x.org", "developmental", score_dev),
            ("ana@x.org", "max@x.org", "expertise", score_exp),
            ("ana@x.org", "liz@x.org", "developmental", score_dev),
        ),
    )
    assert "max@x.org has 2 mentees but room for 1" in problems
    assert "ana@x.org has 2 developmental mentors; at most 1" in problems
    assert "max@x.org mentors ana@x.org in 2 types; at most 1" in problems


def test_wrong_score_unknown_people_and_unsought_types_are_reported():
    problems = check_proposal(
        PEOPLE,
        table(
            ("ben@x.org", "max@x.org", "developmental", 99.0),
            ("ghost@x.org", "max@x.org", "developmental", 10.0),
            ("ben@x.org", "liz@x.org", "expertise", 10.0),
        ),
    )
    assert any("score 99 but the pair scores 17.5" in p for p in problems)
    assert any(p.startswith("match 2 (ghost@x.org") and "unknown person" in p for p in problems)
    assert any("the mentee does not seek this type" in p for p in problems)
    assert any("the mentor does not offer this type" in p for p in problems)


def test_missing_locks_and_present_rejects_are_reported():
    decisions = [
        Decision("ben@x.org", "liz@x.org", DEV, "lock"),
        Decision("ben@x.org", "max@x.org", DEV, "reject"),
    ]
    problems = check_proposal(
        PEOPLE, table(("ben@x.org", "max@x.org", "developmental", 17.5)), decisions=decisions
    )
    assert "the locked pair ben@x.org -> liz@x.org (developmental) is missing" in problems
    assert any("breaks 'not rejected by an admin'" in p for p in problems)


def test_assess_pair_scores_a_good_manual_pair_with_its_reasons():
    got = assess_pair(PEOPLE, "ana@x.org", "max@x.org", "expertise")
    assert got.blocked_by == ()
    assert got.score == 72.5
    assert "covers 1 of 1 wanted skill: sql" in got.reasons


def test_assess_pair_names_the_hard_rules_and_the_soft_concerns():
    people = [
        *PEOPLE,
        Participant("kid@x.org", "Kid", Role.MENTEE, seeks=(DEV,), manager_email="liz@x.org",
                    department="it", goals=("sql",)),
        Participant("cat@x.org", "Cat", Role.MENTOR, offers=(DEV,), department="it",
                    capacity=1),
    ]  # fmt: skip
    chain = assess_pair(people, "KID@x.org", "liz@x.org", DEV)
    assert chain.blocked_by == ("in the mentee's management chain (reports to Liz)",)
    current = table(("ben@x.org", "cat@x.org", "developmental", 10.0))
    soft = assess_pair(people, "kid@x.org", "cat@x.org", DEV, matches=current)
    assert soft.blocked_by == ()
    assert "both work in it: advice from inside may be less objective" in soft.warnings
    assert "the mentor lists none of the mentee's goals as strengths" in soft.warnings
    assert "the mentor already has 1 mentee for 1 place" in soft.warnings


def test_assess_pair_blocks_unsought_types_second_types_and_rejected_pairs():
    current = table(("ana@x.org", "max@x.org", "developmental", 17.5))
    got = assess_pair(PEOPLE, "ben@x.org", "liz@x.org", EXPERT)
    assert "Ben does not seek expertise mentoring" in got.blocked_by
    assert "Liz does not offer expertise mentoring" in got.blocked_by
    twice = assess_pair(PEOPLE, "ana@x.org", "max@x.org", EXPERT, matches=current)
    assert "Max already mentors Ana (developmental)" in twice.blocked_by
    rejected = [Decision("ben@x.org", "liz@x.org", DEV, "reject")]
    assert assess_pair(PEOPLE, "ben@x.org", "liz@x.org", DEV, decisions=rejected).blocked_by == (
        "rejected by an admin",
    )
    with pytest.raises(MatcherError, match=r"nobody@x\.org is not a participant"):
        assess_pair(PEOPLE, "nobody@x.org", "liz@x.org", DEV)


@settings(max_examples=60, deadline=None)
@given(data=st.data(), most=st.integers(1, 4), with_places=st.booleans())
def test_a_short_mentor_search_keeps_the_best_fits_of_the_whole_list(data, most, with_places):
    """``mentor_fits(most=k)`` is, per type, the k mentors of the full list that no rule
    blocks first, then by score, then by e-mail, with the same scores and words."""
    people = data.draw(participants(min_size=3, max_size=9))
    mentees = [p.email for p in people if p.is_mentee]
    assume(mentees)
    mentee = data.draw(st.sampled_from(mentees))
    config = data.draw(configs())
    decisions = data.draw(reject_decisions(people))
    everyone = mentor_fits(people, mentee, config, decisions)
    if with_places:
        roomy = {p.email for p in people if p.capacity > 0}
        everyone = everyone[everyone.mentor_email.isin(roomy)]
    best = (
        everyone.assign(allowed=everyone.blocked == "")
        .sort_values(["allowed", "score", "mentor_email"], ascending=[False, False, True])
        .groupby("mentor_type", sort=False)
        .head(most)
    )
    short = mentor_fits(people, mentee, config, decisions, most=most, with_places=with_places)
    key = ["mentor_type", "mentor_email"]
    expected = best.drop(columns="allowed").sort_values(key).reset_index(drop=True)
    pd.testing.assert_frame_equal(short.sort_values(key).reset_index(drop=True), expected)
    for _, kind in short.groupby("mentor_type", sort=False):
        assert list(kind.mentor_name) == sorted(kind.mentor_name)
