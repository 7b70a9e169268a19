"""Sessions revoked for real, password rules and reset (issue 18, item 3 and part of 1).

A copied session cookie stops working at log-out, "Log out everywhere", a password change
(for the other sessions) and a reset; the CSRF token rotates at log-in; idle and absolute
timeouts log out; passwords follow one set of rules; a reset link works once, expires,
and "Forgot your password?" says the same for any address.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select, update

from tests.web.helpers import ADMIN_EMAIL, ADMIN_PASSWORD, AuthActions, make_app
from tests.web.smtp import SmtpSink
from webapp.admins import find_admin
from webapp.db import db
from webapp.mail.models import OutboxMessage
from webapp.models import Program, utcnow
from webapp.session_models import AdminSession, PasswordReset

NEW_PASSWORD = "violet kettle harbour"
HOST = "mentorloom.test"


def copy_of(client: FlaskClient) -> FlaskClient:
    """Another client holding a copy of ``client``'s session cookie (a stolen cookie)."""
    cookie = client.get_cookie("session", domain=HOST)
    assert cookie is not None
    thief = client.application.test_client()
    thief.set_cookie("session", cookie.value, domain=HOST)
    return thief


def logged_in(app: Flask, password: str = ADMIN_PASSWORD) -> FlaskClient:
    """A new client, logged in as the admin."""
    client = app.test_client()
    assert AuthActions(client).login(password=password).status_code == 302
    return client


def opens_settings(client: FlaskClient, program_id: int) -> bool:
    """The client opens the program's settings (not sent to the log-in page)."""
    response = client.get(f"/programs/{program_id}/settings")
    assert response.status_code in {200, 302}
    return response.status_code == 200


def creates_program(client: FlaskClient, app: Flask, name: str) -> bool:
    """The client's POST creates a program called ``name``."""
    client.post("/programs/new", data={"name": name})
    with app.app_context():
        return db.session.scalar(select(Program).where(Program.name == name)) is not None


def change_password(client: FlaskClient, current: str, new: str) -> str:
    """Post the account page's password form; the page it ends on."""
    response = client.post(
        "/account/password",
        data={"current": current, "password": new},
        follow_redirects=True,
    )
    return response.get_data(as_text=True)


def _log_out(client: FlaskClient, app: Flask) -> None:
    client.post("/auth/logout")


def _log_out_everywhere(client: FlaskClient, app: Flask) -> None:
    client.post("/account/logout-everywhere")


def _password_changed_elsewhere(client: FlaskClient, app: Flask) -> None:
    other = logged_in(app)
    assert "Your password is changed" in change_password(other, ADMIN_PASSWORD, NEW_PASSWORD)


ENDINGS: dict[str, Callable[[FlaskClient, Flask], None]] = {
    "log-out": _log_out,
    "log out everywhere": _log_out_everywhere,
    "password change": _password_changed_elsewhere,
}


@pytest.mark.parametrize("ending", ENDINGS)
def test_a_copied_cookie_stops_working_when_the_session_ends(
    app: Flask, program_id: int, ending: str
) -> None:
    """The issue's own example: a cookie saved before log-out opened /programs/1/settings
    and created a program afterwards."""
    admin = logged_in(app)
    thief = copy_of(admin)
    assert opens_settings(thief, program_id)
    ENDINGS[ending](admin, app)
    assert not opens_settings(thief, program_id)
    assert not creates_program(thief, app, "Made with a stolen cookie")
    assert not opens_settings(admin, program_id)
    page = admin.get(f"/programs/{program_id}/settings", follow_redirects=True)
    assert "Log in" in page.get_data(as_text=True)


def test_log_out_ends_only_that_session(app: Flask, program_id: int) -> None:
    first, second = logged_in(app), logged_in(app)
    page = second.get("/account/").get_data(as_text=True)
    assert page.count("<td>password</td>") == 2 and page.count("(this one)") == 1
    first.post("/auth/logout")
    assert opens_settings(second, program_id)
    assert second.get("/account/").get_data(as_text=True).count("<td>password</td>") == 1
    with app.app_context():
        whys = db.session.scalars(select(AdminSession.ended_why)).all()
    assert sorted(whys) == ["", "logged out"]


def test_a_password_change_keeps_the_current_session(app: Flask, program_id: int) -> None:
    admin, other = logged_in(app), logged_in(app)
    assert "Your password is changed" in change_password(admin, ADMIN_PASSWORD, NEW_PASSWORD)
    assert opens_settings(admin, program_id)
    assert not opens_settings(other, program_id)
    assert "Wrong e-mail or password" in AuthActions(app.test_client()).login().get_data(
        as_text=True
    )
    assert logged_in(app, NEW_PASSWORD)


