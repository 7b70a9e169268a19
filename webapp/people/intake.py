"""The intake form behind an invite link (no log-in: the link is the key).

A personal link made by an admin opens the record of its e-mail. A program link asks for
an e-mail, e-mails that address its personal link (:mod:`webapp.people.link_requests`)
and answers every address alike, never showing a link: the mailbox proves the address.
A participant gets their own personal link; anyone else a link of kind ``self``, which
opens only the record its own form created, and only while that record is
self-registered (no admin has merged it), so it never shows what an admin imported.
When its e-mail is already in the program, its form's answers are kept on the link as a
pending registration for an admin to merge or drop, and the existing record is neither
opened nor changed. Expired, revoked or unknown links get a page that says so and
nothing else. Once the program has a match run, a person's answers are locked: their link
leads to their own page (:mod:`webapp.participant`), which says so.
"""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response

from matcher import PICK_COLUMNS
from webapp import audit
from webapp.answers import answers_locked
from webapp.db import db
from webapp.forms import EmailForm, time_zones
from webapp.links import closed_reason, opened_record
from webapp.mail.outbox import recipient
from webapp.models import InviteToken, LinkKind, Participant, utcnow
from webapp.people.link_requests import send_link
from webapp.people.question_fields import intake_form_class
from webapp.picks import pick_settings
from webapp.program_questions import program_questions
from webapp.roles import Need, needs
from webapp.rows import COLUMNS, Row, apply_row, record_to_row
from webapp.store import check_row, email_taken

bp = Blueprint("intake", __name__, url_prefix="/intake")

#: Columns only admins edit or see; the intake form neither shows nor changes them (nor
#: the picks, :data:`matcher.PICK_COLUMNS`, which it does not ask).
ADMIN_COLUMNS = ("id", "previous_partners", "admin_notes", "priority")


def _open(token_text: str) -> InviteToken | tuple[str, int]:
    """Return the usable token, or the page to show instead."""
    token = db.session.scalar(select(InviteToken).where(InviteToken.token == token_text))
    reason = closed_reason(token, utcnow())
    if token is None or reason is not None:
        return render_template("intake/closed.html", reason=reason), 404 if token is None else 410
    return token


@bp.route("/<token_text>", methods=["GET", "POST"])
@needs(Need.PUBLIC)
def form(token_text: str) -> str | tuple[str, int] | Response:
    """The program link's e-mail page, or a person's own intake form."""
    token = _open(token_text)
    if not isinstance(token, InviteToken):
        return token
    if not token.is_personal:
        return _register(token)
    return _intake(token)


@bp.get("/<token_text>/saved")
@needs(Need.PUBLIC)
def saved(token_text: str) -> str | tuple[str, int]:
    """Thanks, and the link to come back through."""
    token = _open(token_text)
    if not isinstance(token, InviteToken):
        return token
    person = opened_record(token)
    choosing = person is not None and bool(person.seeks or person.offers)
    return render_template(
        "intake/done.html",
        program=token.program,
        token=token,
        choosing=choosing and pick_settings(token.program_id).on,
        is_mentee=person is not None and bool(person.seeks),
    )


def _register(token: InviteToken) -> str:
    """Ask for an e-mail, e-mail that address its personal link, and say the same thing
    whatever the address."""
    email_form = EmailForm()
    sent_to = None
    if email_form.validate_on_submit():  # every address it accepts is one recipient
        sent_to = recipient(email_form.email.data or "")
        send_link(token, sent_to)
    return render_template(
        "intake/register.html", program=token.program, form=email_form, sent_to=sent_to
    )


def _stored_row(token: InviteToken, record: Participant | None) -> Row:
    """What the link's person saved before: their record, or their pending registration."""
    if record is not None:
        stored = record_to_row(record)
    else:
        stored = {**dict.fromkeys(COLUMNS, ""), **(token.pending_row or {})}
    stored["email"] = token.email
    return stored


def _intake(token: InviteToken) -> str | tuple[str, int] | Response:
    """Show and save the person's own answers (the program's questions too), validated
    like a CSV row."""
    record = opened_record(token)
    if token.kind == LinkKind.SELF and record is not None and not record.self_registered:
        return render_template("intake/closed.html", reason="merged"), 410
    if record is not None and answers_locked(token.program_id):
        return redirect(url_for("participant.page.show", token_text=token.token))
    form = intake_form_class(program_questions(token.program_id))()
    stored = _stored_row(token, record)
    unplaced: list[str] = []
    if not form.is_submitted():
        if token.opened_at is None:
            token.opened_at = utcnow()
            db.session.commit()
        if record is not None or token.pending_row is not None:  # else the form's defaults
            form.fill_from_row({**stored, **dict.fromkeys(ADMIN_COLUMNS, "")})
    elif form.validate():
        form.email.data = token.email
        row = form.to_row(by_role=True)
        row.update({c: stored.get(c, "") for c in (*ADMIN_COLUMNS, *PICK_COLUMNS)})
        checked = check_row(token.program_id, row)
        unplaced = form.show_issues(checked.issues)
        if checked.row is not None:
            _save(token, record, checked.row)
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


def _save(token: InviteToken, record: Participant | None, row: Row) -> None:
    """Save validated answers on the link's record, on a new record, or, when the e-mail
    is already someone's in the program, as the link's pending registration."""
    actor = f"link:{token.id}"
    token.last_used_at = utcnow()
    if record is None and (
        token.pending_row is not None or email_taken(token.program_id, token.email)
    ):
        token.pending_row = row
        audit.record("intake.pending", token.program_id, actor=actor, email=token.email)
        return
    if record is None:
        record = Participant(program_id=token.program_id)
        record.self_registered = token.kind == LinkKind.SELF
        db.session.add(record)
    elif token.kind == LinkKind.PERSON:
        record.self_registered = False  # the admin's link vouches for the e-mail
    token.participant = record
    apply_row(record, row)
    audit.record("intake.save", token.program_id, actor=actor, email=token.email)
