"""Password reset by an e-mailed link that works once, for ``PASSWORD_RESET_MINUTES``.

:func:`request_reset` is what "Forgot your password?" does with an address: when an admin
has it (and has not had ``LINK_MAILS[0]`` links in ``LINK_MAILS[1]`` seconds), a
:class:`~webapp.session_models.PasswordReset` keeps the hash of a new random token and a
site e-mail (in no program's outbox) carries the link; whatever the address, the caller says
the same. :func:`valid_reset` finds the open reset of a token; :func:`use_reset` sets the new
password, marks the link used and ends every session of the admin.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from flask import current_app, request
from sqlalchemy import delete, func, select, update

from webapp import audit
from webapp.admins import find_admin
from webapp.db import db
from webapp.mail.models import MailKind
from webapp.mail.outbox import queue_message
from webapp.models import AdminUser
from webapp.session_models import PasswordReset
from webapp.sessions import end_sessions, now, token_hash

#: A used or expired link is deleted when the admin asks for a new one this long after.
KEEP_DEAD = timedelta(days=1)


def _recent(admin: AdminUser, seconds: float) -> int:
    """How many reset links the admin was sent in the last ``seconds``."""
    since = now() - timedelta(seconds=seconds)
    query = select(func.count()).where(
        PasswordReset.admin_id == admin.id, PasswordReset.created_at >= since
    )
    return db.session.scalar(query) or 0


def request_reset(email: str, link_for: str) -> None:
    """E-mail a reset link to the admin with ``email``, if there is one and they had few
    lately; else do nothing. ``link_for`` is the reset page's URL with ``{token}`` in it.
    Commits."""
    admin = find_admin(email)
    most, seconds = current_app.config["LINK_MAILS"]
    if admin is None or _recent(admin, seconds) >= most:
        return
    # links dead for longer than the count above looks back: nothing to keep them for
    dead_since = now() - timedelta(seconds=max(seconds, KEEP_DEAD.total_seconds()))
    db.session.execute(
        delete(PasswordReset)
        .where(PasswordReset.admin_id == admin.id, PasswordReset.expires_at < dead_since)
        .execution_options(synchronize_session=False)
    )
    token = secrets.token_urlsafe(32)
    minutes = current_app.config["PASSWORD_RESET_MINUTES"]
    db.session.add(
        PasswordReset(
            token_hash=token_hash(token),
            admin_id=admin.id,
            created_at=now(),
            expires_at=now() + timedelta(minutes=minutes),
        )
    )
    audit.record("auth.reset_sent", None, actor=admin.email, address=request.remote_addr)
    queue_message(
        None,
        to=admin.email,
        kind=MailKind.PASSWORD_RESET,
        template="password_reset",
        context={"email": admin.email, "minutes": minutes, "link": link_for.format(token=token)},
        queued_by="system",
    )


def valid_reset(token: str) -> PasswordReset | None:
    """The reset of ``token`` while it works: not used, not expired."""
    reset = db.session.scalar(
        select(PasswordReset).where(PasswordReset.token_hash == token_hash(token))
    )
    if reset is None or reset.used_at is not None or reset.expires_at <= now():
        return None
    return reset


def reset_admin(reset: PasswordReset) -> AdminUser:
    """The admin a reset link is for."""
    admin = db.session.get(AdminUser, reset.admin_id)
    assert admin is not None  # the foreign key cascades
    return admin


def use_reset(reset: PasswordReset, password: str) -> bool:
    """Set the admin's new password, mark the link used and end all their sessions;
    commits. False when another request used the link first (nothing changed)."""
    claimed = db.session.execute(
        update(PasswordReset)
        .where(PasswordReset.id == reset.id, PasswordReset.used_at.is_(None))
        .values(used_at=now())
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        db.session.rollback()
        return False
    admin = reset_admin(reset)
    admin.set_password(password)
    end_sessions(admin, "password reset")
    audit.record("auth.password_reset", None, actor=admin.email, address=request.remote_addr)
    db.session.commit()
    return True
