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
