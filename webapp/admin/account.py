"""The admin's own account page: their open sessions, "Log out everywhere", "Change
password" (see :mod:`webapp.sessions` and :mod:`webapp.passwords`), and whether
two-factor authentication is on (its page: :mod:`webapp.admin.two_factor_pages`)."""

from __future__ import annotations

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

from webapp import audit, throttle, two_factor
from webapp.db import db
from webapp.forms import ChangePasswordForm, EmptyForm
from webapp.passwords import password_problems
from webapp.roles import Need, needs
from webapp.sessions import current_session, end_sessions, open_sessions

bp = Blueprint("account", __name__, url_prefix="/account")


def _page(form: ChangePasswordForm) -> str:
    return render_template(
        "account/show.html",
        form=form,
        end_all=EmptyForm(),
        sessions=open_sessions(current_user),
        current=current_session(),
        two_factor_on=two_factor.is_on(current_user),
        two_factor_required=two_factor.required(current_user, current_app.config),
    )


@bp.get("/")
@needs(Need.SIGNED_IN)
def show() -> str:
    """The admin's e-mail, open sessions, and the forms to change the password or log
    out everywhere."""
    return _page(ChangePasswordForm())


@bp.post("/password")
@needs(Need.SIGNED_IN)
def change_password() -> str | Response:
    """Change the password (the current one is asked); every other session ends."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        address = request.remote_addr or "unknown"
        if seconds := throttle.wait(current_user.email, address):
            form.current.errors = [f"Too many wrong tries: wait {seconds} seconds and try again."]
        elif not current_user.check_password(form.current.data or ""):
            throttle.failed(current_user.email, address)
            form.current.errors = ["This is not your current password."]
        elif problems := password_problems(form.password.data or "", current_user.email):
            form.password.errors = problems
        else:
            current_user.set_password(form.password.data or "")
            ended = end_sessions(current_user, "password changed", keep_current=True)
            audit.record(
                "auth.password_changed", None, sessions_ended=ended, address=request.remote_addr
            )
            db.session.commit()
            flash("Your password is changed; your other sessions have ended.")
            return redirect(url_for("admin.account.show"))
    return _page(form)


@bp.post("/logout-everywhere")
@needs(Need.SIGNED_IN)
def logout_everywhere() -> Response:
    """End every session of the admin, this one too."""
    if EmptyForm().validate_on_submit():
        ended = end_sessions(current_user, "logged out everywhere")
        audit.record(
            "auth.logout_everywhere", None, sessions_ended=ended, address=request.remote_addr
        )
        db.session.commit()
        logout_user()
        session.clear()
        flash("You are logged out everywhere.")
    return redirect(url_for("admin.auth.login"))
