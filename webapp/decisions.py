"""Admins' decisions on pairs: approve, reject (with a reason), lock, or undo.

A decision is kept per program and triple (:class:`~webapp.run_models.PairDecision`), so
it holds for every later run. Each change writes an audit event with who, when, and the
status before and after.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Protocol

from sqlalchemy import and_, select
from sqlalchemy.orm import aliased

from webapp import audit
from webapp.conflicts import check_decision_seen, claim_mentors
from webapp.db import db
from webapp.run_models import (
    PROPOSED,
    STATUS_OF,
    Action,
    MatchRun,
    PairDecision,
    ProposedMatch,
)

#: Alias joined to a run's pairs to read their status in the same query.
DECISION = aliased(PairDecision)


class Pair(Protocol):
    """What a decision is taken on: a triple (a :class:`ProposedMatch`, or a pair a run
    left out)."""

    mentee_email: str
    mentor_email: str
    mentor_type: str

    @property
    def key(self) -> tuple[str, str, str]:
        """The triple (mentee e-mail, mentor e-mail, type)."""

    @property
    def label(self) -> str:
        """The pair in words, with names."""


def decision_join(program_id: int) -> object:
    """The ON clause joining :data:`DECISION` to :class:`ProposedMatch` rows of a program."""
    return and_(
        DECISION.program_id == program_id,
        DECISION.mentee_email == ProposedMatch.mentee_email,
        DECISION.mentor_email == ProposedMatch.mentor_email,
        DECISION.mentor_type == ProposedMatch.mentor_type,
    )


def status(decision: PairDecision | None) -> str:
    """The status a pair shows for its decision (``proposed`` without one)."""
    return PROPOSED if decision is None else STATUS_OF[Action(decision.action)]


def decisions_for(
    program_id: int, keys: Iterable[tuple[str, str, str]]
) -> dict[tuple[str, str, str], PairDecision]:
    """The program's decisions on the given triples, by triple (one query)."""
    wanted = set(keys)
    mentees = {k[0] for k in wanted}
    if not mentees:
        return {}
    query = select(PairDecision).where(
        PairDecision.program_id == program_id, PairDecision.mentee_email.in_(mentees)
    )
    found = {(d.mentee_email, d.mentor_email, d.mentor_type): d for d in db.session.scalars(query)}
    return {k: d for k, d in found.items() if k in wanted}


def record_pair(action: str, run: MatchRun, pair: Pair, **detail: Any) -> None:
    """Add an audit event about one pair of ``run`` (the caller commits)."""
    audit.record(
        action,
        run.program_id,
        run=run.id,
        mentee=pair.mentee_email,
        mentor=pair.mentor_email,
        mentor_type=pair.mentor_type,
        **detail,
    )


def decide(
    run: MatchRun,
    pairs: Sequence[Pair],
    action: Action | None,
    who: str,
    note: str = "",
    seen: str | None = None,
) -> int:
    """Give ``pairs`` of ``run`` the decision ``action`` (None undoes); the caller commits.

    ``seen`` is the decision version the admin's page showed (single-pair forms): a pair
    whose decision changed since is refused with a 409. Returns how many pairs changed
    status. One audit event is written per changed pair.
    """
    existing = decisions_for(run.program_id, (p.key for p in pairs))
    for pair in pairs:
        check_decision_seen(existing.get(pair.key), seen, pair.label)
    if action is Action.APPROVE:
        claims = [p.key for p in pairs if status(existing.get(p.key)) != STATUS_OF[action]]
        claim_mentors(run.program_id, claims)
    changed = 0
    for pair in pairs:
        decision = existing.get(pair.key)
        before = status(decision)
        after = PROPOSED if action is None else STATUS_OF[action]
        if before == after and (decision is None or decision.note == note):
            continue
        if action is None:
            if decision is not None:
                db.session.delete(decision)
        elif decision is None:
            decision = PairDecision(
                program_id=run.program_id,
                mentee_email=pair.mentee_email,
                mentor_email=pair.mentor_email,
                mentor_type=pair.mentor_type,
            )
            db.session.add(decision)
        if decision is not None and action is not None:
            decision.action, decision.note, decision.decided_by = action.value, note, who
        record_pair(
            f"match.{action.value if action else 'undo'}",
            run,
            pair,
            before=before,
            after=after,
            **({"note": note} if note else {}),
        )
        changed += 1
    return changed
