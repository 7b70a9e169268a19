"""Matches made by hand: checked by the core, and never over a mentor's capacity unnoticed.

:func:`matcher.assess_pair` refuses a pair that breaks a hard rule and names its soft
concerns, which the admin confirms. When the mentor's places are all held by other pairs
of the run, the confirmation lists them and the admin picks which gives way: that pair
leaves this run (its approval or lock is undone, its request is open again with the
reason) and the change is logged. The new pair replaces the mentee's pair of that type
and is locked, with the check of every lock (:func:`webapp.matching.holding.unable_to_hold`): a
place still held by an approved or locked pair the run does not have (one it left out)
refuses the match with why, nothing saved.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial

import pandas as pd
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import delete, select
from werkzeug.wrappers import Response

from matcher import MatcherError, Participant, assess_pair, config_from_mapping
from webapp import audit
from webapp.db import db
from webapp.decisions import RefusedError, decide, decisions_for, record_pair
from webapp.lookups import done_run, get_program, stored_proposal
from webapp.matching.holding import unable_to_hold
from webapp.matching.mentor_search import find_mentor
from webapp.matching.places import holders
from webapp.matching.review_forms import ManualForm
from webapp.models import Program
from webapp.people_cache import program_cohort
from webapp.roles import Need, needs
from webapp.run_models import Action, MatchRun, ProposedMatch, UnmatchedRequest
from webapp.runner import program_decisions

bp = Blueprint("manual", __name__, url_prefix="/programs/<int:program_id>/runs/<int:run_id>")


def _live_matches(run: MatchRun) -> pd.DataFrame:
    """The run's pairs as the core reads them, without the rejected ones (they hold no
    place and no request)."""
    matches = stored_proposal(run).matches
    rejected = {
        (d.mentee_email, d.mentor_email, d.mentor_type.value)
        for d in program_decisions(run.program_id)
        if d.action == "reject"
    }
    keys = zip(matches.mentee_email, matches.mentor_email, matches.mentor_type, strict=True)
    return matches[[key not in rejected for key in keys]]


@bp.post("/manual")
@needs(Need.DECIDE)
def make(program_id: int, run_id: int) -> str | Response:
    """Make a pair by hand: a hard rule refuses it; soft concerns, and who gives way when
    the mentor is full, are asked first."""
    program = get_program(program_id)
    run = done_run(program.id, run_id)
    form = ManualForm()
    mentee_email = (form.mentee_email.data or "").strip().lower()
    back = url_for(
        "matching.review.mentee", program_id=program.id, run_id=run.id, email=mentee_email
    )
    if not form.validate_on_submit():
        flash("Give the mentor (a name or an e-mail) and the type of mentoring.", "error")
        return redirect(back)
    people = program_cohort(program.id).people
    mentor, problem = find_mentor(people, form.mentor_email.data or "", form.mentor_type.data or "")
    if mentor is None:
        flash(problem, "error")
        return redirect(back)
    mentor_type = form.mentor_type.data or ""
    try:
        found = assess_pair(
            people,
            mentee_email,
            mentor.email,
            mentor_type,
            config_from_mapping(run.config),
            matches=_live_matches(run),
            decisions=program_decisions(program.id),
        )
    except MatcherError as exc:
        flash(str(exc), "error")
        return redirect(back)
    if found.blocked_by:
        flash("This match breaks a rule: " + "; ".join(found.blocked_by) + ".", "error")
        return redirect(back)
    held = holders(run, mentor.email, but=(mentee_email, mentor_type))
    need = max(0, len(held) - mentor.capacity + 1)
    chosen = set(request.form.getlist("give_way"))
    giving = [pair for pair, _ in held if str(pair.id) in chosen]
    if (found.warnings or need) and (form.confirm.data != "yes" or len(giving) < need):
        short = form.confirm.data == "yes" and len(giving) < need
        form.confirm.data = "yes"
        return render_template(
            "review/confirm_manual.html",
            program=program,
            run=run,
            form=form,
            found=found,
            mentee=next(p for p in people if p.email == mentee_email),
            mentor=mentor,
            mentor_type=mentor_type,
            held=held,
            need=need,
            short=short,
        )
    mentee = next(p for p in people if p.email == mentee_email)
    gave = [_give_way(run, pair, mentee, mentor) for pair in giving[:need]]
    try:
        _make_pair(program, run, mentee, mentor, mentor_type, found.score, found.reasons)
    except RefusedError as refused:  # places held by pairs this run does not have
        db.session.rollback()
        flash(f"Match not made: {refused}. Nothing was saved.", "error")
        return redirect(back)
    db.session.commit()
    flash(" ".join(["Match made and locked.", *gave]))
    return redirect(back)


def _give_way(run: MatchRun, pair: ProposedMatch, mentee: Participant, mentor: Participant) -> str:
    """Take ``pair`` out of ``run`` for the hand-made pair of ``mentee`` with ``mentor``:
    undo its approval or lock, open its request again with the reason, log it; the sentence
    that says so."""
    decision = decisions_for(run.program_id, [pair.key]).get(pair.key)
    if decision is not None:
        decide(run, [pair], None, current_user.email)
    reason = f"gave way to a match made by hand: {mentor.name}'s place went to {mentee.name}"
    db.session.add(
        UnmatchedRequest(
            run_id=run.id,
            mentee_email=pair.mentee_email,
            mentee_name=pair.mentee_name,
            mentee_department=pair.mentee_department,
            mentor_type=pair.mentor_type,
            reason=reason,
        )
    )
    record_pair("match.give_way", run, pair, to=mentee.email)
    db.session.delete(pair)
    return f"{pair.label} gave way: that request is open in this run."


def _make_pair(
    program: Program,
    run: MatchRun,
    mentee: Participant,
    mentor: Participant,
    mentor_type: str,
    score: float,
    reasons: str,
) -> None:
    """Replace the mentee's pair (or open request) of this type in ``run`` by a locked
    hand-made pair; :class:`~webapp.decisions.RefusedError` when it cannot hold a place."""
    replaced: Sequence[ProposedMatch] = db.session.scalars(
        select(ProposedMatch).where(
            ProposedMatch.run_id == run.id,
            ProposedMatch.mentee_email == mentee.email,
            ProposedMatch.mentor_type == mentor_type,
        )
    ).all()
    kept = decisions_for(run.program_id, (old.key for old in replaced))
    for old in replaced:
        decision = kept.get(old.key)
        if decision is not None and decision.action != Action.REJECT:
            decide(run, [old], None, current_user.email)
        db.session.delete(old)
    db.session.execute(
        delete(UnmatchedRequest).where(
            UnmatchedRequest.run_id == run.id,
            UnmatchedRequest.mentee_email == mentee.email,
            UnmatchedRequest.mentor_type == mentor_type,
        )
    )
    pair = ProposedMatch(
        run_id=run.id,
        mentee_email=mentee.email,
        mentee_name=mentee.name,
        mentee_department=mentee.department,
        mentor_email=mentor.email,
        mentor_name=mentor.name,
        mentor_department=mentor.department,
        mentor_type=mentor_type,
        score=score,
        reasons=reasons,
        breakdown=[],
        manual=True,
        change="changed" if replaced else "added",
    )
    db.session.add(pair)
    db.session.flush()
    audit.record(
        "match.manual",
        run.program_id,
        run=run.id,
        mentee=mentee.email,
        mentor_type=mentor_type,
        before=[old.mentor_email for old in replaced],
        after=mentor.email,
    )
    decide(run, [pair], Action.LOCK, current_user.email, check=partial(unable_to_hold, program))
