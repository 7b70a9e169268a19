"""Two-factor authentication (issue 18 item 5): codes from an authenticator app (computed
here with pyotp from the key the enrolment page shows), recovery codes, the log-in's second
step and what it refuses, owners who must enrol, turning it off, and the reset command.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta

import pyotp
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.test import TestResponse

from tests.web.helpers import ADMIN_EMAIL, ADMIN_PASSWORD, AuthActions, make_app
from tests.web.smtp import SmtpSink
from tests.web.test_admins import invite, invite_link, row_of
from webapp import pending_login
from webapp.admins import create_admin, find_admin
from webapp.db import db
from webapp.mail import OutboxMessage
from webapp.models import AdminUser, AuditEvent, utcnow
from webapp.session_models import AdminSession

#: The key the enrolment page shows (groups of 4), and one recovery code on its page.
KEY = re.compile(r'<code class="secret">([A-Z2-7 ]+)</code>')
RECOVERY = re.compile(r"<li><code>([0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{4})</code></li>")
START = 1_800_000_000.0


class Clock:
    """The time the app reads codes at; tests move it a step (30 s) at a time."""

    def __init__(self) -> None:
        self.at = START

    def tick(self, steps: int = 1) -> None:
        self.at += 30 * steps

    def code(self, secret: str) -> str:
        """The app's code for ``secret`` now."""
        return pyotp.TOTP(secret).at(self.at)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    moving = Clock()
    monkeypatch.setattr("webapp.two_factor.clock", lambda: moving.at)
    return moving


def logged_in(app: Flask) -> FlaskClient:
    client = app.test_client()
    assert AuthActions(client).login().status_code == 302
    return client


def enrol(client: FlaskClient, clock: Clock) -> tuple[str, list[str]]:
    """Turn two-factor on from the account page; the key shown and the recovery codes."""
    assert client.post("/account/two-factor/start").location.endswith("/account/two-factor/setup")
    page = client.get("/account/two-factor/setup").get_data(as_text=True)
    secret = KEY.search(page).group(1).replace(" ", "")
    shown = client.post("/account/two-factor/setup", data={"code": clock.code(secret)})
    codes = RECOVERY.findall(shown.get_data(as_text=True))
    assert len(codes) == 10, shown.get_data(as_text=True)
    return secret, codes


def opens_admin_pages(client: FlaskClient) -> bool:
    """The client opens the programs and its account (not sent to the log-in page)."""
    answers = [client.get(path) for path in ("/programs/", "/account/")]
    assert all(a.status_code in {200, 302} for a in answers)
    return all(a.status_code == 200 for a in answers)


def sessions_of(app: Flask) -> list[str]:
    """How each session of the admin began, oldest first."""
    with app.app_context():
        return list(db.session.scalars(select(AdminSession.how).order_by(AdminSession.id)))


def events(app: Flask, action: str) -> list[AuditEvent]:
    with app.app_context():
        query = select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        return list(db.session.scalars(query))


def admin_id_of(app: Flask, email: str) -> int:
    with app.app_context():
        return find_admin(email).id


def code_step(client: FlaskClient, code: str) -> TestResponse:
    return client.post("/auth/two-factor/", data={"code": code})


@pytest.fixture
def enrolled(app: Flask, clock: Clock) -> tuple[str, list[str]]:
    """The admin has two-factor on (turned on in a session that then logged out); the
    clock has moved past the step of the enrolment code."""
    client = logged_in(app)
    found = enrol(client, clock)
    AuthActions(client).logout()
    clock.tick()
    return found


def test_turning_on_shows_the_qr_code_and_key_and_asks_a_first_code(
    app: Flask, clock: Clock
) -> None:
    client = logged_in(app)
    assert "Two-factor authentication is <strong>off</strong>" in client.get("/account/").text
    client.post("/account/two-factor/start")
    setup = client.get("/account/two-factor/setup")
    page = setup.get_data(as_text=True)
    assert setup.headers["Cache-Control"] == "no-store"
    assert '<img class="qr" src="data:image/svg+xml' in page
    shown = KEY.search(page).group(1)
    assert re.fullmatch(r"([A-Z2-7]{4} )+[A-Z2-7]{4}", shown)
    secret = shown.replace(" ", "")

    wrong = client.post("/account/two-factor/setup", data={"code": "000000"})
    assert "This code is not right" in wrong.text and not RECOVERY.findall(wrong.text)
    with app.app_context():
        admin = find_admin(ADMIN_EMAIL)
        assert admin.totp_enrolled_at is None
        assert secret not in admin.totp_secret  # sealed at rest

    shown_codes = client.post("/account/two-factor/setup", data={"code": clock.code(secret)})
    assert shown_codes.mimetype == "text/html"
    assert shown_codes.headers["Cache-Control"] == "no-store"
    codes = RECOVERY.findall(shown_codes.text)
    assert len(set(codes)) == 10
    assert "Two-factor authentication is <strong>on</strong>" in client.get("/account/").text
    assert [e.actor for e in events(app, "auth.two_factor_on")] == [ADMIN_EMAIL]
    assert "This code is" not in client.get("/account/two-factor/").text
    assert not RECOVERY.findall(client.get("/account/two-factor/").text)  # shown once


