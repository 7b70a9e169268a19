"""Invite links to the intake form: admins create, list and revoke them.

Links are shown for the admin to copy, or e-mailed (:mod:`webapp.mail.invitations`,
whose buttons this page shows). A *person* link opens
exactly one record; a *program* link lets a person enter their e-mail and get their own
(see :mod:`webapp.people.intake`). The page also lists the program-link registrations waiting for
an admin (:mod:`webapp.people.registrations`).
"""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response

from matcher import plural
from webapp import audit
from webapp.db import db
from webapp.forms import EmptyForm, PersonInviteForm
from webapp.lookups import (
    get_participant,
    get_program,
    new_token,
    waiting_registrations,
)
from webapp.mail.invitations import invitation_statuses
from webapp.models import InviteToken, LinkKind, Participant, Program, utcnow
from webapp.query import paginate
from webapp.roles import Need, needs

bp = Blueprint("invites", __name__, url_prefix="/programs/<int:program_id>/invites")


def usable_person_token(program_id: int, email: str) -> InviteToken | None:
    """The usable link an admin made for an e-mail in a program, if there is one (links
    asked through a program link do not count: anyone could have asked for them)."""
    now = utcnow()
    tokens = db.session.scalars(
        select(InviteToken).where(
            InviteToken.program_id == program_id,
            InviteToken.kind == LinkKind.PERSON,
            InviteToken.email == email,
            InviteToken.revoked_at.is_(None),
        )
    )
    return next((t for t in tokens if t.is_usable(now)), None)


def _back(program: Program) -> Response:
    return redirect(url_for(".index", program_id=program.id))


@bp.get("/")
@needs(Need.MANAGE)
def index(program_id: int) -> str:
    """Every link of the program, newest first, with its state."""
    program = get_program(program_id)
    tokens = paginate(
        select(InviteToken)
        .where(InviteToken.program_id == program.id)
        .options(selectinload(InviteToken.participant))
        .order_by(InviteToken.created_at.desc(), InviteToken.id.desc()),
        current_app.config["PAGE_SIZE"],
    )
    return render_template(
        "invites/index.html",
        program=program,
        tokens=tokens,
        waiting=waiting_registrations(program.id),
        invitations=invitation_statuses(program.id),
        now=utcnow(),
        button_form=EmptyForm(),
        person_form=PersonInviteForm(),
    )


@bp.post("/program")
@needs(Need.MANAGE)
def create_program_link(program_id: int) -> Response:
    """A link anyone in the cohort can open to register."""
    program = get_program(program_id)
    if EmptyForm().validate_on_submit():
        new_token(program, LinkKind.PROGRAM)
        audit.record("invite.program", program.id)
        db.session.commit()
        flash("Program link created; copy it from the table below.")
    return _back(program)


@bp.post("/person")
@needs(Need.MANAGE)
def create_person_link(program_id: int) -> Response:
    """A personal link for an e-mail (the participant record is made on submit)."""
    program = get_program(program_id)
    form = PersonInviteForm()
    if form.validate_on_submit():
        email = (form.email.data or "").strip().lower()
        record = db.session.scalar(
            select(Participant).where(
                Participant.program_id == program.id, Participant.email == email
            )
        )
        if usable_person_token(program.id, email) is not None:
            flash(f"{email} already has a usable personal link (below).", "error")
        else:
            new_token(program, LinkKind.PERSON, participant=record, email=email)
            audit.record("invite.person", program.id, email=email)
            db.session.commit()
            flash(f"Personal link created for {email}.")
        return _back(program)
    flash("Enter a valid e-mail.", "error")
    return _back(program)


@bp.post("/participant/<int:participant_id>")
@needs(Need.MANAGE)
def create_for_participant(program_id: int, participant_id: int) -> Response:
    """A personal link for one participant already in the program."""
    program = get_program(program_id)
    record = get_participant(program.id, participant_id)
    if EmptyForm().validate_on_submit():
        if usable_person_token(program.id, record.email) is None:
            new_token(program, LinkKind.PERSON, participant=record)
            audit.record("invite.person", program.id, email=record.email)
            db.session.commit()
        flash(f"{record.name}'s link is in the table below.")
    return _back(program)


@bp.post("/everyone")
@needs(Need.MANAGE)
def create_for_everyone(program_id: int) -> Response:
    """A personal link for every participant who has no usable one."""
    program = get_program(program_id)
    if EmptyForm().validate_on_submit():
        now = utcnow()
        linked = {
            t.email
            for t in db.session.scalars(
                select(InviteToken).where(
                    InviteToken.program_id == program.id, InviteToken.kind == LinkKind.PERSON
                )
            )
            if t.is_usable(now)
        }
        created = 0
        for record in program.participants:
            if record.email not in linked:
                new_token(program, LinkKind.PERSON, participant=record)
                created += 1
        audit.record("invite.everyone", program.id, created=created)
        db.session.commit()
        flash(f"{plural(created, 'personal link')} created.")
    return _back(program)


@bp.post("/<int:token_id>/revoke")
@needs(Need.MANAGE)
def revoke(program_id: int, token_id: int) -> Response:
    """Revoke a link: it then opens only a page saying so."""
    program = get_program(program_id)
    token = db.session.get(InviteToken, token_id)
    if token is None or token.program_id != program.id:
        flash("There is no such link.", "error")
    elif EmptyForm().validate_on_submit() and token.revoked_at is None:
        token.revoked_at = utcnow()
        audit.record("invite.revoke", program.id, token_id=token.id, email=token.email)
        db.session.commit()
        flash("Link revoked.")
    return _back(program)
