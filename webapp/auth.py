"""Admin log-in and log-out (Flask-Login, hashed passwords)."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import func, select
from werkzeug.wrappers import Response

from webapp import audit
from webapp.db import db, login_manager
from webapp.forms import EmptyForm, LoginForm
from webapp.models import AdminUser, AuditEvent, utcnow
from webapp.security import is_local_path

bp = Blueprint("auth", __name__, url_prefix="/auth")

#: Wrong passwords allowed for one e-mail within ``LOCKOUT_WINDOW`` before log-in pauses.
MAX_FAILURES = 10
LOCKOUT_WINDOW = timedelta(minutes=15)


@login_manager.user_loader
def load_user(user_id: str) -> AdminUser | None:
    """Return the admin whose id the session holds."""
    return db.session.get(AdminUser, int(user_id))


def find_admin(email: str) -> AdminUser | None:
    """Return the admin with this e-mail (case-insensitive), if any."""
    return db.session.scalar(select(AdminUser).where(AdminUser.email == email.strip().lower()))


def create_admin(email: str, password: str) -> AdminUser:
    """Create an admin, or reset the password of an existing one; the caller commits."""
    admin = find_admin(email) or AdminUser(email=email.strip().lower())
    admin.set_password(password)
    db.session.add(admin)
    return admin


def _safe_next(target: str | None) -> str:
    """Only follow ``next`` to a path on this site."""
    if target and is_local_path(target):
        return target
    return url_for("programs.index")


@bp.route("/login", methods=["GET", "POST"])
def login() -> str | Response:
    """Show the log-in form; log the admin in."""
    if current_user.is_authenticated:
        return redirect(url_for("programs.index"))
    form = LoginForm()
    if form.validate_on_submit():
        email = (form.email.data or "").strip().lower()
        admin = find_admin(email)
        if _recent_failures(email) >= MAX_FAILURES:
            form.password.errors = ["Too many wrong passwords: wait 15 minutes and try again."]
        elif admin is None or not admin.check_password(form.password.data or ""):
            audit.record("auth.failed", None, actor=email)
            db.session.commit()
            form.password.errors = ["Wrong e-mail or password."]
        else:
            login_user(admin)
            return redirect(_safe_next(request.args.get("next")))
    return render_template("auth/login.html", form=form)


def _recent_failures(email: str) -> int:
    """Wrong passwords given for ``email`` within the lockout window."""
    since = utcnow() - LOCKOUT_WINDOW
    query = select(func.count()).where(
        AuditEvent.action == "auth.failed",
        AuditEvent.actor == email,
        AuditEvent.created_at >= since,
    )
    return db.session.scalar(query) or 0


@bp.post("/logout")
@login_required
def logout() -> Response:
    """Log the admin out (a POST, so another site cannot do it)."""
    if EmptyForm().validate_on_submit():
        logout_user()
        flash("You are logged out.")
    return redirect(url_for("auth.login"))


def admin_only(blueprint: Blueprint) -> None:
    """Require a logged-in admin for every route of ``blueprint``."""

    @blueprint.before_request
    def _require_login() -> Response | None:
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        return None
