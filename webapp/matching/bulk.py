"""Bulk decisions: what one decision would do to many pairs, confirmed, then applied.

The bulk form (the selected pairs, or every undecided pair from a score up) first shows a
confirmation page (:func:`plan`): how many pairs the decision changes, and each pair it
cannot change with why: already in that status, a rule the pair breaks with today's
data, a mentor whose places are taken (naming who holds them), a request locked to
another mentor. Confirming applies the decision to exactly the pairs shown, as they were
shown; a pair whose decision changed since, or that cannot take the decision any more, is
a real concurrent change: nothing saved, and the page names the pair and what it is
now, with the way back to the review page.

Confirming tens of thousands of pairs takes a while, so the confirmation queues a
background job (:data:`BULK`, on a :class:`~webapp.run_models.BulkDecision` row) and the
admin follows it on its page, which says what it did (or what changed meanwhile). A
confirmation that was not understood is refused at once (400).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from functools import partial

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.wrappers import Response

from matcher import MatcherError, plural
from webapp import jobs
from webapp.conflicts import EditConflict, decision_state
from webapp.db import db
from webapp.decisions import DECISION, RefusedError, decide, decision_join, decisions_for, status
from webapp.lookups import done_run, get_program
from webapp.matching.holding import unable_to_hold
from webapp.matching.review_forms import BulkForm, chosen_action
from webapp.models import ACTIVE, Program, utcnow
from webapp.roles import Need, needs
from webapp.run_models import (
    PROPOSED,
    STATUS_OF,
    Action,
    BulkDecision,
    MatchRun,
    PairDecision,
    ProposedMatch,
)
from webapp.security import is_local_path

bp = Blueprint("bulk", __name__, url_prefix="/programs/<int:program_id>/runs/<int:run_id>")

#: A finished bulk decision's row (its pairs and note) is deleted at the program's next
#: confirmation after this long: its page is read just after it ends.
KEPT = timedelta(days=1)
#: What the job's page says first when pairs changed after the confirmation.
CHANGED = (
    "Some of these pairs changed after you confirmed the list, so nothing was saved. "
    "Go back to the review page to see them as they are now, and decide again."
)
#: The line under it when another admin's decision on one of them was saved first.
RACED = "another admin decided one of these pairs while yours were being saved"
#: The verb of each decision on the confirmation page.
VERBS = {"approve": "Approve", "reject": "Reject", "lock": "Lock", "undo": "Undo the decision on"}


@dataclass(frozen=True)
class Plan:
    """What a bulk decision does: the pairs it changes (with the decision version each
    had, 0 for none) and those it cannot change, with why."""

    action: Action | None
    changes: tuple[ProposedMatch, ...]
    seen: dict[int, int]
    refused: tuple[tuple[ProposedMatch, str], ...]

    @property
    def token(self) -> str:
        """The pairs to change as the confirmation form carries them: ``id:version,...``."""
        return ",".join(f"{p.id}:{self.seen[p.id]}" for p in self.changes)


def _version(decision: PairDecision | None) -> int:
    """The version of a pair's decision as a form carries it (0 without one)."""
    return decision.version if decision else 0


def plan(
    program: Program,
    pairs: Sequence[ProposedMatch],
    action: Action | None,
    note: str,
    never: bool = False,
) -> Plan:
    """What ``action`` (None undoes) with ``note`` would do to ``pairs``, best scores first
    (``never``: a rejection means "never pair these two")."""
    decided = decisions_for(program.id, (p.key for p in pairs))
    after = PROPOSED if action is None else STATUS_OF[action]
    apart = never and action is Action.REJECT
    changes, refused = [], []
    for pair in sorted(pairs, key=lambda p: (-p.score, p.id)):
        decision = decided.get(pair.key)
        same = decision is None or (decision.note, decision.never) == (note, apart)
        if status(decision) == after and same:
            refused.append((pair, f"already {after}"))
        else:
            changes.append(pair)
    if action in (Action.APPROVE, Action.LOCK):
        unable = unable_to_hold(program, changes)
        refused += [(p, unable[p.key]) for p in changes if p.key in unable]
        changes = [p for p in changes if p.key not in unable]
    seen = {p.id: _version(decided.get(p.key)) for p in changes}
    return Plan(action, tuple(changes), seen, tuple(refused))


def _verb(action: str, never: bool) -> str:
    """A bulk decision's verb as its pages say it.

    >>> _verb("approve", False), _verb("reject", True)
    ('Approve', 'Reject (never pair these two)')
    """
    return VERBS[action] + (" (never pair these two)" if never and action == "reject" else "")


def _back(program_id: int, run_id: int) -> str:
    """The review page the form was sent from (with its filters), else the table."""
    target = request.form.get("next", "")
    if is_local_path(target):
        return target
    return url_for("matching.review.index", program_id=program_id, run_id=run_id)


def _chosen(run: MatchRun, form: BulkForm) -> list[ProposedMatch]:
    """The pairs the bulk form names: selected ids, or undecided pairs from a score up."""
    query = select(ProposedMatch).where(ProposedMatch.run_id == run.id)
    if form.scope.data == "above":
        query = (
            query.outerjoin(DECISION, decision_join(run.program_id))
            .where(DECISION.id.is_(None))
            .where(ProposedMatch.score >= float(form.min_score.data or 0))
        )
    else:
        ids = [int(i) for i in request.form.getlist("ids") if i.isdigit()]
        query = query.where(ProposedMatch.id.in_(ids))
    return list(db.session.scalars(query))


