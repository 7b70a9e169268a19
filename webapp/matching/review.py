"""Review a run: every pair with its reasons, decisions one by one or in bulk, a mentee's
network and alternatives, and matches made by hand.

A page of the table is a constant number of queries, whatever the size of the run: the
ids of the page's pairs (filtered and sorted on narrow, indexed columns; joined to their
decision only to filter by status), their count, then those pairs and their decisions.
``benchmarks/review_page.py`` measures it on a run of 10,000+ pairs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    get_template_attribute,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import Select, or_, select
from werkzeug.wrappers import Response

from matcher import (
    Decision,
    MatcherError,
    MenteeExplanation,
    MentorType,
    config_from_mapping,
    explain_stored_mentee,
)
from webapp.checkins import checkins_of, published_of
from webapp.db import db
from webapp.decisions import (
    DECISION,
    RefusedError,
    decide,
    decision_join,
    decisions_for,
    status,
)
from webapp.errors import error_page, wants_fragment
from webapp.lookups import done_run, get_program, stored_proposal
from webapp.matching.charts import criterion_bar
from webapp.matching.holding import unable_to_hold
from webapp.matching.mentor_search import mentor_options
from webapp.matching.places import over_capacity, places_used
from webapp.matching.review_forms import BulkForm, DecisionForm, ManualForm, chosen_action
from webapp.models import Participant, Program
from webapp.pair_forms import EndForm, PublishForm, RematchForm
from webapp.pair_life import lives
from webapp.people_cache import Encoded, program_cohort
from webapp.program_questions import criterion_names
from webapp.publishing import pair_states
from webapp.query import paginate
from webapp.rematch import open_types
from webapp.roles import Need, needs
from webapp.run_models import (
    PROPOSED,
    STATUS_OF,
    STATUSES,
    MatchRun,
    ProposedMatch,
)
from webapp.runner import program_decisions
from webapp.security import is_local_path

bp = Blueprint("review", __name__, url_prefix="/programs/<int:program_id>/runs/<int:run_id>")
bp.add_app_template_global(criterion_bar, "criterion_bar")
bp.add_app_template_global(criterion_names, "criterion_names")

FILTERS = ("type", "department", "min", "max", "status", "change", "q", "group", "sort", "mentor")
#: Sort orders of the table: label and the columns they order by.
SORTS: dict[str, tuple[str, tuple[Any, ...]]] = {
    "score_desc": ("Score, highest first", (ProposedMatch.score.desc(),)),
    "score": ("Score, lowest first", (ProposedMatch.score,)),
    "mentee": ("Mentee", (ProposedMatch.mentee_name, ProposedMatch.mentee_email)),
    "mentor": ("Mentor", (ProposedMatch.mentor_name, ProposedMatch.mentor_email)),
    "type": ("Type", (ProposedMatch.mentor_type,)),
}
GROUPS = {
    "mentee": (ProposedMatch.mentee_name, ProposedMatch.mentee_email),
    "mentor": (ProposedMatch.mentor_name, ProposedMatch.mentor_email),
}


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def filtered(run: MatchRun, args: Mapping[str, str]) -> Select[tuple[int]]:
    """The ids of the run's pairs, filtered (also by their decision) and sorted as the
    table asks.

    Only ids are selected, so that sorting and skipping to a deep page never carry the
    pairs' reasons and breakdowns; the decision is joined only to filter by status.
    """
    query = select(ProposedMatch.id).where(ProposedMatch.run_id == run.id)
    if args.get("type") in {t.value for t in MentorType}:
        query = query.where(ProposedMatch.mentor_type == args["type"])
    if department := args.get("department"):
        query = query.where(
            or_(
                ProposedMatch.mentee_department == department,
                ProposedMatch.mentor_department == department,
            )
        )
    if (low := _number(args.get("min", ""))) is not None:
        query = query.where(ProposedMatch.score >= low)
    if (high := _number(args.get("max", ""))) is not None:
        query = query.where(ProposedMatch.score <= high)
    wanted = args.get("status")
    if wanted in STATUSES:
        query = query.outerjoin(DECISION, decision_join(run.program_id))
    if wanted == PROPOSED:
        query = query.where(DECISION.id.is_(None))
    elif wanted in STATUSES:
        action = next(a for a, name in STATUS_OF.items() if name == wanted)
        query = query.where(DECISION.action == action.value)
    if mentor := args.get("mentor", "").strip().lower():
        query = query.where(ProposedMatch.mentor_email == mentor)
    if args.get("change") in {"added", "changed"}:
        query = query.where(ProposedMatch.change == args["change"])
    if text := args.get("q", "").strip().lower():
        query = query.where(
            or_(
                ProposedMatch.mentee_email.contains(text, autoescape=True),
                ProposedMatch.mentor_email.contains(text, autoescape=True),
                ProposedMatch.mentee_name.ilike(f"%{text}%"),
                ProposedMatch.mentor_name.ilike(f"%{text}%"),
            )
        )
    _, order = SORTS.get(args.get("sort", ""), SORTS["score_desc"])
    group = GROUPS.get(args.get("group", ""), ())
    return query.order_by(*group, *order, ProposedMatch.id)


def _departments(run: MatchRun) -> list[str]:
    mentee = select(ProposedMatch.mentee_department).where(ProposedMatch.run_id == run.id)
    mentor = select(ProposedMatch.mentor_department).where(ProposedMatch.run_id == run.id)
    found = db.session.scalars(mentee.union(mentor)).all()
    return sorted(d for d in found if d)


def _choices(run: MatchRun) -> dict[str, list[tuple[str, str]]]:
    """The options of each filter of the table, as (value, text)."""
    return {
        "type": [(t.value, t.value) for t in MentorType],
        "department": [(d, d) for d in _departments(run)],
        "status": [(s, s) for s in STATUSES],
        "change": [("added", "added"), ("changed", "changed mentor")],
        "group": [("mentee", "mentee"), ("mentor", "mentor")],
        "sort": [(key, label) for key, (label, _) in SORTS.items() if key != "score_desc"],
    }


def _pairs(ids: Sequence[int]) -> list[ProposedMatch]:
    """The pairs of ``ids``, in that order (one query)."""
    found = {
        p.id: p for p in db.session.scalars(select(ProposedMatch).where(ProposedMatch.id.in_(ids)))
    }
    return [found[i] for i in ids if i in found]


@dataclass(frozen=True)
class MentorShown:
    """The mentor the table is filtered by: their record, capacity and places used."""

    id: int
    name: str
    capacity: int
    used: int


def _mentor_shown(run: MatchRun, email: str) -> MentorShown | None:
    """The mentor of the table's ``mentor`` filter, if they are a participant."""
    record = db.session.execute(
        select(Participant.id, Participant.name, Participant.capacity).where(
            Participant.program_id == run.program_id, Participant.email == email
        )
    ).one_or_none()
    if record is None:
        return None
    return MentorShown(*record, used=places_used(run, [email]).get(email, 0))