WEAK = {
    "short-pw": "Use at least 12 characters (this one has 8).",
    "1qaz2wsx3edc": "This password is one of the 10,000 most common ones: choose another.",
    ADMIN_EMAIL.upper(): "Do not use your e-mail address as the password.",
}


def test_a_copied_cookie_cannot_guess_the_current_password_quickly(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Wrong current passwords on the account page count under the log-in throttle: after
    a few, even the right one must wait, and the password stays."""
    at = time.time()
    monkeypatch.setattr("webapp.throttle.now", lambda: at)  # stopped: no wait passes
    thief = copy_of(logged_in(app))
    for guess in range(6):
        assert "This is not your current password." in change_password(
            thief, f"guess number {guess}", NEW_PASSWORD
        )
    assert "Too many wrong tries: wait" in change_password(thief, ADMIN_PASSWORD, NEW_PASSWORD)
    with app.app_context():
        assert find_admin(ADMIN_EMAIL).check_password(ADMIN_PASSWORD)
    assert AuthActions(app.test_client()).login().status_code == 429  # the same count


def test_a_weak_new_password_is_refused_naming_the_rule(app: Flask) -> None:
    admin = logged_in(app)
    for password, message in WEAK.items():
        assert message in change_password(admin, ADMIN_PASSWORD, password)
    assert "This is not your current password." in change_password(
        admin, "not the password", NEW_PASSWORD
    )
    with app.app_context():
        found = find_admin(ADMIN_EMAIL)
        assert found is not None and found.check_password(ADMIN_PASSWORD)


def test_create_admin_refuses_a_weak_password(app: Flask) -> None:
    runner = app.test_cli_runner()
    for password, message in [("abc", "at least 12"), ("123456789qwe", "most common")]:
        result = runner.invoke(args=["create-admin", "new@example.org", "--password", password])
        assert result.exit_code != 0 and message in result.output
    with app.app_context():
        assert find_admin("new@example.org") is None


def _csrf(page: bytes) -> str:
    found = re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', page)
    assert found is not None
    return found.group(1).decode()


def test_the_csrf_token_from_before_log_in_is_refused_after_it(db_url: str, app: Flask) -> None:
    csrf_app = make_app(db_url, WTF_CSRF_ENABLED=True)
    client = csrf_app.test_client()
    before = _csrf(client.get("/auth/login").data)
    login = {"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD, "csrf_token": before}
    assert client.post("/auth/login", data=login).status_code == 302
    refused = client.post("/programs/new", data={"name": "Old token", "csrf_token": before})
    assert refused.status_code == 400
    after = _csrf(client.get("/programs/new").data)
    assert after != before
    assert (
        client.post("/programs/new", data={"name": "New", "csrf_token": after}).status_code == 302
    )
    with csrf_app.app_context():
        db.session.remove()
        db.engine.dispose()


def _age(app: Flask, **ago: timedelta) -> None:
    """Move the admin's sessions' timestamps back by ``ago`` (no sleeping)."""
    with app.app_context():
        values = {column: utcnow() - delta for column, delta in ago.items()}
        db.session.execute(update(AdminSession).values(**values))
        db.session.commit()


@pytest.mark.parametrize(
    ("column", "limit", "why"),
    [
        ("last_seen_at", timedelta(minutes=60), "you were away for more than 60 minutes"),
        ("created_at", timedelta(hours=12), "sessions last at most 12 hours"),
    ],
)
def test_idle_and_old_sessions_log_out_saying_why(
    app: Flask, program_id: int, column: str, limit: timedelta, why: str
) -> None:
    admin = logged_in(app)
    _age(app, **{column: limit - timedelta(minutes=2)})
    assert opens_settings(admin, program_id)
    _age(app, **{column: limit + timedelta(minutes=1)})
    page = admin.get(f"/programs/{program_id}/settings", follow_redirects=True)
    assert page.status_code == 200
    assert f"You are logged out: {why}." in page.get_data(as_text=True)
    assert not opens_settings(admin, program_id)
    assert logged_in(app)


def test_a_log_in_ends_timed_out_sessions_and_deletes_long_ended_ones(app: Flask) -> None:
    """Sessions nobody used again stop being listed as open at the next log-in; rows that
    ended more than 90 days ago are deleted then (the audit log keeps the log-ins)."""
    away = logged_in(app)
    _age(app, last_seen_at=timedelta(minutes=61))
    page = logged_in(app).get("/account/").get_data(as_text=True)
    assert page.count("</tr>") == 2 and "(this one)" in page  # the heading and one session
    with app.app_context():
        rows = db.session.scalars(select(AdminSession).order_by(AdminSession.id)).all()
        assert [(r.ended_at is None, r.ended_why) for r in rows] == [
            (False, "timed out"),
            (True, ""),
        ]
        db.session.execute(
            update(AdminSession)
            .where(AdminSession.id == rows[0].id)
            .values(ended_at=utcnow() - timedelta(days=91))
        )
        db.session.commit()
    logged_in(app)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AdminSession)) == 2
    assert away.get("/account/").status_code == 302


def test_last_seen_is_written_at_most_once_a_minute(app: Flask, program_id: int) -> None:
    admin = logged_in(app)

    def last_seen() -> object:
        with app.app_context():
            return db.session.scalar(select(AdminSession.last_seen_at))

    at_login = last_seen()
    admin.get(f"/programs/{program_id}/settings")
    assert last_seen() == at_login
    _age(app, last_seen_at=timedelta(minutes=5))
    moved_back = last_seen()
    admin.get(f"/programs/{program_id}/settings")
    assert last_seen() > moved_back  # type: ignore[operator]


def test_a_remember_cookie_opens_nothing(app: Flask, program_id: int) -> None:
    """Flask-Login's remember-me cookie is never set; one forged for the admin's id finds
    no session and is refused."""
    admin = logged_in(app)
    assert admin.get_cookie("remember_token", domain=HOST) is None
    stranger = app.test_client()
    stranger.set_cookie("remember_token", "1|forged", domain=HOST)
    assert not opens_settings(stranger, program_id)


def reset_link(smtp_server: SmtpSink, count: int) -> str:
    """The path of the reset link in the ``count``-th e-mail to the admin."""
    received = smtp_server.wait_for(count)
    mine = [r for r in received if ADMIN_EMAIL in r.recipients]
    assert len(mine) == count
    found = re.search(r"https?://[^/\s]+(/auth/reset/\S+)", mine[-1].text)
    assert found is not None, mine[-1].text
    return found.group(1)


def forgot(client: FlaskClient, email: str) -> str:
    return client.post("/auth/forgot", data={"email": email}, follow_redirects=True).get_data(
        as_text=True
    )


def test_a_reset_link_sets_the_password_once_and_ends_every_session(
    mail_app: Flask, smtp_server: SmtpSink
) -> None:
    admin = logged_in(mail_app)
    thief = copy_of(admin)
    stranger = mail_app.test_client()
    known = forgot(stranger, ADMIN_EMAIL)
    unknown = forgot(stranger, "nobody@example.org")
    answer = "If an admin account has this address, a link to set a new password is on its way."
    assert answer in known and answer in unknown
    link = reset_link(smtp_server, 1)
    assert smtp_server.to("nobody@example.org") == []
    with mail_app.app_context():
        site_mail = db.session.scalars(select(OutboxMessage)).all()
        assert [(m.to, m.program_id) for m in site_mail] == [(ADMIN_EMAIL, None)]
        assert db.session.scalar(select(PasswordReset.token_hash)) not in link

    assert "Use at least 12 characters" in stranger.post(link, data={"password": "short"}).get_data(
        as_text=True
    )
    done = stranger.post(link, data={"password": NEW_PASSWORD}, follow_redirects=True)
    assert "Your new password is set" in done.get_data(as_text=True)
    assert not opens_settings(admin, 1) and not opens_settings(thief, 1)
    assert logged_in(mail_app, NEW_PASSWORD)
    again = stranger.post(link, data={"password": "another quiet harbour"})
    assert again.status_code == 404 and "This link does not work" in again.get_data(as_text=True)


def test_a_reset_link_expires_and_few_are_sent(mail_app: Flask, smtp_server: SmtpSink) -> None:
    client = mail_app.test_client()
    forgot(client, ADMIN_EMAIL)
    link = reset_link(smtp_server, 1)
    assert client.get(link).status_code == 200
    with mail_app.app_context():
        db.session.execute(update(PasswordReset).values(expires_at=utcnow()))
        db.session.commit()
    assert client.get(link).status_code == 404
    assert client.post(link, data={"password": NEW_PASSWORD}).status_code == 404
    for _ in range(3):  # LINK_MAILS: three an hour, then nothing more
        forgot(client, ADMIN_EMAIL)
    reset_link(smtp_server, 3)
    with mail_app.app_context():
        assert len(db.session.scalars(select(PasswordReset)).all()) == 3
        found = find_admin(ADMIN_EMAIL)
        assert found is not None and found.check_password(ADMIN_PASSWORD)
        # a day after the links died, the next request deletes them and sends a new one
        db.session.execute(update(PasswordReset).values(expires_at=utcnow() - timedelta(days=2)))
        db.session.execute(update(PasswordReset).values(created_at=utcnow() - timedelta(days=2)))
        db.session.commit()
    forgot(client, ADMIN_EMAIL)
    reset_link(smtp_server, 4)
    with mail_app.app_context():
        assert len(db.session.scalars(select(PasswordReset)).all()) == 1
