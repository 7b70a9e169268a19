"""Admin log-in and log-out (Flask-Login, hashed passwords); the log-in page also offers
single sign-on when it is set up (:mod:`webapp.sso`), and refuses passwords when
``MENTORLOOM_PASSWORD_LOGIN`` is false."""

from __future__ import annotations

import re

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from webapp import audit, sso, throttle
from webapp.audit import cut
from webapp.db import db, login_manager
from webapp.digests import keyed_digest
from webapp.forms import EmptyForm, LoginForm
from webapp.models import AdminUser
from webapp.security import is_local_path

bp = Blueprint("auth", __name__, url_prefix="/auth")

#: An e-mail worth showing (masked) in the audit of a failed log-in.
_PLAUSIBLE_EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s]{1,255}\.[^@\s]{1,63}")


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
    return url_for("admin.programs.index")


@bp.route("/login", methods=["GET", "POST"])
def login() -> str | Response | tuple[str, int, dict[str, str]]:
    """Show the log-in form; log the admin in, or say how long to wait (see
    :mod:`webapp.throttle`)."""
    if current_user.is_authenticated:
        return redirect(url_for("admin.programs.index"))
    form = LoginForm()
    if not sso.password_login(current_app.config):
        if request.method == "POST":
            flash(f"Log-in with a password is turned off: sign in with {_sso_name()}.", "error")
            return _login_page(form), 403
        return _login_page(form)
    if form.validate_on_submit():
        email = (form.email.data or "").strip().lower()
        address = request.remote_addr or "unknown"
        if seconds := throttle.wait(email, address):
            unit = "second" if seconds == 1 else "seconds"
            form.password.errors = [
                f"Too many wrong passwords: wait {seconds} {unit} and try again."
            ]
            return _login_page(form), 429, {"Retry-After": str(seconds)}
        admin = find_admin(email)
        if admin is None or not admin.check_password(form.password.data or ""):
            throttle.failed(email, address)
            audit.record("auth.failed", None, **failure_detail(email, admin, address))
            db.session.commit()
            form.password.errors = ["Wrong e-mail or password."]
        else:
            throttle.succeeded(email, address)
            login_user(admin)
            return redirect(_safe_next(request.args.get("next")))
    return _login_page(form)


def _sso_name() -> str:
    return str(current_app.config["OIDC_NAME"])


def _login_page(form: LoginForm) -> str:
    """The log-in page: the password form when allowed, "Sign in with …" when single
    sign-on is set up."""
    config = current_app.config
    return render_template(
        "auth/login.html",
        form=form,
        password_login=sso.password_login(config),
        sso_name=_sso_name() if sso.enabled(config) else None,
    )


def failure_detail(email: str, admin: AdminUser | None, address: str) -> dict[str, str]:
    """What the audit keeps of a failed log-in: the account when it exists, else a keyed
    hash of the e-mail given and, when it looks like an address, a masked form of it; never
    the text a stranger typed."""
    if admin is not None:
        return {"account": admin.email, "address": cut(address, 64)}
    detail = {"unknown_account": keyed_digest(f"account:{email}")[:16]}
    if _PLAUSIBLE_EMAIL.fullmatch(email):
        local, domain = email.split("@")
        detail["email_hint"] = f"{local[:2]}…@{domain}"
    return {**detail, "address": cut(address, 64)}


@bp.post("/logout")
@login_required
def logout() -> Response:
    """Log the admin out (a POST, so another site cannot do it)."""
    if EmptyForm().validate_on_submit():
        logout_user()
        flash("You are logged out.")
    return redirect(url_for("admin.auth.login"))
