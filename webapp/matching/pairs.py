"""The program's published pairs and their life: every pair with the date of each step,
its first-meeting check-in answers, and an admin's moves (mark active, end with a reason);
the same as CSV."""

from __future__ import annotations

import pandas as pd
from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import Select, select
from werkzeug.wrappers import Response as WerkzeugResponse

from matcher import to_csv_bytes
from webapp import audit
from webapp.answers import settle_on_look
from webapp.checkins import checkins_of, checkins_on_look
from webapp.db import db
from webapp.forms import flash_errors
from webapp.lookups import get_program
from webapp.models import Participant, utcnow
from webapp.pair_forms import EndForm
from webapp.pair_life import LIFE_COLUMNS, MoveRefusedError, activate, end_pair, life_row, lives
from webapp.pair_models import EndReason, Pair
from webapp.query import paginate
from webapp.roles import Need, needs
from webapp.security import is_local_path

bp = Blueprint("pairs", __name__, url_prefix="/programs/<int:program_id>/pairs")

#: The pairs' CSV: who, which type, its life, then each side's newest check-in answer.
CSV_COLUMNS = [
    "mentee_email",
    "mentor_email",
    "mentor_type",
    *LIFE_COLUMNS,
    "mentee_checkin",
    "mentor_checkin",
]


#: Published pairs on one page of "Published matches".
PAIRS_PAGE_SIZE = 25


def _newest_first(program_id: int) -> Select[tuple[Pair]]:
    """The program's published pairs, newest first, after due work is done."""
    settle_on_look(program_id)
    checkins_on_look(program_id)
    return (
        select(Pair)
        .where(Pair.program_id == program_id)
        .order_by(Pair.published_at.desc(), Pair.id.desc())
    )


@bp.get("/")
@needs(Need.READ)
def index(program_id: int) -> str:
    """The published pairs, a page at a time, with their life, check-in answers and the
    admin's moves."""
    program = get_program(program_id)
    page = paginate(_newest_first(program.id), PAIRS_PAGE_SIZE)
    pairs = list(page.items)
    names = dict(
        db.session.execute(
            select(Participant.email, Participant.name).where(
                Participant.program_id == program.id,
                Participant.email.in_({e for p in pairs for e in (p.mentee_email, p.mentor_email)}),
            )
        ).all()
    )
    return render_template(
        "pairs/index.html",
        program=program,
        page=page,
        pairs=pairs,
        names=names,
        lives=lives(pairs),
        checkins=checkins_of(pairs),
        end_form=EndForm(),
        move_form=FlaskForm(),
    )


@bp.get("/pairs.csv")
@needs(Need.MANAGE)
def download(program_id: int) -> Response:
    """Every published pair with its life and check-in answers, as CSV."""
    program = get_program(program_id)
    pairs = list(db.session.scalars(_newest_first(program.id)))
    steps, asked = lives(pairs), checkins_of(pairs)
    rows = []
    for pair in pairs:
        said = {c.side: c.answer_label for c in asked[pair.id] if c.answer}
        rows.append(
            [
                pair.mentee_email,
                pair.mentor_email,
                pair.mentor_type,
                *life_row(pair, steps[pair.id]),
                said.get("mentee", ""),
                said.get("mentor", ""),
            ]
        )
    audit.record("pairs.export", program.id, pairs=len(rows))
    db.session.commit()
    content = to_csv_bytes(pd.DataFrame(rows, columns=CSV_COLUMNS))
    return Response(
        content,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="pairs-{utcnow():%Y%m%d}.csv"'},
    )


def _pair(program_id: int, pair_id: int) -> Pair:
    pair = db.session.get(Pair, pair_id)
    if pair is None or pair.program_id != program_id:
        abort(404, description="There is no such published match in this program.")
    return pair


def _back(program_id: int) -> WerkzeugResponse:
    """Back to the page the form was on (only a path of this site), else the pairs list."""
    target = request.form.get("next", "")
    return redirect(target if is_local_path(target) else url_for(".index", program_id=program_id))


@bp.post("/<int:pair_id>/active")
@needs(Need.MANAGE)
def mark_active(program_id: int, pair_id: int) -> WerkzeugResponse:
    """Mark an accepted pair active (the admin heard it went well)."""
    program = get_program(program_id)
    pair = _pair(program.id, pair_id)
    if not FlaskForm().validate_on_submit():
        abort(400, description="The form was not understood; reload the page and try again.")
    try:
        activate(pair, current_user.email, utcnow())
    except MoveRefusedError as refused:
        db.session.rollback()
        flash(f"Not marked active: {refused}. Nothing was saved.", "error")
        return _back(program.id)
    db.session.commit()
    flash("The match is active.")
    return _back(program.id)


@bp.post("/<int:pair_id>/end")
@needs(Need.MANAGE)
def end(program_id: int, pair_id: int) -> WerkzeugResponse:
    """End a published, accepted or active pair with a reason ("other" needs a text)."""
    program = get_program(program_id)
    pair = _pair(program.id, pair_id)
    form = EndForm()
    if not form.validate_on_submit():
        flash_errors(form)
        return _back(program.id)
    reason = EndReason(form.reason.data)
    try:
        end_pair(pair, reason, form.note.data or "", current_user.email, utcnow())
    except MoveRefusedError as refused:
        db.session.rollback()
        flash(f"Not ended: {refused}. Nothing was saved.", "error")
        return _back(program.id)
    db.session.commit()
    flash(f"The match ended ({reason.label}).")
    return _back(program.id)
