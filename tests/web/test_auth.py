"""Log-in, log-out, the create-admin command, login on every admin page, CSRF."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner

from tests.web.conftest import ADMIN_EMAIL, AuthActions, make_app
from webapp.auth import find_admin
from webapp.db import db
from webapp.models import AuditEvent

PUBLIC_ENDPOINTS = {"static", "auth.login", "intake.form", "intake.saved", "index"}


def admin_rules(app: Flask) -> list[tuple[str, str]]:
    """(method, url) of every admin route, with 1 for each id."""
    rules = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in PUBLIC_ENDPOINTS:
            continue
        url = re.sub(r"<(?:int:)?\w+>", "1", rule.rule)
        method = "POST" if "POST" in rule.methods and "GET" not in rule.methods else "GET"
        rules.append((method, url))
    return rules


def test_every_admin_page_needs_login(app: Flask, client: FlaskClient) -> None:
    rules = admin_rules(app)
    assert len(rules) >= 20
    for method, url in rules:
        response = client.open(url, method=method)
        assert response.status_code == 302, url
        assert "/auth/login" in response.location, url


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
    result = runner.invoke(args=["create-admin", "New@Example.org", "--password", "s3cret-pw"])
    assert result.exit_code == 0, result.output
    assert "new@example.org can log in" in result.output
    with app.app_context():
        admin = find_admin("new@example.org")
        assert admin is not None
        assert admin.password_hash != "s3cret-pw"
        assert admin.check_password("s3cret-pw")


def test_create_admin_resets_password(app: Flask, runner: FlaskCliRunner) -> None:
    runner.invoke(args=["create-admin", ADMIN_EMAIL, "--password", "another-one"])
    with app.app_context():
        admin = find_admin(ADMIN_EMAIL)
        assert admin is not None
        assert admin.check_password("another-one")


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


def test_log_in_pauses_after_many_wrong_passwords(
    app: Flask, client: FlaskClient, auth: AuthActions, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("webapp.auth.MAX_FAILURES", 3)
    for _ in range(3):
        assert b"Wrong e-mail or password." in auth.login(password="wrong").data
    paused = auth.login()
    assert paused.status_code == 200
    assert b"Too many wrong passwords" in paused.data
    assert auth.login(email="other@example.org", password="x").status_code == 200
    with app.app_context():
        events = db.session.scalars(db.select(AuditEvent.actor)).all()
        assert events.count(ADMIN_EMAIL) == 3
        assert "correct horse battery" not in " ".join(events)
