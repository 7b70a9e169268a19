"""The outbox: queue an e-mail, and the background job that delivers it with retries.

Other code sends an e-mail with :func:`queue_message`: it renders the three templates
of one e-mail (see :mod:`webapp.mail.catalog`), stores the message as ``queued`` and
starts a delivery job (:func:`start_delivery`) that sends it outside the request: on
the RQ queue with ``REDIS_URL``, else in a thread (:mod:`webapp.jobs`). To queue many at
once, pass ``deliver=False`` to each, commit, and call :func:`start_delivery` once.

A delivery job claims one due message at a time (one conditional UPDATE: queued or
failed, due, or held by a job whose claim ran out), sends it, and marks it ``sent`` or
``failed`` with the server's answer in one UPDATE guarded by its claim, each on its own
committed transaction: two jobs never send the same message, and a job that dies leaves
at most the message it was sending, claimed until ``MAIL_CLAIM_SECONDS`` pass. A failed
message is tried again after ``MAIL_RETRY_SECONDS[attempts - 1]`` seconds; after the
last it is given up (an admin can retry it from the Outbox page). The job schedules the
next retry itself: a timer thread, or RQ's scheduler (``flask --app webapp worker``).
"""

from __future__ import annotations

import re
import threading
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid
from pathlib import Path
from typing import Any

from flask import Flask, current_app
from redis.exceptions import RedisError
from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError

from matcher import EMAIL_MAX_CHARS
from webapp import audit, jobs
from webapp.db import db
from webapp.mail.bounces import read_bounces
from webapp.mail.models import (
    SUBJECT_MAX_CHARS,
    MailDelivery,
    MailStatus,
    OutboxMessage,
)
from webapp.mail.transport import SendError, parse_smtp_url, send_smtp, write_eml
from webapp.models import ACTIVE, JobStatus, Participant, Program, utcnow

__all__ = [
    "DELIVERY",
    "deliver_due",
    "due_count",
    "eml_name",
    "erase_messages",
    "messages_about",
    "of_program",
    "queue_message",
    "recipient",
    "render_email",
    "retry_failed",
    "start_delivery",
]

#: Where the templates of the e-mail ``name`` are: ``mail/email/<name>.subject.txt``,
#: ``mail/email/<name>.txt`` and ``mail/email/<name>.html``.
TEMPLATE_FOLDER = "mail/email"
#: One address: no space, control character or second ``@`` (so no header injection).
_PART = r"[^\s@<>,;\"\x00-\x1f\x7f]+"
_ADDRESS = re.compile(rf"{_PART}@{_PART}\.{_PART}")
#: The instance folder's subfolder that keeps messages when no SMTP server is set.
EML_FOLDER = "outbox"


def of_program(column: Any, program_id: int | None) -> Any:
    """The condition ``column`` names the program ``program_id``; for None, a site e-mail
    (no program).

    >>> str(of_program(OutboxMessage.program_id, None))
    'outbox_message.program_id IS NULL'
    """
    return column.is_(None) if program_id is None else column == program_id


def render_email(template: str, context: Mapping[str, Any]) -> tuple[str, str, str]:
    """Render the e-mail ``template`` with ``context``: (subject, text body, HTML body).

    The subject is one line of at most :data:`SUBJECT_MAX_CHARS` characters. Needs the
    app's context (not a request's): links in the e-mail come in ``context``.
    """
    environment = current_app.jinja_env  # no request's context: e-mails are not pages
    subject = environment.get_template(f"{TEMPLATE_FOLDER}/{template}.subject.txt").render(context)
    subject = " ".join(subject.split())
    if len(subject) > SUBJECT_MAX_CHARS:
        subject = subject[: SUBJECT_MAX_CHARS - 1] + "…"
    text = environment.get_template(f"{TEMPLATE_FOLDER}/{template}.txt").render(context)
    html = environment.get_template(f"{TEMPLATE_FOLDER}/{template}.html").render(context)
    return subject, text, html


def recipient(to: str) -> str:
    r"""The address ``to`` as stored (lower case); ValueError unless it is one address.

    >>> recipient(" Ada@Example.org ")
    'ada@example.org'
    >>> recipient("ada@example.org\r\nBcc: eve@example.org")
    Traceback (most recent call last):
    ...
    ValueError: not an e-mail address: 'ada@example.org\r\nBcc: eve@example.org'
    """
    address = to.strip().lower()
    if len(address) > EMAIL_MAX_CHARS or not _ADDRESS.fullmatch(address):
        raise ValueError(f"not an e-mail address: {to!r}")
    return address


