"""Publish a run's approved pairs: the two people are introduced and may answer.

A pair of a finished run is *ready* when an admin approved or locked it and it was never
published (no :class:`~webapp.pair_models.Pair` of its triple). :func:`start_publish`
records a :class:`~webapp.pair_models.PublishJob` (every ready pair, those of one type,
or the selected rows) and hands it to a worker (:data:`PUBLISH`, see :mod:`webapp.jobs`).
Its work (:func:`publish`) inserts one ``Pair`` per ready pair with
``INSERT … ON CONFLICT DO NOTHING``: the unique triple is the guard, so a pair another
publish (at the same moment, or earlier) inserted is skipped, and only the job that
inserted a pair introduces its two people (:func:`introduce`: an e-mail each through the
outbox, :mod:`webapp.mail`). The pairs and their e-mails are committed together when the
job ends: all of them, or none when it fails.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, Select, and_, select

from matcher import MentorType, config_from_mapping, participant_reasons
from matcher import Participant as CorePerson
from webapp import audit, jobs
from webapp.answers import move, policy_for, settle_on_look
from webapp.db import db, insert_once
from webapp.decisions import HOLDING
from webapp.introductions import introduction
from webapp.links import link_for, site_link
from webapp.mail import MailKind, queue_message, start_delivery
from webapp.models import Participant, utcnow
from webapp.pair_models import (
    BY_PROGRAM,
    AnswerPolicy,
    MustAccept,
    Pair,
    PairStatus,
    PublishJob,
)
from webapp.run_models import MatchRun, PairDecision, ProposedMatch
from webapp.runner import program_people

__all__ = ["PUBLISH", "READY", "SCOPES", "pair_states", "publish", "ready_pairs", "start_publish"]

#: The state of an approved or locked pair not published yet.
READY = "ready"
#: What a publish may take: every ready pair, those of one type, or the selected rows.
SCOPES = ("all", "type", "selected")
#: The columns of a pair's triple, as the unique index ``ix_pair_triple`` lists them.
TRIPLE = ("program_id", "mentee_email", "mentor_email", "mentor_type")


def _same_triple(table: type[PairDecision] | type[Pair], program_id: int) -> ColumnElement[bool]:
    """``table``'s row of the program for a proposed pair's mentee, mentor and type."""
    return and_(
        table.program_id == program_id,
        table.mentee_email == ProposedMatch.mentee_email,
        table.mentor_email == ProposedMatch.mentor_email,
        table.mentor_type == ProposedMatch.mentor_type,
    )


def _ready_query(run: MatchRun) -> Select[tuple[ProposedMatch]]:
    """The run's approved or locked pairs that have no published pair yet."""
    return (
        select(ProposedMatch)
        .join(PairDecision, _same_triple(PairDecision, run.program_id))
        .outerjoin(Pair, _same_triple(Pair, run.program_id))
        .where(
            ProposedMatch.run_id == run.id,
            PairDecision.action.in_([a.value for a in HOLDING]),
            Pair.id.is_(None),
        )
        .order_by(ProposedMatch.mentee_name, ProposedMatch.mentor_type, ProposedMatch.id)
    )


def ready_pairs(
    run: MatchRun, scope: str = "all", mentor_type: str = "", ids: Iterable[int] = ()
) -> list[ProposedMatch]:
    """The run's ready pairs in ``scope``: ``all``, ``type`` (of ``mentor_type``) or
    ``selected`` (among the pair ids ``ids``)."""
    query = _ready_query(run)
    if scope == "type":
        query = query.where(ProposedMatch.mentor_type == mentor_type)
    elif scope == "selected":
        query = query.where(ProposedMatch.id.in_(list(ids)))
    return list(db.session.scalars(query))


def pair_states(
    program_id: int, pairs: Sequence[ProposedMatch], statuses: dict[tuple[str, str, str], str]
) -> dict[tuple[str, str, str], str]:
    """Each pair's publication state by triple: ``ready``, or its published pair's status
    (``published``, ``accepted``, ``declined``); pairs neither approved nor published are
    missing. ``statuses`` are the pairs' review statuses (``approved``, ``locked``, …).

    One query; when one of the pairs waits past its deadline, the program's deadlines are
    settled first (:func:`webapp.answers.settle_on_look`) and the pairs read again.
    """
    keys = [p.key for p in pairs]
    query = select(
        Pair.mentee_email, Pair.mentor_email, Pair.mentor_type, Pair.status, Pair.deadline
    ).where(Pair.program_id == program_id, Pair.mentee_email.in_({k[0] for k in keys}))
    found = db.session.execute(query).all()
    now = utcnow()
    if any(row.status == PairStatus.PUBLISHED and row.deadline < now for row in found):
        settle_on_look(program_id)
        found = db.session.execute(query).all()
    published = {(row[0], row[1], row[2]): row.status for row in found}
    states = {}
    for key in keys:
        if key in published:
            states[key] = published[key]
        elif statuses.get(key) in {"approved", "locked"}:
            states[key] = READY
    return states


