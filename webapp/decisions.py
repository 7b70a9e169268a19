"""Admins' decisions on pairs: approve, reject (with a reason), lock, or undo.

A decision is kept per program and triple (:class:`~webapp.run_models.PairDecision`), so
it holds for every later run. Each change writes an audit event with who, when, and the
status before and after.

A rejection says what it means: "not for this type" keeps only that triple out of later
runs; "never pair these two" (``never``) also writes a never-pair, like a decline, so the
mentor cannot come back as another type (:func:`webapp.answers.keep_apart`). Undoing it,
or changing it to another decision, deletes the never-pair it wrote, and only that one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Protocol

from sqlalchemy import and_, delete, select
from sqlalchemy.orm import aliased

from webapp import audit
from webapp.answers import keep_apart
from webapp.conflicts import check_decision_seen, claim_mentors
from webapp.db import db
from webapp.jobs import Progress
from webapp.models import utcnow
from webapp.pair_models import NeverPair
from webapp.run_models import (
    PROPOSED,
    STATUS_OF,
    Action,
    MatchRun,
    PairDecision,
    ProposedMatch,
)

#: Decisions that keep a pair, so that it holds a place of its mentor in every run.
HOLDING = (Action.APPROVE, Action.LOCK)

#: Pairs between two progress reports of a bulk decision.
PROGRESS_EVERY = 500

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


#: Why each of some pairs could not hold a place today, by triple (see
#: :func:`webapp.matching.holding.unable_to_hold`); pairs missing from the answer can.
HoldCheck = Callable[[Sequence[Pair]], Mapping[tuple[str, str, str], str]]


class RefusedError(Exception):
    """Approvals or locks refused because their pairs cannot hold a place today (a rule
    they break, a mentor whose places are taken); ``lines`` says which and why."""

    def __init__(self, lines: Sequence[str]) -> None:
        super().__init__("; ".join(lines))
        self.lines = tuple(lines)


def refusals(reasons: Mapping[tuple[str, str, str], str], pairs: Sequence[Pair]) -> list[str]:
    """One line per pair of ``pairs`` that ``reasons`` refuses: the pair, then why.

    >>> class P:
    ...     key, label = ("a", "b", "expertise"), "Ana – Bo (expertise)"
    >>> refusals({("a", "b", "expertise"): "Bo is full"}, [P()])
    ['Ana – Bo (expertise): Bo is full']
    """
    return [f"{p.label}: {reasons[p.key]}" for p in pairs if p.key in reasons]


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


def _release(decision: PairDecision) -> None:
    """Delete the never-pair that ``decision`` (a "never" rejection) wrote, if any."""
    if decision.never and decision.id is not None:
        db.session.execute(delete(NeverPair).where(NeverPair.rejection_id == decision.id))


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
    check: HoldCheck | None = None,
    never: bool = False,
    progress: Progress | None = None,
) -> int:
    """Give ``pairs`` of ``run`` the decision ``action`` (None undoes); the caller commits.

    ``never`` makes a rejection "never pair these two" (see the module docstring).

    ``seen`` is the decision version the admin's page showed (single-pair forms): a pair
    whose decision changed since is refused with a 409. Approving or locking a pair that
    held no place yet asks ``check`` whether it can hold one today (:class:`RefusedError`
    when not, nothing changed), then claims the mentor's place (:func:`claim_mentors`:
    a 409 when another admin took it meanwhile). Returns how many pairs changed status.
    One audit event is written per changed pair, naming ``who``. ``progress(step, done,
    total)`` hears how many pairs are decided (a background job's).
    """
    existing = decisions_for(run.program_id, (p.key for p in pairs))
    for pair in pairs:
        check_decision_seen(existing.get(pair.key), seen, pair.label)
    if action in HOLDING:
        held = {STATUS_OF[a] for a in HOLDING}
        claims = [p for p in pairs if status(existing.get(p.key)) not in held]
        if check is not None and (lines := refusals(check(claims), claims)):
            raise RefusedError(lines)
        claim_mentors(run.program_id, [p.key for p in claims])
    changed = 0
    for number, pair in enumerate(pairs):
        if progress and number % PROGRESS_EVERY == 0:
            progress("deciding", number, len(pairs))
        decision = existing.get(pair.key)
        before = status(decision)
        after = PROPOSED if action is None else STATUS_OF[action]
        apart = never and action is Action.REJECT
        if before == after and (
            decision is None or (decision.note, decision.never) == (note, apart)
        ):
            continue
        if decision is not None:
            _release(decision)
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
            decision.never = apart
        if apart and decision is not None:
            db.session.flush()
            two = (pair.mentee_email, pair.mentor_email)
            keep_apart(
                run.program_id, two, "rejected by an admin", note, who, utcnow(), decision.id
            )
        record_pair(
            f"match.{action.value if action else 'undo'}",
            run,
            pair,
            before=before,
            after=after,
            **({"note": note} if note else {}),
            **({"never": True} if apart else {}),
            actor=who,
        )
        changed += 1
    return changed
