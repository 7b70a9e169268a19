"""The page an invited admin opens from their e-mail (``/auth/welcome/<token>``): they
choose a password and are signed in with the roles they were invited with (an owner who
must have two-factor sets it up first, as at a log-in: :mod:`webapp.pending_login`); with
password log-in turned off, it sends them to sign in with the company's identity provider,
whose first sign-in with the invited address takes the invitation (see
:mod:`webapp.admin_access`). A used, expired or revoked link is a page that says so.
"""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from werkzeug.wrappers import Response

from webapp import admin_access, pending_login, sso
from webapp.admin.admin_forms import WelcomeForm
from webapp.passwords import password_problems
from webapp.roles import Need, needs
from webapp.sessions import start_session

bp = Blueprint("welcome", __name__, url_prefix="/auth")


@bp.route("/welcome/<token>", methods=["GET", "POST"])
@needs(Need.PUBLIC)
def welcome(token: str) -> str | Response | tuple[str, int]:
    """Set a password through an invitation and sign in; once, before it expires."""
    invitation = admin_access.valid_invite(token)
    if invitation is None:
        return render_template("auth/welcome_expired.html"), 404
    config = current_app.config
    if not sso.password_login(config):
        return render_template(
            "auth/welcome.html", invitation=invitation, form=None, sso_name=config["OIDC_NAME"]
        )
    form = WelcomeForm()
    if form.validate_on_submit():
        password = form.password.data or ""
        if problems := password_problems(password, invitation.email):
            form.password.errors = problems
        else:
            admin = admin_access.accept_with_password(invitation, password)
            if admin is None:
                return render_template("auth/welcome_expired.html"), 404
            if step := pending_login.after_password(admin, None):
                flash("Welcome to mentorloom: your password is set.")
                return redirect(step)  # an owner who must have two-factor sets it up first
            start_session(admin, how="password")
            flash("Welcome to mentorloom: your password is set and you are signed in.")
            return redirect(url_for("admin.programs.index"))
    sso_name = config["OIDC_NAME"] if sso.enabled(config) else None
    return render_template("auth/welcome.html", invitation=invitation, form=form, sso_name=sso_name)
