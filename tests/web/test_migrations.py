"""Alembic migrations build the schema the models describe, on both backends."""

from __future__ import annotations

import importlib
import pkgutil
from datetime import datetime

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

import webapp
from tests.web.conftest import make_app
from webapp.db import db


def import_every_model() -> None:
    """Import every module of the web app, so that every table is in the metadata."""
    for module in pkgutil.iter_modules(webapp.__path__, "webapp."):
        importlib.import_module(module.name)


def test_upgrade_an_empty_database_then_downgrade(empty_db_url: str) -> None:
    import_every_model()
    app = make_app(empty_db_url)
    with app.app_context():
        upgrade()
        tables = set(sa.inspect(db.engine).get_table_names())
        assert {t.name for t in db.metadata.sorted_tables} <= tables
        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            assert compare_metadata(context, db.metadata) == []
        downgrade(revision="base")
        assert set(sa.inspect(db.engine).get_table_names()) <= {"alembic_version"}
        db.session.remove()
        db.engine.dispose()


def test_runs_and_uploads_survive_the_upgrade_to_background_jobs(empty_db_url: str) -> None:
    """0005_jobs: every run keeps its data, gets a heartbeat, and a program left with two
    active runs by the old race keeps the newest; an imported file stays imported, a
    file waiting for confirmation asks to be uploaded again."""
    import_every_model()
    app = make_app(empty_db_url)
    with app.app_context():
        upgrade(revision="0004")
        with db.engine.begin() as conn:
            day = datetime(2026, 1, 1)
            conn.execute(
                sa.text(
                    "INSERT INTO program (id, name, config, created_at, updated_at) "
                    "VALUES (1, 'P', '{}', :day, :day)"
                ),
                {"day": day},
            )
            for run_id, status in ((1, "done"), (2, "running"), (3, "queued")):
                conn.execute(
                    sa.text(
                        "INSERT INTO match_run (id, program_id, status, step, done, total, "
                        "error, config, input_hash, created_by, created_at, summary, removed) "
                        "VALUES (:id, 1, :status, '', 0, 0, '', '{}', 'h', 'a@x.org', :day, "
                        "'{}', '[]')"
                    ),
                    {"id": run_id, "status": status, "day": day},
                )
            for upload_id, imported in ((1, day), (2, None)):
                conn.execute(
                    sa.text(
                        "INSERT INTO import_upload (id, program_id, filename, content, "
                        "created_at, imported_at) VALUES (:id, 1, 'f.csv', :content, :day, "
                        ":imported)"
                    ),
                    {"id": upload_id, "content": b"x", "day": day, "imported": imported},
                )
        upgrade()
        with db.engine.connect() as conn:
            runs = conn.execute(
                sa.text("SELECT id, status, heartbeat_at, input_hash FROM match_run ORDER BY id")
            ).all()
        assert [(r.id, r.status, r.input_hash) for r in runs] == [
            (1, "done", "h"),
            (2, "failed", "h"),
            (3, "queued", "h"),
        ]
        assert all(r.heartbeat_at is not None for r in runs)
        with db.engine.connect() as conn:
            uploads = conn.execute(
                sa.text("SELECT task, status, error, content FROM import_upload ORDER BY id")
            ).all()
        assert [(u.task, u.status, bytes(u.content)) for u in uploads] == [
            ("import", "done", b"x"),
            ("preview", "failed", b"x"),
        ]
        assert "upload the file again" in uploads[1].error
        downgrade(revision="base")
        db.session.remove()
        db.engine.dispose()


def test_0005_keeps_audit_events_and_lets_only_a_redaction_change_them(
    empty_db_url: str,
) -> None:
    """Events written before the upgrade survive it; after it the triggers allow a
    redaction and nothing else; after a downgrade they refuse every change again."""
    import_every_model()
    app = make_app(empty_db_url)
    redact = "UPDATE audit_event SET actor = 'x', redacted_at = CURRENT_TIMESTAMP"
    with app.app_context():
        upgrade(revision="0004")
        with db.engine.begin() as conn:
            conn.execute(
                sa.text(
                    "INSERT INTO audit_event (actor, action, detail, created_at) "
                    "VALUES ('ana@example.org', 'old.event', '{}', CURRENT_TIMESTAMP)"
                )
            )
        upgrade()
        with db.engine.begin() as conn:
            assert conn.execute(sa.text("SELECT actor FROM audit_event")).all() == [
                ("ana@example.org",)
            ]
        with pytest.raises(sa.exc.DatabaseError, match="append-only"), db.engine.begin() as conn:
            conn.execute(sa.text("UPDATE audit_event SET actor = 'x'"))
        with db.engine.begin() as conn:
            conn.execute(sa.text(redact))
        downgrade(revision="0004")
        for statement in ("UPDATE audit_event SET actor = 'y'", "DELETE FROM audit_event"):
            with (
                pytest.raises(sa.exc.DatabaseError, match="append-only"),
                db.engine.begin() as conn,
            ):
                conn.execute(sa.text(statement))
        downgrade(revision="base")
        db.session.remove()
        db.engine.dispose()
