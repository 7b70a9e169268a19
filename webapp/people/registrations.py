"""Program-link registrations waiting for an admin: compare, then merge or drop.

A program link's form keeps its answers apart, as a pending registration, when its e-mail
is already someone's in the program (see :mod:`webapp.people.intake`). The admin compares them
with that record and merges them (:func:`webapp.rows.merge_rows`: the record's cells win,
their answers fill its empty cells; the link then opens nothing any more, so the person
needs a personal link: one an admin gives them, or the one the program link e-mails them)
or drops them (the link is revoked and the answers deleted).
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response

from webapp import audit
from webapp.db import db
from webapp.forms import EmptyForm
from webapp.lookups import get_program
from webapp.models import InviteToken, Participant, Program, utcnow
from webapp.program_questions import program_questions
from webapp.roles import Need, needs
from webapp.rows import COLUMNS, Row, apply_row, merge_rows, record_to_row
from webapp.store import check_row

bp = Blueprint("registrations", __name__, url_prefix="/programs/<int:program_id>/registrations")


def _pending(program: Program, token_id: int) -> InviteToken:
    """A pending registration of this program, or answer 404."""
    token = db.session.get(InviteToken, token_id)
    if token is None or token.program_id != program.id or token.pending_row is None:
        abort(404, description="There is no such registration waiting; it may be done.")
    return token


def _record(token: InviteToken) -> Participant | None:
    """The participant who has the registration's e-mail, if anyone still has it."""
    return db.session.scalar(
        select(Participant).where(
            Participant.program_id == token.program_id, Participant.email == token.email
        )
    )


def _answers(token: InviteToken) -> Row:
    return {**dict.fromkeys(COLUMNS, ""), **(token.pending_row or {})}


def _merged(token: InviteToken, record: Participant | None) -> Row:
    """The row a merge saves: the record's cells, their answers in its empty ones."""
    answers = _answers(token)
    return merge_rows(record_to_row(record), answers) if record else answers


@bp.get("/<int:token_id>")
@needs(Need.MANAGE)
def show(program_id: int, token_id: int) -> str:
    """The registration beside the record it would be merged into."""
    program = get_program(program_id)
    token = _pending(program, token_id)
    record = _record(token)
    stored = record_to_row(record) if record else dict.fromkeys(COLUMNS, "")
    answers, merged = _answers(token), _merged(token, record)
    return render_template(
        "registrations/show.html",
        program=program,
        token=token,
        record=record,
        rows=[
            (label, stored.get(key, ""), answers.get(key, ""), merged.get(key, ""))
            for key, label in [
                *((c, c.replace("_", " ")) for c in COLUMNS),
                *((q.key, q.prompt) for q in program_questions(program.id)),
            ]
            if stored.get(key) or answers.get(key)
        ],
        form=EmptyForm(),
    )


@bp.post("/<int:token_id>/merge")
@needs(Need.MANAGE)
def merge(program_id: int, token_id: int) -> Response:
    """Merge the registration into the record of its e-mail (or make it the record when
    nobody has that e-mail any more)."""
    program = get_program(program_id)
    token = _pending(program, token_id)
    back = redirect(url_for(".show", program_id=program.id, token_id=token.id))
    if not EmptyForm().validate_on_submit():
        return back
    record = _record(token)
    checked = check_row(program.id, _merged(token, record), required=False)
    if checked.row is None:
        for issue in checked.issues:
            if issue.severity == "error":
                flash(f"Not merged: {issue.describe()}", "error")
        return back
    if record is None:
        record = Participant(program=program, self_registered=True)
        db.session.add(record)
    else:
        record.self_registered = False
    apply_row(record, checked.row)
    token.participant = record
    token.pending_row = None
    audit.record("registration.merge", program.id, email=token.email)
    db.session.commit()
    flash(f"{record.name}'s registration is merged. Give them a personal link to edit it.")
    return redirect(
        url_for("people.participants.show", program_id=program.id, participant_id=record.id)
    )


@bp.post("/<int:token_id>/drop")
@needs(Need.MANAGE)
def drop(program_id: int, token_id: int) -> Response:
    """Delete the registration's answers and revoke its link."""
    program = get_program(program_id)
    token = _pending(program, token_id)
    if EmptyForm().validate_on_submit():
        token.pending_row = None
        token.revoked_at = utcnow()
        audit.record("registration.drop", program.id, email=token.email)
        db.session.commit()
        flash(f"The registration of {token.email} is dropped and its link revoked.")
    return redirect(url_for("people.invites.index", program_id=program.id))
