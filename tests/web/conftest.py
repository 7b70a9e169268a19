"""Fixtures of the web app tests; every test that uses ``app`` runs on SQLite and PostgreSQL.

PostgreSQL comes from ``MENTORLOOM_TEST_POSTGRES`` (default: the ``test`` database on
127.0.0.1:5432 as ``postgres``). Each test gets its own schema, dropped afterwards. When
PostgreSQL is down the PostgreSQL half is skipped, except in CI (``CI=true``), where it fails.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from io import BytesIO
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from playwright.sync_api import Browser, sync_playwright
from werkzeug.security import generate_password_hash
from werkzeug.test import TestResponse

from webapp import create_app
from webapp.auth import create_admin
from webapp.db import db
from webapp.models import Program
from webapp.run_models import MatchRun

DATA = Path(__file__).parent / "data"
POSTGRES = os.environ.get(
    "MENTORLOOM_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
ADMIN_EMAIL = "admin@example.org"
ADMIN_PASSWORD = "correct horse battery"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _postgres_schema() -> Iterator[str]:
    """Create a fresh schema, yield a URL whose connections use it, then drop it."""
    schema = f"t_{uuid.uuid4().hex[:16]}"
    engine = sa.create_engine(POSTGRES, poolclass=sa.NullPool)
    try:
        with engine.begin() as conn:
            conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    except sa.exc.OperationalError as exc:
        engine.dispose()
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL is required in CI and is not reachable: {exc}")
        pytest.skip("PostgreSQL is not reachable")
    try:
        yield f"{POSTGRES}?options=-csearch_path%3D{schema}"
    finally:
        with engine.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    """Each database backend in turn."""
    return request.param


@pytest.fixture
def empty_db_url(backend: str, tmp_path: Path) -> Iterator[str]:
    """A database of the backend with no tables at all (for migrations)."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.sqlite3'}"
    else:
        yield from _postgres_schema()


@pytest.fixture(scope="session")
def postgres_tables() -> Iterator[str]:
    """One PostgreSQL schema with every table, shared by the tests (emptied before each)."""
    for url in _postgres_schema():
        engine = sa.create_engine(url, poolclass=sa.NullPool)
        db.metadata.create_all(engine)
        engine.dispose()
        yield url


def _empty_tables(url: str) -> None:
    """Empty every table, creating those of models imported since the session began."""
    engine = sa.create_engine(url, poolclass=sa.NullPool)
    names = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
    with engine.begin() as conn:
        db.metadata.create_all(conn)
        conn.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture
def db_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """A database of the backend with every table, and no rows."""
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'test.sqlite3'}"
        engine = sa.create_engine(url, poolclass=sa.NullPool)
        db.metadata.create_all(engine)
        engine.dispose()
        return url
    url = request.getfixturevalue("postgres_tables")
    _empty_tables(url)
    return url


@pytest.fixture(autouse=True)
def quick_password_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Hash test passwords cheaply; production keeps werkzeug's default."""
    monkeypatch.setattr(
        "webapp.models.generate_password_hash",
        lambda password: generate_password_hash(password, method="pbkdf2:sha256:1"),
    )


def make_app(db_url: str, **overrides: object) -> Flask:
    """An app for tests on ``db_url`` (CSRF off unless asked for)."""
    settings = {
        "TESTING": True,
        "SECRET_KEY": "test",
        "SQLALCHEMY_DATABASE_URI": db_url,
        "WTF_CSRF_ENABLED": False,
        "SERVER_NAME": "mentorloom.test",
        # a job started by a request (a match run, an import) ends before the answer;
        # tests of the background thread set JOBS_ASYNC (tests/web/test_import_jobs.py)
        "JOBS_ASYNC": False,
        # the rate limits have their own tests (test_security.py); others send many requests
        "RATE_LIMITS": {"login": [10_000, 60], "intake": [10_000, 60]},
        **overrides,
    }
    return create_app(settings)


@pytest.fixture
def app(db_url: str) -> Iterator[Flask]:
    """The app on an empty database of each backend, with one admin."""
    app = make_app(db_url)
    with app.app_context():
        create_admin(ADMIN_EMAIL, ADMIN_PASSWORD)
        db.session.commit()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="session")
def redis_service() -> str:
    """The URL of the Redis on 127.0.0.1:6379; required in CI, skipped elsewhere when down."""
    from redis import Redis
    from redis.exceptions import ConnectionError as RedisDown

    url = "redis://127.0.0.1:6379/0"
    try:
        Redis.from_url(url).ping()
    except RedisDown as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"Redis is required in CI and is not reachable: {exc}")
        pytest.skip("Redis is not reachable")
    return url


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A browser-like test client."""
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    """Runs ``flask`` commands against the app."""
    return app.test_cli_runner()


class AuthActions:
    """Log the test client in and out."""

    def __init__(self, client: FlaskClient) -> None:
        self._client = client

    def login(self, email: str = ADMIN_EMAIL, password: str = ADMIN_PASSWORD) -> TestResponse:
        """POST the log-in form."""
        return self._client.post("/auth/login", data={"email": email, "password": password})

    def logout(self) -> TestResponse:
        """POST the log-out button."""
        return self._client.post("/auth/logout")


@pytest.fixture
def auth(client: FlaskClient) -> AuthActions:
    """Log-in helpers."""
    return AuthActions(client)


@pytest.fixture
def admin_client(client: FlaskClient, auth: AuthActions) -> FlaskClient:
    """A client with a logged-in admin."""
    assert auth.login().status_code == 302
    return client


@pytest.fixture
def program_id(app: Flask) -> int:
    """An empty program."""
    with app.app_context():
        program = Program(name="Spring cohort", config={})
        db.session.add(program)
        db.session.commit()
        return program.id


def upload(
    client: FlaskClient, program_id: int, name: str, content: bytes | None = None
) -> TestResponse:
    """Upload a CSV (a file of tests/web/data by default) and follow to its preview."""
    data = content if content is not None else (DATA / name).read_bytes()
    return client.post(
        f"/programs/{program_id}/import/",
        data={"file": (BytesIO(data), name)},
        content_type="multipart/form-data",
        follow_redirects=True,
    )


@pytest.fixture
def demo(app: Flask, admin_client: FlaskClient) -> tuple[int, MatchRun]:
    """The demo program (sample_data/participants.csv) and a finished run of it."""
    from tests.web.matching import load_demo, run_to_end

    program_id = load_demo(app)
    run = run_to_end(app, admin_client, program_id)
    assert run.status == "done", run.error
    return program_id, run


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Debian's chromium, headless: one for every browser test module of the session."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium (scripts/test.sh does)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
