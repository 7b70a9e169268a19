"""Admin log-in and log-out (Flask-Login, hashed passwords)."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from webapp.db import db, login_manager
from webapp.forms import EmptyForm, LoginForm
from webapp.models import AdminUser

bp = Blueprint("auth", __name__, url_prefix="/auth")


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
    if target and urlsplit(target).netloc == "" and target.startswith("/"):
        return target
    return url_for("programs.index")


@bp.route("/login", methods=["GET", "POST"])
def login() -> str | Response:
    """Show the log-in form; log the admin in."""
    if current_user.is_authenticated:
        return redirect(url_for("programs.index"))
    form = LoginForm()
    if form.validate_on_submit():
        admin = find_admin(form.email.data or "")
        if admin is None or not admin.check_password(form.password.data or ""):
            form.password.errors = ["Wrong e-mail or password."]
        else:
            login_user(admin)
            return redirect(_safe_next(request.args.get("next")))
    return render_template("auth/login.html", form=form)


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
