"""Invitations by e-mail: each person's personal link, sent to a group, and where each
person is (not invited, invited, failed, bounced, opened, submitted).

A person's status comes from what is stored, never kept apart: their latest invitation
or reminder in the outbox, and their personal links (``opened_at`` when they first opened
one, ``last_used_at`` when they sent the form through it).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from enum import StrEnum

import pandas as pd
from flask import url_for
from sqlalchemy import ColumnElement, select

from matcher import to_csv_bytes
from webapp import audit
from webapp.db import db
from webapp.lookups import new_token
from webapp.mail.models import MailKind, MailStatus, OutboxMessage
from webapp.mail.outbox import queue_message, start_delivery
from webapp.models import InviteToken, LinkKind, Participant, Program, utcnow

__all__ = [
    "Audience",
    "InviteStatus",
    "expires_on",
    "invitation_statuses",
    "link_context",
    "links_csv",
    "personal_links",
    "send_invitations",
    "status_filter",
]

#: The outbox kinds that invite a person to the intake form.
INVITING = (MailKind.INVITATION.value, MailKind.REMINDER.value)


class InviteStatus(StrEnum):
    """Where a person is with their invitation, from the least to the furthest along."""

    NOT_INVITED = "not invited"
    INVITED = "invited"
    FAILED = "failed"
    BOUNCED = "bounced"
    OPENED = "opened"
    SUBMITTED = "submitted"


class Audience(StrEnum):
    """Whom an admin e-mails from the invites page."""

    #: every participant: the invitation
    EVERYONE = "everyone"
    #: those who have not sent the form (invited or not): the invitation
    NOT_ANSWERED = "not_answered"
    #: those invited who have not sent the form: the reminder
    REMINDER = "reminder"
    #: the participants the participants table's filters show: the invitation
    SELECTED = "selected"


#: A person's status from their latest invitation's e-mail status (queued, sending or
#: sent: invited).
_BY_MAIL_STATUS = {
    MailStatus.FAILED.value: InviteStatus.FAILED,
    MailStatus.BOUNCED.value: InviteStatus.BOUNCED,
}


def invitation_statuses(program_id: int) -> dict[int, InviteStatus]:
    """Every participant's :class:`InviteStatus`, by participant id.

    Sent the form beats opened the link, which beats the e-mail's state: failed when
    their latest invitation or reminder failed, bounced when a bounce report came back
    for it, invited when it is queued or sent.
    """
    ids = db.session.scalars(select(Participant.id).where(Participant.program_id == program_id))
    found = dict.fromkeys(ids, InviteStatus.NOT_INVITED)
    latest = db.session.execute(
        select(OutboxMessage.participant_id, OutboxMessage.status)
        .where(
            OutboxMessage.program_id == program_id,
            OutboxMessage.kind.in_(INVITING),
            OutboxMessage.participant_id.is_not(None),
        )
        .order_by(OutboxMessage.id)
    ).all()
    for person, status in latest:  # the latest message of each person wins
        if person in found:
            found[person] = _BY_MAIL_STATUS.get(status, InviteStatus.INVITED)
    links = db.session.execute(
        select(InviteToken.participant_id, InviteToken.opened_at, InviteToken.last_used_at).where(
            InviteToken.program_id == program_id,
            InviteToken.kind == LinkKind.PERSON,
            InviteToken.participant_id.is_not(None),
        )
    ).all()
    for person, opened, used in links:
        if person not in found:
            continue
        if used is not None:
            found[person] = InviteStatus.SUBMITTED
        elif opened is not None and found[person] != InviteStatus.SUBMITTED:
            found[person] = InviteStatus.OPENED
    return found


def status_filter(program_id: int, status: str) -> ColumnElement[bool]:
    """The condition of the participants whose invitation status is ``status``."""
    statuses = invitation_statuses(program_id)
    return Participant.id.in_([person for person, now in statuses.items() if now == status])


def personal_links(program: Program, people: Iterable[Participant]) -> dict[int, InviteToken]:
    """Each person's usable personal link made by an admin, by participant id; a new one
    for whoever has none (added to the session; the caller commits). One query, however
    many people."""
    now = utcnow()
    tokens = db.session.scalars(
        select(InviteToken)
        .where(
            InviteToken.program_id == program.id,
            InviteToken.kind == LinkKind.PERSON,
            InviteToken.revoked_at.is_(None),
            InviteToken.expires_at > now,
        )
        .order_by(InviteToken.expires_at)
    )
    usable = {token.email: token for token in tokens}  # the one usable longest wins
    links = {}
    with db.session.no_autoflush:
        for record in people:
            token = usable.get(record.email)
            if token is None:
                token = new_token(program, LinkKind.PERSON, participant=record)
            elif token.participant_id is None:
                token.participant = record
            links[record.id] = token
    return links


def _link(token: InviteToken) -> str:
    """The full address of a personal link (needs a request's context)."""
    return url_for("people.intake.form", token_text=token.token, _external=True)


def expires_on(moment: datetime) -> str:
    """The day a link stops working, as an e-mail says it.

    >>> expires_on(datetime(2027, 3, 1, 14, 30))
    '1 March 2027'
    """
    return f"{moment.day} {moment:%B %Y}"


def link_context(program: Program, token: InviteToken, name: str = "") -> dict[str, str]:
    """The context of an e-mail carrying the personal link ``token`` (the templates
    ``invitation``, ``reminder`` and ``program_link``): the program, the person's name
    (``""``: "Hello there"), the link and the day it stops working.

    Needs a request's context (the link is a full address of this site).
    """
    return {
        "program_name": program.name,
        "name": name,
        "link": _link(token),
        "expires_on": expires_on(token.expires_at),
    }


def audience(program: Program, whom: Audience, selected: Iterable[int] = ()) -> list[Participant]:
    """The participants ``whom`` names, by name; ``selected`` ids for :attr:`Audience.SELECTED`."""
    statuses = invitation_statuses(program.id)
    if whom == Audience.EVERYONE:
        wanted = set(statuses)
    elif whom == Audience.NOT_ANSWERED:
        wanted = {p for p, s in statuses.items() if s != InviteStatus.SUBMITTED}
    elif whom == Audience.REMINDER:
        waiting = {InviteStatus.INVITED, InviteStatus.OPENED, InviteStatus.FAILED}
        wanted = {p for p, s in statuses.items() if s in waiting}
    else:
        wanted = set(selected) & set(statuses)
    if not wanted:
        return []
    return list(
        db.session.scalars(
            select(Participant)
            .where(Participant.id.in_(wanted))
            .order_by(Participant.name, Participant.email)
        )
    )


def send_invitations(
    program: Program, people: Sequence[Participant], *, template: str, queued_by: str
) -> int:
    """E-mail each person their personal link with the e-mail ``template`` (invitation
    or reminder), commit, and start one delivery job; how many were queued.

    Needs a request's context (the links are full addresses of this site).
    """
    kind = MailKind.REMINDER if template == "reminder" else MailKind.INVITATION
    links = personal_links(program, people)
    with db.session.no_autoflush:
        for record in people:
            queue_message(
                program,
                to=record.email,
                kind=kind,
                template=template,
                context=link_context(program, links[record.id], record.name),
                participant=record,
                queued_by=queued_by,
                deliver=False,
            )
    audit.record(f"invite.{kind}", program.id, actor=queued_by, count=len(people))
    db.session.commit()
    if people:
        start_delivery(program.id, requested_by=queued_by)
    return len(people)


def links_csv(program: Program) -> bytes:
    """Every participant's personal link as CSV for a mail merge (missing links are made;
    the caller commits): name, email, role, link, usable until, invitation status.

    Needs a request's context (the links are full addresses of this site).
    """
    statuses = invitation_statuses(program.id)
    people = sorted(program.participants, key=lambda r: (r.name, r.email))
    links = personal_links(program, people)
    rows = [
        [
            record.name,
            record.email,
            record.role,
            _link(links[record.id]),
            f"{links[record.id].expires_at:%Y-%m-%d}",
            str(statuses.get(record.id, InviteStatus.NOT_INVITED)),
        ]
        for record in people
    ]
    columns = ["name", "email", "role", "link", "usable_until", "invitation"]
    return to_csv_bytes(pd.DataFrame(rows, columns=columns))