def queue_message(
    program: Program | None,
    *,
    to: str,
    kind: str,
    template: str,
    context: Mapping[str, Any],
    participant: Participant | None = None,
    queued_by: str = "",
    deliver: bool = True,
) -> OutboxMessage:
    """Render the e-mail ``template`` for ``to`` and queue it in ``program``'s outbox
    (``program`` None: a site e-mail to an admin, in no program's outbox).

    ``kind`` is a :class:`~webapp.mail.models.MailKind` value; ``participant`` the person
    it is about (their invitation status follows it). With ``deliver`` (the default) the
    session is committed (with whatever else the caller changed) and a delivery job is
    started. To queue many, pass ``deliver=False``: the message is only added to the
    session; commit, then call :func:`start_delivery` once.

    >>> from webapp import create_app
    >>> app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "example"})
    >>> with app.app_context():
    ...     db.create_all()
    ...     program = Program(name="Example")
    ...     db.session.add(program)
    ...     message = queue_message(
    ...         program,
    ...         to="ada@example.org",
    ...         kind="invitation",
    ...         template="invitation",
    ...         context={
    ...             "program_name": "Example",
    ...             "name": "Ada",
    ...             "link": "https://x/i/t",
    ...             "expires_on": "1 March 2027",
    ...         },
    ...         deliver=False,
    ...     )
    ...     db.session.commit()
    ...     message.status, message.subject
    ('queued', 'Your invitation to Example')
    """
    address = recipient(to)
    subject, text, html = render_email(template, context)
    domain = current_app.config["MAIL_FROM"].rpartition("@")[2] or "mentorloom"
    message = OutboxMessage(
        program=program,
        participant=participant,
        message_id=make_msgid(idstring=uuid.uuid4().hex[:12], domain=domain),
        kind=str(kind),
        template=template,
        to=address,
        subject=subject,
        text_body=text,
        html_body=html,
        status=MailStatus.QUEUED,
        next_attempt_at=utcnow(),
        queued_by=queued_by or "system",
    )
    db.session.add(message)
    if deliver:
        db.session.commit()
        start_delivery(program.id if program else None, requested_by=queued_by)
    return message


def start_delivery(program_id: int | None, *, requested_by: str = "") -> MailDelivery:
    """Start a background job sending the program's due messages (or return the one
    already waiting to start: it will send them too)."""
    jobs.reap(DELIVERY, of_program(MailDelivery.program_id, program_id))  # a lost one waits no more
    waiting = db.session.scalar(
        select(MailDelivery).where(
            of_program(MailDelivery.program_id, program_id), MailDelivery.status == JobStatus.QUEUED
        )
    )
    if waiting is not None:
        return waiting
    delivery = MailDelivery(program_id=program_id, requested_by=requested_by or "system")
    db.session.add(delivery)
    db.session.commit()
    jobs.submit(DELIVERY, delivery)
    return delivery


def retry_failed(program_id: int, *, requested_by: str) -> int:
    """Make every failed message of the program due now (given up or not), start a
    delivery job, and return how many will be tried."""
    retried = db.session.execute(
        update(OutboxMessage)
        .where(
            of_program(OutboxMessage.program_id, program_id),
            OutboxMessage.status == MailStatus.FAILED,
        )
        .values(next_attempt_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    if retried:
        audit.record("mail.retry", program_id, actor=requested_by, count=retried)
    db.session.commit()
    if retried:
        start_delivery(program_id, requested_by=requested_by)
    return retried


def _due(program_id: int | None, now: datetime) -> Any:
    """The condition of a message of the program that a delivery job may claim at ``now``."""
    return and_(
        of_program(OutboxMessage.program_id, program_id),
        or_(
            and_(
                OutboxMessage.status.in_([MailStatus.QUEUED, MailStatus.FAILED]),
                OutboxMessage.next_attempt_at <= now,
            ),
            and_(OutboxMessage.status == MailStatus.SENDING, OutboxMessage.claimed_until < now),
        ),
    )


def _claim_next(
    connection: Connection, program_id: int | None, due_by: datetime
) -> tuple[int, str] | None:
    """Claim the program's next message due by ``due_by``: (its id, the claim), or None."""
    claim = uuid.uuid4().hex
    while True:
        now = utcnow()
        message_id = connection.scalar(
            select(OutboxMessage.id)
            .where(_due(program_id, min(now, due_by)))
            .order_by(OutboxMessage.id)
            .limit(1)
        )
        if message_id is None:
            return None
        lease = timedelta(seconds=current_app.config["MAIL_CLAIM_SECONDS"])
        claimed = connection.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message_id, _due(program_id, min(now, due_by)))
            .values(
                status=MailStatus.SENDING,
                claim=claim,
                claimed_until=now + lease,
                attempts=OutboxMessage.attempts + 1,
                last_attempt_at=now,
            )
        )
        connection.commit()
        if claimed.rowcount == 1:
            return message_id, claim


