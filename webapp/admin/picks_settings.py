"""A program's pick settings: whether mentees may pick mentors on their page, and how
many: a form of the program's settings page."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, url_for
from werkzeug.wrappers import Response

from webapp import audit
from webapp.db import db
from webapp.forms import flash_errors
from webapp.lookups import get_program
from webapp.pick_forms import PickSettingsForm
from webapp.picks import pick_settings
from webapp.roles import Need, needs

bp = Blueprint("picks_settings", __name__, url_prefix="/programs/<int:program_id>/settings")


@bp.post("/picks")
@needs(Need.MANAGE)
def save(program_id: int) -> Response:
    """Save the pick settings; a bad value is said and nothing is saved."""
    program = get_program(program_id)
    form = PickSettingsForm()
    back = redirect(url_for("admin.programs.settings", program_id=program.id) + "#picks")
    if not form.validate_on_submit():
        flash_errors(form)
        return back
    settings = pick_settings(program.id)
    settings.on = bool(form.on.data)
    settings.how_many = form.how_many.data
    db.session.add(settings)
    audit.record("program.picks", program.id, on=settings.on, how_many=settings.how_many)
    db.session.commit()
    flash(
        "Pick settings saved: mentees may now pick mentors on their page."
        if settings.on
        else "Pick settings saved: mentees do not pick mentors."
    )
    return back
