"""Programs: list (cohorts of a series together), create, rename, and the settings form
of their matching config."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from werkzeug.wrappers import Response

from matcher import ProgramConfig, config_to_mapping
from webapp import audit
from webapp.admin.cohort_forms import CohortSettingsForm
from webapp.admin.config_form import settings_form
from webapp.answers import policy_for
from webapp.cohorts import cohorts_of, series_rows
from webapp.db import db
from webapp.forms import ProgramForm
from webapp.lookups import get_program
from webapp.models import Participant, Program
from webapp.pair_forms import PolicyForm
from webapp.pick_forms import PickSettingsForm
from webapp.picks import pick_settings
from webapp.roles import Need, Role, needs, role_in, roles_of
from webapp.runner import latest_run

bp = Blueprint("programs", __name__, url_prefix="/programs")


@bp.get("/")
@needs(Need.SIGNED_IN)
def index() -> str:
    """List the programs the admin may open (an owner: every one) with their number of
    participants and the admin's role there: the cohorts of a series in one row, its
    current (latest) cohort first, the earlier ones linked beside it."""
    counts = (
        select(Program, func.count(Participant.id))
        .outerjoin(Participant, Participant.program_id == Program.id)
        .group_by(Program.id)
    )
    roles: dict[int, Role] = {} if current_user.is_owner else roles_of(current_user)
    if not current_user.is_owner:
        counts = counts.where(Program.id.in_(roles))
    found: dict[Program, int] = dict(db.session.execute(counts).all())
    return render_template(
        "programs/index.html", series=series_rows(found), counts=found, roles=roles
    )


def _save_name(form: ProgramForm, program: Program) -> bool:
    """Store the form's name on ``program``; False (with a field error) when it is taken."""
    program.name = (form.name.data or "").strip()
    db.session.add(program)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        form.name.errors = ["Another program already has this name."]
        return False
    return True


@bp.route("/new", methods=["GET", "POST"])
@needs(Need.SITE)
def create() -> str | Response:
    """Create a program with the default matching config."""
    form = ProgramForm()
    if form.validate_on_submit():
        program = Program(config=config_to_mapping(ProgramConfig()))
        if _save_name(form, program):
            audit.record("program.create", program.id, name=program.name)
            db.session.commit()
            flash(f"Program “{program.name}” created.")
            return redirect(url_for("admin.programs.show", program_id=program.id))
    return render_template("programs/form.html", form=form, program=None)


@bp.get("/<int:program_id>/")
@needs(Need.FIGURES)
def show(program_id: int) -> str:
    """A program's overview: how many people in each role, and what to do next (a viewer:
    where the figures are)."""
    program = get_program(program_id)
    by_role = dict(
        db.session.execute(
            select(Participant.role, func.count())
            .where(Participant.program_id == program.id)
            .group_by(Participant.role)
        ).all()
    )
    cohorts = cohorts_of(program)
    return render_template(
        "programs/show.html",
        program=program,
        by_role=by_role,
        cohorts=[c for c in cohorts if role_in(current_user, c.id) is not None],
        latest=cohorts[-1].id == program.id,
        role=None if current_user.is_owner else role_in(current_user, program.id),
        last_run=latest_run(program.id),
    )


@bp.route("/<int:program_id>/edit", methods=["GET", "POST"])
@needs(Need.MANAGE)
def edit(program_id: int) -> str | Response:
    """Rename a program."""
    program = get_program(program_id)
    form = ProgramForm(obj=program)
    if form.validate_on_submit() and _save_name(form, program):
        audit.record("program.rename", program.id, name=program.name)
        db.session.commit()
        flash("Program saved.")
        return redirect(url_for("admin.programs.show", program_id=program.id))
    return render_template("programs/form.html", form=form, program=program)


@bp.route("/<int:program_id>/settings", methods=["GET", "POST"])
@needs(Need.MANAGE)
def settings(program_id: int) -> str | Response:
    """Edit every matching setting, validated exactly like a TOML config file."""
    program = get_program(program_id)
    form = settings_form(program.config)
    if form.is_submitted():
        valid = form.validate()  # then every setting is checked too: all errors at once
        config = form.validated_config(program.config)
        if valid and config is not None:
            program.config = config_to_mapping(config)
            audit.record("program.settings", program.id, config=program.config)
            db.session.commit()
            flash("Settings saved.")
            return redirect(url_for("admin.programs.show", program_id=program.id))
    if form.errors:
        flash("Some settings need fixing; see the messages below.", "error")
    return render_template(
        "programs/settings.html",
        form=form,
        program=program,
        answers=PolicyForm(formdata=None, obj=policy_for(program.id)),
        cohort=CohortSettingsForm(formdata=None, obj=program),
        picks=PickSettingsForm(formdata=None, obj=pick_settings(program.id)),
    )
