"""The audit trail: one :class:`~webapp.models.AuditEvent` per change, append-only.

Events are only ever added: the session refuses to flush a changed or deleted event, and
the database refuses it too (a trigger on SQLite and PostgreSQL, installed with the table
and by migration 0003).
"""

from __future__ import annotations

from typing import Any

from flask_login import current_user
from sqlalchemy import event
from sqlalchemy.orm import Session

from webapp.db import db
from webapp.models import AuditEvent

#: Triggers that make the table append-only, by dialect (see :func:`install_triggers`).
TRIGGERS = {
    "sqlite": [
        f"CREATE TRIGGER IF NOT EXISTS audit_event_no_{verb} BEFORE {verb.upper()} ON "
        "audit_event BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END"
        for verb in ("update", "delete")
    ],
    "postgresql": [
        "CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger AS $$ "
        "BEGIN RAISE EXCEPTION 'the audit log is append-only'; END; $$ LANGUAGE plpgsql",
        "DROP TRIGGER IF EXISTS audit_event_append_only ON audit_event",
        "CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_event "
        "FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()",
    ],
}


class AppendOnlyError(RuntimeError):
    """Someone tried to change or delete an audit event."""


def record(action: str, program_id: int | None, *, actor: str = "", **detail: Any) -> None:
    """Add an audit event to the current transaction (the caller commits).

    ``actor`` defaults to the logged-in admin's e-mail.
    """
    admin_id = current_user.id if current_user.is_authenticated else None
    if not actor:
        actor = current_user.email if current_user.is_authenticated else "anonymous"
    db.session.add(
        AuditEvent(
            program_id=program_id, admin_id=admin_id, actor=actor, action=action, detail=detail
        )
    )


@event.listens_for(Session, "before_flush")
def _append_only(session: Session, flush_context: object, instances: object) -> None:
    """Refuse to flush a change to, or the deletion of, a stored audit event."""
    touched = [
        obj
        for obj in (*session.dirty, *session.deleted)
        if isinstance(obj, AuditEvent) and (obj in session.deleted or session.is_modified(obj))
    ]
    if touched:
        raise AppendOnlyError("the audit log is append-only")


def install_triggers(connection: Any) -> None:
    """Create the database triggers that refuse UPDATE and DELETE on ``audit_event``."""
    for statement in TRIGGERS.get(connection.dialect.name, []):
        connection.exec_driver_sql(statement)


@event.listens_for(AuditEvent.__table__, "after_create")
def _create_triggers(table: object, connection: Any, **kwargs: Any) -> None:
    """Install the triggers whenever the table is created (``create_all`` in tests)."""
    install_triggers(connection)
