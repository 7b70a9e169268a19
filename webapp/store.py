"""Validate canonical rows with the ``matcher`` core and upsert them into a program.

Every way in (CSV file, intake form, admin edit) ends here, so all of them accept and
refuse the same data.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import bindparam, insert, select, update

from matcher import IntakeResult, Issue, MatcherError, Question, parse_participants
from webapp.db import db
from webapp.models import Participant, Program
from webapp.program_questions import optional_unless, program_questions
from webapp.rows import (
    ATTRIBUTE,
    STORED_COLUMNS,
    Row,
    person_to_row,
    record_cells,
    record_to_row,
    row_values,
    values_to_row,
)

#: Rows written by one bulk INSERT or UPDATE of an import.
WRITE_CHUNK = 2000

#: Columns of the program's other participants that rows are validated against (the
#: checks across rows: duplicate e-mails and ids, who is in the program, reporting loops).
CONTEXT_COLUMNS = ("email", "id", "manager_email", "name", "role", "seeks", "offers")


def validate(
    program_id: int,
    rows: Sequence[Row],
    *,
    first_row: int = 2,
    columns: Sequence[str] | None = None,
    headers: Sequence[str] | None = None,
    replacing: str = "",
    questions: Sequence[Question] | None = None,
) -> IntakeResult:
    """Validate rows as the core validates a file, with the program's other participants.

    The rows' answers are read by ``questions``, by default the program's (see
    :mod:`webapp.program_questions`).

    The program's participants that the rows do not replace (by e-mail; ``replacing``
    names one more e-mail, when an edit changes it) are the known people the checks across
    rows see (duplicate e-mails and ids, who is in the program, reporting loops).
    ``columns`` and ``headers`` are the file's header (see
    :func:`matcher.intake.parse_participants`).
    """
    replaced = {row.get("email", "").strip().lower() for row in rows} | {replacing}
    attributes = [getattr(Participant, ATTRIBUTE.get(c, c)) for c in CONTEXT_COLUMNS]
    stored = db.session.execute(select(*attributes).where(Participant.program_id == program_id))
    others = [dict(zip(CONTEXT_COLUMNS, values, strict=True)) for values in stored]
    known = [row for row in others if row["email"] not in replaced]
    if questions is None:
        questions = program_questions(program_id)
    return parse_participants(
        rows,
        first_row=first_row,
        columns=columns,
        headers=headers,
        others=known,
        questions=questions,
    )


@dataclass(frozen=True)
class Checked:
    """A validated form row: the canonical row when valid, and every issue found."""

    row: Row | None
    issues: tuple[Issue, ...]


def check_row(program_id: int, row: Row, *, replacing: str = "", required: bool = True) -> Checked:
    """Validate one form row exactly as a CSV row of the program is validated; without
    ``required``, no question of the program is required (an admin's edit)."""
    questions = program_questions(program_id)
    if not required:
        questions = optional_unless(questions, ())
    result = validate(program_id, [row], replacing=replacing, questions=questions)
    if not result.ok:
        return Checked(None, result.issues)
    return Checked(person_to_row(result.participants[0]), result.issues)


def program_rows(program_id: int) -> list[Row]:
    """Every participant of a program as a canonical row, in the order they were added.

    The columns are read as plain values, not as participant objects (about a third of
    the time at 10,000 people), and always in the same order, so the same participants
    read the same rows on both databases.
    """
    columns = [getattr(Participant, ATTRIBUTE.get(c, c)) for c in STORED_COLUMNS]
    query = (
        select(*columns, Participant.answers)
        .where(Participant.program_id == program_id)
        .order_by(Participant.id)
    )
    return [values_to_row(values[:-1], values[-1]) for values in db.session.execute(query)]


def email_problem(email: str) -> str | None:
    """What is wrong with an e-mail for the participant data, or None when it is fine.

    >>> email_problem("ana@example.org") is None
    True
    >>> email_problem("ana") is not None
    True
    """
    row = {"email": email, "name": "-", "role": "mentor", "offers": "expertise"}
    result = parse_participants([row])
    return next((i.message for i in result.errors if i.column == "email"), None)


@dataclass
class ImportPlan:
    """What an import would do: rows to add, records to update, how many are unchanged,
    and the self-registered records it merges (which the admin must confirm).

    A record is the stored participant as read (a row with its columns, ``id`` and
    ``version``), not an object the session tracks.
    """

    new: list[Row] = field(default_factory=list)
    updated: list[tuple[Any, Row]] = field(default_factory=list)
    unchanged: int = 0
    merged: list[tuple[Any, Row]] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        """Counts for the result page."""
        return {
            "new": len(self.new),
            "updated": len(self.updated),
            "unchanged": self.unchanged,
            "merged": len(self.merged),
        }

    @property
    def changes_nothing(self) -> bool:
        """True when importing would leave the program exactly as it is."""
        return not self.new and not self.updated and not self.merged


def self_registrations(program_id: int) -> dict[str, Participant]:
    """The program's self-registered participants (see ``Participant.self_registered``),
    by e-mail."""
    query = select(Participant).where(
        Participant.program_id == program_id, Participant.self_registered.is_(True)
    )
    return {record.email: record for record in db.session.scalars(query)}


def stored_cells(
    program_id: int, columns: Sequence[str], keys: Sequence[str] = ()
) -> dict[str, Row]:
    """The non-empty cells of ``columns`` (canonical names) and of the answers to the
    questions ``keys`` of the program's participants who did not register themselves, by
    e-mail (none when nothing is asked for)."""
    if not columns and not keys:
        return {}
    attributes = [getattr(Participant, ATTRIBUTE.get(c, c)) for c in columns]
    query = select(Participant.email, Participant.answers, *attributes).where(
        Participant.program_id == program_id, Participant.self_registered.is_(False)
    )
    return {
        record.email: {
            **record_cells(record, columns),
            **{k: text for k, text in (record.answers or {}).items() if k in keys},
        }
        for record in db.session.execute(query)
    }


def plan_import(program: Program, rows: Iterable[Row]) -> ImportPlan:
    """Compare validated canonical rows with the program's participants, by e-mail."""
    table = Participant.__table__
    stored = db.session.execute(select(table).where(table.c.program_id == program.id))
    existing = {record.email: record for record in stored}
    plan = ImportPlan()
    for row in rows:
        record = existing.get(row["email"])
        if record is None:
            plan.new.append(row)
        elif record.self_registered:
            plan.merged.append((record, row))
        elif record_to_row(record) == row:
            plan.unchanged += 1
        else:
            plan.updated.append((record, row))
    return plan


def apply_plan(
    program: Program, plan: ImportPlan, progress: Callable[[str, int, int], None] | None = None
) -> None:
    """Add, update and merge the planned participants in the current transaction.

    A merged record is no longer self-registered: the program link that created it stops
    opening it, so it never shows what the admin imported. Rows go in bulk statements of
    :data:`WRITE_CHUNK` rows; ``progress(step, done, total)`` hears after each. An update
    applies only to the version of the record that was planned: if someone changed one
    of them meanwhile, nothing is written.
    """
    table = Participant.__table__
    total, done = len(plan.new) + len(plan.updated) + len(plan.merged), 0
    changes = update(table).where(
        table.c.id == bindparam("planned_id"), table.c.version == bindparam("planned_version")
    )
    for records, also in ((plan.updated, {}), (plan.merged, {"self_registered": False})):
        for chunk in _chunks(records):
            values = [
                {**row_values(row), **also, "planned_id": r.id, "planned_version": r.version}
                for r, row in chunk
            ]
            changed = _write(changes.values(version=table.c.version + 1), values)
            if changed != len(chunk):
                raise MatcherError(
                    f"{len(chunk) - changed} of the people in the file were changed by "
                    "someone else while it was imported; nothing was imported. Import the "
                    "file again."
                )
            done += len(chunk)
            if progress:
                progress("saving", done, total)
    for chunk in _chunks(plan.new):
        _write(insert(table), [{**row_values(row), "program_id": program.id} for row in chunk])
        done += len(chunk)
        if progress:
            progress("saving", done, total)


def _chunks(items: Sequence[Any]) -> Iterator[Sequence[Any]]:
    """``items`` in slices of :data:`WRITE_CHUNK`."""
    for start in range(0, len(items), WRITE_CHUNK):
        yield items[start : start + WRITE_CHUNK]


def _write(statement: Any, values: list[dict[str, Any]]) -> int:
    """Run one bulk statement with many rows; how many rows it changed."""
    return db.session.execute(statement, values).rowcount


def email_taken(program_id: int, email: str, *, other_than: int | None = None) -> bool:
    """True when another participant of the program has this e-mail."""
    query = select(Participant.id).where(
        Participant.program_id == program_id, Participant.email == email
    )
    found: Sequence[int] = db.session.scalars(query).all()
    return any(pid != other_than for pid in found)
