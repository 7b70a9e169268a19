"""Mentor places in a run: how many each mentor's pairs take, who holds them, and which
mentors have more pairs than places.

Every pair of a run takes a place of its mentor, except a rejected one. A run never
proposes more pairs than places; a mentor goes over capacity only by older data (a match
made by hand before its check asked who gives way, or a capacity lowered since), and the
review page flags those pairs.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import and_, func, select

from webapp.db import db
from webapp.decisions import decisions_for, status
from webapp.models import Participant
from webapp.run_models import Action, MatchRun, PairDecision, ProposedMatch


@dataclass(frozen=True)
class Crowded:
    """A mentor with more pairs in a run than places."""

    email: str
    name: str
    pairs: int
    capacity: int

    @property
    def words(self) -> str:
        """The flag in words, e.g. "3 pairs for 2 places"."""
        return f"{self.pairs} pairs for {self.capacity} place{'' if self.capacity == 1 else 's'}"


def places_used(run: MatchRun, mentors: Collection[str] | None = None) -> dict[str, int]:
    """Places each mentor's pairs take in ``run`` (rejected pairs take none), by e-mail;
    only for ``mentors`` when given.

    The pairs are counted on the index of (run, mentor) alone; the program's rejected
    triples, few, are then looked up among the run's pairs and taken off. (Joining every
    pair to its decision took 40-60 ms on a 12,000-pair run on SQLite.)
    """
    counted = select(ProposedMatch.mentor_email, func.count()).where(ProposedMatch.run_id == run.id)
    rejected = select(
        PairDecision.mentee_email, PairDecision.mentor_email, PairDecision.mentor_type
    ).where(PairDecision.program_id == run.program_id, PairDecision.action == Action.REJECT.value)
    if mentors is not None:
        counted = counted.where(ProposedMatch.mentor_email.in_(mentors))
        rejected = rejected.where(PairDecision.mentor_email.in_(mentors))
    used = dict(db.session.execute(counted.group_by(ProposedMatch.mentor_email)).all())
    refused = {tuple(row) for row in db.session.execute(rejected)}
    if refused:
        present = db.session.execute(
            select(
                ProposedMatch.mentee_email, ProposedMatch.mentor_email, ProposedMatch.mentor_type
            ).where(
                ProposedMatch.run_id == run.id,
                ProposedMatch.mentee_email.in_({mentee for mentee, _, _ in refused}),
            )
        )
        for _, mentor, _ in refused & {tuple(row) for row in present}:
            used[mentor] -= 1
    return used


def holders(
    run: MatchRun, mentor_email: str, but: tuple[str, str]
) -> list[tuple[ProposedMatch, str]]:
    """The pairs of ``run`` holding the mentor's places, with their status, best score
    first; not the request ``but`` (mentee e-mail, type), which a new pair replaces."""
    pairs = db.session.scalars(
        select(ProposedMatch)
        .where(ProposedMatch.run_id == run.id, ProposedMatch.mentor_email == mentor_email)
        .order_by(ProposedMatch.score.desc(), ProposedMatch.id)
    ).all()
    decided = decisions_for(run.program_id, (p.key for p in pairs))
    found = [(p, status(decided.get(p.key))) for p in pairs]
    return [
        (p, now) for p, now in found if now != "rejected" and (p.mentee_email, p.mentor_type) != but
    ]


def over_capacity(run: MatchRun) -> dict[str, Crowded]:
    """The mentors of ``run`` whose pairs take more places than they have, by e-mail.

    The pairs are counted first without their decisions (one index-only pass); only the
    few mentors found are counted again without their rejected pairs.
    """
    counts = (
        select(ProposedMatch.mentor_email, func.count().label("pairs"))
        .where(ProposedMatch.run_id == run.id)
        .group_by(ProposedMatch.mentor_email)
        .subquery()
    )
    query = (
        select(Participant.email, Participant.name, Participant.capacity)
        .join(
            counts,
            and_(
                Participant.program_id == run.program_id,
                Participant.email == counts.c.mentor_email,
            ),
        )
        .where(counts.c.pairs > Participant.capacity)
    )
    mentors = {email: (name, capacity) for email, name, capacity in db.session.execute(query)}
    if not mentors:
        return {}
    used = places_used(run, mentors)
    return {
        email: Crowded(email, name, used[email], capacity)
        for email, (name, capacity) in mentors.items()
        if used.get(email, 0) > capacity
    }
