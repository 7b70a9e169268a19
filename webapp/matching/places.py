"""Mentor places in a run: how many each mentor's pairs take, who holds them, and which
mentors have more pairs than places.

Every pair of a run takes a place of its mentor, except a rejected one, and so does every
approved or locked pair of the program the run does not have (it left the pair out). A
run never proposes more pairs than places; a mentor goes over capacity only by older data
(a match made by hand before its check asked who gives way, a capacity lowered since, a
decision kept that the run left out), and the review page flags those pairs: the mentors
for whom an approval would be refused.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import exists, func, select, union_all

from matcher import plural
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
        return f"{plural(self.pairs, 'pair')} for {plural(self.capacity, 'place')}"


def places_used(run: MatchRun, mentors: Collection[str] | None = None) -> dict[str, int]:
    """Places each mentor holds in ``run``, by e-mail; only for ``mentors`` when given.

    A place is held by each pair of the run that is not rejected, and by each approved or
    locked pair of the program that is not among them (a pair the run left out, a
    decision kept since): those hold their places in every run, and an approval counts
    them too (:func:`webapp.conflicts.claim_mentors`).

    The pairs are counted on the index of (run, mentor) alone; the program's decisions,
    few, are then looked up among the run's pairs: a rejected one present is taken off,
    an approved or locked one absent is added. (Joining every pair to its decision is
    much slower: docs/performance.md.)
    """
    counted = select(ProposedMatch.mentor_email, func.count()).where(ProposedMatch.run_id == run.id)
    decided = select(
        PairDecision.mentee_email,
        PairDecision.mentor_email,
        PairDecision.mentor_type,
        PairDecision.action,
    ).where(PairDecision.program_id == run.program_id)
    if mentors is not None:
        counted = counted.where(ProposedMatch.mentor_email.in_(mentors))
        decided = decided.where(PairDecision.mentor_email.in_(mentors))
    used = dict(db.session.execute(counted.group_by(ProposedMatch.mentor_email)).all())
    decisions = {
        (mentee, mentor, kind): action
        for mentee, mentor, kind, action in db.session.execute(decided)
    }
    if decisions:
        present = db.session.execute(
            select(
                ProposedMatch.mentee_email, ProposedMatch.mentor_email, ProposedMatch.mentor_type
            ).where(
                ProposedMatch.run_id == run.id,
                ProposedMatch.mentee_email.in_({mentee for mentee, _, _ in decisions}),
            )
        )
        found = {tuple(row) for row in present}
        for key, action in decisions.items():
            mentor = key[1]
            if action == Action.REJECT.value and key in found:
                used[mentor] -= 1
            elif action != Action.REJECT.value and key not in found:
                used[mentor] = used.get(mentor, 0) + 1
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


def crowded(run: MatchRun, mentor_email: str) -> Crowded | None:
    """The mentor as :func:`over_capacity` flags them when their places held in ``run``
    are more than they have, else None (also when they are no participant)."""
    record = db.session.execute(
        select(Participant.name, Participant.capacity).where(
            Participant.program_id == run.program_id, Participant.email == mentor_email
        )
    ).one_or_none()
    if record is None:
        return None
    used = places_used(run, [mentor_email]).get(mentor_email, 0)
    return (
        Crowded(mentor_email, record.name, used, record.capacity)
        if used > record.capacity
        else None
    )


def over_capacity(run: MatchRun) -> dict[str, Crowded]:
    """The mentors of ``run`` whose places held (:func:`places_used`) are more than they
    have, by e-mail: those for whom an approval would be refused.

    The run's pairs and the program's approved and locked pairs the run does not have are
    counted first, rejections not taken off (an upper bound; an approved pair of the run
    counts once, so that a bulk approval does not make every mentor a suspect), each
    mentor's count against their capacity (looked up per mentor on the unique index);
    only the few mentors found are counted again exactly. (A join of the counts to the
    program's participants lets PostgreSQL, before it has gathered statistics after an
    import, plan a nested loop over both: docs/performance.md.)
    """
    in_run = exists().where(
        ProposedMatch.run_id == run.id,
        ProposedMatch.mentee_email == PairDecision.mentee_email,
        ProposedMatch.mentor_type == PairDecision.mentor_type,
        ProposedMatch.mentor_email == PairDecision.mentor_email,
    )
    held = union_all(
        select(ProposedMatch.mentor_email.label("mentor_email")).where(
            ProposedMatch.run_id == run.id
        ),
        select(PairDecision.mentor_email).where(
            PairDecision.program_id == run.program_id,
            PairDecision.action != Action.REJECT.value,
            ~in_run,
        ),
    ).subquery()
    room = (
        select(Participant.capacity)
        .where(
            Participant.program_id == run.program_id,
            Participant.email == held.c.mentor_email,
        )
        .scalar_subquery()
    )
    found = db.session.scalars(
        select(held.c.mentor_email).group_by(held.c.mentor_email).having(func.count() > room)
    ).all()
    if not found:
        return {}
    query = select(Participant.email, Participant.name, Participant.capacity).where(
        Participant.program_id == run.program_id, Participant.email.in_(found)
    )
    mentors = {email: (name, capacity) for email, name, capacity in db.session.execute(query)}
    used = places_used(run, mentors)
    return {
        email: Crowded(email, name, used[email], capacity)
        for email, (name, capacity) in mentors.items()
        if used.get(email, 0) > capacity
    }
