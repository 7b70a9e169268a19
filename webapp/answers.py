"""People's answers to published pairs: accept, decline, silence past the deadline.

A program's :class:`~webapp.pair_models.AnswerPolicy` says whose acceptance a pair waits
for, for how many days, and what silence past the deadline counts as. Both people may
answer while the pair is ``published``: it is ``accepted`` once everyone the program names
has accepted (at once when nobody has to), and ``declined`` as soon as either declines.

Deadlines are settled *on every look*: :func:`settle_overdue` runs before anything reads
the program's pairs (the participant's page, the rematch list, the dashboard, every match
run, and the review page when a pair it shows is overdue), so no job has to be running for
a deadline to count.

Every move of a pair is recorded by :func:`move` (its status, and a
:class:`~webapp.pair_models.PairStep` with the date and who moved it).

A decline ends the two people's pairs of every type (:func:`end_between`): their
published, accepted or active pairs become ``declined`` (or ``ended`` as "no chemistry"
when the first-meeting check or an admin ends a pair so), their decisions become rejections (so
each request reopens and the next run proposes someone else), and a
:class:`~webapp.pair_models.NeverPair` keeps them apart in every later run
(:func:`with_never_pairs` gives each the other as a previous partner, the core's own
``previous_partner`` rule).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import exists, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from matcher import Participant
from webapp import audit
from webapp.db import db
from webapp.models import utcnow
from webapp.pair_models import (
    BY_DEADLINE,
    CHECKIN_DAYS_DEFAULT,
    Answer,
    AnswerPolicy,
    EndReason,
    FitSide,
    MustAccept,
    NeverPair,
    Pair,
    PairStatus,
    PairStep,
)
from webapp.run_models import Action, MatchRun, PairDecision

__all__ = [
    "answer",
    "answers_locked",
    "end_between",
    "keep_apart",
    "move",
    "needs_rematch",
    "never_pairs",
    "pairs_of_person",
    "policy_for",
    "record_published",
    "settle_on_look",
    "settle_overdue",
    "with_never_pairs",
]


def policy_for(program_id: int) -> AnswerPolicy:
    """The program's answer settings (the defaults, unsaved, when it has none)."""
    found = db.session.get(AnswerPolicy, program_id)
    if found is not None:
        return found
    return AnswerPolicy(
        program_id=program_id,
        must_accept=MustAccept.BOTH.value,
        days=7,
        silence=PairStatus.ACCEPTED.value,
        contact="",
        checkin_days=CHECKIN_DAYS_DEFAULT,
        checkin_ends=FitSide.EITHER.value,
    )


def answers_locked(program_id: int) -> bool:
    """True once the program has a match run: people's intake answers no longer change."""
    return bool(db.session.scalar(select(exists().where(MatchRun.program_id == program_id))))


#: The statuses of a pair that still joins its two people.
LIVE = (PairStatus.PUBLISHED.value, PairStatus.ACCEPTED.value, PairStatus.ACTIVE.value)


def move(
    pair: Pair, status: PairStatus, who: str, now: datetime, reason: str = "", note: str = ""
) -> None:
    """Move ``pair`` to ``status`` and record the step: when, by whom (an e-mail,
    ``deadline`` or ``program``) and, for an end, the reason and a note; the caller
    commits. Accepting or declining also settles the pair (``settled_at``, ``settled_by``)."""
    pair.status = status.value
    if status in (PairStatus.ACCEPTED, PairStatus.DECLINED):
        pair.settled_by, pair.settled_at = who, now
    if status is PairStatus.ENDED:
        pair.end_reason = reason
    db.session.add(
        PairStep(
            pair_id=pair.id,
            status=status.value,
            moved_at=now,
            moved_by=who,
            reason=reason,
            note=note,
        )
    )


