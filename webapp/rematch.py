"""Rematch runs: fill open requests and move nobody else.

A rematch is a match run (:mod:`webapp.runner`) of kind ``rematch``. Every published,
accepted and active pair (:data:`~webapp.pair_models.KEPT_BY_REMATCH`) is *kept*: passed
to the core as a lock, so it stays exactly where it is and its mentor's place stays used.
The requests it fills are the *open* ones: every request (mentee, type) without a kept
pair (declined, ended for no chemistry, never matched); a request whose pair ended for
good (completed, the person left, another reason) is closed and not filled again. A
rematch for one request (``run.fill``: "find someone else for Nadia's sponsor") fills
only that request and also keeps every other pair of the latest run as it is. The core
does the rest (:func:`matcher.propose`'s ``fill``).

:func:`check_kept` proves it afterwards: every kept pair is in the new run, or the run
fails and says which pair moved. The run's summary holds the proof and the count of the
open requests filled (:func:`rematch_summary`), shown on the run and review pages.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy import or_, select

from matcher import Decision, MatcherError, MentorType, Participant, parse_participants, plural
from webapp.db import db
from webapp.decisions import DECISION, decision_join
from webapp.models import Participant as Record
from webapp.pair_models import KEPT_BY_REMATCH, EndReason, Pair, PairStatus
from webapp.rows import record_to_row
from webapp.run_models import Action, MatchRun, ProposedMatch

Triple = tuple[str, str, str]
Request = tuple[str, str]


@dataclass(frozen=True)
class RematchPlan:
    """What a rematch keeps and fills: the kept pairs (published ones and, for one
    request, the latest run's others), the requests it may fill, whether those were
    chosen by an admin (``chosen``: a one-person rematch) or are every open one, and the
    closed requests (their pair ended for good: neither kept nor filled)."""

    published: tuple[Triple, ...]
    proposed: tuple[Triple, ...]
    fill: tuple[Request, ...]
    chosen: bool = False
    closed: frozenset[Request] = frozenset()

    def without(self, triples: Iterable[Triple]) -> RematchPlan:
        """The plan without the latest run's pairs among ``triples`` (pairs the data no
        longer allows: the run leaves them out and lists them, as any run does)."""
        gone = set(triples)
        proposed = tuple(p for p in self.proposed if p not in gone)
        return RematchPlan(self.published, proposed, self.fill, self.chosen, self.closed)

    @property
    def unlocked(self) -> tuple[Request, ...]:
        """The requests whose admin locks the rematch sets aside: the one it was asked to
        fill (its mentor is chosen afresh) and the closed ones."""
        return (*(self.fill if self.chosen else ()), *sorted(self.closed))

    @property
    def kept(self) -> tuple[Triple, ...]:
        """Every pair the rematch must keep exactly."""
        return tuple(dict.fromkeys((*self.published, *self.proposed)))

    def locks(self) -> list[Decision]:
        """The kept pairs as the core's lock decisions."""
        return [Decision(e, m, MentorType(t), "lock") for e, m, t in self.kept]


def kept_pairs(program_id: int) -> list[Triple]:
    """The program's published, accepted and active pairs, as triples."""
    rows = db.session.execute(
        select(Pair.mentee_email, Pair.mentor_email, Pair.mentor_type)
        .where(Pair.program_id == program_id, Pair.status.in_(KEPT_BY_REMATCH))
        .order_by(Pair.mentee_email, Pair.mentor_type)
    )
    return [(e, m, t) for e, m, t in rows]


def closed_requests(program_id: int) -> set[Request]:
    """The program's requests whose pair ended for good (completed, the person left,
    another reason): no rematch fills them. A pair ended for no chemistry reopens its
    request, as a decline does."""
    rows = db.session.execute(
        select(Pair.mentee_email, Pair.mentor_type).where(
            Pair.program_id == program_id,
            Pair.status == PairStatus.ENDED,
            Pair.end_reason != EndReason.NO_CHEMISTRY,
        )
    )
    return {(e, t) for e, t in rows}


def open_requests(
    people: Iterable[Participant], kept: Iterable[Triple], closed: Iterable[Request] = ()
) -> list[Request]:
    """Every request of ``people`` without a kept pair, and not ``closed``, by mentee and
    type.

    >>> from matcher import Role
    >>> seeks = (MentorType.EXPERTISE, MentorType.SPONSORSHIP)
    >>> ana = Participant("ana@x.org", "Ana", Role.MENTEE, seeks=seeks)
    >>> open_requests([ana], [("ana@x.org", "bo@x.org", "expertise")])
    [('ana@x.org', 'sponsorship')]
    """
    filled = {(e, t) for e, _, t in kept} | set(closed)
    return [
        (p.email, t.value)
        for p in sorted(people, key=lambda p: p.email)
        if p.is_mentee
        for t in p.seeks
        if (p.email, t.value) not in filled
    ]


def person_of(program_id: int, email: str) -> Participant | None:
    """The participant ``email`` of the program as the core reads them, or None."""
    record = db.session.scalar(
        select(Record).where(Record.program_id == program_id, Record.email == email)
    )
    found = parse_participants([record_to_row(record)]) if record is not None else None
    return found.participants[0] if found is not None and found.ok else None


