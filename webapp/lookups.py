"""What the blueprints share, below all of them: the lookups that answer 404, invite links,
pending registrations, a stored run as the core's ``Proposal``, and the lock check of an
edit. (Who may open a route is :mod:`webapp.roles`.)

A blueprint module imports these from here, never from another blueprint module::

    from webapp.lookups import get_program
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from typing import Any

import pandas as pd
from flask import abort
from sqlalchemy import select, union_all

from matcher import (
    MATCH_COLUMNS,
    UNMATCHED_COLUMNS,
    MatcherError,
    Proposal,
    config_from_mapping,
    stale_locks,
)
from webapp.db import db
from webapp.links import new_token
from webapp.models import InviteToken, LinkKind, Participant, Program
from webapp.people_cache import program_cohort
from webapp.run_models import MatchRun, ProposedMatch, RunStatus, UnmatchedRequest
from webapp.runner import left_out_rows, program_decisions, program_people

__all__ = [
    "done_run",
    "get_participant",
    "get_program",
    "get_run",
    "locks_broken_by",
    "new_token",
    "stored_proposal",
    "waiting_registrations",
]


def get_program(program_id: int) -> Program:
    """Return the program or answer 404."""
    return db.get_or_404(Program, program_id, description="There is no such program.")


def get_participant(program_id: int, participant_id: int) -> Participant:
    """Return a participant of this program, or answer 404."""
    record = db.session.get(Participant, participant_id)
    if record is None or record.program_id != program_id:
        abort(404, description="There is no such participant in this program.")
    return record


def get_run(program_id: int, run_id: int) -> MatchRun:
    """Return a run of this program, or answer 404."""
    run = db.session.get(MatchRun, run_id)
    if run is None or run.program_id != program_id:
        abort(404, description="There is no such run in this program.")
    return run


def done_run(program_id: int, run_id: int) -> MatchRun:
    """A run of the program that finished well, or 404."""
    run = get_run(program_id, run_id)
    if run.status != RunStatus.DONE:
        abort(404, description="This run has no matches to review.")
    return run


def stored_proposal(
    run: MatchRun, mentee: str | None = None, mentors: Collection[str] = ()
) -> Proposal:
    """The run's pairs and open requests as the core's :class:`Proposal`.

    With ``mentee`` (an e-mail), only the mentee's pairs and open requests, and the pairs
    of ``mentors`` (what :func:`matcher.explain_stored_mentee` reads).
    """
    pairs_query: Any = select(*(getattr(ProposedMatch, c) for c in MATCH_COLUMNS)).where(
        ProposedMatch.run_id == run.id
    )
    open_query = select(*(getattr(UnmatchedRequest, c) for c in UNMATCHED_COLUMNS)).where(
        UnmatchedRequest.run_id == run.id
    )
    if mentee is not None:
        # two indexed halves: one OR would read every pair of the run on SQLite
        pairs_query = union_all(
            pairs_query.where(ProposedMatch.mentee_email == mentee),
            pairs_query.where(
                ProposedMatch.mentor_email.in_(mentors), ProposedMatch.mentee_email != mentee
            ),
        )
        open_query = open_query.where(UnmatchedRequest.mentee_email == mentee)
    pairs = db.session.execute(pairs_query).all()
    open_rows = db.session.execute(open_query).all()
    return Proposal(
        matches=pd.DataFrame([tuple(p) for p in pairs], columns=MATCH_COLUMNS),
        unmatched=pd.DataFrame([tuple(r) for r in open_rows], columns=UNMATCHED_COLUMNS),
        scores=None,
        breakdown=pd.DataFrame(),
        config=config_from_mapping(run.config),
    )


def waiting_registrations(program_id: int) -> Sequence[InviteToken]:
    """The program's pending registrations, oldest first."""
    return db.session.scalars(
        select(InviteToken)
        .where(
            InviteToken.program_id == program_id,
            InviteToken.kind == LinkKind.SELF,
            InviteToken.pending_row.is_not(None),
            InviteToken.revoked_at.is_(None),
        )
        .order_by(InviteToken.created_at, InviteToken.id)
    ).all()


def locks_broken_by(program: Program, change: Callable[[], None]) -> list[str]:
    """Make ``change`` (an edit of the program's participants, flushed, not committed) and
    return a warning for each approved or locked pair it leaves unable to hold."""
    locks = program_decisions(program.id, locks_only=True)
    if not locks:
        change()
        return []
    config = config_from_mapping(program.config)
    try:
        before = program_cohort(program.id)
        was = {s.decision for s in stale_locks(before.people, config, locks, before.cohort)}
        change()
        db.session.flush()
        people = program_people(program.id)
        now = [s for s in stale_locks(people, config, locks) if s.decision not in was]
    except MatcherError:  # stored data the core refuses: the next run reports it
        return []
    rows = left_out_rows(program.id, people, now)
    return [
        f"Saved, but this breaks the {row['status']} pair {row['mentee_name']} – "
        f"{row['mentor_name']} ({row['mentor_type']}): {'; '.join(row['reasons'])}. Runs "
        "leave it out until the data allows it again; undo the decision on the review page "
        "if it should go."
        for row in rows
    ]
