"""The state between a right password and the second factor (:mod:`webapp.two_factor`).

:func:`after_password` is the one path from a right password (the log-in page, the
welcome page of an invited admin) to either a session or the second step. When two-factor
is on, or required of an owner who has not set it up, no session starts after the password
alone: the Flask session holds only a *pending*
marker (:data:`PENDING_KEY`: the admin's id, when the password was right, where to go
next, and whether the admin must enrol first). Nothing else reads it, so it opens no
admin page; it lasts at most :data:`MAX_AGE`, and :func:`webapp.sessions.start_session`
clears it with the rest of the Flask session once the second factor is given.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app, session, url_for

from webapp import sessions, two_factor
from webapp.db import db
from webapp.models import AdminUser
from webapp.security import is_local_path

#: The key of the Flask session that holds the marker.
PENDING_KEY = "two_factor_pending"
#: How long after the right password the second factor may come.
MAX_AGE = timedelta(minutes=5)


@dataclass(frozen=True)
class Pending:
    """A log-in waiting for its second factor: who, where to go next (a local path or
    None), and whether they enrol first."""

    admin: AdminUser
    next: str | None
    enrol: bool


def after_password(admin: AdminUser, next_path: str | None) -> str | None:
    """What follows a right password of ``admin``: None when their session may start now;
    else the URL of the second step, the log-in held by the marker (an owner who must have
    two-factor and has not gets a new secret to enrol first). Commits."""
    on = two_factor.is_on(admin)
    if not on and not two_factor.required(admin, current_app.config):
        return None
    if not on:
        two_factor.start_enrolment(admin)
    db.session.commit()
    begin(admin, next_path, enrol=not on)
    return url_for("admin.two_factor_login.code" if on else "admin.two_factor_login.setup")


def begin(admin: AdminUser, next_path: str | None, *, enrol: bool) -> None:
    """Forget the Flask session and hold a marker for ``admin`` instead (``next_path``
    kept only when it is a path of this site)."""
    session.clear()
    session[PENDING_KEY] = {
        "admin": admin.id,
        "since": sessions.now().isoformat(),
        "next": next_path if next_path and is_local_path(next_path) else None,
        "enrol": enrol,
    }


def pending() -> Pending | None:
    """The log-in waiting for its second factor, if one is and it is not too old."""
    marker = session.get(PENDING_KEY)
    if not isinstance(marker, dict):
        return None
    try:
        since = datetime.fromisoformat(marker["since"])
        admin = db.session.get(AdminUser, int(marker["admin"]))
    except (KeyError, TypeError, ValueError):
        return None
    if admin is None or sessions.now() - since > MAX_AGE:
        return None
    return Pending(admin, marker.get("next"), bool(marker.get("enrol")))


def forget() -> None:
    """Drop the marker (an expired or abandoned log-in)."""
    session.pop(PENDING_KEY, None)
