"""Named worked examples, one per rule the seed articles teach, checked by hand."""

from __future__ import annotations

import pytest

from matcher import Decision, ProgramConfig, SolveError, explain_mentee, propose
from matcher.schema import Generation, MeetingMode, MentorType, Participant, Role

DEV, SPONSOR, GEN, EXPERT = (
    MentorType.DEVELOPMENTAL,
    MentorType.SPONSORSHIP,
    MentorType.GENERATIONAL,
    MentorType.EXPERTISE,
)


def mentee(name: str, *seeks: MentorType, **fields) -> Participant:
    return Participant(f"{name.lower()}@x.org", name, Role.MENTEE, seeks=seeks, **fields)


def mentor(name: str, *offers: MentorType, **fields) -> Participant:
    return Participant(f"{name.lower()}@x.org", name, Role.MENTOR, offers=offers, **fields)


def pairs(people, config=None, decisions=()) -> set[tuple[str, str, str]]:
    matches = propose(people, config, decisions).matches
    return set(zip(matches.mentee_name, matches.mentor_name, matches.mentor_type, strict=True))


def reason_for(people, name: str, config=None) -> str:
    unmatched = propose(people, config).unmatched
    return unmatched.loc[unmatched.mentee_name == name, "reason"].iloc[0]


def test_management_chain_is_never_paired_in_either_direction():
    # Ana reports to Bea, who reports to Cy: neither boss may mentor Ana, and Ana may not
    # mentor her own manager; Dee, outside the chain, is the only possible mentor.
    people = [
        Participant("ana@x.org", "Ana", Role.BOTH, seeks=(DEV,), offers=(DEV,),
                    manager_email="bea@x.org"),
        Participant("bea@x.org", "Bea", Role.BOTH, seeks=(DEV,), offers=(DEV,),
                    manager_email="cy@x.org"),
        mentor("Cy", DEV, capacity=3),
        mentor("Dee", DEV, capacity=3),
    ]  # fmt: skip
    assert pairs(people) == {("Ana", "Dee", "developmental"), ("Bea", "Dee", "developmental")}


def test_skip_level_manager_is_blocked_with_the_rule_named():
    people = [
        mentee("Ana", DEV, manager_email="bea@x.org"),
        mentor("Bea", DEV, manager_email="cy@x.org"),
        mentor("Cy", DEV),
    ]
    assert pairs(people) == set()
    assert reason_for(people, "Ana") == (
        "every developmental mentor is in the mentee's management chain (Bea, Cy)"
    )
    explained = explain_mentee(people, "ana@x.org").alternatives
    assert set(explained.why) == {
        "in the mentee's management chain (reports to Bea)",
        "in the mentee's management chain (reports to Bea, who reports to Cy)",
    }


def test_teammates_are_blocked_unless_the_program_allows_them():
    people = [
        mentee("Ana", DEV, manager_email="boss@x.org"),
        mentor("Ben", DEV, manager_email="boss@x.org"),
        mentor("Boss", EXPERT),
    ]
    assert pairs(people) == set()
    assert (
        reason_for(people, "Ana") == "every developmental mentor shares the mentee's manager (Boss)"
    )
    assert pairs(people, ProgramConfig(block_same_manager=False)) == {
        ("Ana", "Ben", "developmental")
    }


def test_peers_of_the_boss_need_care_and_a_setting_blocks_them():
    people = [
        mentee("Ana", DEV, manager_email="bea@x.org"),
        mentor("Bea", EXPERT, manager_email="vp@x.org"),
        mentor("Carl", DEV, manager_email="vp@x.org"),
        mentor("Vp", EXPERT),
    ]
    assert pairs(people) == {("Ana", "Carl", "developmental")}
    assert pairs(people, ProgramConfig(block_boss_peers=True)) == set()


@pytest.mark.parametrize(
    ("mentor_level", "gap", "matched"),
    [(5, 2, True), (4, 2, False), (6, 3, True), (5, 3, False)],
)
def test_a_sponsor_must_be_clearly_more_senior(mentor_level, gap, matched):
    people = [mentee("Ana", SPONSOR, level=3), mentor("Sam", SPONSOR, level=mentor_level)]
    assert bool(pairs(people, ProgramConfig(sponsor_level_gap=gap))) is matched


def test_unmatched_sponsor_request_names_the_level_gap():
    people = [mentee("Ana", SPONSOR, level=6), mentor("Sam", SPONSOR, level=7)]
    assert reason_for(people, "Ana") == "no sponsor is 2+ levels above the mentee (level 6)"
    explained = explain_mentee(people, "ana@x.org").alternatives
    assert explained.why.tolist() == ["only 1 level above the mentee (level 7 vs 6; needs 2+)"]


def test_sponsor_in_the_target_department_wins():
    people = [
        mentee("Ana", SPONSOR, level=3, department="it", target_department="finance"),
        mentor("Fin", SPONSOR, level=6, department="finance"),
        mentor("Ops", SPONSOR, level=6, department="operations"),
    ]
    match = propose(people).matches.iloc[0]
    assert match.mentor_name == "Fin"
    assert "works in finance, where the mentee wants to move" in match.reasons