def _email(row: Any, sender: str) -> EmailMessage:
    """The message ``row`` as an e-mail with a text and an HTML part."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = row.to
    message["Subject"] = row.subject
    message["Date"] = format_datetime(row.created_at.replace(tzinfo=UTC))
    message["Message-ID"] = row.message_id
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(row.text_body)
    message.add_alternative(row.html_body, subtype="html")
    return message


def _transport(app: Flask, message: EmailMessage, name: str) -> str:
    """Send ``message`` the way the settings say; the server's answer (or the file)."""
    if url := app.config["SMTP_URL"]:
        bounces_to = app.config["BOUNCE_ADDRESS"] or app.config["MAIL_FROM"]
        return send_smtp(message, parse_smtp_url(url), app.config["MAIL_SMTP_TIMEOUT"], bounces_to)
    return write_eml(message, Path(app.instance_path) / EML_FOLDER, name)


def eml_name(message: Any) -> str:
    """The name (without ``.eml``) of the file a message is written to without SMTP.

    >>> from types import SimpleNamespace
    >>> eml_name(SimpleNamespace(id=7, created_at=datetime(2026, 12, 6, 6, 30, 5)))
    '7-20261206063005'
    """
    return f"{message.id}-{message.created_at:%Y%m%d%H%M%S}"


def messages_about(program_id: int, participant_id: int, email: str) -> Any:
    """The condition of the program's messages to or about one person: addressed to them,
    or naming their address (an introduction to their match gives it as the contact)."""
    return and_(
        OutboxMessage.program_id == program_id,
        or_(
            OutboxMessage.participant_id == participant_id,
            OutboxMessage.to == email,
            OutboxMessage.text_body.contains(email, autoescape=True),
        ),
    )


def erase_messages(program_id: int, participant_id: int, email: str) -> int:
    """Delete the program's messages to or about one person and their ``.eml`` files (the
    caller commits); how many there were."""
    found = db.session.scalars(
        select(OutboxMessage).where(messages_about(program_id, participant_id, email))
    ).all()
    folder = Path(current_app.instance_path) / EML_FOLDER
    for message in found:
        (folder / f"{eml_name(message)}.eml").unlink(missing_ok=True)
        db.session.delete(message)
    return len(found)


def _backoff(attempts: int) -> timedelta | None:
    """How long to wait before the next attempt after ``attempts`` failed; None: give up."""
    delays = current_app.config["MAIL_RETRY_SECONDS"]
    if attempts > len(delays):
        return None
    return timedelta(seconds=float(delays[attempts - 1]))


