"""Back up and restore the database: ``flask --app webapp backup FILE`` / ``restore FILE``.

SQLite is copied with its online backup API, page by page while the app keeps running;
a restore copies the file back the same way. PostgreSQL goes through ``pg_dump`` (custom
format) and ``pg_restore --clean``; when the database URL sets a ``search_path`` (one
schema of a shared database), only that schema is dumped. A backup file is created
readable and writable by its owner only (0600).
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy.engine import URL, make_url

from webapp.db import db
from webapp.settings import create_private


class BackupError(click.ClickException):
    """A backup or restore that could not be done; the message says why."""


def _sqlite_copy(source: str | Path, target: str | Path) -> None:
    """Copy one SQLite database into another with the online backup API."""
    src, dst = sqlite3.connect(source), sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()


def _libpq(url: URL) -> tuple[str, list[str]]:
    """The libpq URI of a SQLAlchemy PostgreSQL URL, and ``-n SCHEMA`` if it sets one.

    >>> _libpq(make_url("postgresql+psycopg://u@h:5432/d?options=-csearch_path%3Ds1"))
    ('postgresql://u@h:5432/d?options=-csearch_path%3Ds1', ['--schema=s1'])
    >>> _libpq(make_url("postgresql+psycopg://u:pw@h/d"))
    ('postgresql://u:pw@h/d', [])
    """
    options = url.query.get("options", "")
    text = options if isinstance(options, str) else " ".join(options)
    schemas = [
        value.split("=", 1)[1]
        for value in text.replace("-c", " ").split()
        if value.startswith("search_path=")
    ]
    uri = url.set(drivername="postgresql").render_as_string(hide_password=False)
    return uri, [f"--schema={s}" for s in schemas]


def _run(command: list[str]) -> None:
    """Run a PostgreSQL client program; a failure becomes a :class:`BackupError`."""
    if shutil.which(command[0]) is None:
        raise BackupError(f"{command[0]} is not installed (apt-get install postgresql-client)")
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BackupError(f"{command[0]} failed: {done.stderr.strip()}")


def backup(target: Path) -> None:
    """Write a backup of the app's database to ``target``, readable by its owner only."""
    url = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() not in ("sqlite", "postgresql"):
        raise BackupError(f"no backup for {url.get_backend_name()} databases")
    try:
        create_private(target, replace=True)
    except OSError as exc:
        raise BackupError(f"cannot write {target}: {exc.strerror}") from None
    if url.get_backend_name() == "sqlite":
        _sqlite_copy(str(url.database), target)
    else:
        uri, schema = _libpq(url)
        _run(["pg_dump", "--format=custom", "--no-owner", *schema, f"--file={target}", uri])


def restore(source: Path) -> None:
    """Replace the app's database by the backup in ``source``."""
    if not source.is_file():
        raise BackupError(f"{source} is not a file")
    url = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])
    db.session.remove()
    db.engine.dispose()
    if url.get_backend_name() == "sqlite":
        _sqlite_copy(source, str(url.database))
    elif url.get_backend_name() == "postgresql":
        uri, _ = _libpq(url)
        _run(["pg_restore", "--clean", "--if-exists", "--no-owner", f"--dbname={uri}", str(source)])
    else:
        raise BackupError(f"no restore for {url.get_backend_name()} databases")


@click.command("backup")
@with_appcontext
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def backup_command(file: Path) -> None:
    """Back up the database to FILE (SQLite online backup, or pg_dump)."""
    backup(file)
    click.echo(f"Backed up to {file}.")


@click.command("restore")
@with_appcontext
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def restore_command(file: Path) -> None:
    """Replace the database by the backup in FILE (stop the app first)."""
    restore(file)
    click.echo(f"Restored from {file}.")
