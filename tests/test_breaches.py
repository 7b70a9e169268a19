"""Blocked pairs and open requests say what is wrong, with the people's data, per hard rule."""

from __future__ import annotations

from dataclasses import replace

import pytest

from matcher import ProgramConfig, propose
from matcher.breaches import BREACHES, pair_breaches, request_breach
from matcher.cohort import MENTOR_TYPES, encode
from matcher.constraints import RULES
from matcher.proposal import rejected_matrices
from matcher.schema import Generation, MeetingMode, MentorType, Participant, Role

DEV, SPONSOR, GEN, EXPERT = (
    MentorType.DEVELOPMENTAL,
    MentorType.SPONSORSHIP,
    MentorType.GENERATIONAL,
    MentorType.EXPERTISE,
)
BOSSES = [
    Participant("vp@x.org", "Vera Park", Role.MENTOR),
    Participant("tom@x.org", "Tom Clarke", Role.MENTOR, manager_email="vp@x.org"),
]


def ana(**fields: object) -> Participant:
    return Participant("ana@x.org", "Ana", Role.MENTEE, **fields)  # type: ignore[arg-type]


def max_(**fields: object) -> Participant:
    return Participant("max@x.org", "Max", Role.MENTOR, **fields)  # type: ignore[arg-type]


def what_is_wrong(
    mentee: Participant, mentor: Participant, kind: MentorType, config: ProgramConfig
) -> list[str]:
    cohort = encode([mentee, mentor, *BOSSES])
    e, m = cohort.index[mentee.email], cohort.index[mentor.email]
    return pair_breaches(cohort, e, m, kind, config)


def test_every_hard_rule_has_its_words() -> None:
    assert set(BREACHES) == {rule.name for rule in RULES}


@pytest.mark.parametrize(
    ("mentee", "mentor", "kind", "config", "expected"),
    [
        (ana(), max_(offers=(DEV,), capacity=0), DEV, {},
         "offers no places as a developmental mentor (capacity 0); "
         "raise their capacity to pair them"),
        (ana(manager_email="tom@x.org"), max_(offers=(DEV,), manager_email="tom@x.org"), DEV, {},
         "same manager (Tom Clarke)"),
        (ana(manager_email="tom@x.org"), max_(offers=(DEV,), manager_email="vp@x.org"), DEV,
         {"block_boss_peers": True},
         "a peer of the mentee's manager Tom Clarke (both report to Vera Park)"),
        (ana(exclude=("max@x.org",)), max_(offers=(DEV,)), DEV, {}, "excluded by the mentee"),
        (ana(), max_(offers=(DEV,), exclude=("ana@x.org",)), DEV, {}, "excludes the mentee"),
        (ana(exclude=("max@x.org",)), max_(offers=(DEV,), exclude=("ana@x.org",)), DEV, {},
         "they exclude each other"),
        (ana(), max_(offers=(DEV,), previous_partners=("ana@x.org",)), DEV, {},
         "paired before (listed by the mentor)"),
        (ana(languages=("de",)), max_(offers=(DEV,), languages=("en", "fr")), DEV, {},
         "no shared language (mentee: de; mentor: en, fr)"),
        (ana(meeting_mode=MeetingMode.IN_PERSON),
         max_(offers=(DEV,), meeting_mode=MeetingMode.REMOTE), DEV, {},
         "cannot meet: the mentee meets only in person, the mentor only remotely"),
        (ana(meeting_mode=MeetingMode.REMOTE),
         max_(offers=(DEV,), meeting_mode=MeetingMode.IN_PERSON), DEV, {},
         "cannot meet: the mentor meets only in person, the mentee only remotely"),
        (ana(location="Berlin"),
         max_(offers=(DEV,), meeting_mode=MeetingMode.IN_PERSON, location="London"), DEV, {},
         "cannot meet in person: the mentee is in Berlin, the mentor in London"),
        (ana(level=3), max_(offers=(SPONSOR,), level=4), SPONSOR, {},
         "only 1 level above the mentee (level 4 vs 3; needs 2+)"),
        (ana(level=5), max_(offers=(SPONSOR,), level=5), SPONSOR, {"sponsor_level_gap": 3},
         "not above the mentee (level 5 vs 5; a sponsor needs 3+ levels above)"),
        (ana(), max_(offers=(SPONSOR,), level=5), SPONSOR, {},
         "no level given for the mentee: a sponsor must be 2+ levels above the mentee"),
        (ana(generation=Generation.GEN_Z), max_(offers=(GEN,), generation=Generation.GEN_Z),
         GEN, {}, "same generation as the mentee (gen_z)"),
        (ana(generation=Generation.GEN_Z), max_(offers=(GEN,)), GEN, {},
         "no generation given for the mentor"),
        (ana(expertise_wanted=("embedded firmware",)), max_(offers=(EXPERT,), expertise=("go",)),
         EXPERT, {}, "lacks the wanted skill: embedded firmware"),
        (ana(expertise_wanted=("c", "rust")), max_(offers=(EXPERT,)), EXPERT, {},
         "lacks the wanted skills: c, rust"),
        (ana(), max_(offers=(EXPERT,), expertise=("go",)), EXPERT, {},
         "the mentee lists no wanted skill"),
        (ana(utc_offset_minutes=330), max_(offers=(DEV,), utc_offset_minutes=-360), DEV,
         {"max_timezone_gap_hours": 8}, "11.5 hours apart in time zones (the program allows 8)"),
        (ana(utc_offset_minutes=60), max_(offers=(DEV,), utc_offset_minutes=0), DEV,
         {"max_timezone_gap_hours": 0.5}, "1 hour apart in time zones (the program allows 0.5)"),
    ],
)  # fmt: skip
def test_a_blocked_pair_says_what_is_wrong_with_the_data(
    mentee: Participant,
    mentor: Participant,
    kind: MentorType,
    config: dict[str, object],
    expected: str,
) -> None:
    settings = ProgramConfig(**config)  # type: ignore[arg-type]
    assert what_is_wrong(replace(mentee, seeks=(kind,)), mentor, kind, settings) == [expected]


