"""Helpers of the web app tests: the test databases and app, logging in, importing a CSV.

The fixtures built on them are in ``tests/web/conftest.py``; match runs have their own
helpers in :mod:`tests.web.matching`, HTML forms in :mod:`tests.web.forms`.
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterator
from io import BytesIO
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from webapp import create_app
from webapp.db import db
from webapp.mail import OutboxMessage

DATA = Path(__file__).parent / "data"
POSTGRES = os.environ.get(
    "MENTORLOOM_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
REDIS = "redis://127.0.0.1:6379/0"
ADMIN_EMAIL = "admin@example.org"
ADMIN_PASSWORD = "correct horse battery"

#: An intake link in an e-mail's text (its path is the group).
INTAKE_LINK = re.compile(r"https?://[^/\s]+(/intake/[\w-]+)")
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def postgres_schema() -> Iterator[str]:
    """Create a fresh schema, yield a URL whose connections use it, then drop it.

    When PostgreSQL is down the test is skipped, except in CI (``CI=true``), where it fails.
    """
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


def empty_tables(url: str) -> None:
    """Empty every table, creating those of models imported since the session began."""
    engine = sa.create_engine(url, poolclass=sa.NullPool)
    names = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
    with engine.begin() as conn:
        db.metadata.create_all(conn)
        conn.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    engine.dispose()


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


def confirm(client: FlaskClient, preview: TestResponse) -> TestResponse:
    """Press the import button of the preview page an upload ended on; the page it leads to."""
    return client.post(preview.request.path, follow_redirects=True)


def import_csv(
    client: FlaskClient, program_id: int, name: str, content: bytes | None = None
) -> TestResponse:
    """Upload a CSV (a file of tests/web/data by default) and import it; the result page."""
    return confirm(client, upload(client, program_id, name, content))


def mailed_links(app: Flask, to: str) -> list[str]:
    """The paths of the intake links in the e-mails queued for ``to``, oldest first."""
    with app.app_context():
        texts = db.session.scalars(
            sa.select(OutboxMessage.text_body)
            .where(OutboxMessage.to == to)
            .order_by(OutboxMessage.id)
        ).all()
    return [path for text in texts for path in INTAKE_LINK.findall(text)]
