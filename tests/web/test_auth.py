"""Log-in, log-out, the create-admin command, CSRF. (Which page needs a log-in, and which
role, is the table of tests/web/test_roles.py.)"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner

from tests.web.helpers import ADMIN_EMAIL, ADMIN_PASSWORD, AuthActions, make_app
from webapp.admins import create_admin, find_admin
from webapp.db import db
from webapp.models import AuditEvent


def test_login_page_and_wrong_password(client: FlaskClient, auth: AuthActions) -> None:
    assert b'<label for="email">E-mail</label>' in client.get("/auth/login").data
    response = auth.login(password="wrong")
    assert response.status_code == 200
    assert b"Wrong e-mail or password." in response.data


def test_login_then_logout(client: FlaskClient, auth: AuthActions) -> None:
    response = auth.login(email=ADMIN_EMAIL.upper())
    assert response.location.endswith("/programs/")
    assert b"Log out" in client.get("/programs/").data
    assert auth.logout().location.endswith("/auth/login")
    assert client.get("/programs/").status_code == 302


def test_login_follows_only_local_next(client: FlaskClient) -> None:
    data = {"email": ADMIN_EMAIL, "password": "correct horse battery"}
    response = client.post("/auth/login?next=https://evil.example/", data=data)
    assert response.location.endswith("/programs/")
    client.post("/auth/logout")
    response = client.post("/auth/login?next=/programs/new", data=data)
    assert response.location.endswith("/programs/new")


def test_logout_is_post_only(client: FlaskClient, auth: AuthActions) -> None:
    auth.login()
    assert client.get("/auth/logout").status_code == 405


def test_create_admin_command(app: Flask, runner: FlaskCliRunner) -> None:
    result = runner.invoke(
        args=["create-admin", "New@Example.org", "--password", "violet kettle harbour"]
    )
    assert result.exit_code == 0, result.output
    assert "new@example.org can log in" in result.output
    with app.app_context():
        admin = find_admin("new@example.org")
        assert admin is not None
        assert admin.password_hash != "violet kettle harbour"
        assert admin.check_password("violet kettle harbour")


def test_create_admin_resets_password(app: Flask, runner: FlaskCliRunner) -> None:
    runner.invoke(args=["create-admin", ADMIN_EMAIL, "--password", "another quiet harbour"])
    with app.app_context():
        admin = find_admin(ADMIN_EMAIL)
        assert admin is not None
        assert admin.check_password("another quiet harbour")


def test_create_admin_refuses_a_password_log_in_would_refuse(runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["create-admin", "long@example.org", "--password", "p" * 1025])
    assert result.exit_code != 0
    assert "at most 1,024 characters" in result.output


@pytest.fixture
def csrf_app(app: Flask, db_url: str) -> Flask:
    """The same database, with CSRF protection on as in production."""
    return make_app(db_url, WTF_CSRF_ENABLED=True)


def _token(html: bytes) -> str:
    found = re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert found is not None
    return found.group(1).decode()


def test_csrf_is_enforced(csrf_app: Flask) -> None:
    client = csrf_app.test_client()
    data = {"email": ADMIN_EMAIL, "password": "correct horse battery"}
    refused = client.post("/auth/login", data=data)
    assert refused.status_code == 400
    assert b"Form expired" in refused.data
    assert client.post("/intake/any-link", data={"email": "x@example.org"}).status_code == 400
    token = _token(client.get("/auth/login").data)
    assert client.post("/auth/login", data={**data, "csrf_token": token}).status_code == 302
    assert client.post("/programs/new", data={"name": "No token"}).status_code == 400
    assert client.post("/auth/logout").status_code == 400
    token = _token(client.get("/programs/new").data)
    created = client.post("/programs/new", data={"name": "With token", "csrf_token": token})
    assert created.status_code == 302
    with csrf_app.app_context():
        db.session.remove()
        db.engine.dispose()


LOGIN = {"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}
WRONG = {"email": ADMIN_EMAIL, "password": "wrong"}


def auth_ok(client: FlaskClient) -> bool:
    """The admin can still log in from this client."""
    return client.post("/auth/login", data=LOGIN).status_code == 302


def audit_size(app: Flask) -> int:
    """Characters the audit table holds in its actor and detail columns."""
    with app.app_context():
        events = db.session.scalars(db.select(AuditEvent)).all()
        return sum(len(e.actor) + len(json.dumps(e.detail)) for e in events)


@pytest.mark.parametrize("size", [1_010, 15 * 1024 * 1024])
def test_a_huge_login_email_is_refused_not_stored_nor_echoed(
    app: Flask, client: FlaskClient, size: int
) -> None:
    """Item 18: a 15 MB e-mail wrote 15.7 MB to the audit log per request and came back."""
    email = "a" * (size - len("@example.org")) + "@example.org"
    before = audit_size(app)
    response = client.post("/auth/login", data={"email": email, "password": "x"})
    assert response.status_code in {200, 400}
    page = response.get_data(as_text=True)
    assert "a" * 100 not in page
    assert len(page) < 20_000
    assert f"At most 320 characters, please (this was {size:,})." in page
    assert audit_size(app) - before <= 300
    assert auth_ok(client)


def test_a_failed_login_is_audited_without_the_text_typed(app: Flask, client: FlaskClient) -> None:
    """The audit keeps the account when it exists, else a keyed hash and a masked e-mail."""
    stranger = "mallory.somebody@example.net"
    client.post("/auth/login", data={"email": stranger, "password": "guess-1"})
    client.post("/auth/login", data={"email": "no address at all", "password": "guess-2"})
    client.post("/auth/login", data={"email": ADMIN_EMAIL, "password": "guess-3"})
    with app.app_context():
        events = db.session.scalars(db.select(AuditEvent).order_by(AuditEvent.id)).all()
    assert [e.action for e in events] == ["auth.failed"] * 3
    stored = " ".join(e.actor + json.dumps(e.detail) for e in events)
    for typed in (stranger, "mallory", "no address", "guess-"):
        assert typed not in stored
    unknown, nonsense, known = (e.detail for e in events)
    assert unknown["email_hint"] == "ma…@example.net"
    assert len(unknown["unknown_account"]) == 16
    assert "email_hint" not in nonsense
    assert known["account"] == ADMIN_EMAIL


def client_at(app: Flask, address: str) -> FlaskClient:
    """A client whose requests come from ``address``."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