def test_management_chain_either_way_self_and_rejection_name_the_people() -> None:
    people = [
        Participant("ana@x.org", "Ana", Role.BOTH, seeks=(DEV,), offers=(DEV,),
                    manager_email="tom@x.org"),
        Participant("kim@x.org", "Kim", Role.MENTOR, offers=(DEV,), manager_email="lou@x.org"),
        Participant("lou@x.org", "Lou", Role.BOTH, seeks=(DEV,), offers=(DEV,),
                    manager_email="ana@x.org"),
        *BOSSES,
    ]  # fmt: skip
    cohort = encode(people)
    ana_, kim, lou, vp = (cohort.index[f"{n}@x.org"] for n in ("ana", "kim", "lou", "vp"))
    config = ProgramConfig()
    assert pair_breaches(cohort, ana_, vp, DEV, config) == [
        "offers no places as a developmental mentor (capacity 0); "
        "raise their capacity to pair them",
        "in the mentee's management chain (reports to Tom Clarke, who reports to Vera Park)",
    ]
    assert pair_breaches(cohort, ana_, kim, DEV, config) == [
        "the mentee is in their management chain (reports to Lou, who reports to the mentee)"
    ]
    assert pair_breaches(cohort, ana_, ana_, DEV, config)[0] == "the same person"
    rejected = rejected_matrices(cohort, [(lou, kim, MENTOR_TYPES.index(DEV))])
    assert pair_breaches(cohort, lou, kim, DEV, config, rejected) == [
        "the mentee is in their management chain (reports to the mentee)",
        "rejected by an admin",
    ]


