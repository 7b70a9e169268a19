"""E-mail through a real SMTP server on 127.0.0.1 (aiosmtpd): what arrives, what a refusal
or a server that goes away does, retries, and the ``.eml`` files without a server."""

from __future__ import annotations

import threading
import time
import uuid
from email import message_from_bytes
from email.policy import default
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from tests.web.helpers import make_app
from tests.web.smtp import SmtpSink, self_signed
from webapp.db import db
from webapp.mail import MailStatus, OutboxMessage, queue_message, retry_failed, start_delivery
from webapp.mail.outbox import deliver_due
from webapp.models import Program, utcnow

LINK = "https://mentorloom.test/i/personal-token-of-ada"


def _program(app: Flask, name: str = "Spring cohort") -> int:
    with app.app_context():
        program = Program(name=name, config={})
        db.session.add(program)
        db.session.commit()
        return program.id


def _invite(app: Flask, program_id: int, to: str, *, deliver: bool = True) -> int:
    """Queue an invitation to ``to``; the message's id."""
    with app.app_context():
        message = queue_message(
            db.session.get_one(Program, program_id),
            to=to,
            kind="invitation",
            template="invitation",
            context={
                "program_name": "Spring cohort",
                "name": to.split("@")[0].title(),
                "link": f"{LINK}-{to.split('@')[0]}",
                "expires_on": "1 March 2027",
            },
            queued_by="admin@example.org",
            deliver=deliver,
        )
        db.session.commit()
        return message.id


def _messages(app: Flask) -> dict[str, OutboxMessage]:
    with app.app_context():
        rows = db.session.scalars(select(OutboxMessage)).all()
        db.session.expunge_all()
        return {row.to: row for row in rows}


def _wait(app: Flask, done: object, timeout: float = 15) -> dict[str, OutboxMessage]:
    """Read the outbox until ``done(messages)`` holds (or the time is up)."""
    deadline = time.monotonic() + timeout
    while True:
        messages = _messages(app)
        if done(messages) or time.monotonic() > deadline:  # type: ignore[operator]
            return messages
        time.sleep(0.1)


def _failed(messages: dict[str, OutboxMessage]) -> bool:
    return messages["ada@example.org"].status == MailStatus.FAILED


def test_a_queued_invitation_arrives_with_its_text_html_and_link(
    mail_app: Flask, smtp_server: SmtpSink
) -> None:
    program_id = _program(mail_app)
    _invite(mail_app, program_id, "ada@example.org")

    [arrived] = smtp_server.received
    assert arrived.sender == "mentoring@example.org"
    assert arrived.recipients == ["ada@example.org"]
    assert arrived.message["Subject"] == "Your invitation to Spring cohort"
    assert arrived.message["To"] == "ada@example.org"
    assert arrived.message["From"].addresses[0].addr_spec == "mentoring@example.org"
    assert arrived.message["Message-ID"].endswith("@example.org>")
    assert "Hello Ada," in arrived.text
    assert f"{LINK}-ada" in arrived.text
    assert f'href="{LINK}-ada"' in arrived.html
    sent = _messages(mail_app)["ada@example.org"]
    assert sent.status == MailStatus.SENT
    assert sent.attempts == 1
    assert sent.answer.startswith("250 2.0.0 Ok: queued as")
    assert sent.message_id == arrived.message["Message-ID"]
    assert sent.sent_at is not None


def test_a_refused_recipient_fails_with_the_servers_answer_and_is_retried_later(
    mail_app: Flask, smtp_server: SmtpSink
) -> None:
    mail_app.config.update(JOBS_ASYNC=True, MAIL_RETRY_SECONDS=[1, 1, 60])
    smtp_server.refuse["ada@example.org"] = "550 5.1.1 <ada@example.org>: mailbox unavailable"
    program_id = _program(mail_app)
    for to in ("ada@example.org", "bob@example.org"):
        _invite(mail_app, program_id, to, deliver=False)
    with mail_app.app_context():
        start_delivery(program_id, requested_by="admin@example.org")

    refused = _wait(mail_app, _failed)["ada@example.org"]
    assert refused.status == MailStatus.FAILED
    assert refused.answer == "recipient refused: 550 5.1.1 <ada@example.org>: mailbox unavailable"
    assert refused.next_attempt_at is not None and refused.next_attempt_at > refused.last_attempt_at
    assert [r.recipients for r in smtp_server.wait_for(1)] == [["bob@example.org"]]

    # refused again on the automatic retry a second later, then accepted on the next one
    again = _wait(mail_app, lambda m: m["ada@example.org"].attempts == 2 and _failed(m))
    assert again["ada@example.org"].answer.startswith("recipient refused: 550")
    del smtp_server.refuse["ada@example.org"]
    delivered = _wait(mail_app, lambda m: m["ada@example.org"].status == MailStatus.SENT)
    assert delivered["ada@example.org"].attempts == 3
    time.sleep(1.5)  # no later retry sends anything again
    assert sorted(r.recipients[0] for r in smtp_server.received) == [
        "ada@example.org",
        "bob@example.org",
    ]


