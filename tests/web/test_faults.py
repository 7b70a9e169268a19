"""A full disk, a read-only database or a lost connection meeting a change.

A decision that meets one answers a page saying that nothing was saved and why (503,
never Werkzeug's bare 500), logs a line, and leaves every table as it was. An import is
a background job: the one that meets a fault while it writes fails with the same reason
on its page; a database that cannot take even the request queuing it answers the 503.
SQLite is made full with ``PRAGMA max_page_count`` and read-only with ``PRAGMA
query_only``; PostgreSQL is made read-only with ``default_transaction_read_only``, its
connection is killed with ``pg_terminate_backend`` at the first write, and its disk full
is the error PostgreSQL raises then (SQLSTATE 53100) raised by a trigger. SQLite has no
connection to lose.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from tests.web.helpers import upload
from tests.web.test_concurrency import contested_run
from webapp import faults
from webapp.db import db

CASES = [
    ("sqlite", "full"),
    ("sqlite", "read-only"),
    ("postgresql", "full"),
    ("postgresql", "read-only"),
    ("postgresql", "lost"),
]
REASONS = {"full": faults.FULL, "read-only": faults.READ_ONLY, "lost": faults.LOST}
WRITES = ("INSERT", "UPDATE", "DELETE")


def tables_hash(app: Flask, *, but: str = "") -> str:
    """A SHA-256 of every row of every table (but the table named ``but``)."""
    with app.app_context():
        rows = []
        with db.engine.connect() as connection:
            for table in db.metadata.sorted_tables:
                if table.name == but:
                    continue
                query = sa.select(table).order_by(*table.primary_key.columns)
                rows += [[table.name, *map(str, row)] for row in connection.execute(query)]
        return hashlib.sha256(json.dumps(rows).encode()).hexdigest()


def _on_connect(engine: sa.Engine, statement: str) -> Iterator[None]:
    """Every new connection of ``engine`` runs ``statement`` (the pool is emptied first)."""

    def run(connection: Any, record: Any) -> None:
        cursor = connection.cursor()
        cursor.execute(statement)
        cursor.close()
        connection.commit()  # a setting made in a transaction rolled back would be undone

    engine.dispose()
    try:
        yield from _listening(engine, "connect", run)
    finally:
        engine.dispose()


def _listening(engine: sa.Engine, name: str, listener: Any) -> Iterator[None]:
    """``listener`` hears the engine's event ``name`` until the block ends."""
    sa.event.listen(engine, name, listener)
    try:
        yield
    finally:
        sa.event.remove(engine, name, listener)


def _fill_sqlite(engine: sa.Engine) -> Iterator[None]:
    """Fill the audit table's last page and let no connection add a page: every change
    writes an audit event, which then finds no room."""
    with engine.connect() as connection:
        pages = connection.exec_driver_sql("PRAGMA page_count").scalar()
        connection.exec_driver_sql(f"PRAGMA max_page_count = {pages}")
        filler = sa.text(
            "INSERT INTO audit_event (actor, action, detail, created_at) "
            "VALUES ('test', 'filler', '{}', '2026-01-01')"
        )
        while True:
            try:
                connection.execute(filler)
                connection.commit()
            except sa.exc.OperationalError as error:
                assert faults.reason(error) == faults.FULL
                connection.rollback()
                break
    yield from _on_connect(engine, f"PRAGMA max_page_count = {pages}")


def _full_postgres(engine: sa.Engine) -> Iterator[None]:
    """Every audit event meets the error PostgreSQL gives when its disk is full."""
    with engine.begin() as connection:
        connection.exec_driver_sql(
            "CREATE FUNCTION disk_full() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION "
            "'could not extend file: No space left on device' USING ERRCODE = 'disk_full'; "
            "END $$ LANGUAGE plpgsql"
        )
        connection.exec_driver_sql(
            "CREATE TRIGGER disk_full BEFORE INSERT ON audit_event "
            "FOR EACH ROW EXECUTE FUNCTION disk_full()"
        )
    try:
        yield
    finally:
        with engine.begin() as connection:
            connection.exec_driver_sql("DROP TRIGGER disk_full ON audit_event")
            connection.exec_driver_sql("DROP FUNCTION disk_full()")


