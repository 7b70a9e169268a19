"""The admin's two-factor page (:mod:`webapp.two_factor`), linked from their account page:
turn it on (QR code, a first code, the recovery codes shown once), make new recovery
codes, turn it off (the password and a code from the app or a recovery code asked, so a lost
phone can be replaced; refused when it is required of them).

Passwords and codes typed here count under the log-in throttle (:mod:`webapp.throttle`),
so a borrowed session cannot try them fast either.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from werkzeug.wrappers import Response

from webapp import throttle, two_factor
from webapp.db import db
from webapp.forms import EmptyForm, TurnOffTwoFactorForm, TwoFactorCodeForm
from webapp.models import AdminUser
from webapp.roles import Need, needs

bp = Blueprint("two_factor", __name__, url_prefix="/account/two-factor")

Page = str | Response


def _admin() -> AdminUser:
    """The logged-in admin (a real model object, for the functions that write it)."""
    return current_user._get_current_object()  # type: ignore[no-any-return]


def _page(renew: TwoFactorCodeForm | None = None, off: TurnOffTwoFactorForm | None = None) -> str:
    admin = _admin()
    return render_template(
        "two_factor/show.html",
        on=two_factor.is_on(admin),
        required=two_factor.required(admin, current_app.config),
        left=two_factor.recovery_codes_left(admin),
        start=EmptyForm(),
        renew=renew or TwoFactorCodeForm(prefix="renew"),
        off=off or TurnOffTwoFactorForm(prefix="off"),
    )


def _proved(form: TwoFactorCodeForm | TurnOffTwoFactorForm) -> bool:
    """Check the form under the log-in throttle: its password (when it asks one), then its
    code from the app (or, turning off, a recovery code); a wrong or early answer gets its
    error on the field."""
    admin, address = _admin(), request.remote_addr or "unknown"
    if seconds := throttle.wait(admin.email, address):
        form.code.errors = [f"Too many wrong tries: wait {seconds} seconds and try again."]
        return False
    typed, off = form.code.data or "", isinstance(form, TurnOffTwoFactorForm)
    if off and not admin.check_password(form.password.data or ""):
        form.password.errors = ["This is not your password."]
        right = False
    else:
        right = two_factor.check_code(admin, typed) or (
            off and two_factor.use_recovery_code(admin, typed)
        )
        if not right:
            form.code.errors = [two_factor.WRONG_CODE]
    db.session.commit()  # the code is spent before the throttle writes on its own connection
    if not right:
        throttle.failed(admin.email, address)
    return right


@bp.get("/")
@needs(Need.SIGNED_IN)
def show() -> str:
    """Whether two-factor is on, and the forms to turn it on or off or renew the codes."""
    return _page()


@bp.post("/start")
@needs(Need.SIGNED_IN)
def start() -> Response:
    """Make a new secret and go to the page that shows it."""
    if EmptyForm().validate_on_submit() and not two_factor.is_on(_admin()):
        two_factor.start_enrolment(_admin())
        db.session.commit()
        return redirect(url_for("admin.two_factor.setup"))
    return redirect(url_for("admin.two_factor.show"))


@bp.route("/setup", methods=["GET", "POST"])
@needs(Need.SIGNED_IN)
def setup() -> Page:
    """The QR code and the key of the new secret, and the first code that turns it on;
    then the recovery codes, this once."""
    admin = _admin()
    secret = two_factor.secret_of(admin)
    if two_factor.is_on(admin) or secret is None:
        return redirect(url_for("admin.two_factor.show"))
    form = TwoFactorCodeForm()
    if form.validate_on_submit():
        if codes := two_factor.turn_on(admin, form.code.data or ""):
            db.session.commit()
            return _codes(codes, "Two-factor authentication is on")
        form.code.errors = [two_factor.WRONG_CODE]
    return render_template(
        "two_factor/setup.html",
        form=form,
        secret_text=two_factor.grouped(secret),
        qr=two_factor.qr_code(secret, admin.email),
    )


@bp.post("/recovery-codes")
@needs(Need.SIGNED_IN)
def renew() -> Page:
    """New recovery codes (a code from the app asked); the old ones stop working."""
    form = TwoFactorCodeForm(prefix="renew")
    if not two_factor.is_on(_admin()):
        return redirect(url_for("admin.two_factor.show"))
    if form.validate_on_submit() and _proved(form):
        codes = two_factor.renew_recovery_codes(_admin())
        db.session.commit()
        return _codes(codes, "New recovery codes")
    return _page(renew=form)


@bp.post("/off")
@needs(Need.SIGNED_IN)
def off() -> Page:
    """Turn two-factor off (the password and a code from the app or a recovery code asked:
    a lost phone); the other sessions end."""
    form = TurnOffTwoFactorForm(prefix="off")
    admin = _admin()
    if not two_factor.is_on(admin):
        return redirect(url_for("admin.two_factor.show"))
    if two_factor.required(admin, current_app.config):
        flash("Owners must keep two-factor authentication on.", "error")
        return redirect(url_for("admin.two_factor.show"))
    if form.validate_on_submit() and _proved(form):
        two_factor.turn_off(admin, "two-factor turned off", keep_current=True)
        db.session.commit()
        flash("Two-factor authentication is off; your other sessions have ended.")
        return redirect(url_for("admin.two_factor.show"))
    return _page(off=form)


def _codes(codes: list[str], heading: str) -> str:
    """The recovery codes, shown this once."""
    return render_template(
        "two_factor/codes.html",
        heading=heading,
        codes=codes,
        onward=url_for("admin.two_factor.show"),
    )


@bp.after_request
def _no_store(response: Response) -> Response:
    """No cache keeps these pages (the secret, recovery codes)."""
    response.headers["Cache-Control"] = "no-store"
    return response
