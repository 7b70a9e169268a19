"""Server-side admin sessions: every log-in is a row, checked on every request.

The browser's signed session cookie carries a random session id (:data:`SESSION_KEY`);
:class:`~webapp.session_models.AdminSession` keeps its SHA-256 hash. Flask-Login's user
loader (:func:`load_admin`) accepts the cookie only while its row is open: not ended, seen
within ``SESSION_IDLE_MINUTES`` and begun within ``SESSION_MAX_HOURS``. Anything else logs
the browser out with a message saying why. ``last_seen_at`` is written at most once every
:data:`SEEN_EVERY`, on its own connection, so a page view costs no write.

:func:`start_session` is the one way in (the password form and single sign-on call it);
:func:`end_session` ends the current one (log-out), :func:`end_sessions` every session of an
admin but, optionally, the current one (log out everywhere, a password change or reset, and
later a role change or removal). Remember-me cookies are never set; one sent anyway finds no
session id and opens nothing.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from flask import current_app, flash, request, session
from flask_login import login_user
from sqlalchemy import delete, or_, update

from webapp import audit
from webapp.db import db, login_manager
from webapp.models import AdminUser, utcnow
from webapp.session_models import (
    ADDRESS_MAX_CHARS,
    ENDED_WHY_MAX_CHARS,
    USER_AGENT_MAX_CHARS,
    AdminSession,
)

#: The key of the Flask session that holds the session id.
SESSION_KEY = "admin_session"
#: ``last_seen_at`` is written when it is at least this old.
SEEN_EVERY = timedelta(minutes=1)
#: Ended sessions are kept this long, then deleted at the admin's next log-in (the audit log
#: keeps every log-in and log-out for good).
KEEP_ENDED = timedelta(days=90)


def now() -> datetime:
    """The current time, UTC without tzinfo (tests move it instead of sleeping)."""
    return utcnow()


def token_hash(token: str) -> str:
    """The stored form of a session id or reset token: its SHA-256, in hex.

    >>> token_hash("abc")[:16]
    'ba7816bf8f01cfea'
    """
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(admin: AdminUser, how: str = "password") -> None:
    """Log ``admin`` in: a fresh Flask session (so a new CSRF token, and nothing an
    attacker planted carries over), a new session row, Flask-Login's log-in, and an
    audit event ``auth.login``; commits.

    ``how`` says how they proved who they are: ``password``, ``password+totp`` or
    ``password+recovery`` (with a second factor, see :mod:`webapp.two_factor`), ``oidc``.
    """
    session.clear()
    _tidy(admin)
    token = secrets.token_urlsafe(32)
    db.session.add(
        AdminSession(
            token_hash=token_hash(token),
            admin_id=admin.id,
            how=how,
            created_at=now(),
            last_seen_at=now(),
            address=(request.remote_addr or "")[:ADDRESS_MAX_CHARS],
            user_agent=request.headers.get("User-Agent", "")[:USER_AGENT_MAX_CHARS],
        )
    )
    session[SESSION_KEY] = token
    login_user(admin, remember=False)
    audit.record("auth.login", None, actor=admin.email, how=how, address=request.remote_addr)
    db.session.commit()


def _tidy(admin: AdminUser) -> None:
    """End the admin's sessions that timed out without another request (so no page lists
    them as open) and delete those that ended more than :data:`KEEP_ENDED` ago."""
    at, config = now(), current_app.config
    db.session.execute(
        update(AdminSession)
        .where(
            AdminSession.admin_id == admin.id,
            AdminSession.ended_at.is_(None),
            or_(
                AdminSession.last_seen_at < at - timedelta(minutes=config["SESSION_IDLE_MINUTES"]),
                AdminSession.created_at < at - timedelta(hours=config["SESSION_MAX_HOURS"]),
            ),
        )
        .values(ended_at=at, ended_why="timed out")
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        delete(AdminSession)
        .where(AdminSession.admin_id == admin.id, AdminSession.ended_at < at - KEEP_ENDED)
        .execution_options(synchronize_session=False)
    )


def current_session() -> AdminSession | None:
    """The row of the session id the request's cookie carries, if any."""
    token = session.get(SESSION_KEY)
    if not isinstance(token, str):
        return None
    return db.session.query(AdminSession).filter_by(token_hash=token_hash(token)).one_or_none()


def end_session(why: str = "logged out") -> None:
    """End the current request's session (the caller logs out of Flask-Login and commits)."""
    if (current := current_session()) is not None and current.ended_at is None:
        current.ended_at, current.ended_why = now(), why[:ENDED_WHY_MAX_CHARS]


def end_sessions(admin: AdminUser, why: str, *, keep_current: bool = False) -> int:
    """End every open session of ``admin`` (all but this request's with ``keep_current``):
    log out everywhere, a password change or reset, a role change, a removal. The caller
    commits; returns how many ended. The next request of each ends up at the log-in page.
    """
    condition = [AdminSession.admin_id == admin.id, AdminSession.ended_at.is_(None)]
    if keep_current and (current := current_session()) is not None:
        condition.append(AdminSession.id != current.id)
    ended = db.session.execute(
        update(AdminSession)
        .where(*condition)
        .values(ended_at=now(), ended_why=why[:ENDED_WHY_MAX_CHARS])
        .execution_options(synchronize_session=False)
    )
    return ended.rowcount


def open_sessions(admin: AdminUser) -> list[AdminSession]:
    """The admin's sessions that have not ended, newest first (the account page)."""
    return (
        db.session.query(AdminSession)
        .filter(AdminSession.admin_id == admin.id, AdminSession.ended_at.is_(None))
        .order_by(AdminSession.created_at.desc())
        .all()
    )


def closed_why(row: AdminSession | None, at: datetime) -> str | None:
    """Why the session ``row`` no longer opens pages at ``at`` (None: it does)."""
    if row is None:
        return "your session is not known (it may have ended)"
    if row.ended_at is not None:
        return f"your session ended ({row.ended_why})"
    config = current_app.config
    if at - row.last_seen_at > timedelta(minutes=config["SESSION_IDLE_MINUTES"]):
        return f"you were away for more than {config['SESSION_IDLE_MINUTES']} minutes"
    if at - row.created_at > timedelta(hours=config["SESSION_MAX_HOURS"]):
        return f"sessions last at most {config['SESSION_MAX_HOURS']} hours"
    return None


def _seen(row: AdminSession, at: datetime) -> None:
    """Write ``last_seen_at`` when it is :data:`SEEN_EVERY` old, on its own connection."""
    if at - row.last_seen_at < SEEN_EVERY:
        return
    table = AdminSession.__table__
    with db.engine.begin() as connection:
        connection.execute(
            update(table)
            .where(table.c.id == row.id, table.c.ended_at.is_(None))
            .values(last_seen_at=at)
        )


@login_manager.user_loader
def load_admin(user_id: str) -> AdminUser | None:
    """The admin of the request's session while that session is open; else log the
    browser out (a fresh Flask session with a message saying why) and return None."""
    at = now()
    row = current_session()
    why = closed_why(row, at)
    if row is not None and why is None and str(row.admin_id) == user_id:
        _seen(row, at)
        return row.admin
    if row is not None and row.ended_at is None and why is not None:
        end_session(why)
        db.session.commit()
    session.clear()
    flash(f"You are logged out: {why or 'your session belongs to another account'}.")
    return None
