"""The Admins pages (owners only): every admin and what they may do, pending invitations
(send again, revoke), inviting an admin by e-mail, changing an admin's roles, turning off
their two-factor authentication (a lost phone: :func:`webapp.two_factor.turn_off`) and
removing them. The work is done by :mod:`webapp.admin_access`.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from webapp import admin_access, sso, two_factor
from webapp.access_models import AdminInvite
from webapp.admin.admin_forms import AccessForm, InviteForm, access_form
from webapp.db import db
from webapp.forms import EmptyForm
from webapp.models import AdminUser
from webapp.roles import Need, needs
from webapp.sessions import now

bp = Blueprint("admins", __name__, url_prefix="/admins")


def _welcome_link() -> str:
    """The welcome page's URL with ``{token}`` where the token goes."""
    return url_for("admin.welcome.welcome", token="TOKEN", _external=True).replace(
        "TOKEN", "{token}"
    )


def _admin(admin_id: int) -> AdminUser:
    return db.get_or_404(AdminUser, admin_id, description="There is no such admin.")


def _pending(invite_id: int) -> AdminInvite:
    invitation = db.session.get(AdminInvite, invite_id)
    if invitation is None or invitation.used_at is not None or invitation.revoked_at is not None:
        abort(404, description="There is no such pending invitation.")
    return invitation


@bp.get("/")
@needs(Need.SITE)
def index() -> str:
    """Every admin with their roles, how they sign in, last sign-in and open sessions;
    the pending invitations."""
    names = admin_access.program_names()
    return render_template(
        "admins/index.html",
        rows=admin_access.admin_rows(),
        invites=[
            (i, admin_access.access_words(i.is_owner, admin_access.invite_roles(i), names))
            for i in admin_access.pending_invites()
        ],
        now=now(),
        invite_form=EmptyForm(),
    )


@bp.route("/invite", methods=["GET", "POST"])
@needs(Need.SITE)
def invite() -> str | Response:
    """Invite an admin: an e-mail with a link that works once, for ``ADMIN_INVITE_DAYS``."""
    form = access_form(InviteForm, admin_access.program_names())
    if form.validate_on_submit():
        email = (form.email.data or "").strip().lower()
        if problem := admin_access.invite_problem(email):
            form.email.errors = [problem]
        else:
            admin_access.invite(email, bool(form.owner.data), form.roles(), _welcome_link())
            flash(f"The invitation is on its way to {email}.")
            return redirect(url_for(".index"))
    return render_template(
        "admins/invite.html", form=form, password_login=sso.password_login(current_app.config)
    )


@bp.post("/invites/<int:invite_id>/resend")
@needs(Need.SITE)
def resend(invite_id: int) -> Response:
    """Send a pending invitation again, with a new link (the old one stops working)."""
    invitation = _pending(invite_id)
    if EmptyForm().validate_on_submit():
        admin_access.resend(invitation, _welcome_link())
        flash(f"The invitation is sent again to {invitation.email}; the earlier link is void.")
    return redirect(url_for(".index"))


@bp.post("/invites/<int:invite_id>/revoke")
@needs(Need.SITE)
def revoke(invite_id: int) -> Response:
    """Revoke a pending invitation: its link stops working."""
    invitation = _pending(invite_id)
    if EmptyForm().validate_on_submit():
        admin_access.revoke(invitation)
        db.session.commit()
        flash(f"The invitation of {invitation.email} is revoked: its link no longer works.")
    return redirect(url_for(".index"))


@bp.route("/<int:admin_id>", methods=["GET", "POST"])
@needs(Need.SITE)
def show(admin_id: int) -> str | Response:
    """An admin's roles: owner or not, a role per program; saving a change ends every
    session of theirs at once."""
    target = _admin(admin_id)
    form = access_form(AccessForm, admin_access.program_names(), admin_access.program_roles(target))
    if not form.is_submitted():
        form.owner.data = target.is_owner
    elif form.validate():
        owner = bool(form.owner.data)
        if problem := admin_access.change_problem(current_user, target, stays_owner=owner):
            flash(problem, "error")
        elif admin_access.change_roles(target, owner, form.roles()):
            db.session.commit()
            flash(f"The roles of {target.email} are changed; every session of theirs has ended.")
            return redirect(url_for(".index"))
        else:
            flash("Nothing changed.")
            return redirect(url_for(".index"))
    return render_template(
        "admins/show.html",
        form=form,
        target=target,
        myself=target.id == current_user.id,
        two_factor_on=two_factor.is_on(target),
        turn_off=EmptyForm(),
    )


@bp.post("/<int:admin_id>/two-factor/off")
@needs(Need.SITE)
def turn_off_two_factor(admin_id: int) -> Response:
    """Turn off another admin's two-factor authentication (a lost phone): their secret and
    recovery codes are forgotten and every session of theirs ends. Your own: on your account
    page, with your password and a code."""
    target = _admin(admin_id)
    if target.id == current_user.id:
        flash("Turn off your own two-factor on your account page.", "error")
    elif EmptyForm().validate_on_submit() and two_factor.is_on(target):
        two_factor.turn_off(target, "two-factor turned off by an owner")
        db.session.commit()
        flash(
            f"Two-factor authentication of {target.email} is off, and every session of "
            "theirs has ended: they log in with their password alone, and set it up again."
        )
    return redirect(url_for(".show", admin_id=target.id))


@bp.route("/<int:admin_id>/remove", methods=["GET", "POST"])
@needs(Need.SITE)
def remove(admin_id: int) -> str | Response:
    """Ask, then remove an admin: their roles and sessions go with them."""
    target = _admin(admin_id)
    form = EmptyForm()
    problem = admin_access.change_problem(current_user, target, stays_owner=False)
    if form.validate_on_submit():
        if problem:
            flash(problem, "error")
            return redirect(url_for(".show", admin_id=target.id))
        email = target.email
        admin_access.remove(target)
        db.session.commit()
        flash(f"{email} is removed; every session of theirs has ended.")
        return redirect(url_for(".index"))
    return render_template("admins/remove.html", form=form, target=target, problem=problem)
