"""Database session and Flask extensions shared by every blueprint, and
:func:`insert_once`, an insert guarded by a unique index.

SQLite connections get foreign keys on and write-ahead logging; PostgreSQL needs nothing.
"""

from __future__ import annotations

from typing import Any

from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base with named constraints, so migrations can alter them."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
migrate = Migrate(render_as_batch=True, compare_type=True)
csrf = CSRFProtect()
login_manager = LoginManager()
login_manager.login_view = "admin.auth.login"
login_manager.login_message = "Please log in to see this page."


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection: Any, connection_record: Any) -> None:
    """Turn on foreign keys and WAL for every new SQLite connection."""
    if type(dbapi_connection).__module__ != "sqlite3":
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


def insert_once(model: type[Base], values: dict[str, Any], keys: list[str]) -> int | None:
    """Insert a row of ``model`` unless one with the same ``keys`` (the columns of a
    unique index) exists: the new row's id, or None when another insert came first
    (at the same moment or earlier). ``INSERT … ON CONFLICT DO NOTHING`` on both
    backends, so two callers never both insert."""
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = model.__table__  # type: ignore[attr-defined]
    statement = (
        insert(table)
        .values(**values)
        .on_conflict_do_nothing(index_elements=keys)
        .returning(table.c.id)
    )
    return db.session.scalar(statement)