@pytest.mark.parametrize(
    ("rule", "mentee", "kind", "count", "expected"),
    [
        ("language", ana(languages=("de",)), DEV, 4, "no developmental mentor speaks de"),
        ("language", ana(languages=("de", "ja")), DEV, 2,
         "2 of 4 speak none of the mentee's languages (de, ja)"),
        ("expertise", ana(expertise_wanted=("embedded firmware",)), EXPERT, 4,
         "no expertise mentor has the wanted skill: embedded firmware"),
        ("expertise", ana(expertise_wanted=("embedded firmware",)), EXPERT, 1,
         "1 of 4 lacks the wanted skill: embedded firmware"),
        ("sponsor_gap", ana(level=7), SPONSOR, 3,
         "3 of 4 are not 2+ levels above the mentee (level 7)"),
        ("sponsor_gap", ana(), SPONSOR, 4,
         "the mentee's level is not given, so no sponsor is known to be 2+ above"),
        ("generation", ana(generation=Generation.MILLENNIAL), GEN, 4,
         "no generational mentor gives a generation other than the mentee's (millennial)"),
        ("same_manager", ana(manager_email="tom@x.org"), DEV, 1,
         "1 of 4 shares the mentee's manager (Tom Clarke)"),
        ("boss_peer", ana(manager_email="tom@x.org"), DEV, 2,
         "2 of 4 report to Vera Park, as the mentee's manager Tom Clarke does"),
        ("meeting", ana(meeting_mode=MeetingMode.IN_PERSON, location="Berlin"), DEV, 4,
         "no developmental mentor can meet the mentee in person in Berlin"),
        ("capacity", ana(), DEV, 2, "2 of 4 have no room this cohort (capacity 0)"),
        ("timezone", ana(timezone="Asia/Kolkata"), DEV, 4,
         "no developmental mentor is within 8 hours of the mentee's time zone (Asia/Kolkata)"),
        ("rejected", ana(), DEV, 1, "1 of 4 was rejected for this mentee by an admin"),
    ],
)  # fmt: skip
def test_an_open_request_says_what_blocks_its_mentors(
    rule: str, mentee: Participant, kind: MentorType, count: int, expected: str
) -> None:
    cohort = encode([mentee, *BOSSES])
    config = ProgramConfig(max_timezone_gap_hours=8)
    assert request_breach(rule, cohort, cohort.index["ana@x.org"], kind, config, count, 4) == (
        expected
    )


def test_a_one_hour_limit_is_said_in_the_singular() -> None:
    cohort = encode([ana(timezone="Asia/Kolkata"), *BOSSES])
    config = ProgramConfig(max_timezone_gap_hours=1)
    said = request_breach("timezone", cohort, cohort.index["ana@x.org"], DEV, config, 4, 4)
    assert (
        said == "no developmental mentor is within 1 hour of the mentee's time zone (Asia/Kolkata)"
    )


def test_an_unmatched_reason_names_what_blocks_each_mentor_and_who() -> None:
    people = [
        Participant("ana@x.org", "Ana", Role.MENTEE, seeks=(EXPERT,), manager_email="tom@x.org",
                    expertise_wanted=("embedded firmware",)),
        Participant("tom@x.org", "Tom Clarke", Role.MENTOR, offers=(EXPERT,),
                    expertise=("embedded firmware",)),
        Participant("ben@x.org", "Ben", Role.MENTOR, offers=(EXPERT,), manager_email="tom@x.org",
                    expertise=("embedded firmware",)),
        Participant("cy@x.org", "Cy", Role.MENTOR, offers=(EXPERT,), expertise=("go",)),
        Participant("di@x.org", "Di", Role.MENTOR, offers=(EXPERT,), expertise=("sql",)),
    ]  # fmt: skip
    (reason,) = propose(people).unmatched.reason
    assert reason == (
        "no expertise mentor passes the hard rules: 2 of 4 lack the wanted skill: embedded "
        "firmware; 1 of 4 is in the mentee's management chain (Tom Clarke); 1 of 4 shares "
        "the mentee's manager (Tom Clarke)"
    )
