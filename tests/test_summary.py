"""The run summary counts what a reader can count by hand."""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd

from matcher.schema import MentorType, Participant, Role
from matcher.summary import summarize

DEV, SPONSOR, EXPERT = MentorType.DEVELOPMENTAL, MentorType.SPONSORSHIP, MentorType.EXPERTISE


def _people() -> list[Participant]:
    return [
        Participant("ana@x.org", "Ana", Role.MENTEE, seeks=(DEV, SPONSOR)),
        Participant("ben@x.org", "Ben", Role.MENTEE, seeks=(DEV,)),
        Participant("cy@x.org", "Cy", Role.BOTH, seeks=(EXPERT,), offers=(DEV,), capacity=2),
        Participant("di@x.org", "Di", Role.MENTOR, offers=(DEV, SPONSOR), capacity=3),
        Participant("ed@x.org", "Ed", Role.MENTOR, offers=(EXPERT,), capacity=1),
    ]


def _proposal(rows: list[tuple[str, str, str, float]], **timings: float) -> SimpleNamespace:
    matches = pd.DataFrame(rows, columns=["mentee_email", "mentor_email", "mentor_type", "score"])
    return SimpleNamespace(matches=matches, timings=timings)


def test_counts_people_requests_filled_and_places() -> None:
    proposal = _proposal(
        [
            ("ana@x.org", "di@x.org", "sponsorship", 80.0),
            ("ana@x.org", "cy@x.org", "developmental", 40.0),
            ("ben@x.org", "di@x.org", "developmental", 55.5),
        ],
        rules=0.1,
        solve=0.2,
    )
    s = summarize(_people(), proposal)
    assert dict(s.people) == {"mentee": 2, "mentor": 2, "both": 1}
    assert dict(s.requested) == {"developmental": 2, "sponsorship": 1, "generational": 0,
                                 "expertise": 1}  # fmt: skip
    assert dict(s.filled) == {"developmental": 2, "sponsorship": 1, "generational": 0,
                              "expertise": 0}  # fmt: skip
    assert (s.assigned, s.capacity, s.utilisation) == (3, 6, 0.5)
    assert (s.lowest_score, s.median_score) == (40.0, 55.5)


def test_text_table_lists_every_type_percentages_and_steps_in_order() -> None:
    proposal = _proposal([("ben@x.org", "di@x.org", "developmental", 55.5)], solve=0.2, rules=0.1)
    text = summarize(_people(), proposal).with_timings(read=0.05, write=0.01).to_text()
    lines = text.splitlines()
    assert "  developmental        2       1   50.0%" in lines
    assert "  generational         0       0       -" in lines
    assert "  total                4       1   25.0%" in lines
    assert "mentor places  1 of 6 used (16.7%)" in lines
    assert "scores         lowest 55.50, median 55.50" in lines
    steps = [line.split()[0] for line in lines[lines.index("wall time        seconds") + 1 :]]
    assert steps == ["read", "rules", "solve", "write", "total"]
    assert lines[-1] == "  total             0.36"


def test_no_matches_says_so() -> None:
    s = summarize(_people(), _proposal([]))
    assert s.lowest_score is None and s.assigned == 0
    assert "scores         no matches" in s.to_text()
    assert "wall time" not in s.to_text()
