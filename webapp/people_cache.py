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
from sqlalchemy import ColumnElement, func, select

from matcher import Cohort, encode
from matcher import Participant as Person
from webapp.db import db
from webapp.models import Participant
from webapp.runner import program_people

#: Programs whose participants a process keeps at most.
KEEP = 8
_LOCK = threading.Lock()


@dataclass(frozen=True)
class Encoded:
    """A program's participants as the core reads them, and their encoding."""

    people: tuple[Person, ...]
    cohort: Cohort


def fingerprint(program_id: int) -> tuple[Any, ...]:
    """What changes whenever a participant of the program is added, edited or deleted.

    An insert or an edit sets ``updated_at`` to now and raises ``version`` (also the
    version bumps of :mod:`webapp.conflicts`), a delete lowers the count, and a new row
    gets a new highest id unless the deleted row had it.
    """
    query = select(*fingerprint_columns()).where(Participant.program_id == program_id)
    return tuple(db.session.execute(query).one())


def fingerprint_columns() -> tuple[ColumnElement[Any], ...]:
    """The aggregates of :func:`fingerprint`, over the participant rows a query selects."""
    return (
        func.count(),
        func.sum(Participant.version),
        func.max(Participant.id),
        func.max(Participant.updated_at),
    )


def program_cohort(program_id: int) -> Encoded:
    """The program's participants and their encoding; parsed again only after a
    participant changed."""
    kept: dict[int, tuple[tuple[Any, ...], Encoded]]
    kept = current_app.extensions.setdefault("mentorloom_cohorts", {})
    key = fingerprint(program_id)  # read first: the rows read next are at least as new
    found = kept.get(program_id)
    if found is not None and found[0] == key:
        return found[1]
    people = program_people(program_id)
    encoded = Encoded(people, encode(people))
    with _LOCK:
        kept.pop(program_id, None)
        kept[program_id] = (key, encoded)
        while len(kept) > KEEP:
            del kept[next(iter(kept))]
    return encoded
