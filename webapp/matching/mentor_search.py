"""The mentor search of a match made by hand: find a mentor by name, with their room and fit.

Each type the mentee seeks has its own form and ``<datalist>``, whose options are the
mentors offering that type with places this cohort (capacity above 0): the browser
filters them while the admin types part of a name, no script needed. A mentor who does
not offer the type, or offers no places, is not offered. In a big program the list holds
the :data:`MOST_OPTIONS` mentors who fit the mentee best (the rules allow the pair, then
by score), so the page stays small (50,000 people: 15,000 options a type, 0.5 s and
megabytes a page). Each option says how many of the mentor's places the run uses and
the pair's score or what is wrong in it (:func:`matcher.mentor_fits`). A name typed
without picking an option is looked up among all mentors with places of the type
(:func:`find_mentor`), listed or not.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

import numpy as np
from markupsafe import Markup

from matcher import (
    Cohort,
    Decision,
    MentorType,
    Participant,
    config_from_mapping,
    mentor_fits,
    plural,
)
from webapp.matching.places import places_used
from webapp.people_cache import Encoded
from webapp.run_models import MatchRun

#: How many mentors a refusal of an ambiguous name lists.
SHOWN_MATCHES = 5
#: The most mentors a type's list offers: those who fit the mentee best.
MOST_OPTIONS = 300


@dataclass(frozen=True)
class MentorOptions:
    """A type's list of mentors for the search: the ``<option>`` elements by name, and how
    many mentors offer the type with places in all (more than listed in a big program)."""

    html: Markup
    listed: int
    offering: int


def mentor_options(
    run: MatchRun, encoded: Encoded, mentee_email: str, decisions: Sequence[Decision]
) -> dict[str, MentorOptions]:
    """Per type the mentee seeks, the ``<option>`` of each mentor offering it with places
    (capacity above 0), at most :data:`MOST_OPTIONS` of the best fits, by name: the
    e-mail as value, then the name, the places the run uses and the pair's score or what
    is wrong in it."""
    cohort = encoded.cohort
    fits = mentor_fits(
        encoded.people,
        mentee_email,
        config_from_mapping(run.config),
        decisions,
        cohort,
        with_places=True,
        most=MOST_OPTIONS,
    )
    mentee = cohort.index[mentee_email]
    used = places_used(run, set(fits["mentor_email"]))
    options: dict[str, list[tuple[str, str, str]]] = {
        t.value: [] for t in cohort.people[mentee].seeks
    }
    for kind, email, name, points, blocked in fits.itertuples(index=False, name=None):
        places = int(cohort.capacity[cohort.index[email]])
        shown = f"blocked: {blocked}" if blocked else f"score {points:.1f}"
        # html.escape and one join: Markup.format per option is much slower (docs/performance.md)
        options[kind].append(
            (
                name.casefold(),
                email,
                f'<option value="{escape(email)}">{escape(name)} · {used.get(email, 0)} of '
                f"{plural(places, 'place')} used · {escape(shown)}</option>",
            )
        )
    return {
        kind: MentorOptions(
            Markup("".join(o for *_, o in sorted(found))),
            len(found),
            _offering(cohort, mentee, MentorType(kind)),
        )
        for kind, found in options.items()
    }


def _offering(cohort: Cohort, mentee: int, mentor_type: MentorType) -> int:
    """How many others offer ``mentor_type`` with places (capacity above 0)."""
    mentors = cohort.mentors_offering(mentor_type)
    return int(np.count_nonzero(cohort.capacity[mentors[mentors != mentee]] > 0))


def find_mentor(
    people: Sequence[Participant], text: str, mentor_type: str
) -> tuple[Participant | None, str]:
    """The person a typed e-mail or mentor's name means, or None and what to do instead.

    A name matches the whole name (case-insensitive), else a part of one name only, of a
    mentor offering ``mentor_type`` with places (as the search lists them).

    >>> from matcher import MentorType, Role
    >>> people = [
    ...     Participant(
    ...         f"{n.lower()}@x.org", f"{n} Lee", Role.MENTOR, offers=(MentorType.EXPERTISE,)
    ...     )
    ...     for n in ("Ann", "Anna")
    ... ]
    >>> find_mentor(people, "anna lee", "expertise")[0].email
    'anna@x.org'
    >>> find_mentor(people, "ANNA@x.org", "expertise")[0].name
    'Anna Lee'
    >>> find_mentor(people, "ann", "expertise")[1]
    '2 mentors match “ann”: Ann Lee <ann@x.org>, Anna Lee <anna@x.org>; pick one from the list.'
    >>> find_mentor(people, "anna lee", "sponsorship")[1].startswith("No sponsorship mentor with")
    True
    """
    wanted = " ".join(text.split()).casefold()
    mentors = [
        p
        for p in people
        if p.is_mentor and p.capacity > 0 and mentor_type in {t.value for t in p.offers}
    ]
    if "@" in wanted:  # anyone: the core then says what the pair lacks
        found = [p for p in people if p.email == wanted]
    else:
        found = [p for p in mentors if p.name.casefold() == wanted] or [
            p for p in mentors if wanted in p.name.casefold()
        ]
    if len(found) == 1:
        return found[0], ""
    if not found:
        return None, (
            f"No {mentor_type} mentor with places is called “{text.strip()}”: type part of "
            "a name or an e-mail and "
            "pick the mentor from the list."
        )
    listed = ", ".join(f"{p.name} <{p.email}>" for p in found[:SHOWN_MATCHES])
    more = f" and {len(found) - SHOWN_MATCHES} more" if len(found) > SHOWN_MATCHES else ""
    return (
        None,
        f"{len(found)} mentors match “{text.strip()}”: {listed}{more}; pick one from the list.",
    )