def test_log_in_asks_the_code_and_the_password_alone_opens_nothing(
    app: Flask, program_id: int, enrolled: tuple[str, list[str]], clock: Clock
) -> None:
    secret, _ = enrolled
    client = app.test_client()
    settings = f"/programs/{program_id}/settings"
    answer = client.post(
        f"/auth/login?next={settings}", data={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}
    )
    assert answer.location.endswith("/auth/two-factor/")
    assert "Code from your app" in client.get("/auth/two-factor/").text
    assert not opens_admin_pages(client)
    assert client.get(settings).status_code == 302
    assert sessions_of(app) == ["password"]  # only the enrolling session, ended since

    answer = code_step(client, clock.code(secret))
    assert answer.status_code == 302 and answer.location.endswith(settings)
    assert opens_admin_pages(client)
    assert sessions_of(app) == ["password", "password+totp"]
    assert events(app, "auth.login")[-1].detail["how"] == "password+totp"


def test_next_must_be_a_path_of_this_site(
    app: Flask, enrolled: tuple[str, list[str]], clock: Clock
) -> None:
    secret, _ = enrolled
    client = app.test_client()
    client.post(
        "/auth/login?next=//evil.example/", data={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}
    )
    assert code_step(client, clock.code(secret)).location.endswith("/programs/")


def test_the_pending_marker_alone_opens_nothing(
    app: Flask, enrolled: tuple[str, list[str]]
) -> None:
    """Even a hand-made marker, with no code typed, gives no session."""
    client = app.test_client()
    with app.app_context():
        admin_id = find_admin(ADMIN_EMAIL).id
    with client.session_transaction() as session:
        session[pending_login.PENDING_KEY] = {
            "admin": admin_id,
            "since": utcnow().isoformat(),
            "next": None,
            "enrol": False,
        }
    assert not opens_admin_pages(client)
    assert client.get("/account/two-factor/").status_code == 302


