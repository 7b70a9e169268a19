"""The Outbox page: admins only, one program's e-mails, filters, a message's text and
HTML, retrying failed e-mails, and the previews of the e-mail templates."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.web.helpers import AuthActions
from tests.web.smtp import SmtpSink
from tests.web.test_mail import LINK, _invite, _program


@pytest.fixture
def admin(mail_app: Flask) -> FlaskClient:
    """A client of ``mail_app`` with the admin logged in."""
    client = mail_app.test_client()
    assert AuthActions(client).login().status_code == 302
    return client


@pytest.fixture
def two_programs(mail_app: Flask, smtp_server: SmtpSink) -> tuple[int, int]:
    """Spring with a sent e-mail to ada and one refused to bob; Autumn with one to cy."""
    smtp_server.refuse["bob@example.org"] = "550 5.1.1 no such mailbox here"
    spring, autumn = _program(mail_app), _program(mail_app, "Autumn cohort")
    _invite(mail_app, spring, "ada@example.org")
    _invite(mail_app, spring, "bob@example.org")
    _invite(mail_app, autumn, "cy@example.org")
    return spring, autumn


def test_the_outbox_lists_the_programs_e_mails_with_status_attempts_and_answer(
    admin: FlaskClient, two_programs: tuple[int, int]
) -> None:
    spring, _ = two_programs
    page = admin.get(f"/programs/{spring}/outbox/").get_data(as_text=True)
    assert "ada@example.org" in page and "bob@example.org" in page
    assert "cy@example.org" not in page
    assert "recipient refused: 550 5.1.1 no such mailbox here" in page
    assert "250 2.0.0 Ok: queued as" in page
    assert "Retry failed e-mails now" in page

    failed = admin.get(f"/programs/{spring}/outbox/?status=failed").get_data(as_text=True)
    assert "bob@example.org" in failed and "ada@example.org" not in failed
    sent = admin.get(f"/programs/{spring}/outbox/?status=sent").get_data(as_text=True)
    assert "ada@example.org" in sent and "bob@example.org" not in sent

    wrong = admin.get(f"/programs/{spring}/outbox/?status=lost")
    assert wrong.status_code == 400
    said = wrong.get_data(as_text=True)
    assert "Filter by one of: queued, sending, sent, failed, bounced." in said


def test_a_message_shows_its_text_and_its_html_in_a_sandboxed_frame(
    mail_app: Flask, admin: FlaskClient, two_programs: tuple[int, int]
) -> None:
    spring, autumn = two_programs
    page = admin.get(f"/programs/{spring}/outbox/1")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Your invitation to Spring cohort" in text
    assert f"{LINK}-ada" in text
    assert f'src="/programs/{spring}/outbox/1/body.html" sandbox' in text

    html = admin.get(f"/programs/{spring}/outbox/1/body.html")
    assert html.mimetype == "text/html"
    assert f'href="{LINK}-ada"' in html.get_data(as_text=True)
    assert html.headers["Content-Security-Policy"].startswith("sandbox; default-src 'none'")

    # cy's message (id 3) belongs to Autumn: Spring's outbox does not show it
    assert admin.get(f"/programs/{spring}/outbox/3").status_code == 404
    assert admin.get(f"/programs/{spring}/outbox/3/body.html").status_code == 404
    assert admin.get(f"/programs/{autumn}/outbox/3").status_code == 200


def test_retry_failed_sends_the_refused_e_mail_again(
    admin: FlaskClient, two_programs: tuple[int, int], smtp_server: SmtpSink
) -> None:
    spring, _ = two_programs
    del smtp_server.refuse["bob@example.org"]
    answer = admin.post(f"/programs/{spring}/outbox/retry", follow_redirects=True)
    assert "Trying 1 failed e-mail again now." in answer.get_data(as_text=True)
    assert len(smtp_server.to("bob@example.org")) == 1
    assert len(smtp_server.to("ada@example.org")) == 1
    again = admin.post(f"/programs/{spring}/outbox/retry", follow_redirects=True)
    assert "No e-mail has failed." in again.get_data(as_text=True)
    history = admin.get(f"/programs/{spring}/history").get_data(as_text=True)
    assert "mail.retry" in history


def test_admins_preview_each_e_mail_template_with_an_example(
    admin: FlaskClient, two_programs: tuple[int, int]
) -> None:
    spring, _ = two_programs
    listing = admin.get(f"/programs/{spring}/outbox/templates/").get_data(as_text=True)
    assert "invitation" in listing and "reminder" in listing
    preview = admin.get(f"/programs/{spring}/outbox/templates/reminder").get_data(as_text=True)
    assert "Reminder: your answers for Spring cohort" in preview
    assert "EXAMPLE-PERSONAL-LINK" in preview
    html = admin.get(f"/programs/{spring}/outbox/templates/reminder/body.html")
    assert "Open my form" in html.get_data(as_text=True)
    assert "sandbox" in html.headers["Content-Security-Policy"]
    assert admin.get(f"/programs/{spring}/outbox/templates/nothing").status_code == 404


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/"),
        ("get", "/1"),
        ("get", "/1/body.html"),
        ("post", "/retry"),
        ("get", "/templates/"),
        ("get", "/templates/invitation"),
    ],
)
def test_the_outbox_is_for_admins_only(
    mail_app: Flask, two_programs: tuple[int, int], method: str, path: str
) -> None:
    spring, _ = two_programs
    answer = getattr(mail_app.test_client(), method)(f"/programs/{spring}/outbox{path}")
    assert answer.status_code == 302
    assert answer.headers["Location"].startswith("/auth/login")