def record_published(action: str, pair: Pair, actor: str, **detail: object) -> None:
    """Add the audit event ``action`` about the published ``pair`` by ``actor`` (the caller
    commits): the program, the two people and the type, then ``detail``."""
    audit.record(
        action,
        pair.program_id,
        actor=actor,
        mentee=pair.mentee_email,
        mentor=pair.mentor_email,
        mentor_type=pair.mentor_type,
        **detail,
    )


def answer(pair: Pair, email: str, given: Answer, reason: str, actor: str) -> PairStatus:
    """Record ``email``'s answer to the published ``pair`` and settle it if it can be.

    ``actor`` names who answered in the audit log (their link). The caller commits.
    Returns the pair's status after the answer.
    """
    now = utcnow()
    side = pair.side_of(email)
    setattr(pair, f"{side}_answer", given.value)
    setattr(pair, f"{side}_answered_at", now)
    setattr(pair, f"{side}_reason", reason)
    record_published(
        f"pair.{given.value}", pair, actor, side=side, **({"reason": reason} if reason else {})
    )
    if given is Answer.DECLINE:
        end_between(pair, f"declined by the {side}", email, reason, now)
    elif all(
        pair.answer_of(s) == Answer.ACCEPT
        for s in MustAccept(policy_for(pair.program_id).must_accept).sides
    ):
        move(pair, PairStatus.ACCEPTED, email, now)
    return PairStatus(pair.status)


def end_between(
    pair: Pair, why: str, who: str, note: str, now: datetime, ended: bool = False
) -> None:
    """End every live pair of ``pair``'s two people (any type): ``declined`` (or, when
    ``ended``, ``ended`` as "no chemistry"), their decisions rejections (each request
    reopens), and a never-pair row; the caller commits."""
    mentee, mentor = pair.mentee_email, pair.mentor_email
    between = db.session.scalars(
        select(Pair).where(
            Pair.program_id == pair.program_id,
            Pair.mentee_email == mentee,
            Pair.mentor_email == mentor,
            Pair.status.in_(LIVE),
        )
    )
    for found in {pair, *between}:
        if ended:
            move(found, PairStatus.ENDED, who, now, EndReason.NO_CHEMISTRY.value, note)
        else:
            move(found, PairStatus.DECLINED, who, now, note=note)
    decisions = db.session.scalars(
        select(PairDecision).where(
            PairDecision.program_id == pair.program_id,
            PairDecision.mentee_email == mentee,
            PairDecision.mentor_email == mentor,
        )
    )
    for decision in decisions:
        decision.action, decision.note, decision.decided_by = Action.REJECT.value, why, who
    keep_apart(pair.program_id, (mentee, mentor), why, note, who, now)


def keep_apart(
    program_id: int,
    two: tuple[str, str],
    why: str,
    note: str,
    who: str,
    now: datetime,
    rejection_id: int | None = None,
) -> NeverPair | None:
    """Never pair the ``two`` e-mails again: add their never-pair row, or keep the one
    they have; the caller commits.

    ``rejection_id`` is the admin's "never pair these two" rejection asking for it: the
    row it adds belongs to that rejection (undoing it deletes the row). A row the two
    have already is nobody's once a decline asks (``rejection_id`` None): undoing an
    earlier rejection then leaves it. Returns the row added, or None.
    """
    first, second = sorted(two)
    known = db.session.scalar(
        select(NeverPair).where(
            NeverPair.program_id == program_id,
            NeverPair.first_email == first,
            NeverPair.second_email == second,
        )
    )
    if known is not None:
        if rejection_id is None:
            known.rejection_id = None
        return None
    added = NeverPair(
        program_id=program_id,
        first_email=first,
        second_email=second,
        why=why,
        note=note,
        created_by=who,
        created_at=now,
        rejection_id=rejection_id,
    )
    db.session.add(added)
    return added