def test_the_second_step_expires_after_five_minutes(
    app: Flask, enrolled: tuple[str, list[str]], clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret, _ = enrolled
    client = app.test_client()
    AuthActions(client).login()
    later = utcnow() + timedelta(minutes=5, seconds=5)
    monkeypatch.setattr("webapp.sessions.now", lambda: later)
    answer = code_step(client, clock.code(secret))
    assert answer.location.endswith("/auth/login")
    assert "within 5 minutes" in client.get("/auth/login").text
    assert not opens_admin_pages(client)
    assert sessions_of(app) == ["password"]


def test_a_wrong_code_is_refused_audited_and_throttled_like_a_password(
    app: Flask, enrolled: tuple[str, list[str]], clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret, _ = enrolled
    monkeypatch.setattr("webapp.throttle.now", lambda: clock.at)  # stopped: no wait passes
    client = app.test_client()
    AuthActions(client).login()
    for _ in range(6):
        wrong = code_step(client, "123456")
        assert wrong.status_code == 200 and "This code is not right" in wrong.text
    assert [e.detail["reason"] for e in events(app, "auth.failed")] == ["wrong code"] * 6
    assert events(app, "auth.failed")[0].detail["account"] == ADMIN_EMAIL

    early = code_step(client, clock.code(secret))  # the right code, too early
    assert early.status_code == 429 and "Too many wrong codes" in early.text
    assert not opens_admin_pages(client)
    # typing the password again does not start the count again
    assert AuthActions(client).login().status_code == 429
    assert sessions_of(app) == ["password"]


def test_a_code_is_accepted_once(app: Flask, enrolled: tuple[str, list[str]], clock: Clock) -> None:
    secret, _ = enrolled
    first = app.test_client()
    AuthActions(first).login()
    used = clock.code(secret)
    assert code_step(first, used).status_code == 302

    second = app.test_client()
    AuthActions(second).login()
    replayed = code_step(second, used)
    assert replayed.status_code == 200 and "was used already" in replayed.text
    assert not opens_admin_pages(second)
    clock.tick()
    assert code_step(second, clock.code(secret)).status_code == 302
    assert opens_admin_pages(second)


def test_a_recovery_code_works_once(app: Flask, enrolled: tuple[str, list[str]]) -> None:
    _, codes = enrolled
    client = app.test_client()
    AuthActions(client).login()
    answer = client.post("/auth/two-factor/recovery", data={"code": codes[3].upper()})
    assert answer.status_code == 302
    assert "9 left" in client.get("/programs/").text
    assert sessions_of(app)[-1] == "password+recovery"
    assert [e.detail["left"] for e in events(app, "auth.recovery_code_used")] == [9]

    AuthActions(client).logout()
    AuthActions(client).login()
    again = client.post("/auth/two-factor/recovery", data={"code": codes[3]})
    assert again.status_code == 200 and "was used already" in again.text
    assert not opens_admin_pages(client)
    assert events(app, "auth.failed")[-1].detail["reason"] == "wrong recovery code"


def test_new_recovery_codes_replace_the_old_ones(
    app: Flask, enrolled: tuple[str, list[str]], clock: Clock
) -> None:
    secret, old = enrolled
    client = app.test_client()
    AuthActions(client).login()
    code_step(client, clock.code(secret))
    clock.tick()
    refused = client.post("/account/two-factor/recovery-codes", data={"renew-code": "000000"})
    assert "This code is not right" in refused.text and not RECOVERY.findall(refused.text)
    renewed = client.post(
        "/account/two-factor/recovery-codes", data={"renew-code": clock.code(secret)}
    )
    new = RECOVERY.findall(renewed.text)
    assert len(new) == 10 and not set(new) & set(old)
    assert len(events(app, "auth.recovery_codes_renewed")) == 1

    other = app.test_client()
    AuthActions(other).login()
    assert other.post("/auth/two-factor/recovery", data={"code": old[0]}).status_code == 200
    assert other.post("/auth/two-factor/recovery", data={"code": new[0]}).status_code == 302


def test_turning_off_needs_the_password_and_a_code(
    app: Flask, enrolled: tuple[str, list[str]], clock: Clock
) -> None:
    secret, _ = enrolled
    clients = [app.test_client(), app.test_client()]
    for client in clients:
        AuthActions(client).login()
        code_step(client, clock.code(secret))
        clock.tick()
    here, elsewhere = clients
    tries = {
        "wrong password": {"off-password": "not my password", "off-code": clock.code(secret)},
        "wrong code": {"off-password": ADMIN_PASSWORD, "off-code": "000000"},
    }
    for data in tries.values():
        here.post("/account/two-factor/off", data=data)
    assert "<strong>on</strong>" in here.get("/account/two-factor/").text
    answer = here.post(
        "/account/two-factor/off",
        data={"off-password": ADMIN_PASSWORD, "off-code": clock.code(secret)},
    )
    assert answer.status_code == 302
    assert "<strong>off</strong>" in here.get("/account/two-factor/").text
    assert opens_admin_pages(here) and not opens_admin_pages(elsewhere)
    (event,) = events(app, "auth.two_factor_off")
    assert event.actor == ADMIN_EMAIL and event.detail["sessions_ended"] == 1

    password_only = app.test_client()
    assert AuthActions(password_only).login().location.endswith("/programs/")


def test_a_borrowed_session_cannot_guess_its_way_to_turning_it_off(
    app: Flask, enrolled: tuple[str, list[str]], clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Wrong passwords and codes on the account page count under the log-in throttle."""
    secret, _ = enrolled
    monkeypatch.setattr("webapp.throttle.now", lambda: clock.at)
    client = app.test_client()
    AuthActions(client).login()
    code_step(client, clock.code(secret))
    clock.tick()
    for guess in range(6):
        data = {"off-password": f"guess number {guess}", "off-code": clock.code(secret)}
        assert "This is not your password" in client.post("/account/two-factor/off", data=data).text
    right = {"off-password": ADMIN_PASSWORD, "off-code": clock.code(secret)}
    assert "Too many wrong tries" in client.post("/account/two-factor/off", data=right).text
    assert "<strong>on</strong>" in client.get("/account/two-factor/").text


def test_a_password_reset_by_e_mail_still_asks_the_code(
    app: Flask, enrolled: tuple[str, list[str]], clock: Clock
) -> None:
    """Someone reading the admin's mailbox sets a new password: the log-in still asks the
    code from the app."""
    secret, _ = enrolled
    client = app.test_client()
    client.post("/auth/forgot", data={"email": ADMIN_EMAIL})
    with app.app_context():
        (text,) = db.session.scalars(select(OutboxMessage.text_body)).all()
    link = re.search(r"/auth/reset/[\w-]+", text).group(0)
    new_password = "violet kettle harbour"
    assert client.post(link, data={"password": new_password}).status_code == 302
    answer = AuthActions(client).login(password=new_password)
    assert answer.location.endswith("/auth/two-factor/")
    assert not opens_admin_pages(client)
    assert code_step(client, clock.code(secret)).status_code == 302


def test_a_lost_phone_is_replaced_with_recovery_codes(
    app: Flask, enrolled: tuple[str, list[str]], clock: Clock
) -> None:
    """Log in with one recovery code, turn two-factor off with another, on again."""
    _, codes = enrolled
    client = app.test_client()
    AuthActions(client).login()
    client.post("/auth/two-factor/recovery", data={"code": codes[0]})
    assert "turn two-factor off with another recovery code" in client.get("/programs/").text
    off = client.post(
        "/account/two-factor/off", data={"off-password": ADMIN_PASSWORD, "off-code": codes[1]}
    )
    assert off.status_code == 302
    assert "<strong>off</strong>" in client.get("/account/two-factor/").text
    assert len(events(app, "auth.recovery_code_used")) == 2
    _, new_codes = enrol(client, clock)
    assert not set(new_codes) & set(codes)


@pytest.fixture
def owners_must(db_url: str) -> Iterator[Flask]:
    """The app with MENTORLOOM_OWNERS_NEED_TWO_FACTOR true; the test admin is an owner,
    and pat@example.org is not."""
    app = make_app(db_url, OWNERS_NEED_TWO_FACTOR=True)
    with app.app_context():
        create_admin(ADMIN_EMAIL, ADMIN_PASSWORD)
        pat = AdminUser(email="pat@example.org", is_owner=False)
        pat.set_password(ADMIN_PASSWORD)
        db.session.add(pat)
        db.session.commit()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def test_an_owner_without_two_factor_enrols_before_getting_a_session(
    owners_must: Flask, clock: Clock
) -> None:
    app = owners_must
    client = app.test_client()
    answer = client.post(
        "/auth/login?next=/account/", data={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}
    )
    assert answer.location.endswith("/auth/two-factor/setup")
    page = client.get("/auth/two-factor/setup").text
    assert "Owners of this site must" in page and '<img class="qr"' in page
    assert not opens_admin_pages(client) and sessions_of(app) == []
    assert code_step(client, "000000").location.endswith("/auth/login")  # not this step

    AuthActions(client).login()
    secret = KEY.search(client.get("/auth/two-factor/setup").text).group(1).replace(" ", "")
    done = client.post("/auth/two-factor/setup", data={"code": clock.code(secret)})
    assert len(RECOVERY.findall(done.text)) == 10 and 'href="/account/"' in done.text
    assert sessions_of(app) == ["password+totp"]
    account = client.get("/account/").text
    assert "Two-factor authentication is <strong>on</strong>" in account
    assert "required for you" in client.get("/account/two-factor/").text
    assert "Turn off two-factor" not in client.get("/account/two-factor/").text
    refused = client.post(
        "/account/two-factor/off",
        data={"off-password": ADMIN_PASSWORD, "off-code": clock.code(secret)},
        follow_redirects=True,
    )
    assert "Owners must keep two-factor" in refused.text
    assert events(app, "auth.two_factor_off") == []

    non_owner = app.test_client()
    assert AuthActions(non_owner).login("pat@example.org").location.endswith("/programs/")


def test_the_account_page_says_two_factor_is_required(owners_must: Flask) -> None:
    """An owner who logged in before the setting was turned on is told on their page."""
    app = owners_must
    client = app.test_client()
    app.config["OWNERS_NEED_TWO_FACTOR"] = False
    assert AuthActions(client).login().location.endswith("/programs/")
    app.config["OWNERS_NEED_TWO_FACTOR"] = True
    assert "It is required for you" in client.get("/account/").text


def test_an_invited_owner_sets_up_two_factor_before_getting_a_session(
    mail_app: Flask, mail_admin: FlaskClient, smtp_server: SmtpSink, clock: Clock
) -> None:
    """The welcome page of an invitation takes the same path as the log-in page."""
    mail_app.config["OWNERS_NEED_TWO_FACTOR"] = True
    invite(mail_admin, "new.owner@example.org", owner="y")
    link = invite_link(smtp_server, "new.owner@example.org")
    invitee = mail_app.test_client()
    answer = invitee.post(link, data={"password": "violet kettle harbour"})
    assert answer.location.endswith("/auth/two-factor/setup")
    assert not opens_admin_pages(invitee)
    with mail_app.app_context():
        assert db.session.scalars(select(AdminSession.how)).all() == ["password"]  # the inviter's
    page = invitee.get("/auth/two-factor/setup").text
    assert "your password is set" in page and '<img class="qr"' in page
    secret = KEY.search(page).group(1).replace(" ", "")
    done = invitee.post("/auth/two-factor/setup", data={"code": clock.code(secret)})
    assert len(RECOVERY.findall(done.text)) == 10
    assert opens_admin_pages(invitee)
    with mail_app.app_context():
        assert sorted(db.session.scalars(select(AdminSession.how))) == ["password", "password+totp"]


def test_reset_two_factor_turns_it_off_and_ends_the_sessions(
    app: Flask, enrolled: tuple[str, list[str]], clock: Clock
) -> None:
    secret, _ = enrolled
    client = app.test_client()
    AuthActions(client).login()
    code_step(client, clock.code(secret))
    assert opens_admin_pages(client)

    result = app.test_cli_runner().invoke(args=["reset-two-factor", ADMIN_EMAIL.upper()])
    assert result.exit_code == 0, result.output
    assert "is now off; 1 session ended" in result.output
    assert not opens_admin_pages(client)
    (event,) = events(app, "auth.two_factor_off")
    assert event.actor == "flask reset-two-factor" and event.detail["account"] == ADMIN_EMAIL
    assert AuthActions(client).login().location.endswith("/programs/")

    unknown = app.test_cli_runner().invoke(args=["reset-two-factor", "nobody@example.org"])
    assert unknown.exit_code == 1 and "No admin has the e-mail" in unknown.output


def test_an_owner_turns_off_another_admins_two_factor(app: Flask, clock: Clock) -> None:
    """A lost phone without recovery codes, from the Admins pages; never one's own there."""
    with app.app_context():
        pat = AdminUser(email="pat@example.org", is_owner=False)
        pat.set_password(ADMIN_PASSWORD)
        db.session.add(pat)
        db.session.commit()
        pat_id = pat.id
    pat_client = app.test_client()
    AuthActions(pat_client).login("pat@example.org")
    enrol(pat_client, clock)
    owner = logged_in(app)
    assert row_of(owner.get("/admins/").text, "pat@example.org")[-1] == "on"
    clock.tick()
    enrol(owner, clock)
    mine = admin_id_of(app, ADMIN_EMAIL)
    assert "Turn yours off on" in owner.get(f"/admins/{mine}").text
    refused = owner.post(f"/admins/{mine}/two-factor/off", follow_redirects=True)
    assert "on your account page" in refused.text
    assert "<strong>on</strong>" in owner.get("/account/two-factor/").text

    assert "Turn off their two-factor" in owner.get(f"/admins/{pat_id}").text
    done = owner.post(f"/admins/{pat_id}/two-factor/off", follow_redirects=True)
    assert "Two-factor authentication of pat@example.org is off" in done.text
    assert not opens_admin_pages(pat_client)
    (event,) = events(app, "auth.two_factor_off")
    assert event.actor == ADMIN_EMAIL and event.detail["account"] == "pat@example.org"
    assert row_of(owner.get("/admins/").text, "pat@example.org")[-1] == "off"
    assert AuthActions(pat_client).login("pat@example.org").location.endswith("/programs/")


def test_a_new_secret_key_makes_the_key_unreadable_and_says_so(
    app: Flask, db_url: str, enrolled: tuple[str, list[str]], clock: Clock
) -> None:
    secret, codes = enrolled
    moved = make_app(db_url, SECRET_KEY="another key of the server")
    client = moved.test_client()
    AuthActions(client).login()
    page = code_step(client, clock.code(secret)).text
    assert "can no longer be read" in page and "This code is not right" in page
    assert client.post("/auth/two-factor/recovery", data={"code": codes[0]}).status_code == 302
    with moved.app_context():
        db.session.remove()
        db.engine.dispose()
