"""Alembic migrations build the schema the models describe, on both backends."""

from __future__ import annotations

import importlib
import pkgutil

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


def test_runs_made_before_0005_are_numbered_per_program(empty_db_url: str) -> None:
    """Existing runs get the numbers 1, 2, ... of their program, in the order they were
    made, and nothing left out; they survive a downgrade and an upgrade again."""
    import_every_model()
    app = make_app(empty_db_url)
    with app.app_context():
        upgrade(revision="0004")
        now = "2026-11-01 10:00:00"
        with db.engine.begin() as conn:
            for program_id, name in ((1, "A"), (2, "B")):
                conn.execute(
                    sa.text(
                        "INSERT INTO program (id, name, config, created_at, updated_at) "
                        "VALUES (:id, :name, '{}', :now, :now)"
                    ),
                    {"id": program_id, "name": name, "now": now},
                )
            for run_id, program_id in ((1, 1), (2, 2), (3, 1), (4, 1), (5, 2)):
                conn.execute(
                    sa.text(
                        "INSERT INTO match_run (id, program_id, status, step, done, total, "
                        "error, config, input_hash, created_by, created_at, summary, removed) "
                        "VALUES (:id, :program, 'done', '', 0, 0, '', '{}', '', 'a@x.org', "
                        ":now, '{}', '[]')"
                    ),
                    {"id": run_id, "program": program_id, "now": now},
                )
        upgrade()
        found = db.session.execute(
            sa.text("SELECT id, number, left_out FROM match_run ORDER BY id")
        ).all()
        assert [(i, n) for i, n, _ in found] == [(1, 1), (2, 1), (3, 2), (4, 3), (5, 2)]
        assert {str(left) for _, _, left in found} == {"[]"}
        db.session.remove()
        downgrade(revision="0004")
        upgrade()
        again = db.session.scalars(sa.text("SELECT number FROM match_run ORDER BY id")).all()
        assert again == [1, 1, 2, 3, 2]
        db.session.remove()
        downgrade(revision="base")
        db.engine.dispose()
