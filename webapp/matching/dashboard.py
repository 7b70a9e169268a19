"""A run's dashboard (figures as inline SVG charts) and its open requests with supply gaps."""

from __future__ import annotations

from collections import Counter
from typing import Any

from flask import Blueprint, current_app, render_template, request
from markupsafe import Markup
from sqlalchemy import select

from matcher import MentorType
from webapp.answers import settle_on_look
from webapp.checkins import checkins_on_look, fit_rates
from webapp.db import db
from webapp.figures import SCORE_BIN
from webapp.lookups import done_run, get_program
from webapp.mail.invitations import InviteStatus, invitation_statuses
from webapp.matching import charts
from webapp.models import Participant
from webapp.pair_figures import pair_figures
from webapp.query import paginate
from webapp.roles import Need, needs
from webapp.run_models import UnmatchedRequest

bp = Blueprint("dashboard", __name__, url_prefix="/programs/<int:program_id>/runs/<int:run_id>")


def _share(counts: dict[str, int]) -> str:
    """A cross-department or cross-generation share in words.

    >>> _share({"known": 4, "cross": 3})
    '75% (3 of 4 pairs)'
    >>> _share({"known": 0, "cross": 0})
    'not known'
    """
    if not counts.get("known"):
        return "not known"
    return f"{counts['cross'] / counts['known']:.0%} ({counts['cross']} of {counts['known']} pairs)"


def dashboard_charts(figures: dict[str, Any]) -> dict[str, Markup]:
    """The dashboard's charts from a run's stored figures."""
    types = [t.value for t in MentorType]
    labels = [f"{low}–{low + SCORE_BIN}" for low in range(0, 100, SCORE_BIN)]
    mentors = figures["mentors"]
    return {
        "roles": charts.count_bars(
            "Participants by role", [(r, n) for r, n in figures["people"].items()]
        ),
        "types": charts.count_bars(
            "Mentee requests per type",
            [(t, figures["requested"].get(t, 0)) for t in types],
        ),
        "offered": charts.count_bars(
            "Mentors offering each type", [(t, figures["offered"].get(t, 0)) for t in types]
        ),
        "filled": charts.part_bars(
            "Requests filled per type",
            [(t, figures["filled"].get(t, 0), figures["requested"].get(t, 0)) for t in types],
        ),
        "utilisation": charts.part_bars(
            "Mentor places used",
            [("places used", figures["assigned"], figures["capacity"])],
        ),
        "mentors": charts.count_bars(
            "Mentors by how full they are",
            [
                ("no mentee", mentors["unused"]),
                ("some room left", mentors["partly"]),
                ("full", mentors["full"]),
            ],
        ),
        "scores": charts.histogram("Scores of the proposed pairs", figures["score_bins"], labels),
    }


@bp.get("/dashboard")
@needs(Need.FIGURES)
def show(program_id: int, run_id: int) -> str:
    """The figures of one run, drawn as charts."""
    program = get_program(program_id)
    run = done_run(program.id, run_id)
    figures = run.summary
    settle_on_look(program.id)
    checkins_on_look(program.id)
    return render_template(
        "dashboard/show.html",
        program=program,
        run=run,
        figures=figures,
        charts=dashboard_charts(figures),
        cross_department=_share(figures["cross_department"]),
        cross_generation=_share(figures["cross_generation"]),
        answers=pair_figures(program.id),
        fit=fit_rates(program.id),
        invitations=invitation_counts(program.id),
    )


def invitation_counts(program_id: int) -> dict[str, int]:
    """How many participants are at each step of their invitation, in the order of
    :class:`~webapp.mail.invitations.InviteStatus` (submitted: they answered)."""
    found = Counter(invitation_statuses(program_id).values())
    return {str(status): found[status] for status in InviteStatus}


@bp.get("/unmatched")
@needs(Need.READ)
def unmatched(program_id: int, run_id: int) -> str:
    """Every open request with its reason, and the supply gaps behind them: the mentors
    with room by name (linked to their page), and the skills and languages nobody offers."""
    program = get_program(program_id)
    run = done_run(program.id, run_id)
    kind = request.args.get("type", "")
    query = select(UnmatchedRequest).where(UnmatchedRequest.run_id == run.id)
    if kind in {t.value for t in MentorType}:
        query = query.where(UnmatchedRequest.mentor_type == kind)
    size = current_app.config["REVIEW_PAGE_SIZE"]
    page = paginate(
        query.order_by(UnmatchedRequest.mentee_name, UnmatchedRequest.mentor_type), size
    )
    gaps = run.summary.get("gaps", [])
    named = {m["email"] for gap in gaps for m in gap.get("mentors", [])}
    found = db.session.execute(
        select(Participant.email, Participant.id).where(
            Participant.program_id == program.id, Participant.email.in_(named)
        )
    )
    return render_template(
        "dashboard/unmatched.html",
        program=program,
        run=run,
        page=page,
        gaps=gaps,
        missing=run.summary.get("missing", []),
        participant_ids=dict(found.all()),
        kind=kind,
        types=list(MentorType),
    )