def test_a_message_given_up_after_the_last_retry_waits_for_an_admin(
    mail_app: Flask, smtp_server: SmtpSink
) -> None:
    mail_app.config.update(MAIL_RETRY_SECONDS=[0])
    smtp_server.refuse["ada@example.org"] = "550 5.1.1 no such user"
    program_id = _program(mail_app)
    _invite(mail_app, program_id, "ada@example.org")
    with mail_app.app_context():
        assert deliver_due(program_id) == (0, 1)  # the one retry
        assert deliver_due(program_id) == (0, 0)  # given up: not tried again
    assert _messages(mail_app)["ada@example.org"].gave_up

    del smtp_server.refuse["ada@example.org"]
    with mail_app.app_context():
        assert retry_failed(program_id, requested_by="admin@example.org") == 1
    assert _messages(mail_app)["ada@example.org"].status == MailStatus.SENT
    assert len(smtp_server.to("ada@example.org")) == 1


def test_a_server_down_then_back_up_delivers_each_waiting_message_exactly_once(
    mail_app: Flask, smtp_server: SmtpSink
) -> None:
    mail_app.config.update(MAIL_RETRY_SECONDS=[0, 0, 0])
    smtp_server.stop()
    program_id = _program(mail_app)
    for to in ("ada@example.org", "bob@example.org"):
        _invite(mail_app, program_id, to)

    waiting = _messages(mail_app)
    assert {m.status for m in waiting.values()} == {MailStatus.FAILED}
    assert all(m.answer.startswith("could not reach the mail server") for m in waiting.values())
    assert all(m.next_attempt_at is not None for m in waiting.values())

    smtp_server.start()
    with mail_app.app_context():
        assert deliver_due(program_id) == (2, 0)
        assert deliver_due(program_id) == (0, 0)
        start_delivery(program_id)
        assert retry_failed(program_id, requested_by="admin@example.org") == 0
    assert sorted(r.recipients[0] for r in smtp_server.received) == [
        "ada@example.org",
        "bob@example.org",
    ]
    assert {m.status for m in _messages(mail_app).values()} == {MailStatus.SENT}


def test_two_delivery_jobs_at_once_send_each_message_once(
    mail_app: Flask, smtp_server: SmtpSink
) -> None:
    program_id = _program(mail_app)
    people = [f"person{i}@example.org" for i in range(12)]
    for to in people:
        _invite(mail_app, program_id, to, deliver=False)
    results: list[tuple[int, int]] = []

    def deliver() -> None:
        with mail_app.app_context():
            results.append(deliver_due(program_id))
            db.session.remove()

    workers = [threading.Thread(target=deliver) for _ in range(3)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)

    assert sum(sent for sent, _ in results) == len(people)
    assert sorted(r.recipients[0] for r in smtp_server.received) == sorted(people)


def test_a_message_whose_job_died_is_sent_once_its_claim_runs_out(
    mail_app: Flask, smtp_server: SmtpSink
) -> None:
    program_id = _program(mail_app)
    message_id = _invite(mail_app, program_id, "ada@example.org", deliver=False)
    with mail_app.app_context():  # a job claimed it, then its worker was killed
        message = db.session.get_one(OutboxMessage, message_id)
        message.status, message.claim, message.attempts = MailStatus.SENDING, "dead", 1
        message.claimed_until = utcnow() + (claim := __import__("datetime").timedelta(seconds=1))
        db.session.commit()
        assert deliver_due(program_id) == (0, 0)  # still held by the dead job
        time.sleep(claim.total_seconds() + 0.1)
        assert deliver_due(program_id) == (1, 0)
    assert len(smtp_server.to("ada@example.org")) == 1