@bp.get("/review")
@needs(Need.READ)
def index(program_id: int, run_id: int) -> str:
    """The review table of a run."""
    program = get_program(program_id)
    run = done_run(program.id, run_id)
    args = {k: request.args.get(k, "") for k in FILTERS}
    size = current_app.config["REVIEW_PAGE_SIZE"]
    page = paginate(filtered(run, args), size)
    pairs = _pairs(page.items)
    decided = decisions_for(program.id, (pair.key for pair in pairs))
    statuses = {pair.key: status(decided.get(pair.key)) for pair in pairs}
    email = args["mentor"].strip().lower()
    return render_template(
        "review/index.html",
        program=program,
        run=run,
        page=page,
        rows=[(pair, statuses[pair.key], decided.get(pair.key)) for pair in pairs],
        states=pair_states(program.id, pairs, statuses),
        publish=PublishForm(),
        args=args,
        active={k: v for k, v in args.items() if v},
        choices=_choices(run),
        bulk=BulkForm(),
        decision_form=DecisionForm(),
        crowded=over_capacity(run),
        mentor=_mentor_shown(run, email) if email else None,
    )


def _back(program_id: int, run_id: int) -> Response:
    """Back to the page the form was on (only a path of this site), else the table."""
    target = request.form.get("next", "")
    if is_local_path(target):
        return redirect(target)
    return redirect(url_for(".index", program_id=program_id, run_id=run_id))


