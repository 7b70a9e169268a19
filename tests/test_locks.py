"""Locks that cannot hold any more (issue 14, item 3): each is named with why, in words."""

from __future__ import annotations

import pytest

from matcher import Decision, SolveError, propose, stale_locks
from matcher.schema import MentorType, Participant, Role

DEV, EXPERT = MentorType.DEVELOPMENTAL, MentorType.EXPERTISE


def person(name: str, role: Role = Role.MENTEE, **fields) -> Participant:
    return Participant(f"{name.lower()}@x.org", name, role, **fields)


def lock(mentee: str, mentor: str, kind: MentorType = DEV) -> Decision:
    return Decision(f"{mentee.lower()}@x.org", f"{mentor.lower()}@x.org", kind, "lock")


def reasons(people, decisions) -> dict[tuple[str, str, str], tuple[str, ...]]:
    return {
        (s.decision.mentee_email, s.decision.mentor_email, s.decision.mentor_type.value): s.reasons
        for s in stale_locks(people, decisions=decisions)
    }


def test_a_lock_whose_mentee_now_reports_to_the_mentor_is_stale():
    people = [
        person("Ana", seeks=(DEV,), manager_email="max@x.org"),
        person("Max", Role.MENTOR, offers=(DEV,)),
        person("Liz", Role.MENTOR, offers=(DEV,)),
    ]
    found = reasons(people, [lock("Ana", "Max"), lock("Ana", "Liz", EXPERT)])
    assert found == {
        ("ana@x.org", "max@x.org", "developmental"): (
            "in the mentee's management chain (reports to Max)",
        ),
        ("ana@x.org", "liz@x.org", "expertise"): (
            "Ana does not seek expertise mentoring",
            "Liz does not offer expertise mentoring",
            "the mentee lists no wanted skill",
        ),
    }
    with pytest.raises(SolveError, match=r"the lock ana@x\.org -> max@x\.org .* management chain"):
        propose(people, decisions=[lock("Ana", "Max")])


def test_locks_beyond_a_mentors_places_keep_the_best_scores():
    people = [
        person("Ana", seeks=(DEV,), goals=("sql",)),
        person("Ben", seeks=(DEV,)),
        person("Cy", seeks=(DEV,)),
        person("Max", Role.MENTOR, offers=(DEV,), strengths=("sql",), capacity=2),
    ]
    locks = [lock("Ben", "Max"), lock("Cy", "Max"), lock("Ana", "Max")]
    found = reasons(people, locks)
    # Ana's shared goal scores highest; Ben and Cy tie, and Ben comes first by e-mail
    assert found == {
        ("cy@x.org", "max@x.org", "developmental"): ("Max is full: capacity 2, taken by Ana, Ben",)
    }


def test_a_second_lock_on_one_request_or_one_pair_and_a_stranger_are_stale():
    people = [
        person("Ana", seeks=(DEV, EXPERT), expertise_wanted=("go",)),
        person("Ben", seeks=(DEV,), goals=("sql",)),
        person("Max", Role.MENTOR, offers=(DEV, EXPERT), expertise=("go",), capacity=3),
        person("Liz", Role.MENTOR, offers=(DEV,), strengths=("sql",)),
        person("Kim", Role.MENTOR, offers=(DEV,)),
    ]
    locks = [
        lock("Ana", "Max"),
        lock("Ana", "Max", EXPERT),
        lock("Ben", "Kim"),
        lock("Ben", "Liz"),
        lock("Ana", "Zed", EXPERT),
    ]
    assert reasons(people, locks) == {
        ("ana@x.org", "max@x.org", "developmental"): (
            "Max is locked as Ana's expertise mentor already",
        ),
        ("ben@x.org", "kim@x.org", "developmental"): (
            "Ben's developmental request is locked to Liz",
        ),
        ("ana@x.org", "zed@x.org", "expertise"): ("zed@x.org is not a participant",),
    }


def test_valid_locks_are_not_stale_and_rejects_are_not_checked():
    people = [
        person("Ana", seeks=(DEV,), manager_email="max@x.org"),
        person("Max", Role.MENTOR, offers=(DEV,)),
        person("Liz", Role.MENTOR, offers=(DEV,)),
    ]
    reject = Decision("ana@x.org", "max@x.org", DEV, "reject")
    assert stale_locks(people, decisions=[lock("Ana", "Liz"), reject]) == ()


def test_locks_already_held_take_their_places_first():
    people = [
        person("Ana", seeks=(DEV,), goals=("sql",)),
        person("Ben", seeks=(DEV,)),
        person("Max", Role.MENTOR, offers=(DEV,), strengths=("sql",)),
    ]
    found = stale_locks(people, decisions=[lock("Ana", "Max")], holding=[lock("Ben", "Max")])
    assert [s.reasons for s in found] == [("Max is full: capacity 1, taken by Ben",)]
