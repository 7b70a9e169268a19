"""Bounces: an e-mail the mail server accepted and later reported undeliverable.

Invitations go through a real SMTP server on 127.0.0.1 (aiosmtpd) with the bounce
address as envelope sender; the test then delivers the bounce report a remote server
would send into a real IMAP server on 127.0.0.1 (pymap) or a Maildir folder, and the
site reads it: the e-mail turns ``bounced`` with the remote server's words, the person's
invitation status follows, and nothing else is touched.
"""

from __future__ import annotations

import mailbox
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.web.helpers import import_csv
from tests.web.imap import ImapServer
from tests.web.smtp import SmtpSink
from tests.web.test_invitations import _send, _statuses
from tests.web.test_mail import _program
from webapp.audit import AuditEvent
from webapp.db import db
from webapp.mail import MailStatus, OutboxMessage
from webapp.mail.dsn import read_report
from webapp.pair_figures import pair_figures

BOUNCES_TO = "bounces@example.org"


def bounce_report(
    original: EmailMessage,
    recipient: str,
    *,
    action: str = "failed",
    status: str = "5.1.1",
    diagnostic: str = "smtp; 550 5.1.1 <{to}>: Recipient address rejected: User unknown",
    returned: str = "message",
) -> bytes:
    """The report a remote mail server sends back for ``original`` (RFC 3464): Postfix's
    layout, returning the whole message or (Exchange Online's way) its headers."""
    if returned == "message":
        kind, body = "message/rfc822", original.as_bytes()
    else:
        kind = "text/rfc822-headers"
        body = b"".join(f"{k}: {v}\r\n".encode() for k, v in original.items())
    said = diagnostic.format(to=recipient)
    return (
        b"From: MAILER-DAEMON@mx.remote.example (Mail Delivery System)\r\n"
        + f"To: {BOUNCES_TO}\r\n".encode()
        + f"Subject: Undelivered Mail Returned to Sender ({recipient})\r\n".encode()
        + b"Auto-Submitted: auto-replied\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/report; report-type=delivery-status; boundary="R"\r\n'
        b"\r\n--R\r\nContent-Type: text/plain\r\n\r\n"
        b"This is the mail system at host mx.remote.example. I'm sorry to have to inform you"
        b" that your message could not be delivered.\r\n"
        b"--R\r\nContent-Type: message/delivery-status\r\n\r\n"
        b"Reporting-MTA: dns; mx.remote.example\r\nArrival-Date: Sun, 6 Dec 2026 09:00:00 +0000\r\n"
        + f"\r\nFinal-Recipient: rfc822; {recipient}\r\n".encode()
        + f"Original-Recipient: rfc822;{recipient}\r\n".encode()
        + f"Action: {action}\r\nStatus: {status}\r\nDiagnostic-Code: {said}\r\n".encode()
        + f"\r\n--R\r\nContent-Type: {kind}\r\n\r\n".encode()
        + body
        + b"\r\n--R--\r\n"
    )


def out_of_office(original: EmailMessage) -> bytes:
    """An automatic reply quoting the message: not a bounce."""
    return (
        b"From: ben.okafor@example.org\r\nTo: bounces@example.org\r\n"
        b"Subject: Automatic reply: out of office\r\nAuto-Submitted: auto-replied\r\n"
        + f"In-Reply-To: {original['Message-ID']}\r\n\r\nBack on Monday.\r\n".encode()
    )


@pytest.fixture
def imap_server() -> Iterator[ImapServer]:
    """pymap on 127.0.0.1, stopped after the test."""
    server = ImapServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def program(mail_app: Flask, mail_admin: FlaskClient) -> int:
    """A program with the six people of data/participants.csv."""
    program_id = _program(mail_app)
    import_csv(mail_admin, program_id, "participants.csv")
    return program_id


def _invite_three(admin: FlaskClient, program_id: int, smtp: SmtpSink) -> dict[str, EmailMessage]:
    """Invite everyone; the e-mails that arrived for Ana, Ben and Carl, by address."""
    _send(admin, program_id, "everyone")
    arrived = {r.recipients[0]: r for r in smtp.wait_for(6)}
    assert {r.sender for r in arrived.values()} == {BOUNCES_TO}  # where bounces go
    return {
        to: arrived[to].message
        for to in ("ana.silva@example.org", "ben.okafor@example.org", "carl.ode@example.org")
    }


