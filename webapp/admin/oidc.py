"""Signing in through the company's identity provider (OpenID Connect, see
:mod:`webapp.sso`): ``/auth/oidc/login`` sends the browser to the provider,
``/auth/oidc/callback`` takes it back, checks everything and signs the admin in, or shows
why not. Both answer 404 while single sign-on is not set up.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from werkzeug.wrappers import Response

from webapp import admin_access, audit, sso
from webapp.audit import cut
from webapp.db import db
from webapp.models import AdminUser
from webapp.roles import Need, needs
from webapp.security import is_local_path
from webapp.sessions import start_session

bp = Blueprint("oidc", __name__, url_prefix="/auth/oidc")

#: The Flask session key that keeps the page to open after signing in (``next``).
NEXT_KEY = "sso_next"


@bp.before_request
def _only_when_set_up() -> None:
    if not sso.enabled(current_app.config):
        abort(404)


@bp.get("/login")
@needs(Need.PUBLIC)
def login() -> Response | tuple[str, int]:
    """Send the browser to the identity provider (with ``state``, ``nonce`` and PKCE), or
    say that it cannot be reached; ``next``, a path on this site, is opened afterwards."""
    target = request.args.get("next", "")
    session[NEXT_KEY] = target if is_local_path(target) else ""
    try:
        return sso.start_sign_in(url_for(".callback", _external=True))
    except sso.RefusedError as refusal:
        return _refused(refusal)


@bp.get("/callback")
@needs(Need.PUBLIC)
def callback() -> Response | tuple[str, int]:
    """Check the provider's answer; sign the admin in (audited ``auth.sso``) with the
    roles of their invitation, if any, and as an owner or not as the role claim says; or
    show why not (audited ``auth.sso_refused``)."""
    address = cut(request.remote_addr or "unknown", 64)
    try:
        claims = sso.sign_in_claims(int(current_app.config["OIDC_LEEWAY"]))
        who = sso.identity(claims, current_app.config)
        admin = sso.admin_for(who)
        admin_access.accept_on_sso(admin)
        admin_access.follow_sso_owner(admin, who.role)
    except sso.RefusedError as refusal:
        db.session.rollback()
        return _refused(refusal)
    target = session.pop(NEXT_KEY, "")  # read before the session is renewed
    _sign_in(admin)
    audit.record("auth.sso", None, issuer=who.issuer, role=who.role or "", address=address)
    db.session.commit()
    return redirect(target or url_for("admin.programs.index"))


def _refused(refusal: sso.RefusedError) -> tuple[str, int]:
    """The page saying why the sign-in was refused, audited ``auth.sso_refused``."""
    address = cut(request.remote_addr or "unknown", 64)
    detail = {"reason": refusal.reason, "why": refusal.message, "address": address}
    audit.record("auth.sso_refused", None, **detail, **refusal.detail)
    db.session.commit()
    return render_template("auth/sso_refused.html", message=refusal.message), refusal.status


def _sign_in(admin: AdminUser) -> None:
    """Start the admin's session (the one place single sign-on logs an admin in): a
    server-side session, with the Flask session and its CSRF token rotated."""
    start_session(admin, how="oidc")
