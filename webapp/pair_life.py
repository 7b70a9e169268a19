"""A published pair's life: the moves an admin or the first-meeting check may make, and
each pair's steps with their dates, for the review page, the pairs list and the exports.

The life of a pair is ``proposed -> approved -> published -> accepted (or declined) ->
active -> ended``. The first two steps come from the run that proposed the pair and the
admin's decision; from ``published`` on, each move is a
:class:`~webapp.pair_models.PairStep` (:func:`webapp.answers.move`). :data:`ALLOWED`
lists every move; :func:`activate` and :func:`end_pair` refuse any other with
:class:`MoveRefusedError`.

Ending a pair for "no chemistry" is a decline after the fact: the two are never proposed
to each other again, for any type, and the request reopens (:func:`webapp.answers.end_between`).
Ending it as completed, left the organization or other adds no never-pair and reopens
nothing: the two had their mentoring, or one of them is gone.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from webapp.answers import end_between, move, record_published
from webapp.db import db
from webapp.decisions import HOLDING
from webapp.pair_models import EndReason, Pair, PairStatus, PairStep
from webapp.run_models import MatchRun, PairDecision

__all__ = [
    "ALLOWED",
    "LIFE_COLUMNS",
    "MoveRefusedError",
    "Step",
    "activate",
    "end_pair",
    "life_row",
    "life_rows",
    "lives",
]

#: Every move of a published pair: from a status to those it may go to.
ALLOWED: dict[PairStatus, frozenset[PairStatus]] = {
    PairStatus.PUBLISHED: frozenset({PairStatus.ACCEPTED, PairStatus.DECLINED, PairStatus.ENDED}),
    PairStatus.ACCEPTED: frozenset({PairStatus.ACTIVE, PairStatus.ENDED}),
    PairStatus.ACTIVE: frozenset({PairStatus.ENDED}),
    PairStatus.DECLINED: frozenset(),
    PairStatus.ENDED: frozenset(),
}
#: The columns of a pair's life in the exports: its status and the date of each step.
LIFE_COLUMNS = [
    "pair_status",
    "proposed_at_utc",
    "approved_at_utc",
    "published_at_utc",
    "accepted_at_utc",
    "declined_at_utc",
    "active_at_utc",
    "ended_at_utc",
    "end_reason",
]


class MoveRefusedError(ValueError):
    """A move the pair's status does not allow, or an end without what it needs."""


@dataclass(frozen=True)
class Step:
    """One step of a pair's life: the status, when, who, and for an end why."""

    status: str
    at: datetime
    by: str
    reason: str = ""
    note: str = ""

    @property
    def reason_label(self) -> str:
        """The end reason in words, empty for other steps.

        >>> from datetime import datetime
        >>> Step("ended", datetime(2027, 1, 1), "a@x.org", "left").reason_label
        'left the organization'
        """
        return EndReason(self.reason).label if self.reason else ""


def _check(pair: Pair, to: PairStatus) -> None:
    if to not in ALLOWED[PairStatus(pair.status)]:
        raise MoveRefusedError(f"the match is {pair.status}, so it cannot become {to.value}")


def activate(pair: Pair, who: str, now: datetime) -> None:
    """Mark the accepted ``pair`` active (its two people met and it went well), with an
    audit event; the caller commits.

    >>> activate(Pair(status="published"), "a@x.org", datetime(2027, 1, 1))
    Traceback (most recent call last):
    ...
    webapp.pair_life.MoveRefusedError: the match is published, so it cannot become active
    """
    _check(pair, PairStatus.ACTIVE)
    move(pair, PairStatus.ACTIVE, who, now)
    record_published("pair.active", pair, who)


def end_pair(pair: Pair, reason: EndReason, note: str, who: str, now: datetime) -> None:
    """End ``pair`` (published, accepted or active) for ``reason``, with an audit event;
    "other" needs a ``note``; "no chemistry" keeps the two apart for every type and
    reopens the request. The caller commits.

    >>> end_pair(Pair(status="accepted"), EndReason.OTHER, " ", "a@x.org", datetime(2027, 1, 1))
    Traceback (most recent call last):
    ...
    webapp.pair_life.MoveRefusedError: say why the match ended when the reason is "other"
    """
    _check(pair, PairStatus.ENDED)
    note = note.strip()
    if reason is EndReason.OTHER and not note:
        raise MoveRefusedError('say why the match ended when the reason is "other"')
    if reason is EndReason.NO_CHEMISTRY:
        end_between(pair, "no chemistry", who, note, now, ended=True)
    else:
        move(pair, PairStatus.ENDED, who, now, reason.value, note)
    record_published("pair.end", pair, who, reason=reason.value, **({"note": note} if note else {}))


def lives(pairs: Sequence[Pair]) -> dict[int, list[Step]]:
    """Each pair's steps by pair id, oldest first: proposed (its run), approved (the
    admin's decision, while it holds), then every recorded move. Three queries."""
    if not pairs:
        return {}
    runs = {
        run.id: run
        for run in db.session.scalars(
            select(MatchRun).where(MatchRun.id.in_({p.run_id for p in pairs if p.run_id}))
        )
    }
    program_id = pairs[0].program_id
    decisions = {
        (d.mentee_email, d.mentor_email, d.mentor_type): d
        for d in db.session.scalars(
            select(PairDecision).where(
                PairDecision.program_id == program_id,
                PairDecision.mentee_email.in_({p.mentee_email for p in pairs}),
                PairDecision.action.in_([a.value for a in HOLDING]),
            )
        )
    }
    moves: dict[int, list[Step]] = {p.id: [] for p in pairs}
    for row in db.session.scalars(
        select(PairStep).where(PairStep.pair_id.in_(moves)).order_by(PairStep.moved_at, PairStep.id)
    ):
        moves[row.pair_id].append(
            Step(row.status, row.moved_at, row.moved_by, row.reason, row.note)
        )
    found = {}
    for pair in pairs:
        steps = []
        if (run := runs.get(pair.run_id or 0)) is not None:
            steps.append(Step("proposed", run.created_at, run.created_by))
        if (decision := decisions.get(pair.key)) is not None:
            steps.append(Step("approved", decision.decided_at, decision.decided_by))
        found[pair.id] = steps + moves[pair.id]
    return found


def life_row(pair: Pair, steps: Iterable[Step]) -> list[str]:
    """The values of :data:`LIFE_COLUMNS` for ``pair`` with its ``steps`` (UTC dates).

    >>> from datetime import datetime
    >>> pair = Pair(status="ended", end_reason="completed")
    >>> life_row(pair, [Step("published", datetime(2027, 1, 2, 9), "a@x.org")])[:4]
    ['ended', '', '', '2027-01-02 09:00:00']
    >>> life_row(pair, [])[-1]
    'completed'
    """
    dates = {step.status: step.at.isoformat(sep=" ", timespec="seconds") for step in steps}
    statuses = [c.removesuffix("_at_utc") for c in LIFE_COLUMNS[1:-1]]
    return [pair.status, *(dates.get(s, "") for s in statuses), pair.end_label]


def life_rows(pairs: Sequence[Pair]) -> dict[tuple[str, str, str], list[str]]:
    """:func:`life_row` of each of ``pairs``, by triple."""
    steps = lives(pairs)
    return {pair.key: life_row(pair, steps[pair.id]) for pair in pairs}
