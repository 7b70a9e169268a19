"""The figures a run stores for its dashboard and its unmatched page.

:func:`run_figures` reads the participants and the proposal once, when the run finishes,
and returns plain JSON: the core's :class:`matcher.Summary` counts, people per type
offered and sought, how full mentors are, the score histogram, the share of
cross-department and cross-generation pairs, and the supply gaps behind open requests.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

import pandas as pd

from matcher import Participant, Proposal, summarize
from matcher.schema import MentorType

#: Width of one bar of the score histogram (scores are 0-100).
SCORE_BIN = 10
#: What a mentor of each type is called in a sentence.
NOUN = {
    MentorType.DEVELOPMENTAL: "developmental mentor",
    MentorType.SPONSORSHIP: "sponsor",
    MentorType.GENERATIONAL: "generational mentor",
    MentorType.EXPERTISE: "expertise mentor",
}


def score_bins(scores: Sequence[float]) -> list[int]:
    """Count scores in bins of ``SCORE_BIN`` points (the last bin includes 100).

    >>> score_bins([0, 9.9, 10, 100])
    [2, 1, 0, 0, 0, 0, 0, 0, 0, 1]
    """
    bins = [0] * (100 // SCORE_BIN)
    for value in scores:
        bins[min(int(value // SCORE_BIN), len(bins) - 1)] += 1
    return bins


def _cross_share(pairs: list[tuple[str, str]]) -> dict[str, int]:
    """How many pairs have both values known, and how many of those differ."""
    known = [(a, b) for a, b in pairs if a and b]
    return {"known": len(known), "cross": sum(a != b for a, b in known)}


def supply_gaps(
    people: Sequence[Participant], matches: pd.DataFrame, unmatched: pd.DataFrame
) -> list[dict[str, Any]]:
    """Open requests per (type, department wanted) and the mentors there with room.

    The department wanted is the mentee's target department when they give one. The
    gaps with the most open requests come first.
    """
    by_email = {p.email: p for p in people}
    load = Counter(matches["mentor_email"])
    open_requests = Counter(
        (row.mentor_type, by_email[row.mentee_email].target_department)
        for row in unmatched.itertuples()
        if row.mentee_email in by_email
    )
    gaps = []
    for (kind, department), count in open_requests.most_common():
        mentor_type = MentorType(kind)
        room = [
            p.capacity - load[p.email]
            for p in people
            if p.is_mentor
            and mentor_type in p.offers
            and (not department or p.department == department)
            and p.capacity > load[p.email]
        ]
        gaps.append(
            {
                "mentor_type": kind,
                "department": department,
                "mentees": count,
                "mentors_with_room": len(room),
                "places_left": sum(room),
                "text": gap_text(mentor_type, department, count, len(room), sum(room)),
            }
        )
    return gaps


def gap_text(
    mentor_type: MentorType, department: str, mentees: int, mentors: int, places: int
) -> str:
    """One supply gap in words.

    >>> gap_text(MentorType.SPONSORSHIP, "Finance", 8, 2, 3)
    '8 mentees want a sponsor in Finance; 2 sponsors there have capacity left (3 places).'
    >>> gap_text(MentorType.EXPERTISE, "", 1, 0, 0)
    '1 mentee wants an expertise mentor; no expertise mentor has capacity left.'
    """
    noun = NOUN[mentor_type]
    article = "an" if noun[0] in "aeiou" else "a"
    who = f"{mentees} mentee wants" if mentees == 1 else f"{mentees} mentees want"
    where = f" in {department}" if department else ""
    there = " there" if department else ""
    if not mentors:
        return f"{who} {article} {noun}{where}; no {noun}{there} has capacity left."
    mentor_words = f"1 {noun}{there} has" if mentors == 1 else f"{mentors} {noun}s{there} have"
    place_words = "1 place" if places == 1 else f"{places} places"
    return f"{who} {article} {noun}{where}; {mentor_words} capacity left ({place_words})."


def run_figures(people: Sequence[Participant], proposal: Proposal) -> dict[str, Any]:
    """Every figure the dashboard and the unmatched page show, as JSON-ready data."""
    summary = summarize(people, proposal)
    matches = proposal.matches
    by_email = {p.email: p for p in people}
    load = Counter(matches["mentor_email"])
    mentors = [p for p in people if p.is_mentor]
    fullness = Counter(
        "unused" if not load[p.email] else "full" if load[p.email] >= p.capacity else "partly"
        for p in mentors
    )
    pairs = [
        (by_email[row.mentee_email], by_email[row.mentor_email])
        for row in matches.itertuples()
        if row.mentee_email in by_email and row.mentor_email in by_email
    ]
    return {
        "people": dict(summary.people),
        "offered": {t.value: sum(t in p.offers for p in mentors) for t in MentorType},
        "requested": dict(summary.requested),
        "filled": dict(summary.filled),
        "assigned": summary.assigned,
        "capacity": summary.capacity,
        "mentors": {k: fullness[k] for k in ("unused", "partly", "full")},
        "lowest_score": summary.lowest_score,
        "median_score": summary.median_score,
        "score_bins": score_bins(matches["score"].astype(float).tolist()),
        "cross_department": _cross_share([(e.department, m.department) for e, m in pairs]),
        "cross_generation": _cross_share(
            [
                (
                    e.generation.value if e.generation else "",
                    m.generation.value if m.generation else "",
                )
                for e, m in pairs
            ]
        ),
        "timings": {k: round(v, 3) for k, v in summary.timings.items()},
        "gaps": supply_gaps(people, matches, proposal.unmatched),
    }
