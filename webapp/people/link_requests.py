"""What a program link does with an e-mail: it e-mails that address its personal link.

The page answers every address alike (see :mod:`webapp.people.intake`); only the mailbox
learns which link it got, and the mailbox proves the address:

- a participant of the program an admin brought in: their personal link (kind
  ``person``, the usable one they have, else a new one), which opens their record like
  a link the admin made (:func:`webapp.mail.invitations.personal_links`);
- a participant who registered themselves (no admin merged them yet): a ``self`` link
  opening their own record while it stays self-registered (theirs, else a new one);
- anyone else: the address's usable ``self`` link, else a new one. It opens nothing of
  what an admin imported: when they send its form, it creates their record, or, when an
  admin imported the address meanwhile, keeps the answers as a pending registration
  (:mod:`webapp.people.registrations`).

Asking makes at most the link: no record is created or opened until the person follows
it. One address of a program gets at most ``LINK_MAILS[0]`` such e-mails per
``LINK_MAILS[1]`` seconds; asking more sends nothing more. Every ask is audited
(``invite.ask``, with what was sent).
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from sqlalchemy import func, select

from webapp import audit
from webapp.db import db
from webapp.lookups import new_token
from webapp.mail import MailKind, OutboxMessage, queue_message
from webapp.mail.invitations import link_context, personal_links
from webapp.models import InviteToken, LinkKind, Participant, Program, utcnow

__all__ = ["link_for", "mails_lately", "send_link"]

#: The e-mail template that carries the link (see :data:`webapp.mail.CATALOG`).
TEMPLATE = "program_link"


def link_for(program: Program, email: str) -> InviteToken:
    """The personal link a program link e-mails to ``email`` (see the module's docstring),
    reused while usable, else new (added to the session; the caller commits)."""
    record = db.session.scalar(
        select(Participant).where(Participant.program_id == program.id, Participant.email == email)
    )
    if record is not None and not record.self_registered:
        return personal_links(program, [record])[record.id]
    now = utcnow()
    owner = (
        InviteToken.participant_id.is_(None)
        if record is None
        else InviteToken.participant_id == record.id
    )
    tokens = db.session.scalars(
        select(InviteToken)
        .where(
            InviteToken.program_id == program.id,
            InviteToken.kind == LinkKind.SELF,
            InviteToken.email == email,
            InviteToken.revoked_at.is_(None),
            owner,
        )
        .order_by(InviteToken.expires_at.desc())
    )
    usable = next((t for t in tokens if t.is_usable(now)), None)
    return usable or new_token(program, LinkKind.SELF, participant=record, email=email)


def mails_lately(program_id: int, email: str, seconds: float) -> int:
    """How many e-mails program links of the program queued for ``email`` in the last
    ``seconds``."""
    since = utcnow() - timedelta(seconds=seconds)
    query = (
        select(func.count())
        .select_from(OutboxMessage)
        .where(
            OutboxMessage.program_id == program_id,
            OutboxMessage.kind == MailKind.LINK,
            OutboxMessage.to == email,
            OutboxMessage.created_at >= since,
        )
    )
    return db.session.scalar(query) or 0


def send_link(program_link: InviteToken, email: str) -> None:
    """E-mail ``email`` (lower case, deliverable) its personal link of the program of
    ``program_link`` unless it had ``LINK_MAILS`` lately; audit the ask and commit.

    Needs a request's context (the link is a full address of this site).
    """
    program = program_link.program
    actor = f"link:{program_link.id}"
    most, seconds = current_app.config["LINK_MAILS"]
    if mails_lately(program.id, email, seconds) >= most:
        audit.record(
            "invite.ask", program.id, actor=actor, email=email, sent="nothing (asked too often)"
        )
        db.session.commit()
        return
    token = link_for(program, email)
    db.session.flush()
    audit.record("invite.ask", program.id, actor=actor, email=email, sent=f"{token.kind} link")
    record = token.participant
    vouched = record is not None and not record.self_registered  # an admin's data
    queue_message(
        program,
        to=email,
        kind=MailKind.LINK,
        template=TEMPLATE,
        context=link_context(program, token, record.name if vouched else ""),
        participant=record,
        queued_by=actor,
    )