def start_publish(
    run: MatchRun,
    who: str,
    base_url: str,
    scope: str,
    mentor_type: str = "",
    ids: Sequence[int] = (),
) -> PublishJob:
    """Commit a queued publish of ``run``'s ready pairs in ``scope`` and hand it to a worker.

    ``base_url`` is the site's address (the admin's request's): the links of the e-mails
    start with it.
    """
    job = PublishJob(
        base_url=base_url,
        program_id=run.program_id,
        run_id=run.id,
        scope=scope,
        mentor_type=mentor_type if scope == "type" else "",
        pair_ids=list(ids) if scope == "selected" else [],
        requested_by=who,
    )
    db.session.add(job)
    audit.record("publish.start", run.program_id, run=run.id, scope=scope, mentor_type=mentor_type)
    db.session.commit()
    jobs.submit(PUBLISH, job)
    return job


def publish(job: PublishJob, progress: jobs.Progress) -> None:
    """The work of a publish: a ``Pair`` for each ready pair no one published meanwhile,
    with its participant-safe reasons, and an introduction for both people."""
    run = db.session.get_one(MatchRun, job.run_id)
    chosen = ready_pairs(run, job.scope, job.mentor_type, job.pair_ids)
    people = {p.email: p for p in program_people(run.program_id)}
    records = {
        r.email: r
        for r in db.session.scalars(
            select(Participant).where(Participant.program_id == run.program_id)
        )
    }
    policy = policy_for(run.program_id)
    now = utcnow()
    published = 0
    for done, chosen_pair in enumerate(chosen):
        progress("publishing", done, len(chosen))
        published += _publish_one(job, run, chosen_pair, people, records, policy, now)
    job.result = {"published": published, "skipped": len(chosen) - published}
    if published:  # commits the pairs with their e-mails, then sends them
        start_delivery(run.program_id, requested_by=job.requested_by)


def _publish_one(
    job: PublishJob,
    run: MatchRun,
    chosen_pair: ProposedMatch,
    people: dict[str, CorePerson],
    records: dict[str, Participant],
    policy: AnswerPolicy,
    now: datetime,
) -> bool:
    """Insert ``chosen_pair`` as published, unless someone did first, and introduce its two
    people; False when it was published already (or one of them left the program)."""
    if chosen_pair.mentee_email not in records or chosen_pair.mentor_email not in records:
        return False
    nobody = MustAccept(policy.must_accept) is MustAccept.NOBODY
    mentee, mentor = people[chosen_pair.mentee_email], people[chosen_pair.mentor_email]
    reasons = participant_reasons(
        mentee, mentor, MentorType(chosen_pair.mentor_type), config_from_mapping(run.config)
    )
    pair_id = insert_once(
        Pair,
        {
            "program_id": run.program_id,
            "run_id": run.id,
            "mentee_email": mentee.email,
            "mentor_email": mentor.email,
            "mentor_type": chosen_pair.mentor_type,
            "status": PairStatus.PUBLISHED,
            "reasons": list(reasons),
            "published_at": now,
            "published_by": job.requested_by,
            "deadline": now + timedelta(days=policy.days),
            "settled_at": None,
            "settled_by": "",
            "version": 1,
        },
        list(TRIPLE),
    )
    if pair_id is None:
        return False
    audit.record(
        "pair.publish",
        run.program_id,
        actor=job.requested_by,
        run=run.id,
        mentee=mentee.email,
        mentor=mentor.email,
        mentor_type=chosen_pair.mentor_type,
    )
    pair = db.session.get_one(Pair, pair_id)
    move(pair, PairStatus.PUBLISHED, job.requested_by, now)
    if nobody:
        move(pair, PairStatus.ACCEPTED, BY_PROGRAM, now)
    introduce(job, pair, records, policy)
    return True


def introduce(
    job: PublishJob, pair: Pair, people: dict[str, Participant], policy: AnswerPolicy
) -> None:
    """Queue the introduction e-mail of the new ``pair`` to each of its two people, with a
    personal link to their own page that lasts past the pair's deadline (made if need be).

    The messages join the job's transaction: a pair and its two e-mails are committed
    together, or neither.
    """
    must_answer = pair.status == PairStatus.PUBLISHED
    for email in (pair.mentee_email, pair.mentor_email):
        person, other = people[email], people[pair.other_of(email)]
        token = link_for(person, pair.deadline + timedelta(days=1))
        said = introduction(pair, person, other)
        queue_message(
            job.program,
            to=person.email,
            kind=MailKind.INTRODUCTION,
            template="introduction",
            context={
                "program_name": job.program.name,
                "name": said.name,
                "other_name": said.other_name,
                "other_email": said.other_email,
                "other_role": said.other_role,
                "reasons": said.reasons,
                "agenda": said.agenda,
                "must_answer": must_answer,
                "deadline": f"{pair.deadline:%d %B %Y}",
                "silence": policy.silence,
                "link": site_link(job.base_url, "participant.page.show", token_text=token.token),
            },
            participant=person,
            queued_by=job.requested_by,
            deliver=False,
        )


#: Publishing pairs as a background job.
PUBLISH = jobs.JobKind("publish", PublishJob, publish, "publish them again")
