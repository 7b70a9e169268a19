"""The audit trail: one :class:`~webapp.models.AuditEvent` per change."""

from __future__ import annotations

from typing import Any

from flask_login import current_user

from webapp.db import db
from webapp.models import AuditEvent


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
