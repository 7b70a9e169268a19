"""Participants of a program: a searchable, filterable, paginated table (with each
person's invitation status, and boxes to tick whom to e-mail); view, edit, delete."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlalchemy.orm import InstrumentedAttribute
from werkzeug.wrappers import Response

from matcher import MAX_WHOLE_NUMBER, PICK_COLUMNS, MentorType, Role
from webapp import audit
from webapp.conflicts import check_seen
from webapp.db import db
from webapp.forms import EmptyForm, time_zones
from webapp.lookups import get_participant, get_program, locks_broken_by
from webapp.mail.invitations import InviteStatus, invitation_statuses, status_filter
from webapp.models import Participant
from webapp.pair_forms import RematchForm
from webapp.people.question_fields import intake_form_class
from webapp.program_questions import program_questions
from webapp.query import paginate
from webapp.rematch import open_types, person_of
from webapp.roles import Need, needs
from webapp.rows import COLUMNS, apply_row, record_to_row
from webapp.runner import latest_run
from webapp.store import check_row, email_taken

bp = Blueprint("participants", __name__, url_prefix="/programs/<int:program_id>/participants")

FILTERS = ("q", "role", "seeks", "offers", "department", "level", "invitation")


def _list_contains(column: InstrumentedAttribute[str], value: str) -> ColumnElement[bool]:
    """Match one value of a ``;``-joined canonical list cell."""
    return (";" + column + ";").contains(f";{value};", autoescape=True)


def level_filter(text: str) -> int | None:
    """The level of the ``level`` filter (None when empty); a 400 page unless it is a
    level the validator accepts, a whole number from 0 to ``MAX_WHOLE_NUMBER``.

    >>> level_filter("3"), level_filter("")
    (3, None)
    """
    if not text:
        return None
    short = len(text) <= len(str(MAX_WHOLE_NUMBER))
    if short and text.isascii() and text.isdigit() and int(text) <= MAX_WHOLE_NUMBER:
        return int(text)
    abort(400, description=f"The level must be a whole number from 0 to {MAX_WHOLE_NUMBER}.")


def filtered(program_id: int, args: dict[str, str]) -> Select[tuple[Participant]]:
    """The participants of a program that match the table's search and filters."""
    query = select(Participant).where(Participant.program_id == program_id)
    if text := args.get("q", "").strip().lower():
        query = query.where(
            or_(
                func.lower(Participant.name).contains(text, autoescape=True),
                Participant.email.contains(text, autoescape=True),
            )
        )
    if args.get("role") in {r.value for r in Role}:
        query = query.where(Participant.role == args["role"])
    for column in ("seeks", "offers"):
        if args.get(column) in {t.value for t in MentorType}:
            query = query.where(_list_contains(getattr(Participant, column), args[column]))
    if department := args.get("department"):
        # stored as written: "Engineering" and "engineering" are one department
        query = query.where(func.lower(Participant.department) == func.lower(department))
    if (level := level_filter(args.get("level", ""))) is not None:
        query = query.where(Participant.level == level)
    if args.get("invitation") in set(InviteStatus):
        query = query.where(status_filter(program_id, args["invitation"]))
    return query.order_by(Participant.name, Participant.email)


def _choices(program_id: int, column: InstrumentedAttribute[Any]) -> list[Any]:
    """Distinct values of a column in the program, for a filter's choices."""
    query = select(column).where(Participant.program_id == program_id).distinct()
    return list(db.session.scalars(query.order_by(column)))


@bp.get("/")
@needs(Need.READ)
def index(program_id: int) -> str:
    """The participant table."""
    program = get_program(program_id)
    args = {k: request.args.get(k, "") for k in FILTERS}
    page = paginate(filtered(program.id, args), current_app.config["PAGE_SIZE"])
    return render_template(
        "participants/index.html",
        program=program,
        page=page,
        args=args,
        active={k: v for k, v in args.items() if v},
        departments=[d for d in _choices(program.id, Participant.department) if d],
        levels=[lv for lv in _choices(program.id, Participant.level) if lv is not None],
        roles=list(Role),
        types=list(MentorType),
        invitations=invitation_statuses(program.id),
        invite_statuses=list(InviteStatus),
        button_form=EmptyForm(),
    )


@bp.get("/<int:participant_id>")
@needs(Need.READ)
def show(program_id: int, participant_id: int) -> str:
    """Every field of one participant with their answers to the program's questions, and
    once matching ran, a "find someone else"
    button per open request of theirs (a rematch of that request)."""
    program = get_program(program_id)
    record = get_participant(program.id, participant_id)
    return render_template(
        "participants/show.html",
        program=program,
        record=record,
        row={c: text for c, text in record_to_row(record).items() if c in COLUMNS},
        answers=[(q, (record.answers or {}).get(q.key, "")) for q in program_questions(program.id)],
        delete_form=EmptyForm(),
        rematch_types=(
            open_types(program.id, person_of(program.id, record.email))
            if latest_run(program.id)
            else []
        ),
        rematch_form=RematchForm(),
    )


@bp.route("/<int:participant_id>/edit", methods=["GET", "POST"])
@needs(Need.MANAGE)
def edit(program_id: int, participant_id: int) -> str | Response:
    """Edit a participant and their answers to the program's questions (none required;
    their picks kept); the row is validated like a CSV row."""
    program = get_program(program_id)
    record = get_participant(program.id, participant_id)
    form = intake_form_class(program_questions(program.id))()
    unplaced: list[str] = []
    if not form.is_submitted():
        form.fill_from_row(record_to_row(record))
    elif form.validate():
        check_seen(record.version, request.form.get("version"), f"{record.name}'s record")
        stored = record_to_row(record)
        row = {**{c: stored[c] for c in PICK_COLUMNS}, **form.to_row(by_role=False)}
        checked = check_row(program.id, row, replacing=record.email, required=False)
        unplaced = form.show_issues(checked.issues)
        if checked.row is not None:
            if email_taken(program.id, checked.row["email"], other_than=record.id):
                form.email.errors = ["Another participant of this program has this e-mail."]
            else:
                row = checked.row
                broken = locks_broken_by(program, lambda: apply_row(record, row))
                audit.record("participant.edit", program.id, email=record.email)
                db.session.commit()
                flash(f"{record.name} saved.")
                for warning in broken:
                    flash(warning, "warning")
                return redirect(url_for(".show", program_id=program.id, participant_id=record.id))
    return render_template(
        "participants/edit.html",
        program=program,
        record=record,
        form=form,
        unplaced=unplaced,
        zones=time_zones(),
    )


@bp.post("/<int:participant_id>/delete")
@needs(Need.MANAGE)
def delete(program_id: int, participant_id: int) -> Response:
    """Delete a participant (and their invite links)."""
    program = get_program(program_id)
    record = get_participant(program.id, participant_id)
    if EmptyForm().validate_on_submit():
        audit.record("participant.delete", program.id, email=record.email)
        db.session.delete(record)
        db.session.commit()
        flash(f"{record.name} deleted.")
    return redirect(url_for(".index", program_id=program.id))
