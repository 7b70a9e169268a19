"""The mentor search of a match made by hand: find a mentor by name, with their room and fit.

Every mentor who offers a type the mentee seeks becomes an option of a ``<datalist>``:
the browser filters them while the admin types part of a name, no script needed. Each
option says how many of the mentor's places the run uses and, per type, the pair's score
or the rules it breaks (:func:`matcher.mentor_fits`). A name typed without picking an
option is looked up too (:func:`find_mentor`).
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from markupsafe import Markup

from matcher import Decision, Participant, mentor_fits
from matcher.config import config_from_mapping
from webapp.people_cache import Encoded
from webapp.places import places_used
from webapp.run_models import MatchRun

#: How many mentors a refusal of an ambiguous name lists.
SHOWN_MATCHES = 5


def mentor_options(
    run: MatchRun, encoded: Encoded, mentee_email: str, decisions: Sequence[Decision]
) -> Markup:
    """The ``<option>`` of each mentor offering a type the mentee seeks, by name: the
    e-mail as value, then the name, the places the run uses and the fit per type."""
    fits = mentor_fits(
        encoded.people, mentee_email, config_from_mapping(run.config), decisions, encoded.cohort
    )
    used = places_used(run)
    capacity = encoded.cohort.capacity
    index = encoded.cohort.index
    words: dict[str, list[str]] = {}
    names: dict[str, str] = {}
    columns = (fits[c].tolist() for c in ("mentor_type", "mentor_email", "mentor_name"))
    for kind, email, name, points, blocked in zip(
        *columns, fits["score"].tolist(), fits["blocked"].tolist(), strict=True
    ):
        shown = f"blocked: {blocked}" if blocked else f"{points:.1f}"
        words.setdefault(email, []).append(f"{kind} {shown}")
        names[email] = name
    # html.escape and one join: Markup.format took 220 ms for 3,000 mentors
    return Markup(
        "".join(
            f'<option value="{escape(email)}">{escape(names[email])} · {used.get(email, 0)} of '
            f"{capacity[index[email]]} places used · {escape(' · '.join(words[email]))}</option>"
            for email in sorted(words, key=lambda e: (names[e].casefold(), e))
        )
    )


def find_mentor(people: Sequence[Participant], text: str) -> tuple[Participant | None, str]:
    """The person a typed e-mail or mentor's name means, or None and what to do instead.

    A name matches a mentor's whole (case-insensitive), else a part of one name only.

    >>> from matcher.schema import MentorType, Role
    >>> people = [
    ...     Participant(
    ...         f"{n.lower()}@x.org", f"{n} Lee", Role.MENTOR, offers=(MentorType.EXPERTISE,)
    ...     )
    ...     for n in ("Ann", "Anna")
    ... ]
    >>> find_mentor(people, "anna lee")[0].email, find_mentor(people, "ANNA@x.org")[0].name
    ('anna@x.org', 'Anna Lee')
    >>> find_mentor(people, "ann")[1]
    '2 mentors match “ann”: Ann Lee <ann@x.org>, Anna Lee <anna@x.org>; pick one from the list.'
    """
    wanted = " ".join(text.split()).casefold()
    mentors = [p for p in people if p.is_mentor]
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
            f"No mentor is called “{text.strip()}”: type part of a name or an e-mail and "
            "pick the mentor from the list."
        )
    listed = ", ".join(f"{p.name} <{p.email}>" for p in found[:SHOWN_MATCHES])
    more = f" and {len(found) - SHOWN_MATCHES} more" if len(found) > SHOWN_MATCHES else ""
    return (
        None,
        f"{len(found)} mentors match “{text.strip()}”: {listed}{more}; pick one from the list.",
    )
