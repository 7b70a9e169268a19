"""The figures a run stores for its dashboard and its unmatched page.

:func:`run_figures` reads the participants and the proposal once, when the run finishes,
and returns plain JSON: the core's :class:`matcher.Summary` counts, people per type
offered and sought, how full mentors are, the score histogram, the share of
cross-department and cross-generation pairs, and the supply gaps behind open requests:
per type and department wanted, the mentors with room by name, and the skills and
languages no mentor of the type offers.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

import pandas as pd

from matcher import Participant, Proposal, summarize
from matcher.schema import MENTOR_NOUN, MentorType, normalize, same_text

#: Width of one bar of the score histogram (scores are 0-100).
SCORE_BIN = 10
#: Mentors with room a supply gap names at most.
NAMED_MENTORS = 10
#: Skills and languages nobody offers, named at most.
NAMED_MISSING = 20


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


def _with_room(
    people: Sequence[Participant], load: Counter[str]
) -> dict[MentorType, list[tuple[int, Participant]]]:
    """Per type, the mentors offering it with places left: most places first, then by name."""
    room = sorted(
        ((p.capacity - load[p.email], p) for p in people if p.is_mentor),
        key=lambda item: (-item[0], item[1].name, item[1].email),
    )
    return {t: [(n, p) for n, p in room if n > 0 and t in p.offers] for t in MentorType}


def supply_gaps(
    people: Sequence[Participant], matches: pd.DataFrame, unmatched: pd.DataFrame
) -> list[dict[str, Any]]:
    """Open requests per (type, department wanted) and the mentors there with room.

    The department wanted is the mentee's target department when they give one, compared
    normalised and written as its first mentee wrote it. The gaps with the most open
    requests come first; each names its mentors with room (most places first, at most
    :data:`NAMED_MENTORS`).
    """
    by_email = {p.email: p for p in people}
    room = _with_room(people, Counter(matches["mentor_email"]))
    spelling: dict[tuple[str, str], str] = {}
    open_requests: Counter[tuple[str, str]] = Counter()
    for row in unmatched.itertuples():
        if (person := by_email.get(row.mentee_email)) is not None:
            key = (row.mentor_type, normalize(person.target_department))
            spelling.setdefault(key, person.target_department)
            open_requests[key] += 1
    gaps = []
    for key, count in open_requests.most_common():
        department = spelling[key]
        mentor_type = MentorType(key[0])
        there = [
            (n, p)
            for n, p in room[mentor_type]
            if not department or same_text(p.department, department)
        ]
        places = sum(n for n, _ in there)
        gaps.append(
            {
                "mentor_type": mentor_type.value,
                "department": department,
                "mentees": count,
                "mentors_with_room": len(there),
                "places_left": places,
                "mentors": [
                    {"email": p.email, "name": p.name, "places": n}
                    for n, p in there[:NAMED_MENTORS]
                ],
                "text": gap_text(mentor_type, department, count, len(there), places),
            }
        )
    return gaps


def missing_offers(people: Sequence[Participant], unmatched: pd.DataFrame) -> list[dict[str, Any]]:
    """What open requests ask for that no mentor of the type offers: wanted skills, and the
    languages of mentees whom no mentor of the type can speak with.

    Skills and languages are compared normalised, and named as the first mentee wanting
    them writes them. The most wanted come first, at most :data:`NAMED_MISSING`.
    """
    by_email = {p.email: p for p in people}
    offering = {t: [p for p in people if p.is_mentor and t in p.offers] for t in MentorType}
    skills = {normalize(s) for p in offering[MentorType.EXPERTISE] for s in p.expertise}
    spoken = {
        t: {normalize(w) for p in mentors for w in p.languages} for t, mentors in offering.items()
    }
    # a mentor who lists no language speaks the program's, so can talk with anyone
    with_anyone = {t: any(not p.languages for p in mentors) for t, mentors in offering.items()}
    wanted: Counter[tuple[str, str, str]] = Counter()
    written: dict[tuple[str, str, str], str] = {}

    def want(kind: str, mentor_type: MentorType, values: Sequence[str]) -> None:
        found = (kind, mentor_type.value, " or ".join(normalize(v) for v in values))
        written.setdefault(found, " or ".join(values))
        wanted[found] += 1

    for row in unmatched.itertuples():
        if (person := by_email.get(row.mentee_email)) is None:
            continue
        mentor_type = MentorType(row.mentor_type)
        if mentor_type is MentorType.EXPERTISE:
            for skill in person.expertise_wanted:
                if normalize(skill) not in skills:
                    want("skill", mentor_type, [skill])
        speaks = {normalize(w) for w in person.languages}
        alone = not with_anyone[mentor_type] and not speaks & spoken[mentor_type]
        if person.languages and offering[mentor_type] and alone:
            want("language", mentor_type, person.languages)
    ranked = sorted(
        (((*found[:2], written[found]), count) for found, count in wanted.items()),
        key=lambda item: (-item[1], item[0]),
    )
    return [
        {
            "kind": kind,
            "mentor_type": mentor_type,
            "value": value,
            "mentees": count,
            "text": missing_text(kind, MentorType(mentor_type), value, count),
        }
        for (kind, mentor_type, value), count in ranked[:NAMED_MISSING]
    ]


def missing_text(kind: str, mentor_type: MentorType, value: str, mentees: int) -> str:
    """A skill or a language nobody offers, in words.

    >>> missing_text("skill", MentorType.EXPERTISE, "embedded firmware", 2)
    'No expertise mentor has embedded firmware, wanted by 2 open requests.'
    >>> missing_text("language", MentorType.GENERATIONAL, "japanese", 1)
    'No generational mentor speaks japanese, the only language of 1 mentee who wants one.'
    """
    noun = MENTOR_NOUN[mentor_type]
    if kind == "skill":
        requests = "1 open request" if mentees == 1 else f"{mentees} open requests"
        return f"No {noun} has {value}, wanted by {requests}."
    who = "1 mentee who wants" if mentees == 1 else f"{mentees} mentees who want"
    languages = "languages" if " or " in value else "language"
    return f"No {noun} speaks {value}, the only {languages} of {who} one."


def gap_text(
    mentor_type: MentorType, department: str, mentees: int, mentors: int, places: int
) -> str:
    """One supply gap in words.

    >>> gap_text(MentorType.SPONSORSHIP, "Finance", 8, 2, 3)
    '8 mentees want a sponsor in Finance; 2 sponsors there have capacity left (3 places).'
    >>> gap_text(MentorType.EXPERTISE, "", 1, 0, 0)
    '1 mentee wants an expertise mentor; no expertise mentor has capacity left.'
    """
    noun = MENTOR_NOUN[mentor_type]
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
        "cross_department": _cross_share(
            [(normalize(e.department), normalize(m.department)) for e, m in pairs]
        ),
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
        "missing": missing_offers(people, proposal.unmatched),
    }