def _send_one(connection: Connection, message_id: int, claim: str) -> bool:
    """Send the claimed message and store how it went; True when it was sent."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    row = connection.execute(
        select(OutboxMessage.__table__).where(OutboxMessage.id == message_id)
    ).one()
    sender = formataddr(("mentorloom", app.config["MAIL_FROM"]))
    try:
        answer = _transport(app, _email(row, sender), eml_name(row))
    except (SendError, ValueError) as exc:
        delay = _backoff(row.attempts)
        now = utcnow()
        values: dict[str, Any] = {
            "status": MailStatus.FAILED,
            "answer": str(exc),
            "next_attempt_at": now + delay if delay is not None else None,
        }
        sent = False
    except OSError as exc:  # the .eml folder cannot be written
        values = {
            "status": MailStatus.FAILED,
            "answer": f"could not write the file: {exc}",
            "next_attempt_at": None,
        }
        sent = False
    else:
        values = {
            "status": MailStatus.SENT,
            "answer": answer,
            "sent_at": utcnow(),
            "next_attempt_at": None,
        }
        sent = True
    marked = connection.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.claim == claim)
        .values(claim="", claimed_until=None, **values)
    )
    connection.commit()
    if marked.rowcount != 1:
        app.logger.warning("outbox message %s: its claim ran out while it was sent", message_id)
    return sent


def deliver_due(program_id: int | None, progress: jobs.Progress | None = None) -> tuple[int, int]:
    """Send the program's messages due now, here, one by one: (sent, failed).

    Each message is claimed and marked on its own committed transaction (see the module's
    docstring); the delivery job and ``flask --app webapp send-mail`` call it.
    """
    due_by = utcnow()
    total = due_count(program_id)
    sent = failed = 0
    with db.engine.connect() as connection:
        while (claimed := _claim_next(connection, program_id, due_by)) is not None:
            if _send_one(connection, *claimed):
                sent += 1
            else:
                failed += 1
            if progress is not None:
                progress("sending", sent + failed, max(total, sent + failed))
    return sent, failed


def due_count(program_id: int | None) -> int:
    """How many of the program's messages a delivery job would send now."""
    query = select(func.count()).select_from(OutboxMessage).where(_due(program_id, utcnow()))
    return db.session.scalar(query) or 0


def next_retry(program_id: int | None) -> datetime | None:
    """When the program's next failed message is due again (None: nothing waits)."""
    return db.session.scalar(
        select(func.min(OutboxMessage.next_attempt_at)).where(
            of_program(OutboxMessage.program_id, program_id),
            OutboxMessage.status == MailStatus.FAILED,
            OutboxMessage.next_attempt_at.is_not(None),
        )
    )


def record_failures(program_id: int | None, sent: int, failed: int) -> None:
    """Add an audit event ``mail.failed`` when e-mails of a delivery failed (the caller
    commits); the dashboard and the history count them."""
    if failed:
        audit.record("mail.failed", program_id, actor="system", failed=failed, sent=sent)


def _work(delivery: MailDelivery, progress: jobs.Progress) -> None:
    """The delivery job: send what is due, count it, read the bounce mailbox, and
    schedule the next retry and a later look for bounces."""
    delivery.sent, delivery.failed = deliver_due(delivery.program_id, progress)
    record_failures(delivery.program_id, delivery.sent, delivery.failed)
    if current_app.config["BOUNCE_MAILBOX"]:
        progress("reading bounces", 0, 0)
        reading = read_bounces()
        delivery.bounced, delivery.bounce_note = reading.bounced, reading.in_words()
    later = []
    if (when := next_retry(delivery.program_id)) is not None:
        later.append(when)
    if delivery.sent and current_app.config["BOUNCE_MAILBOX"]:
        later.append(utcnow() + timedelta(seconds=current_app.config["BOUNCE_CHECK_SECONDS"]))
    for when in later:
        _schedule(delivery.program_id, when)


def _schedule(program_id: int | None, when: datetime) -> None:
    """Start a delivery job of the program at ``when`` (UTC): RQ's scheduler with
    ``REDIS_URL``, else a timer thread; nothing when jobs run inline (tests, scripts)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if app.config["REDIS_URL"]:
        try:
            jobs.queue(app).enqueue_at(when.replace(tzinfo=UTC), retry_delivery, program_id)
        except RedisError as exc:  # the Outbox page and the next queued e-mail start it
            app.logger.error("could not schedule the next e-mail retry: %s", exc)
        return
    if not app.config["JOBS_ASYNC"]:
        return
    delay = max((when - utcnow()).total_seconds(), 0.0)
    timer = threading.Timer(delay, _retry_in_thread, args=(app, program_id))
    timer.daemon = True
    timer.start()


def _retry_in_thread(app: Flask, program_id: int | None) -> None:
    with app.app_context():
        try:
            retry_delivery(program_id)
        finally:
            db.session.remove()


def retry_delivery(program_id: int | None) -> None:
    """Start a delivery job of the program unless one is active (the scheduled retry)."""
    try:
        active = db.session.scalar(
            select(func.count())
            .select_from(MailDelivery)
            .where(of_program(MailDelivery.program_id, program_id), MailDelivery.status.in_(ACTIVE))
        )
        if not active:
            start_delivery(program_id)
    except SQLAlchemyError:
        db.session.rollback()
        current_app.logger.exception("could not start the e-mail retry of program %s", program_id)


DELIVERY = jobs.JobKind("mail", MailDelivery, _work, "retry the failed messages")