@pytest.fixture(params=["database", "redis"])
def throttled_app(request: pytest.FixtureRequest, db_url: str) -> Iterator[Flask]:
    """The app with failures counted in the database or in Redis (its own keys: a secret
    key of its own)."""
    redis_url = request.getfixturevalue("redis_service") if request.param == "redis" else ""
    app = make_app(db_url, SECRET_KEY=uuid.uuid4().hex, REDIS_URL=redis_url)
    with app.app_context():
        create_admin(ADMIN_EMAIL, ADMIN_PASSWORD)
        db.session.commit()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The throttle's clock, stopped (a slow machine must not let a wait pass); tests move it."""
    time = [1_000_000.0]
    monkeypatch.setattr("webapp.throttle.now", lambda: time[0])
    return time


def test_a_stranger_cannot_lock_the_admin_out(throttled_app: Flask, clock: list[float]) -> None:
    """Item 19: ten wrong passwords from anyone locked the admin out for 15 minutes."""
    stranger = client_at(throttled_app, "10.0.0.1")
    answers = [stranger.post("/auth/login", data=WRONG) for _ in range(50)]
    statuses = [a.status_code for a in answers]
    assert statuses[:6] == [200] * 6 and set(statuses[6:]) == {429}
    assert int(answers[-1].headers["Retry-After"]) >= 1
    assert "Too many wrong passwords: wait 1 second and" in answers[-1].get_data(as_text=True)
    assert client_at(throttled_app, "10.0.0.2").post("/auth/login", data=LOGIN).status_code == 302
    slowed = stranger.post("/auth/login", data=LOGIN)
    assert slowed.status_code == 429 and int(slowed.headers["Retry-After"]) >= 1


def test_the_wait_grows_then_the_right_password_passes(app: Flask, clock: list[float]) -> None:
    client = client_at(app, "10.0.0.3")
    for _ in range(6):
        assert client.post("/auth/login", data=WRONG).status_code == 200
    waits = []
    for _ in range(4):
        early = client.post("/auth/login", data=LOGIN)
        assert early.status_code == 429
        waits.append(int(early.headers["Retry-After"]))
        clock[0] += waits[-1]
        assert client.post("/auth/login", data=WRONG).status_code == 200
    assert waits == [1, 2, 4, 8]
    clock[0] += 16
    assert client.post("/auth/login", data=LOGIN).status_code == 302


def test_many_addresses_slow_only_those_that_failed(app: Flask, clock: list[float]) -> None:
    """Wrong passwords for one account from 21 addresses slow those addresses for that
    account; an address that has not failed logs in at once."""
    for n in range(21):
        assert client_at(app, f"10.1.0.{n}").post("/auth/login", data=WRONG).status_code == 200
    assert client_at(app, "10.1.0.0").post("/auth/login", data=LOGIN).status_code == 429
    assert client_at(app, "10.1.1.1").post("/auth/login", data=LOGIN).status_code == 302