def test_without_a_mail_server_messages_are_written_as_eml_files(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MENTORLOOM_INSTANCE_PATH", str(tmp_path / "instance"))
    app = make_app(db_url)
    assert app.config["SMTP_URL"] == ""
    program_id = _program(app)
    _invite(app, program_id, "ada@example.org")

    [file] = (tmp_path / "instance" / "outbox").glob("*.eml")
    assert file.stat().st_mode & 0o777 == 0o600
    written = message_from_bytes(file.read_bytes(), policy=default)
    assert written["To"] == "ada@example.org"
    assert written["Subject"] == "Your invitation to Spring cohort"
    assert f"{LINK}-ada" in written.get_body(("plain",)).get_content()
    assert f'href="{LINK}-ada"' in written.get_body(("html",)).get_content()
    sent = _messages(app)["ada@example.org"]
    assert sent.status == MailStatus.SENT
    assert sent.answer == f"written to outbox/{file.name}"
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def test_with_redis_the_worker_sends_and_its_scheduler_retries(
    mail_app: Flask, smtp_server: SmtpSink, redis_service: str
) -> None:
    from webapp.jobs import queue as job_queue

    mail_app.config.update(
        REDIS_URL=redis_service, RQ_QUEUE=f"test-{uuid.uuid4().hex[:8]}", MAIL_RETRY_SECONDS=[1]
    )
    smtp_server.refuse["ada@example.org"] = "451 4.3.0 try again later"
    program_id = _program(mail_app)
    _invite(mail_app, program_id, "ada@example.org")
    with mail_app.app_context():
        queue = job_queue(mail_app)
    assert queue.count == 1  # queued on Redis: nothing was sent inside the request
    assert _messages(mail_app)["ada@example.org"].status == MailStatus.QUEUED
    try:
        worker = mail_app.test_cli_runner().invoke(args=["worker", "--burst"])
        assert worker.exit_code == 0, worker.output
        refused = _messages(mail_app)["ada@example.org"]
        assert (refused.status, refused.answer) == (
            MailStatus.FAILED,
            "recipient refused: 451 4.3.0 try again later",
        )
        assert queue.scheduled_job_registry.count == 1  # the retry, a second later

        del smtp_server.refuse["ada@example.org"]
        time.sleep(1.5)
        worker = mail_app.test_cli_runner().invoke(args=["worker", "--burst"])
        assert worker.exit_code == 0, worker.output
    finally:
        queue.delete(delete_jobs=True)
    assert _messages(mail_app)["ada@example.org"].status == MailStatus.SENT
    assert len(smtp_server.to("ada@example.org")) == 1


def test_the_send_mail_command_sends_what_is_due(mail_app: Flask, smtp_server: SmtpSink) -> None:
    program_id = _program(mail_app)
    for to in ("ada@example.org", "bob@example.org"):
        _invite(mail_app, program_id, to, deliver=False)
    smtp_server.refuse["bob@example.org"] = "550 5.1.1 no such user"
    result = mail_app.test_cli_runner().invoke(args=["send-mail"])
    assert result.exit_code == 0, result.output
    assert result.output == "Sent 1 e-mail; 1 failed (see the Outbox page).\n"
    assert [r.recipients for r in smtp_server.received] == [["ada@example.org"]]
    again = mail_app.test_cli_runner().invoke(args=["send-mail"])
    assert again.output == "Sent 0 e-mails; 0 failed (see the Outbox page).\n"


@pytest.mark.parametrize("tls", ["starttls", "implicit"])
def test_a_server_with_tls_and_a_password_gets_the_message(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, tls: str
) -> None:
    cert = self_signed(tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # trust it, as a real CA would be
    monkeypatch.setenv("MENTORLOOM_INSTANCE_PATH", str(tmp_path / "instance"))
    server = SmtpSink(cert=cert, tls=tls, users={"app@corp.example": "s3cret/pass"})
    server.start()
    try:
        scheme = "smtps" if tls == "implicit" else "smtp"
        url = f"{scheme}://app%40corp.example:s3cret%2Fpass@127.0.0.1:{server.port}"
        app = make_app(db_url, SMTP_URL=url, MAIL_FROM="mentoring@corp.example")
        program_id = _program(app)
        _invite(app, program_id, "ada@example.org")
        [arrived] = server.received
        assert (arrived.tls, arrived.login) == (True, "app@corp.example")
        assert _messages(app)["ada@example.org"].status == MailStatus.SENT

        app.config["SMTP_URL"] = url.replace("s3cret%2Fpass", "wrong")
        _invite(app, program_id, "bob@example.org")
        refused = _messages(app)["bob@example.org"]
        assert refused.status == MailStatus.FAILED
        assert refused.answer.startswith("535 5.7.8 Authentication credentials invalid")
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
    finally:
        server.stop()
