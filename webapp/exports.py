"""Downloads of a run's approved pairs: a formula-safe CSV and one introduction note per pair.

Approved and locked pairs are exported; the CSV has the columns of the command line's
``matches.csv`` and is written by ``matcher.csv_io.to_csv_bytes`` (UTF-8 with BOM, every
text cell neutralized for spreadsheets).
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
from flask import Blueprint, Response
from sqlalchemy import select

from matcher.csv_io import to_csv_bytes
from matcher.engine import MATCH_COLUMNS
from matcher.schema import MentorType
from webapp import audit
from webapp.auth import admin_only
from webapp.db import db
from webapp.decisions import DECISION, decision_join
from webapp.programs import get_program
from webapp.review import done_run
from webapp.run_models import Action, MatchRun, ProposedMatch

bp = Blueprint("exports", __name__, url_prefix="/programs/<int:program_id>/runs/<int:run_id>")
admin_only(bp)

#: A suggested first conversation for each type of mentoring.
AGENDA: dict[MentorType, tuple[str, ...]] = {
    MentorType.DEVELOPMENTAL: (
        "Where you are now and the one or two abilities you most want to grow this year.",
        "How the mentor learned those abilities, and what they would do differently.",
        "A small next step to try before you meet again.",
    ),
    MentorType.SPONSORSHIP: (
        "The role or department the mentee is aiming for, and by when.",
        "The work that would make the mentee visible to the people who decide.",
        "Which introductions or opportunities the sponsor can open first.",
    ),
    MentorType.GENERATIONAL: (
        "What each of you sees differently about work, tools and careers.",
        "One thing each of you would like to learn from the other.",
        "How often to meet, and who brings the topic each time.",
    ),
    MentorType.EXPERTISE: (
        "The skill or knowledge to learn, and a concrete problem to learn it on.",
        "What good looks like: how you will both know it is working.",
        "Resources, a first exercise, and a date to review it together.",
    ),
}


def approved_pairs(run: MatchRun) -> Sequence[ProposedMatch]:
    """The run's approved and locked pairs, by mentee, type and mentor."""
    query = (
        select(ProposedMatch)
        .join(DECISION, decision_join(run.program_id))
        .where(
            ProposedMatch.run_id == run.id,
            DECISION.action.in_([Action.APPROVE.value, Action.LOCK.value]),
        )
        .order_by(ProposedMatch.mentee_email, ProposedMatch.mentor_type, ProposedMatch.mentor_email)
    )
    return db.session.scalars(query).all()


def matches_csv(pairs: Sequence[ProposedMatch]) -> bytes:
    """The pairs as the command line's ``matches.csv``."""
    frame = pd.DataFrame(
        [[getattr(p, column) for column in MATCH_COLUMNS] for p in pairs], columns=MATCH_COLUMNS
    )
    return to_csv_bytes(frame)


def introduction(pair: ProposedMatch) -> str:
    """The note that introduces a mentee and a mentor to each other."""
    kind = MentorType(pair.mentor_type)
    lines = [
        f"# {pair.mentee_name} and {pair.mentor_name}: {kind.value} mentoring",
        "",
        f"{pair.mentee_name} ({pair.mentee_email}), meet {pair.mentor_name} "
        f"({pair.mentor_email}), your {kind.value} mentor.",
        "",
        f"Why you were matched: {pair.reasons or 'chosen by the program team'}.",
        "",
        "A suggested agenda for your first conversation:",
        "",
        *(f"{n}. {item}" for n, item in enumerate(AGENDA[kind], start=1)),
    ]
    return "\n".join(lines)


def _download(content: bytes, filename: str, mimetype: str) -> Response:
    return Response(
        content,
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@bp.get("/export.csv")
def export_csv(program_id: int, run_id: int) -> Response:
    """The approved pairs as CSV."""
    program = get_program(program_id)
    run = done_run(program.id, run_id)
    pairs = approved_pairs(run)
    audit.record("run.export", program.id, run=run.id, pairs=len(pairs), format="csv")
    db.session.commit()
    return _download(matches_csv(pairs), f"matches-run-{run.number}.csv", "text/csv")


@bp.get("/introductions.md")
def export_introductions(program_id: int, run_id: int) -> Response:
    """One introduction note per approved pair, as one Markdown text file."""
    program = get_program(program_id)
    run = done_run(program.id, run_id)
    pairs = approved_pairs(run)
    audit.record("run.export", program.id, run=run.id, pairs=len(pairs), format="introductions")
    db.session.commit()
    text = "\n\n---\n\n".join(introduction(p) for p in pairs) + "\n"
    return _download(text.encode("utf-8"), f"introductions-run-{run.number}.md", "text/markdown")
