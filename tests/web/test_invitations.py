"""Invitations by e-mail: the invites page e-mails personal links (to everyone, those who
have not answered, the ticked people, a reminder), each person's status follows what
happened (invited, failed, opened, submitted) on the participants table and its filter,
and every personal link downloads as CSV. E-mails go to a real SMTP server on 127.0.0.1."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.datastructures import MultiDict

from tests.web.forms import form_values
from tests.web.helpers import AuthActions, import_csv
from tests.web.smtp import Received, SmtpSink
from tests.web.test_mail import _program

PEOPLE = [
    "ana.silva@example.org",
    "ben.okafor@example.org",
    "carl.ode@example.org",
    "dina.roy@example.org",
    "erin.lu@example.org",
    "farid.haddad@example.org",
]


@pytest.fixture
def admin(mail_app: Flask) -> FlaskClient:
    """A client of ``mail_app`` with the admin logged in."""
    client = mail_app.test_client()
    assert AuthActions(client).login().status_code == 302
    return client


@pytest.fixture
def program(mail_app: Flask, admin: FlaskClient) -> int:
    """A program with the six people of data/participants.csv."""
    program_id = _program(mail_app)
    import_csv(admin, program_id, "participants.csv")
    return program_id


def _send(admin: FlaskClient, program_id: int, audience: str, people: list[int] = ()) -> str:
    answer = admin.post(
        f"/programs/{program_id}/invitations/send",
        data={"audience": audience, "person": [str(p) for p in people]},
        follow_redirects=True,
    )
    return answer.get_data(as_text=True)


def _link(arrived: Received) -> str:
    """The path of the personal link in the e-mail's text (the HTML has the same)."""
    [link] = re.findall(r"https?://\S+/intake/\S+", arrived.text)
    assert f'href="{link}"' in arrived.html
    return urlsplit(link).path


def _statuses(admin: FlaskClient, program_id: int, **filters: str) -> dict[str, str]:
    """E-mail -> invitation status, as the participants table shows them."""
    page = admin.get(f"/programs/{program_id}/participants/", query_string=filters)
    rows = re.findall(
        r"<td>([a-z.]+@example\.org)</td>.*?"
        r"<td>(not invited|invited|failed|bounced|opened|submitted)</td>",
        page.get_data(as_text=True),
        re.DOTALL,
    )
    return dict(rows)


def test_the_invites_page_no_longer_says_there_is_no_e_mail(
    admin: FlaskClient, program: int
) -> None:
    page = admin.get(f"/programs/{program}/invites/").get_data(as_text=True)
    assert "There is no e-mail from this site" not in page
    assert "E-mail everyone their link" in page
    assert "6 not invited." in page


def test_everyone_gets_their_own_link_and_their_status_follows_them(
    mail_app: Flask, admin: FlaskClient, program: int, smtp_server: SmtpSink
) -> None:
    assert "6 invitations queued" in _send(admin, program, "everyone")
    assert sorted(r.recipients[0] for r in smtp_server.received) == PEOPLE
    ana = smtp_server.to("ana.silva@example.org")[0]
    assert ana.message["Subject"] == "Your invitation to Spring cohort"
    assert "Hello Ana Silva," in ana.text
    links = {r.recipients[0]: _link(r) for r in smtp_server.received}
    assert len(set(links.values())) == 6
    assert set(_statuses(admin, program).values()) == {"invited"}

    person = mail_app.test_client()  # Ana, in her own browser
    form = person.get(links["ana.silva@example.org"])
    assert 'value="Ana Silva"' in form.get_data(as_text=True)
    assert _statuses(admin, program)["ana.silva@example.org"] == "opened"
    saved = person.post(
        links["ana.silva@example.org"], data=MultiDict(form_values(form.get_data(True)))
    )
    assert saved.status_code == 302
    person.get(links["ben.okafor@example.org"])

    statuses = _statuses(admin, program)
    assert statuses["ana.silva@example.org"] == "submitted"
    assert statuses["ben.okafor@example.org"] == "opened"
    assert statuses["carl.ode@example.org"] == "invited"
    assert _statuses(admin, program, invitation="submitted") == {
        "ana.silva@example.org": "submitted"
    }
    assert set(_statuses(admin, program, invitation="invited")) == set(PEOPLE[2:])

    # the reminder goes to the five who have not sent the form, with the same links
    assert "5 reminders queued" in _send(admin, program, "reminder")
    reminders = smtp_server.received[6:]
    assert sorted(r.recipients[0] for r in reminders) == PEOPLE[1:]
    assert all(
        r.message["Subject"] == "Reminder: your answers for Spring cohort" for r in reminders
    )
    assert all(_link(r) == links[r.recipients[0]] for r in reminders)


