"""Supply gaps: where a run's open requests lack mentors, in figures and in words.

:func:`supply_gaps` counts the open requests per mentor type and department wanted, with
the mentors there who still have places; :func:`missing_offers` names the skills and
languages open requests want that no mentor of the type offers. The web app's unmatched
page shows both; the command line prints :func:`supply_text` under the match summary.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

import pandas as pd

from matcher.schema import MENTOR_NOUN, MentorType, Participant, normalize, same_text

#: Mentors with room a supply gap names at most.
NAMED_MENTORS = 10
#: Skills and languages nobody offers, named at most.
NAMED_MISSING = 20
#: Supply gaps, and skills and languages nobody offers, :func:`supply_text` lists at most.
LISTED = 10


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

    Parameters
    ----------
    people
        The participants that were matched.
    matches
        The proposal's pairs (``mentor_email`` is read).
    unmatched
        The proposal's open requests (``mentee_email`` and ``mentor_type`` are read).

    Returns
    -------
    list of dict
        One gap per (type, department wanted), the most open requests first: its
        ``mentor_type``, ``department``, ``mentees``, ``mentors_with_room``,
        ``places_left``, ``mentors`` (e-mail, name and places of the mentors with room,
        most places first, at most :data:`NAMED_MENTORS`) and ``text`` (:func:`gap_text`).
        The department wanted is the mentee's target department when they give one,
        compared normalised and written as its first mentee wrote it.

    Examples
    --------
    >>> from matcher.schema import Role
    >>> ana = Participant("ana@x.org", "Ana", Role.MENTEE, seeks=(MentorType.SPONSORSHIP,))
    >>> bo = Participant("bo@x.org", "Bo", Role.MENTOR, offers=(MentorType.SPONSORSHIP,))
    >>> matches = pd.DataFrame({"mentor_email": ["bo@x.org"]})
    >>> unmatched = pd.DataFrame({"mentee_email": ["ana@x.org"], "mentor_type": ["sponsorship"]})
    >>> [gap["text"] for gap in supply_gaps([ana, bo], matches, unmatched)]
    ['1 mentee wants a sponsor; no sponsor has capacity left.']
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


def missing_offers(
    people: Sequence[Participant], unmatched: pd.DataFrame, most: int | None = NAMED_MISSING
) -> list[dict[str, Any]]:
    """What open requests ask for that no mentor of the type offers: wanted skills, and the
    languages of mentees whom no mentor of the type can speak with.

    Parameters
    ----------
    people
        The participants that were matched.
    unmatched
        The proposal's open requests (``mentee_email`` and ``mentor_type`` are read).
    most
        How many to name at most (None: all).

    Returns
    -------
    list of dict
        Per skill or language: its ``kind`` (``skill`` or ``language``), ``mentor_type``,
        ``value``, ``mentees`` and ``text`` (:func:`missing_text`). Skills and languages
        are compared normalised, and named as the first mentee wanting them writes them.
        The most wanted come first.

    Examples
    --------
    >>> from matcher.schema import Role
    >>> ana = Participant(
    ...     "ana@x.org", "Ana", Role.MENTEE, seeks=("expertise",), expertise_wanted=("Go",)
    ... )
    >>> bo = Participant("bo@x.org", "Bo", Role.MENTOR, offers=("expertise",), expertise=("sql",))
    >>> unmatched = pd.DataFrame({"mentee_email": ["ana@x.org"], "mentor_type": ["expertise"]})
    >>> [found["text"] for found in missing_offers([ana, bo], unmatched)]
    ['No expertise mentor has Go, wanted by 1 open request.']
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
        for (kind, mentor_type, value), count in ranked[:most]
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


def supply_text(
    people: Sequence[Participant], matches: pd.DataFrame, unmatched: pd.DataFrame
) -> str:
    """The supply gaps and the skills and languages nobody offers, as the lines the command
    line prints under the match summary ('' when every request is filled).

    Each list names at most :data:`LISTED`, the largest first, and says how many more
    there are.

    Parameters
    ----------
    people, matches, unmatched
        As for :func:`supply_gaps`.

    Returns
    -------
    str

    Examples
    --------
    >>> from matcher.schema import Role
    >>> ana = Participant("ana@x.org", "Ana", Role.MENTEE, seeks=(MentorType.SPONSORSHIP,))
    >>> unmatched = pd.DataFrame({"mentee_email": ["ana@x.org"], "mentor_type": ["sponsorship"]})
    >>> print(supply_text([ana], pd.DataFrame({"mentor_email": []}), unmatched))
    supply gaps    behind 1 open request
      1 mentee wants a sponsor; no sponsor has capacity left.
    >>> supply_text([ana], pd.DataFrame({"mentor_email": []}), unmatched.iloc[:0])
    ''
    """
    if not len(unmatched):
        return ""
    requests = "1 open request" if len(unmatched) == 1 else f"{len(unmatched)} open requests"
    lines = [f"{'supply gaps':<15}behind {requests}"]
    listed = (
        (supply_gaps(people, matches, unmatched), "gaps"),
        (missing_offers(people, unmatched, None), "skills and languages nobody offers"),
    )
    for found, what in listed:
        lines += [f"  {item['text']}" for item in found[:LISTED]]
        if len(found) > LISTED:
            lines.append(f"  and {len(found) - LISTED} more {what}")
    return "\n".join(lines)