@bp.post("/matches/<int:match_id>")
@needs(Need.DECIDE)
def decide_one(program_id: int, run_id: int, match_id: int) -> str | Response | tuple[str, int]:
    """Approve, reject, lock or undo one pair; a page script gets the pair's new row.

    An approval or lock the pair cannot hold today (a rule it breaks, its mentor's places
    taken) is refused with why, as the bulk confirmation says it: a message on the page,
    or in the row for the script (422); a 409 only when the pair's decision changed since
    the page showed it, or another admin took the mentor's last place meanwhile.
    """
    program = get_program(program_id)
    run = done_run(program.id, run_id)
    pair = db.session.get(ProposedMatch, match_id)
    if pair is None or pair.run_id != run.id:
        abort(404, description="There is no such pair in this run.")
    form = DecisionForm()
    if not form.validate_on_submit():
        abort(400, description="The decision was not understood; reload the page and try again.")
    action = chosen_action(form.action.data or "")
    note = (form.note.data or "").strip()
    seen = request.form.get("version")
    try:
        changed = decide(
            run,
            [pair],
            action,
            current_user.email,
            note,
            seen,
            partial(unable_to_hold, program),
            never=form.reach.data == "never",
        )
    except RefusedError as refused:
        db.session.rollback()
        verb = STATUS_OF[action] if action else "changed"
        message = f"Not {verb}: {refused}. Nothing was saved."
        if wants_fragment():
            return error_page("Not saved", message, 422)
        flash(message, "error")
        return _back(program.id, run.id)
    if changed:
        db.session.commit()
        if not wants_fragment():
            after = PROPOSED if action is None else STATUS_OF[action]
            flash(f"{pair.label}: {after}.")
    if wants_fragment():
        return _row(program, run, pair)
    return _back(program.id, run.id)


def _row(program: Program, run: MatchRun, pair: ProposedMatch) -> str:
    """The pair's row of the review table as it is now (for review.js)."""
    decision = decisions_for(program.id, [pair.key]).get(pair.key)
    target = request.form.get("next", "")
    row = get_template_attribute("review/_row.html", "review_row")
    return str(
        row(
            program,
            run,
            pair,
            status(decision),
            decision,
            DecisionForm(),
            over_capacity(run),
            target
            if is_local_path(target)
            else url_for(".index", program_id=program.id, run_id=run.id),
            pair_states(program.id, [pair], {pair.key: status(decision)}).get(pair.key),
        )
    )


def explain(
    run: MatchRun, encoded: Encoded, email: str, decisions: Sequence[Decision] | None = None
) -> MenteeExplanation:
    """:func:`matcher.explain_stored_mentee` of one mentee of ``run``: the answer of
    :func:`matcher.explain_mentee` with every pair of the run, reading few of them
    (``tests/web/test_review_speed.py`` checks it). Only the mentee's own decisions
    change the answer (a rejection blocks a pair of theirs), so only those are read."""
    return explain_stored_mentee(
        encoded.people,
        email,
        partial(stored_proposal, run, email),
        config_from_mapping(run.config),
        program_decisions(run.program_id, mentee_email=email) if decisions is None else decisions,
        cohort=encoded.cohort,
    )


@bp.get("/mentee")
@needs(Need.READ)
def mentee(program_id: int, run_id: int) -> str:
    """One mentee: a mentor per type sought, and per type the best alternatives."""
    program = get_program(program_id)
    run = done_run(program.id, run_id)
    email = request.args.get("email", "").strip().lower()
    encoded = program_cohort(program.id)
    try:
        decisions = program_decisions(program.id, mentee_email=email)
        explained = explain(run, encoded, email, decisions)
    except MatcherError as exc:
        abort(404, description=str(exc))
    person = encoded.cohort.people[encoded.cohort.index[email]]
    pairs = db.session.scalars(
        select(ProposedMatch).where(
            ProposedMatch.run_id == run.id, ProposedMatch.mentee_email == email
        )
    ).all()
    decided = decisions_for(program.id, (p.key for p in pairs))
    manual = ManualForm(mentee_email=email)
    published = published_of(program.id, email)
    return render_template(
        "review/mentee.html",
        program=program,
        run=run,
        person=person,
        pairs={p.mentor_type: (p, status(decided.get(p.key)), decided.get(p.key)) for p in pairs},
        open_requests={r.mentor_type: r.reason for r in explained.unmatched.itertuples()},
        alternatives=explained.alternatives.to_dict("records"),
        mentor_options=mentor_options(run, encoded, email, decisions),
        decision_form=DecisionForm(),
        manual=manual,
        published=published,
        lives=lives(published),
        checkins=checkins_of(published),
        end_form=EndForm(),
        move_form=FlaskForm(),
        rematch_types=open_types(program.id, person),
        rematch_form=RematchForm(),
    )