def test_not_answered_and_ticked_people_only(
    admin: FlaskClient, program: int, smtp_server: SmtpSink
) -> None:
    page = admin.get(f"/programs/{program}/participants/").get_data(as_text=True)
    ids = dict(
        re.findall(
            r'name="person" value="(\d+)" form="invite-selected" aria-label="E-mail ([^"]+)"', page
        )
    )
    by_name = {name: int(person) for person, name in ids.items()}
    assert "2 invitations queued" in _send(
        admin, program, "selected", [by_name["Ben Okafor"], by_name["Erin Lu"]]
    )
    assert sorted(r.recipients[0] for r in smtp_server.received) == [
        "ben.okafor@example.org",
        "erin.lu@example.org",
    ]
    assert "Nobody to e-mail: tick the people to invite first." in _send(admin, program, "selected")
    assert "6 invitations queued" in _send(admin, program, "not_answered")
    assert len(smtp_server.received) == 8


def test_a_refused_invitation_shows_as_failed(
    admin: FlaskClient, program: int, smtp_server: SmtpSink
) -> None:
    smtp_server.refuse["carl.ode@example.org"] = "550 5.1.1 unknown user"
    assert "Nobody to e-mail: nobody invited" in _send(admin, program, "reminder")
    _send(admin, program, "everyone")
    statuses = _statuses(admin, program)
    assert statuses["carl.ode@example.org"] == "failed"
    assert list(_statuses(admin, program, invitation="failed")) == ["carl.ode@example.org"]
    outbox = admin.get(f"/programs/{program}/outbox/?status=failed").get_data(as_text=True)
    assert "recipient refused: 550 5.1.1 unknown user" in outbox


def test_every_personal_link_downloads_as_csv(
    mail_app: Flask, admin: FlaskClient, program: int, smtp_server: SmtpSink
) -> None:
    _send(admin, program, "selected", [1])
    emailed = _link(smtp_server.received[0])
    answer = admin.post(f"/programs/{program}/invitations/links.csv")
    assert answer.mimetype == "text/csv"
    assert 'filename="personal-links.csv"' in answer.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(answer.get_data(as_text=True).lstrip("\ufeff"))))
    assert sorted(r["email"] for r in rows) == PEOPLE
    assert list(rows[0]) == ["name", "email", "role", "link", "usable_until", "invitation"]
    by_email = {r["email"]: r for r in rows}
    first = next(r for r in rows if urlsplit(r["link"]).path == emailed)
    assert first["invitation"] == "invited"
    person = mail_app.test_client()
    for row in rows:
        page = person.get(urlsplit(row["link"]).path).get_data(as_text=True)
        assert f'value="{row["name"]}"' in page
    again = admin.post(f"/programs/{program}/invitations/links.csv").get_data(as_text=True)
    assert all(r["link"] in again for r in by_email.values())  # the same links, not new ones


def test_sending_is_for_admins_only(mail_app: Flask, program: int, smtp_server: SmtpSink) -> None:
    stranger = mail_app.test_client()
    for path in ("invitations/send", "invitations/links.csv"):
        answer = stranger.post(f"/programs/{program}/{path}", data={"audience": "everyone"})
        assert answer.status_code == 302 and answer.headers["Location"].startswith("/auth/login")
    assert smtp_server.received == []


def test_erasing_a_person_erases_their_e_mails_and_eml_files(
    mail_app: Flask, admin: FlaskClient, program: int, tmp_path: Path
) -> None:
    mail_app.config["SMTP_URL"] = ""  # the .eml files of the instance folder
    _send(admin, program, "everyone")
    outbox = tmp_path / "instance" / "outbox"
    assert len(list(outbox.glob("*.eml"))) == 6
    page = admin.get(f"/programs/{program}/participants/").get_data(as_text=True)
    ana = re.search(r'value="(\d+)" form="invite-selected" aria-label="E-mail Ana Silva"', page)
    assert ana is not None
    exported = admin.get(f"/programs/{program}/participants/{ana[1]}/export.json").get_json()
    [email] = exported["emails"]
    assert email["to"] == "ana.silva@example.org" and email["status"] == "sent"
    assert "text_body" not in email and "html_body" not in email

    erased = admin.post(f"/programs/{program}/participants/{ana[1]}/erase", follow_redirects=True)
    assert "1 e-mail and" in erased.get_data(as_text=True)
    files = list(outbox.glob("*.eml"))
    assert len(files) == 5
    assert not any(b"ana.silva@example.org" in file.read_bytes() for file in files)
    listing = admin.get(f"/programs/{program}/outbox/").get_data(as_text=True)
    assert "ana.silva@example.org" not in listing and "ben.okafor@example.org" in listing


def test_nobody_to_e_mail_goes_back_to_the_page_it_came_from(
    admin: FlaskClient, program: int
) -> None:
    send = f"/programs/{program}/invitations/send"
    back = f"/programs/{program}/participants/?role=mentee"
    answer = admin.post(send, data={"audience": "selected", "back": back})
    assert answer.headers["Location"] == back
    elsewhere = admin.post(send, data={"audience": "selected", "back": "//evil.example/"})
    assert elsewhere.headers["Location"] == f"/programs/{program}/outbox/"
    wrong = admin.post(send, data={"audience": "friends"})
    assert wrong.status_code == 400
    assert admin.post(send, data={"audience": "selected", "person": "x"}).status_code == 400
