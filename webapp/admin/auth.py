"""Admin log-in and log-out (Flask-Login, hashed passwords, server-side sessions of
:mod:`webapp.sessions`), and "Forgot your password?" with its reset link
(:mod:`webapp.resets`); the log-in page also offers single sign-on when it is set up
(:mod:`webapp.sso`), and refuses passwords when ``MENTORLOOM_PASSWORD_LOGIN`` is false.
With two-factor on (or required of an owner), a right password leads to the second step
of :mod:`webapp.admin.two_factor_login` (see :func:`webapp.pending_login.after_password`),
not to a session."""

from __future__ import annotations

import re

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, logout_user
from werkzeug.wrappers import Response

from webapp import audit, pending_login, resets, sso, throttle
from webapp.admins import find_admin
from webapp.audit import cut
from webapp.db import db
from webapp.digests import keyed_digest
from webapp.forms import EmptyForm, ForgotPasswordForm, LoginForm, ResetPasswordForm
from webapp.models import AdminUser
from webapp.passwords import password_problems
from webapp.roles import Need, needs
from webapp.security import safe_next
from webapp.sessions import end_session, start_session

bp = Blueprint("auth", __name__, url_prefix="/auth")

#: An e-mail worth showing (masked) in the audit of a failed log-in.
_PLAUSIBLE_EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s]{1,255}\.[^@\s]{1,63}")


@bp.route("/login", methods=["GET", "POST"])
@needs(Need.PUBLIC)
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
        elif step := pending_login.after_password(admin, request.args.get("next")):
            return redirect(step)  # the throttle keeps counting until the second factor
        else:
            throttle.succeeded(email, address)
            start_session(admin, how="password")
            return redirect(safe_next(request.args.get("next")))
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
@needs(Need.SIGNED_IN)
def logout() -> Response:
    """Log the admin out (a POST, so another site cannot do it)."""
    if EmptyForm().validate_on_submit():
        end_session("logged out")
        audit.record("auth.logout", None, address=request.remote_addr)
        db.session.commit()
        logout_user()
        session.clear()
        flash("You are logged out.")
    return redirect(url_for("admin.auth.login"))


#: What "Forgot your password?" answers, whatever the address (no account enumeration).
SENT = (
    "If an admin account has this address, a link to set a new password is on its way. "
    "It works once, for {minutes} minutes."
)


@bp.route("/forgot", methods=["GET", "POST"])
@needs(Need.PUBLIC)
def forgot() -> str | Response:
    """Ask for a password-reset link by e-mail; the same answer for any address."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        link = url_for("admin.auth.reset", token="TOKEN", _external=True)
        resets.request_reset(form.email.data or "", link.replace("TOKEN", "{token}"))
        flash(SENT.format(minutes=current_app.config["PASSWORD_RESET_MINUTES"]))
        return redirect(url_for("admin.auth.login"))
    return render_template("auth/forgot.html", form=form)


@bp.route("/reset/<token>", methods=["GET", "POST"])
@needs(Need.PUBLIC)
def reset(token: str) -> str | Response | tuple[str, int]:
    """Set a new password through an e-mailed link: once, before it expires; the admin's
    sessions all end, and they log in with the new password."""
    found = resets.valid_reset(token)
    if found is None:
        page = render_template("auth/reset_expired.html")
        return page, 404
    admin = resets.reset_admin(found)
    form = ResetPasswordForm()
    if form.validate_on_submit():
        password = form.password.data or ""
        if problems := password_problems(password, admin.email):
            form.password.errors = problems
        elif resets.use_reset(found, password):
            logout_user()
            session.clear()
            flash("Your new password is set, and every session of your account has ended: log in.")
            return redirect(url_for("admin.auth.login"))
        else:
            return render_template("auth/reset_expired.html"), 404
    return render_template("auth/reset.html", form=form, email=admin.email)
