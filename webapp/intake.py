"""The intake form behind an invite link (no log-in: the link is the key).

A personal link opens only its own record; a program link asks for an e-mail and shows
the person their own link. Expired, revoked or unknown links get a page that says so and
nothing else.
"""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response

from webapp import audit
from webapp.db import db
from webapp.forms import EmailForm, ParticipantForm, time_zones
from webapp.invites import new_token, usable_person_token
from webapp.models import InviteToken, LinkKind, Participant, utcnow
from webapp.rows import COLUMNS, apply_row, record_to_row
from webapp.store import check_row, email_taken

bp = Blueprint("intake", __name__, url_prefix="/intake")

#: Columns only admins edit; the intake form keeps their stored values.
ADMIN_COLUMNS = ("id", "previous_partners")


def _open(token_text: str) -> InviteToken | tuple[str, int]:
    """Return the usable token, or the page to show instead."""
    token = db.session.scalar(select(InviteToken).where(InviteToken.token == token_text))
    if token is None:
        return render_template("intake/closed.html", reason="unknown"), 404
    if token.revoked_at is not None:
        return render_template("intake/closed.html", reason="revoked"), 410
    if not token.is_usable(utcnow()):
        return render_template("intake/closed.html", reason="expired"), 410
    return token


@bp.route("/<token_text>", methods=["GET", "POST"])
def form(token_text: str) -> str | tuple[str, int] | Response:
    """The program link's e-mail page, or a person's own intake form."""
    token = _open(token_text)
    if not isinstance(token, InviteToken):
        return token
    if not token.is_personal:
        return _register(token)
    return _intake(token)


@bp.get("/<token_text>/saved")
def saved(token_text: str) -> str | tuple[str, int]:
    """Thanks, and the link to come back through."""
    token = _open(token_text)
    if not isinstance(token, InviteToken):
        return token
    return render_template("intake/done.html", program=token.program, token=token)


def _register(token: InviteToken) -> str:
    """Ask for an e-mail; show the person their own link."""
    email_form = EmailForm()
    link = None
    if email_form.validate_on_submit():
        email = (email_form.email.data or "").strip().lower()
        known = email_taken(token.program_id, email) or usable_person_token(token.program_id, email)
        if known:
            email_form.email.errors = [
                "This e-mail already has a personal link. Use that link, or ask the "
                "program team to send it to you again."
            ]
        else:
            personal = new_token(token.program, LinkKind.SELF, email=email)
            audit.record("invite.self", token.program_id, actor=f"link:{token.id}", email=email)
            db.session.commit()
            link = url_for(".form", token_text=personal.token, _external=True)
    return render_template(
        "intake/register.html", program=token.program, form=email_form, link=link
    )


def _admins_record(token: InviteToken) -> Participant | None:
    """The record an admin's link opens when the person was imported after the link was made.

    A link made through a program link never takes over a record it did not create.
    """
    if token.kind != LinkKind.PERSON:
        return None
    return db.session.scalar(
        select(Participant).where(
            Participant.program_id == token.program_id, Participant.email == token.email
        )
    )


def _intake(token: InviteToken) -> str | tuple[str, int] | Response:
    """Show and save the person's own record, validated like a CSV row."""
    record = token.participant or _admins_record(token)
    form = ParticipantForm()
    stored = record_to_row(record) if record else dict.fromkeys(COLUMNS, "")
    stored["email"] = token.email
    unplaced: list[str] = []
    if not form.is_submitted():
        if record is not None:  # a new person starts from the form's defaults
            form.fill_from_row(stored)
    elif form.validate():
        form.email.data = token.email
        row = form.to_row(by_role=True)
        row.update({c: stored[c] for c in ADMIN_COLUMNS})
        checked = check_row(token.program_id, row)
        unplaced = form.show_issues(checked.issues)
        if checked.row is not None:
            if record is None and email_taken(token.program_id, token.email):
                return render_template("intake/closed.html", reason="taken"), 409
            if record is None:
                record = Participant(program_id=token.program_id)
                db.session.add(record)
            token.participant = record
            apply_row(record, checked.row)
            token.last_used_at = utcnow()
            actor = f"link:{token.id}"
            audit.record("intake.save", token.program_id, actor=actor, email=token.email)
            db.session.commit()
            return redirect(url_for(".saved", token_text=token.token))
    form.email.data = token.email
    return render_template(
        "intake/form.html",
        program=token.program,
        form=form,
        token=token,
        unplaced=unplaced,
        zones=time_zones(),
    )
