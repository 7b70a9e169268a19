"""Web security (issue 7, item 2): CSRF, cookies, headers, secret key, rate limits,
invite tokens, ``next`` redirects and admin-only fields.
"""

from __future__ import annotations

import os
import re
import uuid

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.web.helpers import (
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    AuthActions,
    import_csv,
    make_app,
)
from webapp.db import db
from webapp.models import InviteToken, Participant, Program
from webapp.run_models import PairDecision
from webapp.security import is_local_path
from webapp.settings import InsecureSettingsError

LOGIN = {"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}


def routes(app: Flask) -> list[tuple[str, str, str]]:
    """(endpoint, method, url) of every route and method, with 1 for each id."""
    found = []
    for rule in app.url_map.iter_rules():
        url = re.sub(r"<(?:\w+:)?\w+>", "1", rule.rule)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            found.append((rule.endpoint, method, url))
    return found


@pytest.fixture
def csrf_client(db_url: str, app: Flask) -> FlaskClient:
    """A logged-in client of an app with CSRF protection on, as in production."""
    csrf_app = make_app(db_url, WTF_CSRF_ENABLED=True)
    client = csrf_app.test_client()
    page = client.get("/auth/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    assert token is not None
    assert client.post("/auth/login", data={**LOGIN, "csrf_token": token[1]}).status_code == 302
    yield client
    with csrf_app.app_context():
        db.session.remove()
        db.engine.dispose()


def test_every_post_route_refuses_a_missing_csrf_token(
    app: Flask, csrf_client: FlaskClient, program_id: int
) -> None:
    """Every POST of the inventory, admin and public alike, needs the CSRF token."""
    posts = [(e, u) for e, m, u in routes(app) if m == "POST"]
    assert len(posts) >= 15
    for endpoint, url in posts:
        response = csrf_client.post(url, data={"email": "x@example.org", "action": "approve"})
        assert response.status_code == 400, endpoint
        assert b"Form expired" in response.data, endpoint


def test_cookies_are_httponly_lax_and_secure_over_https(db_url: str, app: Flask) -> None:
    """The session cookie: HttpOnly and SameSite=Lax always, Secure when over HTTPS."""
    plain = app.test_client().post("/auth/login", data=LOGIN)
    (cookie,) = plain.headers.getlist("Set-Cookie")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    https = app.test_client().post("/auth/login", data=LOGIN, base_url="https://mentorloom.test")
    (cookie,) = https.headers.getlist("Set-Cookie")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "; Secure" in cookie
    assert "remember_token" not in " ".join(https.headers.getlist("Set-Cookie"))
    assert app.config["REMEMBER_COOKIE_HTTPONLY"] and app.config["REMEMBER_COOKIE_SAMESITE"]
    proxied = make_app(db_url, BEHIND_PROXY=1)
    forwarded = proxied.test_client().post(
        "/auth/login", data=LOGIN, headers={"X-Forwarded-Proto": "https"}
    )
    assert "; Secure" in forwarded.headers["Set-Cookie"]
    with proxied.app_context():
        db.engine.dispose()


def intake_link(admin_client: FlaskClient, program_id: int, email: str) -> str:
    """A personal link for ``email``."""
    admin_client.post(f"/programs/{program_id}/invites/person", data={"email": email})
    with admin_client.application.app_context():
        query = select(InviteToken).where(
            InviteToken.email == email, InviteToken.program_id == program_id
        )
        token = db.session.scalars(query).one()
        return f"/intake/{token.token}"


def test_security_headers_on_pages_and_token_pages(
    client: FlaskClient, admin_client: FlaskClient, program_id: int
) -> None:
    link = intake_link(admin_client, program_id, "gia@example.org")
    for response in (client.get("/auth/login"), client.get(link), client.get("/intake/nope")):
        csp = response.headers["Content-Security-Policy"]
        assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "no-referrer"


@pytest.mark.parametrize("key", ["", "dev", "change-me", "short-but-not-default"])
def test_production_refuses_a_weak_secret_key(
    key: str, tmp_path: os.PathLike[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MENTORLOOM_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("MENTORLOOM_ENV", "production")
    monkeypatch.setenv("MENTORLOOM_SECRET_KEY", key)
    with pytest.raises(InsecureSettingsError, match="MENTORLOOM_SECRET_KEY"):
        make_app_from_environment()
    monkeypatch.setenv("MENTORLOOM_SECRET_KEY", "k" * 40)
    assert make_app_from_environment().config["SECRET_KEY"] == "k" * 40
    monkeypatch.setenv("MENTORLOOM_ENV", "development")
    monkeypatch.setenv("MENTORLOOM_SECRET_KEY", key)
    assert make_app_from_environment().config["SECRET_KEY"]


def make_app_from_environment() -> Flask:
    """The app as ``flask --app webapp`` and gunicorn build it."""
    from webapp import create_app

    return create_app()


def test_rate_limits_on_login_and_intake(db_url: str, app: Flask) -> None:
    limited = make_app(db_url, RATE_LIMITS={"login": [3, 60], "intake": [4, 60]})
    client = limited.test_client()
    answers = [client.post("/auth/login", data={**LOGIN, "password": "x"}) for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert int(answers[-1].headers["Retry-After"]) > 0
    assert b"Too many requests" in answers[-1].data
    assert client.get("/auth/login").status_code == 200  # only attempts count
    other = limited.test_client()
    other.environ_base["REMOTE_ADDR"] = "10.0.0.2"
    assert other.post("/auth/login", data=LOGIN).status_code == 302
    statuses = [client.get(f"/intake/guess-{n}").status_code for n in range(5)]
    assert statuses == [404, 404, 404, 404, 429]
    with limited.app_context():
        db.engine.dispose()


def test_rate_limits_are_shared_through_redis(db_url: str, redis_service: str) -> None:
    """With REDIS_URL every worker counts in Redis."""
    url = redis_service
    limits = {"login": [2, 60], "intake": [2, 60]}
    workers = [make_app(db_url, RATE_LIMITS=limits, REDIS_URL=url) for _ in range(2)]
    clients = [w.test_client() for w in workers]
    address = f"10.9.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}"
    for client in clients:
        client.environ_base["REMOTE_ADDR"] = address
    statuses = [c.post("/auth/login", data=LOGIN).status_code for c in (*clients, clients[0])]
    assert statuses[-1] == 429
    for worker in workers:
        with worker.app_context():
            db.engine.dispose()


def test_a_token_opens_only_its_own_intake(
    app: Flask, admin_client: FlaskClient, client: FlaskClient, program_id: int
) -> None:
    """A link changes only its own record: not another person's, not the same e-mail's
    record in another program, whatever e-mail or ids the form sends."""
    with app.app_context():
        other = Program(name="Other program", config={})
        db.session.add(other)
        db.session.commit()
        other_id = other.id
    for program in (program_id, other_id):
        import_csv(admin_client, program, "two.csv", TWO)
    link = intake_link(admin_client, program_id, "ana@example.org")
    before = {
        (e, p): _row(app, e, p)
        for e in ("ana@example.org", "bo@example.org")
        for p in (program_id, other_id)
    }
    sent = client.post(
        link,
        data={
            "email": "bo@example.org",
            "name": "Taken Over",
            "role": "mentee",
            "seeks": "developmental",
            "participant_id": str(before["bo@example.org", program_id]["id"]),
            "program_id": str(other_id),
        },
    )
    assert sent.status_code == 302
    changed = {key for key, row in before.items() if _row(app, *key) != row}
    assert changed == {("ana@example.org", program_id)}
    assert _row(app, "ana@example.org", program_id)["name"] == "Taken Over"
    page = client.get(link).get_data(as_text=True)
    assert "Taken Over" in page and "bo@example.org" not in page
    assert client.get(link + "x").status_code == 404


TWO = (
    b"email,name,role,seeks,offers,capacity,id,previous_partners\r\n"
    b"ana@example.org,Ana,mentee,developmental,,,A-1,old@example.org\r\n"
    b"bo@example.org,Bo,mentor,,developmental,1,B-2,\r\n"
)


def _row(app: Flask, email: str, program_id: int | None = None) -> dict[str, object]:
    """The stored columns of a participant (of ``program_id``, when there are several)."""
    query = select(Participant).where(Participant.email == email)
    if program_id is not None:
        query = query.where(Participant.program_id == program_id)
    with app.app_context():
        record = db.session.scalars(query).one()
        return {c.key: getattr(record, c.key) for c in Participant.__table__.columns}


def test_a_participant_cannot_set_admin_only_fields(
    app: Flask, admin_client: FlaskClient, client: FlaskClient, program_id: int
) -> None:
    """External id, previous partners, others' capacity, decisions and locks stay as they are."""
    import_csv(admin_client, program_id, "two.csv", TWO)
    link = intake_link(admin_client, program_id, "ana@example.org")
    bo_before = _row(app, "bo@example.org")
    sent = client.post(
        link,
        data={
            "name": "Ana",
            "role": "mentee",
            "seeks": "developmental",
            "external_id": "HACKED",
            "id": "HACKED",
            "previous_partners": "",
            "capacity": "9",
            "bo@example.org-capacity": "9",
            "status": "approved",
            "action": "lock",
            "locked": "1",
            "version": "99",
        },
    )
    assert sent.status_code == 302
    ana = _row(app, "ana@example.org")
    assert ana["external_id"] == "A-1"
    assert ana["previous_partners"] == "old@example.org"
    assert _row(app, "bo@example.org") == bo_before
    with app.app_context():
        assert db.session.scalars(select(PairDecision)).all() == []


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example/",
        "/\\/evil.example/",
        "\\\\evil.example",
        "/\t/evil.example",
        "http:/evil.example",
        "javascript:alert(1)",
    ],
)
def test_login_next_only_redirects_to_this_site(client: FlaskClient, target: str) -> None:
    response = client.post("/auth/login", query_string={"next": target}, data=LOGIN)
    assert response.status_code == 302
    assert response.location in {"/programs/", "http://mentorloom.test/programs/"}
    assert not is_local_path(target)


def test_login_next_keeps_a_local_path(client: FlaskClient, auth: AuthActions) -> None:
    response = client.post("/auth/login?next=/programs/new", data=LOGIN)
    assert response.location.endswith("/programs/new")
