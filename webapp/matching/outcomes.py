"""Outcomes per cohort: one cohort's figures by mentor type and by department, and a row
per cohort of its series, as charts with their tables, and the same as CSV."""

from __future__ import annotations

import pandas as pd
from flask import Blueprint, Response, render_template
from flask_login import current_user
from markupsafe import Markup

from matcher import to_csv_bytes
from webapp import audit
from webapp.answers import settle_on_look
from webapp.cohort_figures import CohortOutcomes, Tally, cohort_outcomes, figure_columns
from webapp.cohorts import cohorts_of
from webapp.db import db
from webapp.lookups import get_program
from webapp.matching import charts
from webapp.pair_models import PairStatus
from webapp.roles import Need, may, needs

bp = Blueprint("outcomes", __name__, url_prefix="/programs/<int:program_id>")

#: The columns of the outcomes CSV before the figures.
ROW_COLUMNS = ["cohort", "cohort_number", "starts_on", "ends_on", "breakdown", "group"]


def _accepted_of_requests(title: str, rows: dict[str, Tally]) -> Markup:
    return charts.part_bars(
        title,
        [
            (group, tally.pairs[PairStatus.ACCEPTED.value], tally.requests)
            for group, tally in rows.items()
        ],
    )


def outcome_charts(outcome: CohortOutcomes, series: list[CohortOutcomes]) -> dict[str, Markup]:
    """The page's charts: accepted matches of the requests per type, per department and
    per cohort of the series, and published matches per type."""
    by_cohort = {o.program.name: o.total for o in series}
    return {
        "types": _accepted_of_requests(
            "Requests with an accepted match, per type", outcome.by_type
        ),
        "published": charts.count_bars(
            "Matches published per type",
            [(group, tally.published) for group, tally in outcome.by_type.items()],
        ),
        "departments": _accepted_of_requests(
            "Requests with an accepted match, per department", outcome.by_department
        ),
        "cohorts": _accepted_of_requests("Requests with an accepted match, per cohort", by_cohort),
        "matched": charts.part_bars(
            "Requests matched in the latest run, per cohort",
            [(name, tally.matched, tally.requests) for name, tally in by_cohort.items()],
        ),
    }


def _series(program_id: int) -> tuple[CohortOutcomes, list[CohortOutcomes]]:
    """The program's outcomes and those of the cohorts of its series the admin has a role
    in, overdue answers settled first; small departments pooled for a viewer."""
    program = get_program(program_id)
    cohorts = [c for c in cohorts_of(program) if may(current_user, Need.FIGURES, c.id)]
    for cohort in cohorts:
        settle_on_look(cohort.id)
    series = [cohort_outcomes(cohort) for cohort in cohorts]
    if not may(current_user, Need.READ, program_id):  # a viewer: no group small enough to name
        series = [outcome.pooled() for outcome in series]
    return next(o for o in series if o.program.id == program.id), series


@bp.get("/outcomes")
@needs(Need.FIGURES)
def show(program_id: int) -> str:
    """The cohort's outcomes, and a row per cohort of its series."""
    outcome, series = _series(program_id)
    columns = figure_columns(series)
    return render_template(
        "outcomes/show.html",
        program=outcome.program,
        outcome=outcome,
        series=series,
        columns=columns,
        cohort_rows=[(o.program.name, o.total) for o in series],
        accepted=PairStatus.ACCEPTED.value,
        charts=outcome_charts(outcome, series),
    )


def outcomes_csv(series: list[CohortOutcomes]) -> bytes:
    """Every row of every cohort of ``series`` (all, by mentor type, by department)."""
    columns = figure_columns(series)
    rows = []
    for outcome in series:
        cohort = outcome.program
        dates = [d.isoformat() if d else "" for d in (cohort.starts_on, cohort.ends_on)]
        for breakdown, group, tally in outcome.groups():
            figures = tally.row(columns)
            rows.append(
                [cohort.name, cohort.cohort_number, *dates, breakdown, group, *figures.values()]
            )
    names = [*ROW_COLUMNS, *Tally().row(columns)]
    return to_csv_bytes(pd.DataFrame(rows, columns=names))


@bp.get("/outcomes.csv")
@needs(Need.FIGURES)
def export_csv(program_id: int) -> Response:
    """The outcomes of every cohort of the series as CSV."""
    outcome, series = _series(program_id)
    audit.record("outcomes.export", outcome.program.id, cohorts=len(series), format="csv")
    db.session.commit()
    return Response(
        outcomes_csv(series),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="outcomes-program-{program_id}.csv"'
        },
    )
