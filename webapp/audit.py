"""The audit trail: one :class:`~webapp.models.AuditEvent` per change, append-only.

Events are only ever added: the session refuses to flush a changed or deleted event, and
the database refuses it too (a trigger on SQLite and PostgreSQL, installed with the table
and by migrations 0003, 0005 and 0017). The trigger lets two changes through. A redaction
(:func:`redact`, used when a person is erased) must set a new ``redacted_at`` and may
change only ``actor`` and ``detail``, so the event (what, when, in which program, by which
admin) stays and says that it was redacted. When an admin is removed, the database sets
``admin_id`` of their events to NULL (the foreign key's ``ON DELETE SET NULL``) and changes
nothing else: the event keeps the admin's e-mail in ``actor``.

What an event stores is bounded (:func:`bounded`): no caller can write more than
:data:`DETAIL_LIMIT` bytes of detail or an actor longer than its column.
"""

from __future__ import annotations

import json
from typing import Any

from flask_login import current_user
from sqlalchemy import event, update
from sqlalchemy.orm import Session

from webapp.db import db
from webapp.models import AuditEvent, utcnow

#: Longest text one value of an event keeps, and most items one list keeps.
TEXT_LIMIT = 500
ITEMS_LIMIT = 50
#: Most bytes of JSON the detail of one event holds.
DETAIL_LIMIT = 4096
#: Marks the place of data removed by :func:`redact`.
ERASED = "[erased]"

_REFUSAL = "the audit log is append-only"
#: The only UPDATE the triggers allow: a new redaction time; id, program, admin, action
#: and time of the event unchanged.
_SANCTIONED = {
    "sqlite": (
        "NEW.redacted_at IS NOT NULL AND NEW.redacted_at IS NOT OLD.redacted_at "
        "AND NEW.id = OLD.id AND NEW.program_id IS OLD.program_id "
        "AND NEW.admin_id IS OLD.admin_id AND NEW.action = OLD.action "
        "AND NEW.created_at = OLD.created_at"
    ),
    "postgresql": (
        "NEW.redacted_at IS NOT NULL AND NEW.redacted_at IS DISTINCT FROM OLD.redacted_at "
        "AND NEW.id = OLD.id AND NEW.program_id IS NOT DISTINCT FROM OLD.program_id "
        "AND NEW.admin_id IS NOT DISTINCT FROM OLD.admin_id AND NEW.action = OLD.action "
        "AND NEW.created_at = OLD.created_at"
    ),
}
#: The other UPDATE they allow: a removed admin's events unlinked from the admin
#: (``admin_id`` set to NULL by the foreign key), everything else unchanged.
_UNLINKED = {
    "sqlite": (
        "NEW.admin_id IS NULL AND OLD.admin_id IS NOT NULL AND NEW.id = OLD.id "
        "AND NEW.program_id IS OLD.program_id AND NEW.action = OLD.action "
        "AND NEW.created_at = OLD.created_at AND NEW.actor = OLD.actor "
        "AND NEW.detail IS OLD.detail AND NEW.redacted_at IS OLD.redacted_at"
    ),
    "postgresql": (
        "NEW.admin_id IS NULL AND OLD.admin_id IS NOT NULL AND NEW.id = OLD.id "
        "AND NEW.program_id IS NOT DISTINCT FROM OLD.program_id AND NEW.action = OLD.action "
        "AND NEW.created_at = OLD.created_at AND NEW.actor = OLD.actor "
        "AND NEW.detail::text IS NOT DISTINCT FROM OLD.detail::text "
        "AND NEW.redacted_at IS NOT DISTINCT FROM OLD.redacted_at"
    ),
}


def triggers(dialect: str, *, redaction: bool = True, unlink: bool = True) -> list[str]:
    """The statements that make ``audit_event`` append-only on ``dialect``.

    Without ``redaction`` (migration 0003, before ``redacted_at`` existed) every UPDATE
    is refused; without ``unlink`` (before migration 0017) a removed admin's events are
    not unlinked either (so removing an admin who has events fails).

    >>> [s.split(" ON ")[0][15:] for s in triggers("sqlite")][1::2]
    ['audit_event_no_update BEFORE UPDATE', 'audit_event_no_delete BEFORE DELETE']
    """
    allowed = _SANCTIONED[dialect] if redaction and dialect in _SANCTIONED else "FALSE"
    if redaction and unlink and dialect in _UNLINKED:
        allowed = f"({allowed}) OR ({_UNLINKED[dialect]})"
    if dialect == "sqlite":
        statements = []
        for verb, when in (("update", f" WHEN NOT ({allowed})"), ("delete", "")):
            statements += [
                f"DROP TRIGGER IF EXISTS audit_event_no_{verb}",
                f"CREATE TRIGGER audit_event_no_{verb} BEFORE {verb.upper()} ON audit_event"
                f"{when} BEGIN SELECT RAISE(ABORT, '{_REFUSAL}'); END",
            ]
        return statements
    if dialect == "postgresql":
        return [
            "CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger AS $$ "
            f"BEGIN IF TG_OP = 'UPDATE' AND {allowed} THEN RETURN NEW; END IF; "
            f"RAISE EXCEPTION '{_REFUSAL}'; END; $$ LANGUAGE plpgsql",
            "DROP TRIGGER IF EXISTS audit_event_append_only ON audit_event",
            "CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_event "
            "FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()",
        ]
    return []