def _outbox(app: Flask) -> dict[str, OutboxMessage]:
    with app.app_context():
        rows = db.session.scalars(select(OutboxMessage)).all()
        db.session.expunge_all()
        return {row.to: row for row in rows}


def test_a_bounce_report_in_the_imap_mailbox_marks_the_invitation_bounced(
    mail_app: Flask,
    mail_admin: FlaskClient,
    program: int,
    smtp_server: SmtpSink,
    imap_server: ImapServer,
) -> None:
    mail_app.config.update(BOUNCE_ADDRESS=BOUNCES_TO, BOUNCE_MAILBOX=imap_server.url)
    sent = _invite_three(mail_admin, program, smtp_server)
    someone_elses = imap_server.unseen_subjects()  # pymap's demo messages
    imap_server.deliver(bounce_report(sent["ben.okafor@example.org"], "ben.okafor@example.org"))
    imap_server.deliver(out_of_office(sent["ana.silva@example.org"]))
    imap_server.deliver(  # "delayed" is not a bounce: the server keeps trying
        bounce_report(
            sent["carl.ode@example.org"], "carl.ode@example.org", action="delayed", status="4.4.1"
        )
    )
    outbox = f"/programs/{program}/outbox/"
    before = mail_admin.get(outbox).get_data(as_text=True)
    assert "Look for bounces now" in before

    page = mail_admin.post(f"{outbox}bounces", follow_redirects=True).get_data(as_text=True)

    messages = _outbox(mail_app)
    ben = messages["ben.okafor@example.org"]
    assert ben.status == MailStatus.BOUNCED
    assert ben.answer == (
        "bounced: 5.1.1 ben.okafor@example.org: smtp; 550 5.1.1 <ben.okafor@example.org>: "
        "Recipient address rejected: User unknown"
    )
    assert ben.bounced_at is not None and ben.sent_at is not None
    assert {to for to, m in messages.items() if m.status == MailStatus.SENT} == set(messages) - {
        "ben.okafor@example.org"
    }
    assert "1 bounce report read: 1 e-mail bounced" in page
    assert "bounced (1)" in page
    # the report is marked read; the automatic reply and the delay notice stay for a person
    assert sorted(imap_server.unseen_subjects()) == sorted(
        [
            *someone_elses,
            "Automatic reply: out of office",
            "Undelivered Mail Returned to Sender (carl.ode@example.org)",
        ]
    )
    statuses = _statuses(mail_admin, program)
    assert statuses["ben.okafor@example.org"] == "bounced"
    assert statuses["ana.silva@example.org"] == "invited"
    assert list(_statuses(mail_admin, program, invitation="bounced")) == ["ben.okafor@example.org"]
    with mail_app.app_context():  # the dashboard's figure
        assert pair_figures(program)["mail_bounced"] == 1

    # reading again finds nothing new and changes nothing
    mail_admin.post(f"{outbox}bounces")
    assert _outbox(mail_app)["ben.okafor@example.org"].bounced_at == ben.bounced_at
    with mail_app.app_context():
        events = db.session.scalars(
            select(AuditEvent.detail).where(AuditEvent.action == "mail.bounced")
        ).all()
    assert events == [{"bounced": 1}]


