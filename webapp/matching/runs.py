"""Match runs of a program: start one (or a rematch of open requests, all or one), follow
its progress, list them, see what changed."""

from __future__ import annotations

from collections.abc import Sequence

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select
from werkzeug.wrappers import Response

from webapp import jobs
from webapp.db import db
from webapp.decisions import decisions_for
from webapp.forms import EmptyForm
from webapp.lookups import get_program, get_run
from webapp.models import Program
from webapp.pair_forms import RematchForm
from webapp.rematch import open_types, person_of
from webapp.roles import Need, needs
from webapp.run_estimate import run_estimate
from webapp.run_models import MatchRun, ProposedMatch, RunKind
from webapp.runner import RUN, Request, start_run
from webapp.security import is_local_path

bp = Blueprint("runs", __name__, url_prefix="/programs/<int:program_id>/runs")

#: How many runs the list shows.
RUN_LIST_LENGTH = 50


@bp.get("/")
@needs(Need.FIGURES)
def index(program_id: int) -> str:
    """The program's runs, newest first, with a button to start one."""
    program = get_program(program_id)
    jobs.reap(RUN, MatchRun.program_id == program.id)
    runs = db.session.execute(
        select(MatchRun, func.count(ProposedMatch.id))
        .outerjoin(ProposedMatch)
        .where(MatchRun.program_id == program.id)
        .group_by(MatchRun.id)
        .order_by(MatchRun.id.desc())
        .limit(RUN_LIST_LENGTH)
    ).all()
    return render_template("runs/index.html", program=program, runs=runs, form=EmptyForm())


@bp.post("/")
@needs(Need.MANAGE)
def start(program_id: int) -> Response:
    """Queue a run with the program's participants, settings and decisions."""
    program = get_program(program_id)
    if not EmptyForm().validate_on_submit():
        abort(400, description="The form expired; reload the page and try again.")
    return _start(program, RunKind.FULL)


@bp.post("/rematch")
@needs(Need.MANAGE)
def rematch(program_id: int) -> Response:
    """Queue a rematch of every open request; every published, accepted and active pair
    stays exactly where it is."""
    program = get_program(program_id)
    if not EmptyForm().validate_on_submit():
        abort(400, description="The form expired; reload the page and try again.")
    return _start(program, RunKind.REMATCH)


@bp.post("/rematch/one")
@needs(Need.MANAGE)
def rematch_one(program_id: int) -> Response:
    """Queue a rematch of one open request ("find someone else for Nadia's sponsor"):
    every other pair, published or of the latest run, stays as it is."""
    program = get_program(program_id)
    form = RematchForm()
    target = request.form.get("next", "")
    back = target if is_local_path(target) else url_for(".index", program_id=program.id)
    if not form.validate_on_submit():
        flash("The rematch form was not understood; reload the page and try again.", "error")
        return redirect(back)
    email, kind = (form.mentee_email.data or "").strip().lower(), form.mentor_type.data or ""
    if kind not in open_types(program.id, person_of(program.id, email)):
        flash(
            f"{email}'s {kind} request is not open (it has a published match, or the person "
            "does not seek it): nothing to rematch.",
            "error",
        )
        return redirect(back)
    return _start(program, RunKind.REMATCH, [(email, kind)])


def _start(program: Program, kind: RunKind, fill: Sequence[Request] = ()) -> Response:
    """Start a run of ``kind`` (filling ``fill``), or show the one still working."""
    run, new = start_run(program, current_user.email, kind, fill)
    if not new:
        return _still_working(run)
    jobs.submit(RUN, run)
    flash(f"{'Rematch' if kind is RunKind.REMATCH else 'Run'} {run.number} started.")
    return redirect(url_for(".show", program_id=program.id, run_id=run.id))


def _still_working(run: MatchRun) -> Response:
    flash(f"Run {run.number} is still working; it must finish before another starts.", "error")
    return redirect(url_for(".show", program_id=run.program_id, run_id=run.id))


@bp.get("/<int:run_id>")
@needs(Need.READ)
def show(program_id: int, run_id: int) -> str:
    """A run: its progress while it works, then its figures and what changed."""
    program = get_program(program_id)
    jobs.reap(RUN, MatchRun.id == run_id)
    run = get_run(program.id, run_id)
    changes = dict(
        db.session.execute(
            select(ProposedMatch.change, func.count())
            .where(ProposedMatch.run_id == run.id)
            .group_by(ProposedMatch.change)
        ).all()
    )
    decided = decisions_for(
        program.id,
        ((r["mentee_email"], r["mentor_email"], r["mentor_type"]) for r in run.left_out),
    )
    left_out = [
        (r, decided.get((r["mentee_email"], r["mentor_email"], r["mentor_type"])))
        for r in run.left_out
    ]
    return render_template(
        "runs/show.html",
        program=program,
        run=run,
        changes=changes,
        left_out=left_out,
        estimate=run_estimate(run),
        form=EmptyForm(),
    )
