"""The table of who may work on which program: one :class:`ProgramAccess` row per admin
and program, with the admin's role there (see :mod:`webapp.roles`). Owners need no rows:
they may do everything everywhere.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from matcher import EMAIL_MAX_CHARS
from webapp.db import db
from webapp.models import AdminUser, utcnow

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
