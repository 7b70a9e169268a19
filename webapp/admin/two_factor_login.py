"""The log-in's second step (:mod:`webapp.two_factor`): after a right password, a code
from the admin's app or a recovery code, and only then a session; an owner who must have
two-factor and has not turned it on sets it up here first.

Between the two steps the Flask session holds only the marker of
:mod:`webapp.pending_login`, which opens nothing and lasts five minutes. Wrong codes count
as wrong passwords (:mod:`webapp.throttle`) and are audited as ``auth.failed``. Single
sign-on never comes here: the company's identity provider asks its own second factor.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from flask import Blueprint, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from webapp import audit, pending_login, throttle, two_factor
from webapp.audit import cut
from webapp.db import db
from webapp.forms import RecoveryCodeForm, TwoFactorCodeForm
from webapp.pending_login import Pending
from webapp.roles import Need, needs
from webapp.security import safe_next
from webapp.sessions import start_session

bp = Blueprint("two_factor_login", __name__, url_prefix="/auth/two-factor")

Page = str | Response | tuple[str, int, dict[str, str]]
#: What a wrong code of each form is told.
WRONG = {
    TwoFactorCodeForm: two_factor.WRONG_CODE,
    RecoveryCodeForm: "This recovery code is not right, or was used already.",
}


def _start_again() -> Response:
    """Back to the password: no log-in waits for a second factor (any more)."""
    pending_login.forget()
    flash("Log in again: the second step must follow the password within 5 minutes.", "error")
    return redirect(url_for("admin.auth.login"))


def _second_factor(
    waiting: Pending,
    form: TwoFactorCodeForm | RecoveryCodeForm,
    check: Callable[[str], bool],
    page: Callable[[], str],
) -> tuple[str, int, dict[str, str]] | str | None:
    """Check the code of ``form`` with ``check`` unless the throttle says to wait: the page
    with the wait (429) or the error; None when the code is right (and spent)."""
    admin, address = waiting.admin, request.remote_addr or "unknown"
    if seconds := throttle.wait(admin.email, address):
        unit = "second" if seconds == 1 else "seconds"
        form.code.errors = [f"Too many wrong codes: wait {seconds} {unit} and try again."]
        return page(), 429, {"Retry-After": str(seconds)}
    right = check(form.code.data or "")
    db.session.commit()  # the code is spent before the throttle writes on its own connection
    if right:
        throttle.succeeded(admin.email, address)
        return None
    throttle.failed(admin.email, address)
    reason = "wrong recovery code" if isinstance(form, RecoveryCodeForm) else "wrong code"
    audit.record("auth.failed", None, reason=reason, account=admin.email, address=cut(address, 64))
    db.session.commit()
    form.code.errors = [WRONG[type(form)]]
    return page()


@bp.route("/", methods=["GET", "POST"])
@needs(Need.PUBLIC)
def code() -> Page:
    """Ask the code from the admin's app; right, it starts the session."""
    waiting = pending_login.pending()
    if waiting is None or waiting.enrol or not two_factor.is_on(waiting.admin):
        return _start_again()
    form = TwoFactorCodeForm()

    def page() -> str:
        unreadable = two_factor.secret_of(waiting.admin) is None
        return render_template("auth/two_factor.html", form=form, unreadable=unreadable)

    if not form.validate_on_submit():
        return page()
    check = partial(two_factor.check_code, waiting.admin)
    if (refused := _second_factor(waiting, form, check, page)) is not None:
        return refused
    start_session(waiting.admin, how="password+totp")
    return redirect(safe_next(waiting.next))


@bp.route("/recovery", methods=["GET", "POST"])
@needs(Need.PUBLIC)
def recovery() -> Page:
    """Ask one of the admin's recovery codes; right, it is used up and the session starts."""
    waiting = pending_login.pending()
    if waiting is None or waiting.enrol or not two_factor.is_on(waiting.admin):
        return _start_again()
    form = RecoveryCodeForm()

    def page() -> str:
        return render_template("auth/recovery.html", form=form)

    if not form.validate_on_submit():
        return page()
    check = partial(two_factor.use_recovery_code, waiting.admin)
    if (refused := _second_factor(waiting, form, check, page)) is not None:
        return refused
    left = two_factor.recovery_codes_left(waiting.admin)
    start_session(waiting.admin, how="password+recovery")
    flash(
        f"You logged in with a recovery code; {left} left. Lost your phone? On your account "
        "page, turn two-factor off with another recovery code, then on with the new phone.",
        "error" if left < 3 else "message",
    )
    return redirect(safe_next(waiting.next))


@bp.route("/setup", methods=["GET", "POST"])
@needs(Need.PUBLIC)
def setup() -> Page:
    """An owner who must have two-factor sets it up: the QR code, a first code, then the
    session starts and the recovery codes are shown once."""
    waiting = pending_login.pending()
    if waiting is None or not waiting.enrol or two_factor.is_on(waiting.admin):
        return _start_again()
    secret = two_factor.secret_of(waiting.admin)
    if secret is None:
        return _start_again()
    form = TwoFactorCodeForm()

    def page() -> str:
        return render_template(
            "auth/two_factor_setup.html",
            form=form,
            secret_text=two_factor.grouped(secret),
            qr=two_factor.qr_code(secret, waiting.admin.email),
        )

    codes: list[str] = []

    def check(typed: str) -> bool:
        codes.extend(two_factor.turn_on(waiting.admin, typed) or [])
        return bool(codes)

    if not form.validate_on_submit():
        return page()
    if (refused := _second_factor(waiting, form, check, page)) is not None:
        return refused
    start_session(waiting.admin, how="password+totp")
    return render_template(
        "two_factor/codes.html",
        heading="Two-factor authentication is on",
        codes=codes,
        onward=safe_next(waiting.next),
    )


@bp.after_request
def _no_store(response: Response) -> Response:
    """No cache keeps these pages (a secret, recovery codes)."""
    response.headers["Cache-Control"] = "no-store"
    return response