def settle_overdue(program_id: int, now: datetime | None = None) -> int:
    """Settle the program's published pairs whose deadline passed in silence, as its
    policy says (accepted or declined), with an audit event each; the caller commits.

    Returns how many pairs it settled.
    """
    now = now or utcnow()
    overdue = db.session.scalars(
        select(Pair).where(
            Pair.program_id == program_id,
            Pair.status == PairStatus.PUBLISHED,
            Pair.deadline < now,
        )
    ).all()
    if not overdue:
        return 0
    silence = PairStatus(policy_for(program_id).silence)
    for pair in overdue:
        if pair.status != PairStatus.PUBLISHED:  # ended with a pair settled before it
            continue
        if silence is PairStatus.DECLINED:
            end_between(pair, "silent past the deadline", BY_DEADLINE, "", now)
        else:
            move(pair, PairStatus.ACCEPTED, BY_DEADLINE, now)
        record_published("pair.deadline", pair, BY_DEADLINE, outcome=silence.value)
    return len(overdue)


def settle_on_look(program_id: int) -> None:
    """Settle the program's overdue pairs (:func:`settle_overdue`) and commit, before a
    page reads them. When another look settled them at the same moment (a stale version,
    a never-pair inserted first), its work stands and this one is rolled back."""
    try:
        if settle_overdue(program_id):
            db.session.commit()
    except (StaleDataError, IntegrityError):
        db.session.rollback()


def never_pairs(program_id: int) -> list[tuple[str, str]]:
    """The program's "never pair these two", as pairs of e-mails."""
    rows = db.session.execute(
        select(NeverPair.first_email, NeverPair.second_email).where(
            NeverPair.program_id == program_id
        )
    )
    return [(first, second) for first, second in rows]


def with_never_pairs(
    people: Sequence[Participant], pairs: Sequence[tuple[str, str]]
) -> tuple[Participant, ...]:
    """``people`` with each two of ``pairs`` in each other's previous partners, so that the
    core's ``previous_partner`` rule keeps them apart.

    >>> from matcher import Role
    >>> ana = Participant("ana@x.org", "Ana", Role.MENTEE)
    >>> bo = Participant("bo@x.org", "Bo", Role.MENTOR)
    >>> [p.previous_partners for p in with_never_pairs([ana, bo], [("ana@x.org", "bo@x.org")])]
    [('bo@x.org',), ('ana@x.org',)]
    """
    others: dict[str, list[str]] = {}
    for first, second in pairs:
        others.setdefault(first, []).append(second)
        others.setdefault(second, []).append(first)
    return tuple(
        dataclasses.replace(
            person,
            previous_partners=tuple(
                dict.fromkeys((*person.previous_partners, *others[person.email]))
            ),
        )
        if person.email in others
        else person
        for person in people
    )


def pairs_of_person(program_id: int, email: str) -> list[Pair]:
    """Every published pair of the person ``email``, either side, oldest first."""
    return list(
        db.session.scalars(
            select(Pair)
            .where(
                Pair.program_id == program_id,
                or_(Pair.mentee_email == email, Pair.mentor_email == email),
            )
            .order_by(Pair.published_at, Pair.id)
        )
    )


def needs_rematch(program_id: int) -> list[Pair]:
    """The program's declined pairs, and pairs ended for no chemistry, whose request
    (mentee, type) has no live pair since: each needs someone else. Newest first."""
    declined = db.session.scalars(
        select(Pair)
        .where(
            Pair.program_id == program_id,
            or_(
                Pair.status == PairStatus.DECLINED,
                Pair.end_reason == EndReason.NO_CHEMISTRY.value,
            ),
        )
        .order_by(Pair.settled_at.desc(), Pair.id.desc())
    ).all()
    if not declined:
        return []
    filled = {
        (e, t)
        for e, t in db.session.execute(
            select(Pair.mentee_email, Pair.mentor_type).where(
                Pair.program_id == program_id,
                Pair.status.in_(LIVE),
            )
        )
    }
    return [p for p in declined if (p.mentee_email, p.mentor_type) not in filled]
