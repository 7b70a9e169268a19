"""Canonical participant rows: the text mappings ``matcher.intake`` reads.

The CSV import, the intake form and the admin's edit form all produce such a row and send
it through the same ``parse_participants``; the database keeps the validated row, so
reading it back gives the same :class:`matcher.schema.Participant`.
"""

from __future__ import annotations

from enum import Enum

from matcher.intake import COLUMNS
from matcher.schema import Participant as Person
from webapp.models import Participant

__all__ = [
    "ATTRIBUTE",
    "COLUMNS",
    "Row",
    "apply_row",
    "merge_rows",
    "person_to_row",
    "record_to_row",
]

Row = dict[str, str]
INTEGER_COLUMNS: frozenset[str] = frozenset({"level", "capacity"})
#: Model attributes whose name differs from the canonical column.
ATTRIBUTE = {"id": "external_id"}


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, tuple):
        return ";".join(_cell(v) for v in value)
    if isinstance(value, Enum):
        return str(value.value)
    return str(value)


def person_to_row(person: Person) -> Row:
    """Return the canonical row of a validated person.

    >>> from matcher.schema import MentorType, Role
    >>> row = person_to_row(
    ...     Person(
    ...         email="a@x.org",
    ...         name="A",
    ...         role=Role.MENTOR,
    ...         offers=(MentorType.EXPERTISE,),
    ...         capacity=2,
    ...     )
    ... )
    >>> row["role"], row["offers"], row["capacity"], row["level"]
    ('mentor', 'expertise', '2', '')
    """
    return {column: _cell(getattr(person, column)) for column in COLUMNS}


def record_to_row(record: Participant) -> Row:
    """Return the stored participant as a canonical row."""
    return {c: _cell(getattr(record, ATTRIBUTE.get(c, c))) for c in COLUMNS}


def apply_row(record: Participant, row: Row) -> None:
    """Copy a validated canonical ``row`` onto ``record``."""
    for column in COLUMNS:
        text = row.get(column, "")
        value: object = text
        if column in INTEGER_COLUMNS:
            value = int(text) if text else None
        setattr(record, ATTRIBUTE.get(column, column), value)


def merge_rows(admins: Row, own: Row) -> Row:
    """Merge an admin's row with a person's own answers: the admin's cells win where they
    hold a value, the person's answers fill the cells the admin's row leaves empty.

    >>> merged = merge_rows(
    ...     {"email": "a@x.org", "level": "5", "goals": ""},
    ...     {"email": "a@x.org", "level": "9", "goals": "coaching", "notes": "Hi"},
    ... )
    >>> merged["level"], merged["goals"], merged["notes"]
    ('5', 'coaching', 'Hi')
    """
    return {**own, **{column: text for column, text in admins.items() if text.strip()}}
