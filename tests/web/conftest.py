"""Fixtures of the web app tests; every test that uses ``app`` runs on SQLite and PostgreSQL.

PostgreSQL comes from ``MENTORLOOM_TEST_POSTGRES`` (default: the ``test`` database on
127.0.0.1:5432 as ``postgres``). Each test gets its own schema, dropped afterwards. When
PostgreSQL is down the PostgreSQL half is skipped, except in CI (``CI=true``), where it fails.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from playwright.sync_api import Browser, sync_playwright
from werkzeug.security import generate_password_hash

from tests.web.helpers import (
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    CHROMIUM,
    CHROMIUM_ARGS,
    REDIS,
    AuthActions,
    empty_tables,
    import_csv,
    make_app,
    postgres_schema,
)
from tests.web.matching import decide, load_demo, pairs_of, run_to_end
from tests.web.smtp import SmtpSink
from webapp.admins import create_admin
from webapp.db import db
from webapp.models import Program
from webapp.run_models import MatchRun, ProposedMatch


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
        yield from postgres_schema()


@pytest.fixture(scope="session")
def postgres_tables() -> Iterator[str]:
    """One PostgreSQL schema with every table, shared by the tests (emptied before each)."""
    for url in postgres_schema():
        engine = sa.create_engine(url, poolclass=sa.NullPool)
        db.metadata.create_all(engine)
        engine.dispose()
        yield url


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
    empty_tables(url)
    return url


@pytest.fixture(autouse=True)
def quick_password_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Hash test passwords cheaply; production keeps werkzeug's default."""
    monkeypatch.setattr(
        "webapp.models.generate_password_hash",
        lambda password: generate_password_hash(password, method="pbkdf2:sha256:1"),
    )


def _app_with_admin(db_url: str, **settings: object) -> Iterator[Flask]:
    """The app on ``db_url`` with ``settings`` and one admin; its connections closed after."""
    app = make_app(db_url, **settings)
    with app.app_context():
        create_admin(ADMIN_EMAIL, ADMIN_PASSWORD)
        db.session.commit()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def app(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Flask]:
    """The app on an empty database of each backend, with one admin; its instance folder
    (where e-mails are written as ``.eml`` files) in ``tmp_path``."""
    monkeypatch.setenv("MENTORLOOM_INSTANCE_PATH", str(tmp_path / "instance"))
    yield from _app_with_admin(db_url)


@pytest.fixture(scope="session")
def redis_service() -> str:
    """The URL of the Redis on 127.0.0.1:6379; required in CI, skipped elsewhere when down."""
    from redis import Redis
    from redis.exceptions import ConnectionError as RedisDown

    try:
        Redis.from_url(REDIS).ping()
    except RedisDown as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"Redis is required in CI and is not reachable: {exc}")
        pytest.skip("Redis is not reachable")
    return REDIS


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A browser-like test client."""
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    """Runs ``flask`` commands against the app."""
    return app.test_cli_runner()


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


@pytest.fixture
def imported(admin_client: FlaskClient, program_id: int) -> int:
    """The program with the six people of data/participants.csv, imported by the admin."""
    import_csv(admin_client, program_id, "participants.csv")
    return program_id


@pytest.fixture
def demo(app: Flask, admin_client: FlaskClient) -> tuple[int, MatchRun]:
    """The demo program (sample_data/participants.csv) and a finished run of it."""
    program_id = load_demo(app)
    run = run_to_end(app, admin_client, program_id)
    assert run.status == "done", run.error
    return program_id, run


@pytest.fixture
def smtp_server() -> Iterator[SmtpSink]:
    """A real SMTP server (aiosmtpd) on 127.0.0.1, keeping what arrives; stopped after."""
    sink = SmtpSink()
    sink.start()
    yield sink
    sink.stop()


@pytest.fixture
def mail_app(
    db_url: str, smtp_server: SmtpSink, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Flask]:
    """The app sending e-mail to :func:`smtp_server`, its instance folder in ``tmp_path``,
    with one admin and jobs run inside the request that starts them."""
    monkeypatch.setenv("MENTORLOOM_INSTANCE_PATH", str(tmp_path / "instance"))
    yield from _app_with_admin(db_url, SMTP_URL=smtp_server.url, MAIL_FROM="mentoring@example.org")


@pytest.fixture
def mail_admin(mail_app: Flask) -> FlaskClient:
    """A logged-in admin of the app that sends e-mail to the local SMTP server."""
    client = mail_app.test_client()
    assert AuthActions(client).login().status_code == 302
    return client


@pytest.fixture
def approved(mail_app: Flask, mail_admin: FlaskClient) -> tuple[int, MatchRun, list[ProposedMatch]]:
    """The demo program in :func:`mail_app`, a finished run, and its three best pairs
    approved (ready to publish)."""
    program_id = load_demo(mail_app)
    run = run_to_end(mail_app, mail_admin, program_id)
    assert run.status == "done", run.error
    pairs = pairs_of(mail_app, run.id)[:3]
    for pair in pairs:
        assert decide(mail_admin, program_id, run.id, pair.id, "approve").status_code == 302
    return program_id, run, pairs


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Debian's chromium, headless: one for every browser test module of the session."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium (scripts/test.sh does)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