class AppendOnlyError(RuntimeError):
    """Someone tried to change or delete an audit event."""


def cut(text: str, limit: int = TEXT_LIMIT) -> str:
    """``text``, or its start marked with its length when it has over ``limit`` characters.

    The result never has more than ``limit`` characters.

    >>> cut("short"), cut("x" * 30, 20)
    ('short', 'xxxxxxxx… (30 chars)')
    """
    if len(text) <= limit:
        return text
    mark = f"… ({len(text):,} chars)"
    return text[: max(limit - len(mark), 0)] + mark


def bounded(value: Any) -> Any:
    """``value`` with every text cut to :data:`TEXT_LIMIT` and every list to
    :data:`ITEMS_LIMIT` items (the rest counted), at any depth.

    >>> bounded({"note": "x" * 600, "ids": list(range(60))})["ids"][-1]
    '… and 10 more'
    >>> len(bounded({"note": "x" * 10**6})["note"]) <= TEXT_LIMIT
    True
    """
    if isinstance(value, str):
        return cut(value)
    if isinstance(value, dict):
        return {cut(str(key), 64): bounded(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        kept = [bounded(item) for item in value[:ITEMS_LIMIT]]
        if len(value) > ITEMS_LIMIT:
            kept.append(f"… and {len(value) - ITEMS_LIMIT} more")
        return kept
    return value


def _fitting(detail: dict[str, Any]) -> dict[str, Any]:
    """The bounded ``detail``, keeping whole values in order while they fit
    :data:`DETAIL_LIMIT`; the names of those left out go to ``omitted``."""
    detail = bounded(detail)
    if len(json.dumps(detail, default=str)) <= DETAIL_LIMIT:
        return detail
    kept: dict[str, Any] = {}
    omitted: list[str] = []
    budget = DETAIL_LIMIT - len(json.dumps({"omitted": list(detail)}))
    for key, value in detail.items():
        size = len(json.dumps({key: value}, default=str))
        if size <= budget:
            kept[key] = value
            budget -= size
        else:
            omitted.append(key)
    return {**kept, "omitted": omitted}


def record(action: str, program_id: int | None, *, actor: str = "", **detail: Any) -> None:
    """Add an audit event to the current transaction (the caller commits).

    ``actor`` defaults to the logged-in admin's e-mail (a background job, outside any
    request, names the admin who started it). ``detail`` is stored bounded
    (:func:`bounded`, at most :data:`DETAIL_LIMIT` bytes), and so is ``actor``.
    """
    signed_in = bool(current_user) and current_user.is_authenticated
    admin_id = current_user.id if signed_in else None
    if not actor:
        actor = current_user.email if signed_in else "anonymous"
    db.session.add(
        AuditEvent(
            program_id=program_id,
            admin_id=admin_id,
            actor=cut(actor, AuditEvent.actor.type.length),
            action=action,
            detail=_fitting(detail),
        )
    )


def redact(audit_event: AuditEvent, actor: str, detail: dict[str, Any]) -> None:
    """Replace the actor and detail of a stored event and mark it redacted (the caller
    commits): the one change the append-only triggers allow, for erasure."""
    db.session.execute(
        update(AuditEvent)
        .where(AuditEvent.id == audit_event.id)
        .values(actor=actor, detail=_fitting(detail), redacted_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    db.session.expire(audit_event)


@event.listens_for(Session, "before_flush")
def _append_only(session: Session, flush_context: object, instances: object) -> None:
    """Refuse to flush a change to, or the deletion of, a stored audit event."""
    touched = [
        obj
        for obj in (*session.dirty, *session.deleted)
        if isinstance(obj, AuditEvent) and (obj in session.deleted or session.is_modified(obj))
    ]
    if touched:
        raise AppendOnlyError(_REFUSAL)


def install_triggers(connection: Any, *, redaction: bool = True, unlink: bool = True) -> None:
    """Create the database triggers that keep ``audit_event`` append-only (see
    :func:`triggers`)."""
    for statement in triggers(connection.dialect.name, redaction=redaction, unlink=unlink):
        connection.exec_driver_sql(statement)


@event.listens_for(AuditEvent.__table__, "after_create")
def _create_triggers(table: object, connection: Any, **kwargs: Any) -> None:
    """Install the triggers whenever the table is created (``create_all`` in tests)."""
    install_triggers(connection)