@bp.post("/bulk")
@needs(Need.DECIDE)
def preview(program_id: int, run_id: int) -> str | Response:
    """The confirmation page of a bulk decision: how many pairs change, and which cannot."""
    program = get_program(program_id)
    run = done_run(program.id, run_id)
    form = BulkForm()
    back = _back(program.id, run.id)
    if not form.validate_on_submit():
        flash("Choose a decision, and a score from 0 to 100 for “every pair from”.", "error")
        return redirect(back)
    if form.scope.data == "above" and form.min_score.data is None:
        flash("Give the lowest score of the pairs to decide.", "error")
        return redirect(back)
    pairs = _chosen(run, form)
    if not pairs:
        flash("No pair was selected.")
        return redirect(back)
    note = (form.note.data or "").strip()
    never = form.reach.data == "never"
    found = plan(program, pairs, chosen_action(form.action.data or ""), note, never)
    decided = decisions_for(program.id, (p.key for p, _ in found.refused))
    return render_template(
        "review/bulk_confirm.html",
        program=program,
        run=run,
        plan=found,
        refused=[(p, why, status(decided.get(p.key))) for p, why in found.refused],
        verb=_verb(form.action.data or "", never),
        form=form,
        note=note,
        back=back,
    )


def _seen(token: str) -> dict[int, int]:
    """The ``id:version`` pairs of a confirmation form (see :attr:`Plan.token`).

    >>> _seen("12:0,13:2"), _seen("x,3:")
    ({12: 0, 13: 2}, {})
    """
    found = {}
    for item in token.split(","):
        pair_id, _, version = item.partition(":")
        if pair_id.isdigit() and version.isdigit():
            found[int(pair_id)] = int(version)
    return found


def _changed(lines: Sequence[str]) -> MatcherError:
    """The failure of a bulk decision whose pairs changed: :data:`CHANGED`, then one line
    per change (the job's page lists them)."""
    return MatcherError("\n".join([CHANGED, *lines]))


def apply(job: BulkDecision, progress: jobs.Progress) -> None:
    """The bulk decision job: apply the decision to exactly the pairs confirmed, as they
    were shown, or fail naming what changed since (nothing is written then)."""
    run = db.session.get_one(MatchRun, job.run_id)
    seen = dict(job.pairs)
    progress("reading the pairs", 0, len(seen))
    pairs = list(
        db.session.scalars(
            select(ProposedMatch).where(ProposedMatch.run_id == run.id, ProposedMatch.id.in_(seen))
        )
    )
    decided = decisions_for(run.program_id, (p.key for p in pairs))
    changed = [
        f"{p.label}: now {decision_state(decided.get(p.key))}"
        for p in pairs
        if _version(decided.get(p.key)) != seen[p.id]
    ]
    if len(pairs) < len(seen):
        changed.append(
            f"{plural(len(seen) - len(pairs), 'pair')} of your list left this run "
            "(a match made by hand)"
        )
    if changed:
        raise _changed(changed)
    action = chosen_action(job.action)
    try:
        count = decide(
            run,
            pairs,
            action,
            job.requested_by,
            job.note,
            check=partial(unable_to_hold, run.program),
            never=job.never,
            progress=progress,
        )
        progress("saving", len(pairs), len(pairs))
        db.session.flush()  # the decisions: a race with another admin is found here
    except RefusedError as refused:
        raise _changed(refused.lines) from refused
    except EditConflict as conflict:
        raise _changed([conflict.description or "", *conflict.details]) from conflict
    except (StaleDataError, IntegrityError) as race:
        raise _changed([RACED]) from race
    job.changed = count


#: Applying a confirmed bulk decision as a background job.
BULK = jobs.JobKind("bulk", BulkDecision, apply, "confirm the decision again")


@bp.post("/bulk/confirm")
@needs(Need.DECIDE)
def confirm(program_id: int, run_id: int) -> Response:
    """Queue a confirmed bulk decision on exactly the pairs shown, and go to its page."""
    program = get_program(program_id)
    run = done_run(program.id, run_id)
    form = BulkForm()
    seen = _seen(request.form.get("pairs", ""))
    if not form.validate_on_submit() or not seen:
        abort(400, description="The confirmation was not understood; go back and try again.")
    db.session.execute(
        delete(BulkDecision).where(
            BulkDecision.program_id == program.id,
            BulkDecision.status.not_in(ACTIVE),
            BulkDecision.finished_at < utcnow() - KEPT,
        )
    )
    job = BulkDecision(
        program_id=program.id,
        run_id=run.id,
        action=form.action.data or "",
        never=form.reach.data == "never",
        note=(form.note.data or "").strip(),
        pairs=[[pair_id, version] for pair_id, version in seen.items()],
        requested_by=current_user.email,
        back=_back(program.id, run.id),
    )
    db.session.add(job)
    db.session.commit()
    jobs.submit(BULK, job)
    return redirect(url_for(".show", program_id=program.id, run_id=run.id, job_id=job.id))


@bp.get("/bulk/<int:job_id>")
@needs(Need.DECIDE)
def show(program_id: int, run_id: int, job_id: int) -> str:
    """A bulk decision's progress, then how many pairs it changed (or what changed
    meanwhile), with the way back to the review page."""
    program = get_program(program_id)
    run = done_run(program.id, run_id)
    job = db.session.get(BulkDecision, job_id)
    if job is None or job.run_id != run.id:
        abort(404, description="There is no such bulk decision of this run.")
    jobs.reap(BULK, BulkDecision.id == job.id)
    db.session.refresh(job)
    action = chosen_action(job.action)
    return render_template(
        "review/bulk_job.html",
        program=program,
        run=run,
        job=job,
        verb=_verb(job.action, job.never),
        now=PROPOSED if action is None else STATUS_OF[action],
    )