def test_a_younger_generational_mentor_is_called_reverse_mentoring():
    people = [
        mentee("Bob", GEN, generation=Generation.BOOMER),
        mentor("Zoe", GEN, generation=Generation.GEN_Z),
        mentor("Xavier", GEN, generation=Generation.BOOMER),
    ]
    match = propose(people).matches.iloc[0]
    assert match.mentor_name == "Zoe"
    assert "gen_z mentor for a boomer mentee: reverse mentoring" in match.reasons


def test_expertise_needs_an_overlap_of_skills():
    people = [
        mentee("Ana", EXPERT, expertise_wanted=("sql", "python")),
        mentor("Dba", EXPERT, expertise=("sql",)),
        mentor("Chef", EXPERT, expertise=("cooking",)),
    ]
    match = propose(people).matches.iloc[0]
    assert match.mentor_name == "Dba"
    assert "covers 1 of 2 wanted skills: sql" in match.reasons


def test_previous_partners_are_never_paired_again_whoever_listed_them():
    people = [
        mentee("Ana", DEV, previous_partners=("old@x.org",)),
        mentor("Old", DEV),
        mentee("Ben", DEV),
        mentor("Was", DEV, previous_partners=("ben@x.org",)),
    ]
    got = pairs(people)
    assert ("Ana", "Old", "developmental") not in got
    assert ("Ben", "Was", "developmental") not in got
    assert got == {("Ana", "Was", "developmental"), ("Ben", "Old", "developmental")}


def test_an_exclusion_by_either_side_blocks_the_pair():
    people = [mentee("Ana", DEV), mentor("Max", DEV, exclude=("ana@x.org",))]
    assert pairs(people) == set()
    assert reason_for(people, "Ana") == (
        "every developmental mentor is on an exclude list with the mentee (Max)"
    )
    assert explain_mentee(people, "ana@x.org").alternatives.why.tolist() == ["excludes the mentee"]


def test_no_shared_language_no_pair_but_an_empty_list_means_the_program_language():
    people = [
        mentee("Ana", DEV, languages=("french",)),
        mentor("Hans", DEV, languages=("german",)),
        mentor("Any", DEV),
    ]
    assert pairs(people) == {("Ana", "Any", "developmental")}


def test_in_person_pairs_must_share_a_location_and_not_be_remote():
    people = [
        mentee("Ana", DEV, meeting_mode=MeetingMode.IN_PERSON, location="paris"),
        mentor("Remo", DEV, meeting_mode=MeetingMode.REMOTE, location="paris"),
        mentor("Bert", DEV, location="berlin"),
        mentor("Paul", DEV, location="paris"),
    ]
    assert pairs(people) == {("Ana", "Paul", "developmental")}


def test_time_zone_limit_only_when_the_program_sets_it():
    people = [
        mentee("Ana", DEV, utc_offset_minutes=0),
        mentor("Tokyo", DEV, utc_offset_minutes=540, department="x"),
    ]
    assert pairs(people) == {("Ana", "Tokyo", "developmental")}
    assert pairs(people, ProgramConfig(max_timezone_gap_hours=6)) == set()


def test_developmental_network_gives_distinct_mentors_per_type():
    # Max could take all three requests (capacity 3) and scores best in each, but a mentee's
    # mentors must be distinct people: Ana gets Max once and the others elsewhere.
    people = [
        mentee("Ana", DEV, SPONSOR, EXPERT, level=2, expertise_wanted=("sql",)),
        mentor("Max", DEV, SPONSOR, EXPERT, level=8, capacity=3, expertise=("sql",)),
        mentor("Sue", SPONSOR, level=5),
        mentor("Ed", EXPERT, expertise=("sql",)),
    ]
    got = pairs(people)
    assert len(got) == 3
    assert len({m for _, m, _ in got}) == 3


def test_capacity_is_respected_and_the_unmatched_reason_says_full():
    people = [
        mentee("Ana", EXPERT, expertise_wanted=("sql",)),
        mentee("Ben", EXPERT, expertise_wanted=("sql",)),
        mentor("Dba", EXPERT, expertise=("sql",), capacity=1),
    ]
    proposal = propose(people)
    assert len(proposal.matches) == 1
    reason = proposal.unmatched.reason.iloc[0]
    assert reason.startswith("1 expertise mentor could: 1 full")
    assert "best candidate: Dba" in reason


def test_the_best_candidate_named_scores_the_most_and_comes_first_by_email_among_equals():
    """Al comes first by e-mail but scores less (10 hours away); Bea and Zed score the
    same, and Bea's e-mail comes first."""
    here, away = {"utc_offset_minutes": 0}, {"utc_offset_minutes": 600}
    people = [
        *(mentee(name, EXPERT, expertise_wanted=("sql",), **here) for name in ("Ana", "Ben")),
        *(mentee(name, EXPERT, expertise_wanted=("sql",), **here) for name in ("Cat", "Dan")),
        mentor("Al", EXPERT, expertise=("sql",), capacity=1, **away),
        mentor("Bea", EXPERT, expertise=("sql",), capacity=1, **here),
        mentor("Zed", EXPERT, expertise=("sql",), capacity=1, **here),
    ]
    assert propose(people).unmatched.reason.tolist() == [
        "3 expertise mentors could: 3 full (their places went to better overall matches); "
        "best candidate: Bea (score 80)"
    ]


