"""A program's participants parsed and encoded once per change, for pages that read them all.

Validating and encoding 14,000 stored participants takes seconds, and the mentee page of
the review needs all of them on every request. :func:`program_cohort` keeps the result per
program in the app (each process its own) and reuses it while the program's participant
rows are unchanged, told by one aggregate query (:func:`fingerprint`).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from flask import current_app
from markupsafe import Markup
from sqlalchemy import func, select

from matcher import Participant as Person
from matcher.cohort import Cohort, encode
from webapp.db import db
from webapp.models import Participant
from webapp.runner import program_people

#: Programs whose participants a process keeps at most.
KEEP = 8
_LOCK = threading.Lock()


@dataclass(frozen=True)
class Encoded:
    """A program's participants as the core reads them, their encoding, and the mentors
    by name as the options of the form of a match made by hand (all, and by e-mail)."""

    people: tuple[Person, ...]
    cohort: Cohort
    mentors: Markup
    options: dict[str, Markup]

    def mentor_options(self, but: str) -> Markup:
        """The ``<option>`` of every mentor but the one with the e-mail ``but``."""
        if but not in self.options:
            return self.mentors
        return Markup(self.mentors.replace(self.options[but], "", 1))


def _option(mentor: Person) -> Markup:
    """A mentor as an option of the form: e-mail, name and the types offered.

    >>> from matcher.schema import MentorType, Role
    >>> _option(Person("bo@x.org", "Bo <b>", Role.MENTOR, offers=(MentorType.SPONSORSHIP,)))
    Markup('<option value="bo@x.org">Bo &lt;b&gt; (sponsorship)</option>')
    """
    offered = ", ".join(t.value for t in mentor.offers)
    return Markup('<option value="{}">{} ({})</option>').format(mentor.email, mentor.name, offered)


def fingerprint(program_id: int) -> tuple[Any, ...]:
    """What changes whenever a participant of the program is added, edited or deleted.

    An insert or an edit sets ``updated_at`` to now and raises ``version`` (also the
    version bumps of :mod:`webapp.conflicts`), a delete lowers the count, and a new row
    gets a new highest id unless the deleted row had it.
    """
    query = select(
        func.count(),
        func.sum(Participant.version),
        func.max(Participant.id),
        func.max(Participant.updated_at),
    ).where(Participant.program_id == program_id)
    return tuple(db.session.execute(query).one())


def program_cohort(program_id: int) -> Encoded:
    """The program's participants, their encoding and mentors; parsed again only after a
    participant changed."""
    kept: dict[int, tuple[tuple[Any, ...], Encoded]]
    kept = current_app.extensions.setdefault("mentorloom_cohorts", {})
    key = fingerprint(program_id)  # read first: the rows read next are at least as new
    found = kept.get(program_id)
    if found is not None and found[0] == key:
        return found[1]
    people = program_people(program_id)
    by_name = sorted((p for p in people if p.is_mentor), key=lambda p: p.name)
    options = {p.email: _option(p) for p in by_name}
    encoded = Encoded(people, encode(people), Markup("").join(options.values()), options)
    with _LOCK:
        kept.pop(program_id, None)
        kept[program_id] = (key, encoded)
        while len(kept) > KEEP:
            del kept[next(iter(kept))]
    return encoded