def test_the_read_bounces_command_reads_a_maildir_and_a_sender_can_reinvite(
    mail_app: Flask,
    mail_admin: FlaskClient,
    program: int,
    smtp_server: SmtpSink,
    tmp_path: Path,
) -> None:
    folder = mailbox.Maildir(tmp_path / "bounces", create=True)
    mail_app.config.update(BOUNCE_ADDRESS=BOUNCES_TO, BOUNCE_MAILBOX=f"maildir://{folder._path}")
    sent = _invite_three(mail_admin, program, smtp_server)
    for to in ("ana.silva@example.org", "carl.ode@example.org"):
        folder.add(
            bounce_report(
                sent[to],
                to,
                returned="headers",
                status="5.2.1",
                diagnostic="smtp; 550 5.2.1 The email account that you tried to reach is disabled",
            )
        )
    stranger = EmailMessage()
    stranger["Message-ID"] = "<not-ours@elsewhere.example>"
    folder.add(bounce_report(stranger, "someone@elsewhere.example"))

    result = mail_app.test_cli_runner().invoke(args=["read-bounces"])

    assert result.exit_code == 0, result.output
    assert result.output == "3 bounce reports read: 2 e-mails bounced.\n"
    assert all(m.get_subdir() == "cur" and "S" in m.get_flags() for m in folder)
    statuses = _statuses(mail_admin, program, invitation="bounced")
    assert sorted(statuses) == ["ana.silva@example.org", "carl.ode@example.org"]
    # the admin fixes nothing and reminds people: a bounced address gets no reminder
    page = _send(mail_admin, program, "reminder")
    assert "4 reminders queued" in page
    assert "carl.ode@example.org" not in {r.recipients[0] for r in smtp_server.wait_for(10)[6:]}
    # inviting them again makes them invited again, until another bounce comes back
    _send(mail_admin, program, "not_answered")
    assert _statuses(mail_admin, program)["carl.ode@example.org"] == "invited"


def test_a_mailbox_that_cannot_be_read_leaves_sending_alone_and_says_why(
    mail_app: Flask, mail_admin: FlaskClient, program: int, smtp_server: SmtpSink
) -> None:
    closed = ImapServer()  # never started: nobody listens on its port
    mail_app.config.update(BOUNCE_MAILBOX=closed.url)
    _send(mail_admin, program, "everyone")
    assert len(smtp_server.wait_for(6)) == 6
    assert {m.status for m in _outbox(mail_app).values()} == {MailStatus.SENT}
    page = mail_admin.get(f"/programs/{program}/outbox/").get_data(as_text=True)
    assert f"could not read the bounce mailbox 127.0.0.1:{closed.port}" in page
    result = mail_app.test_cli_runner().invoke(args=["read-bounces"])
    assert result.exit_code == 1
    assert f"could not read the bounce mailbox 127.0.0.1:{closed.port}" in result.output
    assert "Traceback" not in result.output


def test_without_a_bounce_mailbox_the_outbox_says_bounces_are_not_read(
    mail_admin: FlaskClient, program: int, mail_app: Flask
) -> None:
    page = mail_admin.get(f"/programs/{program}/outbox/").get_data(as_text=True)
    assert "Bounces are not read" in page
    assert mail_admin.post(f"/programs/{program}/outbox/bounces").status_code == 404
    result = mail_app.test_cli_runner().invoke(args=["read-bounces"])
    assert result.exit_code == 1
    assert "No bounce mailbox is set" in result.output


@pytest.mark.parametrize(
    ("report", "why"),
    [
        (b"Subject: Out of office\r\n\r\nBack on Monday.\r\n", "a plain message"),
        (
            b'Content-Type: multipart/report; report-type=disposition-notification; boundary="R"'
            b"\r\n\r\n--R\r\nContent-Type: text/plain\r\n\r\nRead.\r\n--R--\r\n",
            "a read receipt",
        ),
        (
            b'Content-Type: multipart/report; report-type=delivery-status; boundary="R"\r\n\r\n'
            b"--R\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx\r\n\r\n"
            b"Final-Recipient: rfc822; a@x.org\r\nAction: failed\r\nStatus: 5.1.1\r\n\r\n--R--\r\n",
            "a report that does not return the message",
        ),
    ],
)
def test_what_is_not_a_bounce_of_ours_is_no_bounce(report: bytes, why: str) -> None:
    assert read_report(report) == [], why


def test_a_report_names_only_its_failed_recipients() -> None:
    original = EmailMessage()
    original["Message-ID"] = "<7.x@example.org>"
    two = bounce_report(original, "A@Example.org").replace(
        b"\r\n--R\r\nContent-Type: message/rfc822",
        b"\r\nFinal-Recipient: rfc822; b@example.org\r\nAction: delivered\r\nStatus: 2.0.0\r\n"
        b"\r\n--R\r\nContent-Type: message/rfc822",
    )
    [bounce] = read_report(two)
    assert (bounce.message_id, bounce.recipient, bounce.status) == (
        "<7.x@example.org>",
        "a@example.org",
        "5.1.1",
    )