def test_a_place_held_by_a_lock_is_not_said_to_go_to_a_better_overall_match():
    """Only a place the matching gave away went to a better overall match."""
    people = [
        mentee("Ana", EXPERT, expertise_wanted=("sql",)),
        mentee("Ben", EXPERT, expertise_wanted=("sql",)),
        mentor("Dba", EXPERT, expertise=("sql",), capacity=1),
    ]
    lock = Decision("ben@x.org", "dba@x.org", EXPERT, "lock")
    reason = propose(people, decisions=[lock]).unmatched.reason.iloc[0]
    assert reason == (
        "1 expertise mentor could: 1 full with pairs an admin approved or locked; "
        "best candidate: Dba (score 72.5)"
    )
    assert "better overall" not in reason


def test_nobody_offering_the_type_is_said_plainly():
    people = [mentee("Ana", GEN, generation=Generation.GEN_Z), mentor("Dba", EXPERT)]
    assert reason_for(people, "Ana") == "nobody in the program offers to be a generational mentor"


def test_min_score_leaves_weak_pairs_open_with_a_reason():
    people = [mentee("Ana", DEV), mentor("Max", DEV)]
    reason = reason_for(people, "Ana", ProgramConfig(min_score=50))
    assert (
        reason
        == "1 developmental mentor passes the rules, but scores below the program's minimum of 50"
    )


def test_a_rejected_pair_is_never_proposed_and_a_lock_is_kept():
    people = [mentee("Ana", DEV), mentee("Ben", DEV), mentor("Max", DEV), mentor("Liz", DEV)]
    first = pairs(people)
    assert len(first) == 2
    reject = Decision("ana@x.org", "max@x.org", DEV, "reject")
    lock = Decision("ben@x.org", "max@x.org", DEV, "lock")
    assert pairs(people, decisions=[reject, lock]) == {
        ("Ana", "Liz", "developmental"),
        ("Ben", "Max", "developmental"),
    }


def test_a_lock_below_the_minimum_score_is_kept():
    people = [mentee("Ana", DEV), mentor("Max", DEV)]
    lock = Decision("ana@x.org", "max@x.org", DEV, "lock")
    assert pairs(people, ProgramConfig(min_score=90), [lock]) == {("Ana", "Max", "developmental")}


def test_a_lock_that_breaks_a_hard_rule_is_refused_with_the_rule_named():
    people = [mentee("Ana", DEV, manager_email="max@x.org"), mentor("Max", DEV)]
    lock = Decision("ana@x.org", "max@x.org", DEV, "lock")
    with pytest.raises(SolveError, match="in the mentee's management chain"):
        propose(people, decisions=[lock])


def test_locks_that_overfill_a_mentor_are_refused():
    people = [mentee("Ana", DEV), mentee("Ben", DEV), mentor("Max", DEV, capacity=1)]
    locks = [Decision(f"{n}@x.org", "max@x.org", DEV, "lock") for n in ("ana", "ben")]
    with pytest.raises(SolveError, match="capacity"):
        propose(people, decisions=locks)


def test_decisions_naming_strangers_or_contradicting_are_refused():
    people = [mentee("Ana", DEV), mentor("Max", DEV)]
    with pytest.raises(SolveError, match=r"ghost@x\.org, who is not a participant"):
        propose(people, decisions=[Decision("ana@x.org", "ghost@x.org", DEV, "reject")])
    both = [Decision("ana@x.org", "max@x.org", DEV, a) for a in ("lock", "reject")]
    with pytest.raises(SolveError, match="both locked and rejected"):
        propose(people, decisions=both)


def test_explain_mentee_shows_where_each_alternative_went():
    people = [
        mentee("Ana", EXPERT, expertise_wanted=("sql",)),
        mentee("Ben", EXPERT, expertise_wanted=("sql",), department="it"),
        mentor("Dba", EXPERT, expertise=("sql",), department="finance"),
        mentor("Dev", EXPERT, expertise=("go",), manager_email="ana@x.org"),
        mentor("Cook", EXPERT, expertise=("cooking",)),
    ]
    explained = explain_mentee(people, "ANA@x.org")
    outcomes = dict(
        zip(explained.alternatives.mentor_name, explained.alternatives.outcome, strict=True)
    )
    assert outcomes == {"Dba": "went to another mentee", "Dev": "blocked", "Cook": "blocked"}
    assert explained.matches.empty
    why = dict(zip(explained.alternatives.mentor_name, explained.alternatives.why, strict=True))
    assert why["Dba"] == "full (1 place): mentors Ben"
    assert "management chain" in why["Dev"]
    assert why["Cook"] == "lacks the wanted skill: sql"
    assert why["Dev"] == (
        "the mentee is in their management chain (reports to the mentee); "
        "lacks the wanted skill: sql"
    )
