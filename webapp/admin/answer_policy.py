"""A program's answer settings: who must accept a published match, within how many days,
what silence past the deadline counts as, and the first-meeting check (how many days after
acceptance, whose "not a fit" ends the match): a form of the program's settings page."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, url_for
from werkzeug.wrappers import Response

from webapp import audit
from webapp.answers import policy_for
from webapp.db import db
from webapp.forms import flash_errors
from webapp.lookups import get_program
from webapp.pair_forms import PolicyForm
from webapp.roles import Need, needs

bp = Blueprint("answer_policy", __name__, url_prefix="/programs/<int:program_id>/settings")


@bp.post("/answers")
@needs(Need.MANAGE)
def save(program_id: int) -> Response:
    """Save the answer settings; a bad value is said and nothing is saved."""
    program = get_program(program_id)
    form = PolicyForm()
    back = redirect(url_for("admin.programs.settings", program_id=program.id) + "#answers")
    if not form.validate_on_submit():
        flash_errors(form)
        return back
    policy = policy_for(program.id)
    policy.must_accept = form.must_accept.data or policy.must_accept
    policy.days = form.days.data or policy.days
    policy.silence = form.silence.data or policy.silence
    policy.contact = (form.contact.data or "").strip()
    policy.checkin_days = form.checkin_days.data or policy.checkin_days
    policy.checkin_ends = form.checkin_ends.data or policy.checkin_ends
    db.session.add(policy)
    audit.record(
        "program.answers",
        program.id,
        must_accept=policy.must_accept,
        days=policy.days,
        silence=policy.silence,
        checkin_days=policy.checkin_days,
        checkin_ends=policy.checkin_ends,
    )
    db.session.commit()
    flash(
        "Answer settings saved. The days count for matches published from now on; who "
        "must accept and what silence means hold for every match still waiting."
    )
    return back
