"""Tables of signing in: an admin's server-side sessions and their password-reset links.

An :class:`AdminSession` is one log-in of one admin: the browser's cookie carries a random
id, the table keeps only its SHA-256 hash (see :mod:`webapp.sessions`). A session ends at
log-out, "log out everywhere", a password change or reset, or when it has been idle or open
too long; an ended row stays (with why) for 90 days, then the admin's next log-in deletes it
(:data:`webapp.sessions.KEEP_ENDED`). A
:class:`PasswordReset` is one e-mailed reset link, kept as the hash of its token, used once.
A :class:`RecoveryCode` is one of an admin's two-factor recovery codes (see
:mod:`webapp.two_factor`), kept as its hash, used once.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.db import db
from webapp.models import AdminUser, utcnow

#: Length of a SHA-256 hex digest: how session ids and reset tokens are stored.
HASH_CHARS = 64
#: Longest kept user agent, and why a session ended.
USER_AGENT_MAX_CHARS = 200
ENDED_WHY_MAX_CHARS = 60
#: Longest client address (an IPv6 address with a zone fits).
ADDRESS_MAX_CHARS = 64


class AdminSession(db.Model):
    """One log-in of an admin: when, how and from where, and when and why it ended."""

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(HASH_CHARS), unique=True)
    admin_id: Mapped[int] = mapped_column(
        ForeignKey("admin_user.id", ondelete="CASCADE"), index=True
    )
    #: How the admin proved who they are: ``password``, ``password+totp``,
    #: ``password+recovery`` (a second factor, :mod:`webapp.two_factor`) or ``oidc``.
    how: Mapped[str] = mapped_column(String(20), default="password")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: Written at most once a minute (see :data:`webapp.sessions.SEEN_EVERY`).
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]
    ended_why: Mapped[str] = mapped_column(String(ENDED_WHY_MAX_CHARS), default="")
    address: Mapped[str] = mapped_column(String(ADDRESS_MAX_CHARS), default="")
    user_agent: Mapped[str] = mapped_column(String(USER_AGENT_MAX_CHARS), default="")

    #: Loaded with the session in one query: checking a request costs no second one.
    admin: Mapped[AdminUser] = relationship(lazy="joined")


class PasswordReset(db.Model):
    """One e-mailed password-reset link: the hash of its token, until when it works and
    when it was used (a link works once)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(HASH_CHARS), unique=True)
    admin_id: Mapped[int] = mapped_column(
        ForeignKey("admin_user.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class RecoveryCode(db.Model):
    """One two-factor recovery code of an admin: the hash of the code, and when it was
    used (a code works once)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    admin_id: Mapped[int] = mapped_column(
        ForeignKey("admin_user.id", ondelete="CASCADE"), index=True
    )
    code_hash: Mapped[str] = mapped_column(String(HASH_CHARS), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    used_at: Mapped[datetime | None]
