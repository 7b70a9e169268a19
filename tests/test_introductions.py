"""Reasons for participants: what a pair gains, never levels, generations, notes or rules."""

from __future__ import annotations

import re

import pytest
from test_cli import PEOPLE, PROGRAM

from matcher import ProgramConfig, load_config, load_participants, participant_reasons, propose
from matcher.constraints import RULES
from matcher.introductions import PHRASES
from matcher.schema import Generation, MentorType, Participant, Role
from matcher.scoring import CRITERIA

GENERATION_WORDS = re.compile(r"boomer|gen[ _-]?[xyz]\b|millennial", re.IGNORECASE)
RULE_WORDS = [rule.name for rule in RULES if "_" in rule.name] + [
    rule.rule_text(ProgramConfig(max_timezone_gap_hours=8)) for rule in RULES
]


def unfit_for_participants(text: str, notes: set[str]) -> list[str]:
    """What a participant must never read in ``text``."""
    found = []
    if re.search(r"\blevels?\b|\bscore", text, re.IGNORECASE):
        found.append("a level or a score")
    if re.search(r"\d", re.sub(r"\d+(\.\d+)? hours apart", "", text)):
        found.append("a number")
    if GENERATION_WORDS.search(text):
        found.append("a generation")
    found += [f"rule words {w!r}" for w in RULE_WORDS if w.lower() in text.lower()]
    found += [f"an admin note {n!r}" for n in notes if n and n in text]
    return found


def test_every_criterion_has_words_for_participants() -> None:
    assert set(PHRASES) == set(CRITERIA)


LENA = Participant(
    "lena@x.org", "Lena Vogel", Role.MENTEE, level=2, department="Engineering",
    organization="Loomworks", target_department="Product", generation=Generation.GEN_Z,
    goals=("delegation", "networking", "visibility"), expertise_wanted=("embedded firmware",),
    utc_offset_minutes=60, notes="Manager says: not ready for promotion",
)  # fmt: skip
OMAR = Participant(
    "omar@x.org", "Omar Haddad", Role.MENTOR, level=8, department="Product",
    organization="Weavers Ltd", generation=Generation.BOOMER,
    strengths=("networking", "delegation"), expertise=("embedded firmware", "sql"),
    utc_offset_minutes=330, notes="On leave in May",
)  # fmt: skip


@pytest.mark.parametrize(
    ("criterion", "expected"),
    [
        ("goals", "Omar Haddad can help with goals Lena Vogel named: delegation and networking"),
        ("expertise", "Omar Haddad knows embedded firmware, which Lena Vogel wants to learn"),
        ("seniority", "Omar Haddad is further along the way and can share what they learned on it"),
        ("level_gap", "Omar Haddad can open doors where Lena Vogel wants to go"),
        ("outside_department",
         "Omar Haddad works in Product: a view from outside Lena Vogel's own department"),
        ("outside_organization",
         "Omar Haddad is from Weavers Ltd: a perspective from another organization"),
        ("target_department", "Omar Haddad works in Product, where Lena Vogel would like to move"),
        ("generation_gap", "a different generation's perspective for both of you"),
        ("timezone", "your time zones are 4.5 hours apart"),
    ],
)  # fmt: skip
def test_each_criterion_says_what_the_pair_gains_in_plain_words(
    criterion: str, expected: str
) -> None:
    # the criterion alone carries weight, so it is the only reason given
    weights = {t: {name: float(name == criterion) for name in CRITERIA} for t in MentorType}
    config = ProgramConfig(weights=weights)
    reasons = participant_reasons(LENA, OMAR, MentorType.DEVELOPMENTAL, config)
    assert reasons == (expected,)
    assert unfit_for_participants(expected, {LENA.notes, OMAR.notes}) == []


def test_the_strongest_reason_comes_first_and_nothing_is_said_without_a_reason() -> None:
    reasons = participant_reasons(LENA, OMAR, MentorType.SPONSORSHIP)
    assert reasons[0] == "Omar Haddad can open doors where Lena Vogel wants to go"
    assert reasons[1] == "Omar Haddad works in Product, where Lena Vogel would like to move"
    plain = Participant("max@x.org", "Max", Role.MENTOR)
    assert participant_reasons(Participant("a@x.org", "A", Role.MENTEE), plain, "expertise") == ()


def test_no_pair_of_the_sample_reads_a_level_a_generation_a_note_or_a_rule() -> None:
    people = load_participants(PEOPLE).participants
    config = load_config(PROGRAM)
    by_email = {p.email: p for p in people}
    notes = {p.notes for p in people}
    proposal = propose(people, config)
    matches = proposal.matches
    values: dict[tuple[str, str, str], dict[str, float]] = {}
    for part in proposal.breakdown.itertuples():
        key = (part.mentee_email, part.mentor_email, part.mentor_type)
        values.setdefault(key, {})[part.criterion] = part.value
    said = 0
    for row in matches.itertuples():
        e, m = by_email[row.mentee_email], by_email[row.mentor_email]
        reasons = participant_reasons(e, m, row.mentor_type, config)
        # a run's stored breakdown gives the same words without scoring the pair again
        key = (row.mentee_email, row.mentor_email, row.mentor_type)
        assert participant_reasons(e, m, row.mentor_type, config, values[key]) == reasons
        said += bool(reasons)
        for text in reasons:
            assert unfit_for_participants(text, notes) == [], (row.mentee_name, text)
    assert said == len(matches)
    # the admin's reasons of the same pairs do state levels and generations
    assert matches.reasons.str.contains(r"level \d+ vs \d+").any()
    assert matches.reasons.str.contains(GENERATION_WORDS).any()
