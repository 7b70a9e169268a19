"""Publish a run's ready pairs (a background job with progress), and the list of
requests that need a rematch after a decline."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from werkzeug.wrappers import Response

from webapp import jobs
from webapp.answers import needs_rematch, settle_on_look
from webapp.db import db
from webapp.forms import EmptyForm
from webapp.lookups import done_run, get_program
from webapp.models import Participant
from webapp.pair_forms import PublishForm, RematchForm
from webapp.pair_models import PublishJob
from webapp.publishing import PUBLISH, ready_pairs, start_publish
from webapp.roles import Need, needs
from webapp.run_models import MatchRun
from webapp.runner import latest_run

bp = Blueprint("publish", __name__, url_prefix="/programs/<int:program_id>")


def _ids() -> list[int]:
    """The selected rows of the review table (``ids``), ignoring what is not a number."""
    return [int(i) for i in request.form.getlist("ids") if i.isdigit()]


@bp.post("/runs/<int:run_id>/publish")
@needs(Need.MANAGE)
def start(program_id: int, run_id: int) -> Response:
    """Publish the run's ready pairs, all or of one type, as a background job."""
    program = get_program(program_id)
    run = done_run(program.id, run_id)
    form = PublishForm()
    if not form.validate_on_submit():
        flash("Choose what to publish: every ready pair, or those of one type.", "error")
        return _back(program.id, run.id)
    return _publish(run, form.scope.data or "all", form.mentor_type.data or "", [])


@bp.post("/runs/<int:run_id>/publish/selected")
@needs(Need.MANAGE)
def start_selected(program_id: int, run_id: int) -> Response:
    """Publish the ready pairs among the rows selected on the review page."""
    program = get_program(program_id)
    run = done_run(program.id, run_id)
    if not FlaskForm().validate_on_submit():
        abort(400, description="The form was not understood; reload the page and try again.")
    if not (ids := _ids()):
        flash("Select the pairs to publish first.", "error")
        return _back(program.id, run.id)
    return _publish(run, "selected", "", ids)


def _back(program_id: int, run_id: int) -> Response:
    return redirect(url_for("matching.review.index", program_id=program_id, run_id=run_id))


def _publish(run: MatchRun, scope: str, kind: str, ids: list[int]) -> Response:
    """Start publishing the ready pairs of ``scope``, or say that none is ready."""
    if not ready_pairs(run, scope, kind, ids):
        flash(
            "Nothing to publish: no pair there is ready (approved or locked, and not "
            "published before).",
            "error",
        )
        return _back(run.program_id, run.id)
    job = start_publish(run, current_user.email, request.url_root, scope, kind, ids)
    return redirect(url_for(".show", program_id=run.program_id, run_id=run.id, job_id=job.id))


@bp.get("/runs/<int:run_id>/publish/<int:job_id>")
@needs(Need.MANAGE)
def show(program_id: int, run_id: int, job_id: int) -> str:
    """A publish's progress, then what it did."""
    program = get_program(program_id)
    run = done_run(program.id, run_id)
    job = db.session.get(PublishJob, job_id)
    if job is None or job.run_id != run.id:
        abort(404, description="There is no such publish of this run.")
    jobs.reap(PUBLISH, PublishJob.id == job.id)
    db.session.refresh(job)
    return render_template("publish/show.html", program=program, run=run, job=job)


@bp.get("/rematch")
@needs(Need.MANAGE)
def rematch(program_id: int) -> str:
    """Requests whose published pair was declined and that have no new pair yet, with the
    buttons that start a rematch (of every open request, or of one)."""
    program = get_program(program_id)
    settle_on_look(program.id)
    pairs = needs_rematch(program.id)
    names = dict(
        db.session.execute(
            select(Participant.email, Participant.name).where(Participant.program_id == program.id)
        ).all()
    )
    return render_template(
        "publish/rematch.html",
        program=program,
        pairs=pairs,
        names=names,
        run=latest_run(program.id),
        form=EmptyForm(),
        one=RematchForm(),
    )
