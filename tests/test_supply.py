"""Supply gaps (:mod:`matcher.supply`): open requests set against the mentors with room
where the mentees want one, and the skills and languages nobody offers."""

from __future__ import annotations

import pandas as pd

from matcher import MentorType, Participant, Role, missing_offers, supply_gaps


def _person(email: str, role: Role, **more: object) -> Participant:
    return Participant(email, email.split("@")[0].title(), role, **more)  # type: ignore[arg-type]


def test_supply_gaps_count_open_requests_and_mentors_with_room() -> None:
    sponsorship = MentorType.SPONSORSHIP
    people = [
        _person("a@x.org", Role.MENTEE, seeks=(sponsorship,), target_department="Finance"),
        _person("b@x.org", Role.MENTEE, seeks=(sponsorship,), target_department="Finance"),
        _person("c@x.org", Role.MENTOR, offers=(sponsorship,), department="Finance", capacity=2),
        _person("d@x.org", Role.MENTOR, offers=(sponsorship,), department="Finance", capacity=1),
        _person("e@x.org", Role.MENTOR, offers=(sponsorship,), department="Sales", capacity=3),
    ]
    matches = pd.DataFrame({"mentor_email": ["c@x.org", "d@x.org"]})
    unmatched = pd.DataFrame(
        {"mentee_email": ["a@x.org", "b@x.org"], "mentor_type": ["sponsorship"] * 2}
    )
    (gap,) = supply_gaps(people, matches, unmatched)
    assert gap["mentees"] == 2 and gap["mentors_with_room"] == 1 and gap["places_left"] == 1
    assert gap["text"] == (
        "2 mentees want a sponsor in Finance; 1 sponsor there has capacity left (1 place)."
    )
    assert gap["mentors"] == [{"email": "c@x.org", "name": "C", "places": 1}]


def test_supply_gaps_compare_departments_normalised_and_keep_their_spelling() -> None:
    sponsorship = MentorType.SPONSORSHIP
    people = [
        _person("a@x.org", Role.MENTEE, seeks=(sponsorship,), target_department="Customer IT"),
        _person("b@x.org", Role.MENTEE, seeks=(sponsorship,), target_department=" customer  it"),
        _person("c@x.org", Role.MENTOR, offers=(sponsorship,), department="CUSTOMER IT"),
        _person(
            "d@x.org", Role.MENTOR, offers=(sponsorship,), department="Customer IT", capacity=3
        ),
    ]
    unmatched = pd.DataFrame(
        {"mentee_email": ["a@x.org", "b@x.org"], "mentor_type": ["sponsorship"] * 2}
    )
    (gap,) = supply_gaps(people, pd.DataFrame({"mentor_email": []}), unmatched)
    assert gap["text"] == (
        "2 mentees want a sponsor in Customer IT; 2 sponsors there have capacity left (4 places)."
    )
    assert [m["name"] for m in gap["mentors"]] == ["D", "C"]


def test_skills_and_languages_nobody_offers_are_named_per_type() -> None:
    people = [
        _person("a@x.org", Role.MENTEE, seeks=(MentorType.EXPERTISE, MentorType.GENERATIONAL),
                expertise_wanted=("embedded firmware", "sql"), languages=("de",)),
        _person("b@x.org", Role.MENTEE, seeks=(MentorType.EXPERTISE,),
                expertise_wanted=("embedded firmware",)),
        _person("c@x.org", Role.MENTOR, offers=(MentorType.EXPERTISE,), expertise=("sql",),
                languages=("de", "en")),
        _person("d@x.org", Role.MENTOR, offers=(MentorType.GENERATIONAL,), languages=("en",)),
    ]  # fmt: skip
    unmatched = pd.DataFrame(
        {
            "mentee_email": ["a@x.org", "a@x.org", "b@x.org"],
            "mentor_type": ["expertise", "generational", "expertise"],
        }
    )
    assert [m["text"] for m in missing_offers(people, unmatched)] == [
        "No expertise mentor has embedded firmware, wanted by 2 open requests.",
        "No generational mentor speaks de, the only language of 1 mentee who wants one.",
    ]
