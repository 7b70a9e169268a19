"""Cohorts of a program: "Start the next cohort" (a confirmation form, then a background
job with progress) and a cohort's dates (a form of the settings page)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from webapp import audit, jobs
from webapp.admin.cohort_forms import CohortSettingsForm, NextCohortForm
from webapp.cohort_models import CohortStart
from webapp.cohorts import NEXT_COHORT, active_start, next_cohort, start_next
from webapp.db import db
from webapp.forms import flash_errors
from webapp.lookups import get_program
from webapp.models import Program
from webapp.roles import Need, needs

bp = Blueprint("cohorts", __name__, url_prefix="/programs/<int:program_id>")


@bp.route("/next-cohort", methods=["GET", "POST"])
@needs(Need.MANAGE)
def start(program_id: int) -> str | Response:
    """Confirm the next cohort's name, dates and who carries over, then start the job."""
    program = get_program(program_id)
    following = next_cohort(program)
    if (running := active_start(program.id)) is not None:
        return redirect(url_for(".job", program_id=program.id, job_id=running.id))
    form = NextCohortForm()
    if following is None and form.validate_on_submit():
        name = (form.name.data or "").strip()
        if db.session.scalar(select(Program.id).where(Program.name == name)) is not None:
            form.name.errors = ["Another program already has this name; choose another."]
        else:
            job = start_next(
                program,
                CohortStart(
                    name=name,
                    starts_on=form.starts_on.data,
                    ends_on=form.ends_on.data,
                    carry=form.carry.data,
                    requested_by=current_user.email,
                    base_url=request.url_root,
                ),
            )
            return redirect(url_for(".job", program_id=program.id, job_id=job.id))
    return render_template(
        "programs/next_cohort.html", program=program, form=form, following=following
    )


@bp.get("/next-cohort/<int:job_id>")
@needs(Need.MANAGE)
def job(program_id: int, job_id: int) -> str:
    """The start's progress, then what it did."""
    program = get_program(program_id)
    found = db.session.get(CohortStart, job_id)
    if found is None or found.program_id != program.id:
        abort(404, description="There is no such start of a next cohort.")
    jobs.reap(NEXT_COHORT, CohortStart.id == found.id)
    db.session.refresh(found)
    return render_template("programs/cohort_job.html", program=program, job=found)


@bp.post("/settings/cohort")
@needs(Need.MANAGE)
def settings(program_id: int) -> Response:
    """Save the cohort's dates; a bad value is said and nothing is saved."""
    program = get_program(program_id)
    form = CohortSettingsForm()
    back = redirect(url_for("admin.programs.settings", program_id=program.id) + "#cohort")
    if not form.validate_on_submit():
        flash_errors(form)
        return back
    program.starts_on, program.ends_on = form.starts_on.data, form.ends_on.data
    audit.record(
        "program.cohort",
        program.id,
        starts_on=program.starts_on.isoformat() if program.starts_on else "",
        ends_on=program.ends_on.isoformat() if program.ends_on else "",
    )
    db.session.commit()
    flash("Cohort settings saved.")
    return back
