"""Bounces: messages a mail server accepted and later reported undeliverable.

Sent messages leave with the envelope sender ``MENTORLOOM_BOUNCE_ADDRESS`` (else
``MENTORLOOM_MAIL_FROM``), so a server that cannot deliver one sends its bounce report
there. With ``MENTORLOOM_BOUNCE_MAILBOX`` set (see :mod:`webapp.mail.bounce_box`),
:func:`read_bounces` reads that mailbox's new messages: each bounce report
(:mod:`webapp.mail.dsn`) naming one of our sent messages marks it ``bounced`` with the
remote server's words, and the person's invitation status follows. Every delivery job
reads the mailbox after sending and, when it sent something, comes back
``MENTORLOOM_BOUNCE_CHECK_SECONDS`` later for the reports that take a while;
``flask --app webapp read-bounces`` reads it from cron.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import func, select, update
from sqlalchemy.engine import Connection

from matcher import plural
from webapp import audit
from webapp.db import db
from webapp.mail.bounce_box import MailboxError, unread_messages
from webapp.mail.dsn import Bounce, read_report
from webapp.mail.models import MailStatus, OutboxMessage
from webapp.models import utcnow

__all__ = ["BounceReading", "mark_bounced", "read_bounces"]


@dataclass(frozen=True)
class BounceReading:
    """What one reading of the bounce mailbox found."""

    #: Bounce reports read (each is then marked read in the mailbox).
    reports: int = 0
    #: Our messages they marked ``bounced``.
    bounced: int = 0
    #: Why the mailbox could not be read ("" when it was).
    error: str = ""

    def in_words(self) -> str:
        """The reading as the Outbox page says it.

        >>> BounceReading(reports=3, bounced=2).in_words()
        '3 bounce reports read: 2 e-mails bounced'
        >>> BounceReading(error="could not read the bounce mailbox x: refused").in_words()
        'could not read the bounce mailbox x: refused'
        """
        if self.error:
            return self.error
        read = plural(self.reports, "bounce report")
        return f"{read} read: {plural(self.bounced, 'e-mail')} bounced"


def mark_bounced(connection: Connection, bounce: Bounce) -> list[int]:
    """Mark the sent message ``bounce`` names as bounced, on ``connection`` (the caller
    commits); the program of each message marked (none when the message is not one of
    ours, not sent to that address, or marked already)."""
    found = connection.execute(
        select(OutboxMessage.id, OutboxMessage.program_id).where(
            OutboxMessage.message_id == bounce.message_id,
            OutboxMessage.status == MailStatus.SENT,
            func.lower(OutboxMessage.to) == bounce.recipient,
        )
    ).all()
    if found:
        connection.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_([row.id for row in found]))
            .values(status=MailStatus.BOUNCED, answer=bounce.in_words(), bounced_at=utcnow())
        )
    return [row.program_id for row in found]


def read_bounces() -> BounceReading:
    """Read the bounce mailbox of the settings once (nothing without ``BOUNCE_MAILBOX``).

    Each new bounce report marks the messages it names on its own committed transaction,
    then is marked read in the mailbox: a reading cut short leaves every report either
    done or unread, and reading a report twice changes nothing. Other mail stays unread.
    Adds an audit event ``mail.bounced`` per program with bounces (the caller commits).
    """
    url = current_app.config["BOUNCE_MAILBOX"]
    if not url:
        return BounceReading()
    reports = 0
    programs: Counter[int] = Counter()
    error = ""
    try:
        with (
            db.engine.connect() as connection,
            unread_messages(url, current_app.config["MAIL_SMTP_TIMEOUT"]) as messages,
        ):
            for raw, mark_read in messages:
                bounces = read_report(raw)
                if not bounces:
                    continue
                for bounce in bounces:
                    programs.update(mark_bounced(connection, bounce))
                connection.commit()
                mark_read()
                reports += 1
    except (MailboxError, ValueError) as exc:
        current_app.logger.warning("%s", exc)
        error = str(exc)
    for program_id, count in programs.items():
        audit.record("mail.bounced", program_id, actor="system", bounced=count)
    return BounceReading(reports, programs.total(), error)
