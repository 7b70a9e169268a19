"""Canonical participant rows: the text mappings ``matcher.intake`` reads.

The CSV import, the intake form and the admin's edit form all produce such a row and send
it through the same ``parse_participants``; the database keeps the validated row, so
reading it back gives the same :class:`matcher.schema.Participant`. Answers to the
program's questions are cells of the row too, named by the question's key (stored in the
model's ``answers``), and so are picks (:data:`matcher.PICK_COLUMNS`: stored as they are).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from enum import Enum
from typing import Any

from matcher import COLUMNS, PICK_COLUMNS
from matcher import Participant as Person
from webapp.models import Participant

__all__ = [
    "ATTRIBUTE",
    "BOOLEAN_COLUMNS",
    "COLUMNS",
    "STORED_COLUMNS",
    "Row",
    "answer_cells",
    "apply_row",
    "changed_columns",
    "merge_rows",
    "person_to_row",
    "record_cells",
    "record_to_row",
    "row_values",
    "update_row",
    "values_to_row",
]

Row = dict[str, str]
INTEGER_COLUMNS: frozenset[str] = frozenset({"level", "capacity"})
#: Yes/no columns: "yes" or "" in a canonical row, a boolean in the model.
BOOLEAN_COLUMNS: frozenset[str] = frozenset({"priority"})
#: The columns of a stored participant: the canonical ones and the picks.
STORED_COLUMNS: tuple[str, ...] = (*COLUMNS, *PICK_COLUMNS)
#: Model attributes whose name differs from the canonical column.
ATTRIBUTE = {"id": "external_id"}


def _cell(value: object) -> str:
    if type(value) is str:  # most cells: checked first (a run converts every cell twice)
        return value
    if value is None or value is False:
        return ""
    if value is True:
        return "yes"
    if isinstance(value, tuple):
        return ";".join(_cell(v) for v in value)
    if isinstance(value, Enum):
        return str(value.value)
    return str(value)


def person_to_row(person: Person) -> Row:
    """Return the canonical row of a validated person.

    >>> from matcher import MentorType, Role
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
    row = {column: _cell(getattr(person, column)) for column in STORED_COLUMNS}
    row.update((key, _cell(answer)) for key, answer in person.answers.items())
    return row


def record_to_row(record: Participant) -> Row:
    """Return the stored participant as a canonical row (its answers as cells)."""
    values = [getattr(record, ATTRIBUTE.get(c, c)) for c in STORED_COLUMNS]
    return values_to_row(values, record.answers)


def values_to_row(values: Sequence[object], answers: Mapping[str, str] | None) -> Row:
    """The canonical row of a participant's stored ``values`` (one per column of
    ``STORED_COLUMNS``, in that order) and ``answers``.

    >>> row = values_to_row(["a@x.org", *[None] * (len(STORED_COLUMNS) - 1)], {"energy": "4"})
    >>> row["email"], row["level"], row["energy"]
    ('a@x.org', '', '4')
    """
    row = dict(zip(STORED_COLUMNS, map(_cell, values), strict=True))
    row.update(answers or {})
    return row


def answer_cells(row: Row) -> dict[str, str]:
    """The non-empty answer cells of a canonical ``row``: every cell that is not a
    participant column nor a pick.

    >>> answer_cells({"email": "a@x.org", "energy": "4", "team": "", "avoid": "b@x.org"})
    {'energy': '4'}
    """
    return {key: text for key, text in row.items() if key not in STORED_COLUMNS and text}


def row_values(row: Row) -> dict[str, object]:
    """The participant columns of a validated canonical ``row``, by model attribute.

    >>> values = row_values(
    ...     {"email": "a@x.org", "id": "E1", "level": "3", "capacity": "", "priority": "yes"}
    ... )
    >>> values["external_id"], values["level"], values["capacity"], values["priority"]
    ('E1', 3, None, True)
    >>> row_values({"email": "a@x.org", "energy": "4"})["answers"]
    {'energy': '4'}
    """
    values: dict[str, object] = {}
    for column in STORED_COLUMNS:
        text = row.get(column, "")
        value: object = text
        if column in INTEGER_COLUMNS:
            value = int(text) if text else None
        elif column in BOOLEAN_COLUMNS:
            value = bool(text)
        values[ATTRIBUTE.get(column, column)] = value
    values["answers"] = answer_cells(row)
    return values


def apply_row(record: Participant, row: Row) -> None:
    """Copy a validated canonical ``row`` onto ``record``."""
    for attribute, value in row_values(row).items():
        setattr(record, attribute, value)


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


def update_row(file_row: Row, stored: Row) -> Row:
    """The row an import gives a participant already in the program: the file's cells,
    and the stored value of every column the file lacks (``stored``: the stored cells of
    those columns, see :func:`record_cells`). A column the file has clears the stored
    value where its cell is empty.

    >>> row = update_row(
    ...     {"email": "a@x.org", "department": "Sales", "notes": ""},
    ...     {"admin_notes": "VIP"},
    ... )
    >>> row["department"], row["notes"], row["admin_notes"]
    ('Sales', '', 'VIP')
    """
    return {**stored, **file_row}


def record_cells(record: Any, columns: Iterable[str]) -> Row:
    """The non-empty cells of a stored participant's ``columns`` (canonical names); a
    missing cell reads as empty, so an import's rows stay small.

    >>> record_cells(Participant(email="a@x.org", level=3, notes=""), ["level", "notes"])
    {'level': '3'}
    """
    return {c: text for c in columns if (text := _cell(getattr(record, ATTRIBUTE.get(c, c))))}


def changed_columns(old: Row, new: Row) -> list[tuple[str, str, str]]:
    """The columns whose value ``new`` changes, in column order (then the answers, by
    question key), each with its old and new value.

    >>> changed_columns(
    ...     {"email": "a@x.org", "department": "HR", "level": "3"},
    ...     {"email": "a@x.org", "department": "Sales", "level": "3"},
    ... )
    [('department', 'HR', 'Sales')]
    """
    answers = sorted({*answer_cells(old), *answer_cells(new)})
    return [
        (column, before, after)
        for column in (*STORED_COLUMNS, *answers)
        if (before := old.get(column, "")) != (after := new.get(column, ""))
    ]
