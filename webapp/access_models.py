"""The tables of who may work on which program: one :class:`ProgramAccess` row per admin
and program, with the admin's role there (see :mod:`webapp.roles`); owners need no rows,
they may do everything everywhere. An :class:`AdminInvite` is an owner's e-mailed
invitation of a new admin, with the roles they get when they accept it (see
:mod:`webapp.admin_access`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from matcher import EMAIL_MAX_CHARS
from webapp.db import db
from webapp.models import AdminUser, utcnow
from webapp.session_models import HASH_CHARS

#: Longest stored role name (``manager``, ``reviewer``, ``viewer``).
ROLE_MAX_CHARS = 16


class ProgramAccess(db.Model):
    """An admin's role in one program, who gave it and when."""

    __table_args__ = (UniqueConstraint("program_id", "admin_id", name="uq_program_access"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(
        ForeignKey("program.id", ondelete="CASCADE"), index=True
    )
    admin_id: Mapped[int] = mapped_column(
        ForeignKey("admin_user.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[str] = mapped_column(String(ROLE_MAX_CHARS))
    granted_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: The e-mail of the owner who gave the role ("" when a command or a cohort copy did).
    granted_by: Mapped[str] = mapped_column(String(EMAIL_MAX_CHARS), default="")

    admin: Mapped[AdminUser] = relationship()


class AdminInvite(db.Model):
    """An invitation of a new admin: the hash of its token (the link works once, until
    ``expires_at``), the address, the roles they get (owner, or ``{program id: role}``),
    who invited them, and when it was used or revoked."""

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(HASH_CHARS), unique=True)
    email: Mapped[str] = mapped_column(String(EMAIL_MAX_CHARS), index=True)
    is_owner: Mapped[bool] = mapped_column(Boolean, default=False)
    #: The program roles given, ``{"<program id>": "manager" | "reviewer" | "viewer"}``.
    roles: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    invited_by: Mapped[str] = mapped_column(String(EMAIL_MAX_CHARS), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