def open_types(program_id: int, person: Participant | None) -> list[str]:
    """The types of ``person``'s open requests (those a one-person rematch may fill), in
    the core's order of types; none for nobody."""
    if person is None:
        return []
    kept = db.session.execute(
        select(Pair.mentee_email, Pair.mentor_email, Pair.mentor_type).where(
            Pair.program_id == program_id,
            Pair.mentee_email == person.email,
            Pair.status.in_(KEPT_BY_REMATCH),
        )
    )
    triples = [(e, m, t) for e, m, t in kept]
    return [t for _, t in open_requests([person], triples, closed_requests(program_id))]


def _latest_pairs(run: MatchRun) -> list[Triple]:
    """The pairs of the run before ``run`` (the latest when it started), but those an
    admin rejected since (a decline makes its pair's decision a rejection too)."""
    if run.previous_id is None:
        return []
    rows = db.session.execute(
        select(ProposedMatch.mentee_email, ProposedMatch.mentor_email, ProposedMatch.mentor_type)
        .outerjoin(DECISION, decision_join(run.program_id))
        .where(
            ProposedMatch.run_id == run.previous_id,
            or_(DECISION.id.is_(None), DECISION.action != Action.REJECT),
        )
        .order_by(ProposedMatch.id)
    )
    return [(e, m, t) for e, m, t in rows]


def plan(run: MatchRun, people: Sequence[Participant]) -> RematchPlan:
    """What the rematch ``run`` keeps and fills.

    Raises
    ------
    MatcherError
        When a request of a one-person rematch has a kept pair since it was started.
    """
    published = kept_pairs(run.program_id)
    closed = frozenset(closed_requests(run.program_id))
    open_ = open_requests(people, published, closed)
    if not run.fill:
        return RematchPlan(tuple(published), (), tuple(open_), closed=closed)
    wanted = [(e, t) for e, t in run.fill]
    if taken := [r for r in wanted if r not in open_]:
        raise MatcherError(
            f"{taken[0][0]}'s {taken[0][1]} request is not open any more (it has a published "
            "match, or the person no longer seeks it): nothing to rematch"
        )
    others = tuple(
        p for p in _latest_pairs(run) if (p[0], p[2]) not in wanted and (p[0], p[2]) not in closed
    )
    return RematchPlan(tuple(published), others, tuple(wanted), chosen=True, closed=closed)


def without_requests(decisions: Iterable[Decision], requests: Iterable[Request]) -> list[Decision]:
    """``decisions`` without the locks on ``requests`` (a rematch of a request picks its
    mentor afresh; rejections stay).

    >>> lock = Decision("a@x.org", "b@x.org", MentorType.EXPERTISE, "lock")
    >>> without_requests([lock], [("a@x.org", "expertise")])
    []
    """
    open_ = set(requests)
    return [
        d
        for d in decisions
        if d.action != "lock" or (d.mentee_email, d.mentor_type.value) not in open_
    ]


def check_kept(chosen: pd.DataFrame, kept: Sequence[Triple]) -> None:
    """Raise when a kept pair is not among the ``chosen`` pairs (a run's matches).

    >>> chosen = pd.DataFrame(
    ...     [("a@x.org", "b@x.org", "expertise")],
    ...     columns=["mentee_email", "mentor_email", "mentor_type"],
    ... )
    >>> check_kept(chosen, [("a@x.org", "b@x.org", "expertise")])
    >>> try:
    ...     check_kept(chosen, [("a@x.org", "c@x.org", "expertise")])
    ... except MatcherError as error:
    ...     print(error)
    the rematch moved 1 pair it must keep (a@x.org -> c@x.org, expertise); nothing was saved
    """
    found = set(zip(chosen.mentee_email, chosen.mentor_email, chosen.mentor_type, strict=True))
    moved = [k for k in kept if k not in found]
    if moved:
        e, m, t = moved[0]
        raise MatcherError(
            f"the rematch moved {plural(len(moved), 'pair')} it must keep "
            f"({e} -> {m}, {t}); nothing was saved"
        )


def rematch_summary(chosen: pd.DataFrame, found: RematchPlan) -> dict[str, Any]:
    """What the run page says of a rematch, once :func:`check_kept` passed: the open
    requests it filled of how many, and the kept pairs it compared.

    >>> chosen = pd.DataFrame(
    ...     [("a@x.org", "b@x.org", "expertise")],
    ...     columns=["mentee_email", "mentor_email", "mentor_type"],
    ... )
    >>> rematch_summary(chosen, RematchPlan((), (), (("a@x.org", "expertise"),)))["filled"]
    1
    """
    requests = set(zip(chosen.mentee_email, chosen.mentor_type, strict=True))
    return {
        "open": len(found.fill),
        "filled": sum(r in requests for r in found.fill),
        "published_kept": len(found.published),
        "proposed_kept": len(found.proposed),
        "requests": [list(r) for r in found.fill] if found.chosen else [],
    }
