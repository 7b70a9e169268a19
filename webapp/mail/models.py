"""Tables of e-mail: the outbox every message goes through, and the jobs delivering it.

An :class:`OutboxMessage` is one e-mail to one address, rendered when it was queued (its
subject, text and HTML bodies never change afterwards). Its ``status`` says where it is:
``queued`` (waiting for its first attempt), ``sending`` (claimed by a delivery job until
``claimed_until``), ``sent`` or ``failed`` (with the server's answer; tried again at
``next_attempt_at``, or given up when that is empty), and ``bounced`` when a bounce report
came back for a sent message (see :mod:`webapp.mail.bounces`). A :class:`MailDelivery` is the
background job that sends a program's due messages (see :mod:`webapp.mail.outbox`). Site
e-mails to admins (a password-reset link) belong to no program: their ``program_id`` is
empty, one delivery job with no program sends them, and no program's Outbox page shows them.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from matcher import EMAIL_MAX_CHARS
from webapp.db import db
from webapp.models import JobState, Participant, Program, utcnow

#: Longest subject line; a longer rendered subject is cut with an ellipsis.
SUBJECT_MAX_CHARS = 200
#: Longest template name (``invitation``, ``introduction``, ...).
TEMPLATE_MAX_CHARS = 64


class MailStatus(StrEnum):
    """Where a message is."""

    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    BOUNCED = "bounced"


class MailKind(StrEnum):
    """What a message is for; the Outbox page and the participants table show it."""

    INVITATION = "invitation"
    REMINDER = "reminder"
    LINK = "link"
    INTRODUCTION = "introduction"
    CHECKIN = "checkin"
    COHORT = "cohort"
    #: A site e-mail to an admin (no program): a password-reset link.
    PASSWORD_RESET = "password_reset"
    #: A site e-mail inviting a new admin (see :mod:`webapp.admin_access`).
    ADMIN_INVITE = "admin_invite"


class OutboxMessage(db.Model):
    """One e-mail to one address, as rendered when it was queued, and how sending it went."""

    __table_args__ = (Index("ix_outbox_message_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Empty for a site e-mail, which belongs to no program (a password reset).
    program_id: Mapped[int | None] = mapped_column(
        ForeignKey("program.id", ondelete="CASCADE"), index=True
    )
    #: The person it is about; erasing them erases their messages.
    participant_id: Mapped[int | None] = mapped_column(
        ForeignKey("participant.id", ondelete="CASCADE"), index=True
    )
    #: The ``Message-ID`` header, unique: a receiving server can tell a copy.
    message_id: Mapped[str] = mapped_column(String(255), unique=True)
    kind: Mapped[str] = mapped_column(String(20), index=True)
    template: Mapped[str] = mapped_column(String(TEMPLATE_MAX_CHARS))
    to: Mapped[str] = mapped_column(String(EMAIL_MAX_CHARS))
    subject: Mapped[str] = mapped_column(String(SUBJECT_MAX_CHARS))
    text_body: Mapped[str] = mapped_column(Text)
    html_body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default=MailStatus.QUEUED)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    #: When a queued or failed message is tried (again); empty once sent or given up.
    next_attempt_at: Mapped[datetime | None] = mapped_column(default=utcnow)
    #: The delivery job that claimed the message, and until when it holds it.
    claim: Mapped[str] = mapped_column(String(32), default="")
    claimed_until: Mapped[datetime | None]
    #: The mail server's last answer (or where the ``.eml`` file was written).
    answer: Mapped[str] = mapped_column(Text, default="")
    #: The admin (or "system") who queued it.
    queued_by: Mapped[str] = mapped_column(String(EMAIL_MAX_CHARS), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_attempt_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    #: When a bounce report for it was read.
    bounced_at: Mapped[datetime | None]

    program: Mapped[Program | None] = relationship()
    participant: Mapped[Participant | None] = relationship()

    @property
    def gave_up(self) -> bool:
        """True for a failed message that is not tried again unless an admin asks."""
        return self.status == MailStatus.FAILED and self.next_attempt_at is None


class MailDelivery(JobState, db.Model):
    """A background job sending the program's due messages, with its progress.

    ``sent`` and ``failed`` count what this job did; its ``total`` is how many messages
    were due when it began. ``bounced`` counts the messages the bounce reports it read
    marked, and ``bounce_note`` says how reading the bounce mailbox went.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Empty for a site e-mail, which belongs to no program (a password reset).
    program_id: Mapped[int | None] = mapped_column(
        ForeignKey("program.id", ondelete="CASCADE"), index=True
    )
    sent: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)
    bounced: Mapped[int] = mapped_column(Integer, default=0)
    bounce_note: Mapped[str] = mapped_column(Text, default="")
    requested_by: Mapped[str] = mapped_column(String(EMAIL_MAX_CHARS), default="")

    program: Mapped[Program | None] = relationship()
