"""Finding and creating admins by e-mail (the log-in, the reset link and the commands)."""

from __future__ import annotations

from sqlalchemy import select

from webapp.db import db
from webapp.models import AdminUser


def find_admin(email: str) -> AdminUser | None:
    """Return the admin with this e-mail (case-insensitive), if any."""
    return db.session.scalar(select(AdminUser).where(AdminUser.email == email.strip().lower()))


def create_admin(email: str, password: str) -> AdminUser:
    """Create an owner, or reset the password of an existing admin (whose role stays);
    the caller commits.

    This is how the first admin comes to be (``flask create-admin``): owners then invite
    the others from the web app. The password is stored as given: callers that take it
    from a person check it first with :func:`webapp.passwords.password_problems`.
    """
    admin = find_admin(email) or AdminUser(email=email.strip().lower(), is_owner=True)
    admin.set_password(password)
    db.session.add(admin)
    return admin
