"""Hypothesis strategies: small random cohorts that exercise every hard rule."""

from __future__ import annotations

from hypothesis import strategies as st

from matcher.schema import Generation, MeetingMode, MentorType, Participant, Role

TAGS = ("coaching", "delegation", "networking", "strategy", "sql")
LANGUAGES = ("english", "french", "german")
DEPARTMENTS = ("", "finance", "sales", "it")
TYPES = tuple(MentorType)


def _subset(values: tuple, max_size: int | None = None) -> st.SearchStrategy[tuple]:
    return st.lists(st.sampled_from(values), unique=True, max_size=max_size or len(values)).map(
        lambda v: tuple(sorted(v))
    )


@st.composite
def participants(draw: st.DrawFn, min_size: int = 2, max_size: int = 10) -> list[Participant]:
    """A cohort with a manager tree (no cycles), exclusions and previous partners."""
    n = draw(st.integers(min_size, max_size))
    emails = [f"p{i}@x.org" for i in range(n)]
    people = []
    for i, email in enumerate(emails):
        role = draw(st.sampled_from(tuple(Role)))
        others = emails[:i] + emails[i + 1 :]
        manager = draw(st.sampled_from(("", *emails[:i]))) if i else ""
        people.append(
            Participant(
                email=email,
                name=f"Person {i}",
                role=role,
                seeks=draw(_subset(TYPES).filter(bool)) if role != Role.MENTOR else (),
                offers=draw(_subset(TYPES).filter(bool)) if role != Role.MENTEE else (),
                department=draw(st.sampled_from(DEPARTMENTS)),
                organization=draw(st.sampled_from(("", "acme", "globex"))),
                target_department=draw(st.sampled_from(DEPARTMENTS)),
                manager_email=manager,
                level=draw(st.none() | st.integers(1, 9)),
                generation=draw(st.none() | st.sampled_from(tuple(Generation))),
                goals=draw(_subset(TAGS, 3)),
                strengths=draw(_subset(TAGS, 3)),
                expertise_wanted=draw(_subset(TAGS, 2)),
                expertise=draw(_subset(TAGS, 3)),
                capacity=draw(st.integers(0, 3)),
                languages=draw(_subset(LANGUAGES, 2)),
                utc_offset_minutes=draw(st.none() | st.sampled_from((-300, 0, 60, 330, 540))),
                location=draw(st.sampled_from(("", "paris", "berlin"))),
                meeting_mode=draw(st.sampled_from(tuple(MeetingMode))),
                exclude=draw(_subset(tuple(others), 1)) if others else (),
                previous_partners=draw(_subset(tuple(others), 1)) if others else (),
            )
        )
    return people