def _lost_postgres(engine: sa.Engine, writes: tuple[str, ...]) -> Iterator[None]:
    """The server ends the app's connection just before its first statement starting
    with one of ``writes``."""
    killer = sa.create_engine(engine.url, poolclass=sa.NullPool)
    killed: list[int] = []

    def kill(connection: Any, cursor: Any, statement: str, *args: Any) -> None:
        if not killed and statement.lstrip().upper().startswith(writes):
            killed.append(connection.connection.dbapi_connection.info.backend_pid)
            with killer.connect() as other:
                other.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": killed[0]})

    try:
        yield from _listening(engine, "before_cursor_execute", kill)
    finally:
        killer.dispose()


@contextmanager
def database_fault(
    app: Flask, backend: str, fault: str, writes: tuple[str, ...] = WRITES
) -> Iterator[None]:
    """The database of ``app`` meets ``fault`` until the block ends (a lost connection:
    at the first statement starting with one of ``writes``)."""
    with app.app_context():
        engine = db.engine
    if (backend, fault) == ("sqlite", "full"):
        yield from _fill_sqlite(engine)
    elif (backend, fault) == ("sqlite", "read-only"):
        yield from _on_connect(engine, "PRAGMA query_only = ON")
    elif fault == "full":
        yield from _full_postgres(engine)
    elif fault == "read-only":
        yield from _on_connect(engine, "SET SESSION default_transaction_read_only = on")
    else:
        yield from _lost_postgres(engine, writes)


def assert_not_saved(answer: Any, fault: str, caplog: pytest.LogCaptureFixture) -> None:
    """The page and the log line of a change that met ``fault``."""
    assert answer.status_code == 503
    assert answer.headers["Retry-After"]
    assert (
        f"Your change was not saved: {REASONS[fault]}. Nothing was changed; try again "
        "later or tell your administrator." in answer.text
    )
    logged = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert any(REASONS[fault] in r.getMessage() for r in logged), logged


@pytest.mark.parametrize(("backend", "fault"), CASES)
def test_a_decision_meeting_a_fault_saves_nothing_and_says_why(
    app: Flask,
    admin_client: FlaskClient,
    fault: str,
    backend: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    program_id, run_id, pair_ids = contested_run(app)
    url = f"/programs/{program_id}/runs/{run_id}/matches/{pair_ids[0]}"
    with database_fault(app, backend, fault):
        before = tables_hash(app)
        answer = admin_client.post(url, data={"action": "approve", "version": "0"})
        assert tables_hash(app) == before
    assert_not_saved(answer, fault, caplog)
    assert admin_client.post(url, data={"action": "approve", "version": "0"}).status_code == 302


@pytest.mark.parametrize(("backend", "fault"), CASES)
def test_an_import_meeting_a_fault_saves_nothing_and_says_why(
    app: Flask,
    admin_client: FlaskClient,
    program_id: int,
    fault: str,
    backend: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A read-only database refuses to queue the import (503); a full disk or a lost
    connection meets the job as it writes the participants, which fails and says why."""
    preview = upload(admin_client, program_id, "participants.csv").request.path
    in_job = fault != "read-only"
    with database_fault(app, backend, fault, writes=("INSERT INTO PARTICIPANT",)):
        before = tables_hash(app, but="import_upload" if in_job else "")
        answer = admin_client.post(preview, follow_redirects=True)
        assert tables_hash(app, but="import_upload" if in_job else "") == before
    if in_job:
        assert answer.status_code == 200
        assert (
            f"The import failed: {REASONS[fault]}; nothing was saved. Try again later or "
            "tell your administrator." in answer.text
        )
        logged = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
        assert any(REASONS[fault] in message for message in logged), logged
    else:
        assert_not_saved(answer, fault, caplog)
    done = admin_client.post(preview, follow_redirects=True)
    assert "Imported: 6 new" in done.text
