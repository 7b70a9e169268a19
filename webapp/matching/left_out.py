"""Approved and locked pairs the data no longer allows: a run leaves them out, the run page
offers to undo or keep each, and saving an edit that breaks one says so.

A run never fails for such a pair: :func:`matcher.stale_locks` names it with why, the run
matches everyone around it and stores it in ``MatchRun.left_out``. Undoing takes the
decision back (the mentee and the mentor are free for the next run); keeping leaves the
decision as it is, so every run leaves the pair out until the data allows it again, and
then keeps it; a kept pair holds a place of its mentor, so keeping one whose mentor's
places are all held (:func:`webapp.matching.places.crowded`) is refused, naming who holds them.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from webapp.db import db
from webapp.decisions import decide, record_pair
from webapp.forms import EmptyForm
from webapp.lookups import get_program, get_run
from webapp.matching.places import crowded, holders
from webapp.roles import Need, needs

bp = Blueprint("left_out", __name__, url_prefix="/programs/<int:program_id>/runs/<int:run_id>")

#: What an admin did about a pair a run left out.
UNDONE, KEPT = "undone", "kept"


@dataclass(frozen=True)
class LeftOut:
    """A pair a run left out, as :func:`webapp.decisions.decide` takes it."""

    mentee_email: str
    mentor_email: str
    mentor_type: str
    label: str

    @property
    def key(self) -> tuple[str, str, str]:
        """The triple (mentee e-mail, mentor e-mail, type)."""
        return (self.mentee_email, self.mentor_email, self.mentor_type)


@bp.post("/left-out/<int:index>")
@needs(Need.DECIDE)
def resolve(program_id: int, run_id: int, index: int) -> Response:
    """Undo the decision on a pair the run left out, or keep it (it stays out)."""
    program = get_program(program_id)
    run = get_run(program.id, run_id)
    if not EmptyForm().validate_on_submit() or request.form.get("do") not in {UNDONE, KEPT}:
        abort(400, description="The form was not understood; reload the page and try again.")
    if not 0 <= index < len(run.left_out):
        abort(404, description="This run left no such pair out.")
    row = dict(run.left_out[index])
    label = f"{row['mentee_name']} – {row['mentor_name']} ({row['mentor_type']})"
    pair = LeftOut(row["mentee_email"], row["mentor_email"], row["mentor_type"], label)
    back = redirect(url_for("matching.runs.show", program_id=program.id, run_id=run.id))
    if row.get("outcome"):
        flash(f"{label} was {row['outcome']} by {row['by']} already.")
        return back
    if request.form["do"] == UNDONE:
        if decide(run, [pair], None, current_user.email, seen=request.form.get("version")):
            flash(f"{label}: decision undone; the next run may pair them with others.")
        else:
            flash(f"{label} had no decision any more.")
    elif (full := crowded(run, pair.mentor_email)) is not None:
        held = holders(run, pair.mentor_email, but=(pair.mentee_email, pair.mentor_type))
        names = ", ".join(f"{p.mentee_name} ({now})" for p, now in held) or "nobody in this run"
        flash(
            f"{label}: not kept. With it {full.name} would have {full.words}; this run's "
            f"pairs of {full.name}: {names}. Undo this decision, or reject or undo one of "
            "theirs first.",
            "error",
        )
        return back
    else:
        record_pair("match.keep", run, pair, reasons=row["reasons"])
        flash(f"{label}: kept. Runs leave it out until the data allows it, then keep it.")
    row.update(outcome=request.form["do"], by=current_user.email)
    run.left_out = [*run.left_out[:index], row, *run.left_out[index + 1 :]]
    db.session.commit()
    return back
