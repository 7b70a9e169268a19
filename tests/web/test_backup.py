"""Backups (issue 7, item 6): back up, change everything, restore, compare every table."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import select

from tests.web.helpers import import_csv
from tests.web.test_privacy import PEOPLE
from webapp.db import db
from webapp.models import Participant


def contents(app: Flask) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in primary-key order."""
    with app.app_context():
        found = {}
        for table in db.metadata.sorted_tables:
            rows = db.session.execute(select(table).order_by(*table.primary_key.columns))
            found[table.name] = [tuple(row) for row in rows]
        return found


@pytest.fixture(autouse=True)
def postgres_client(backend: str) -> None:
    """pg_dump and pg_restore are needed on PostgreSQL (scripts/test.sh installs them)."""
    if backend == "postgresql" and shutil.which("pg_dump") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("pg_dump is required in CI: apt-get install postgresql-client")
        pytest.skip("pg_dump is not installed")


def test_backup_then_restore_gives_back_every_row(
    app: Flask,
    admin_client: FlaskClient,
    runner: FlaskCliRunner,
    program_id: int,
    tmp_path: Path,
) -> None:
    import_csv(admin_client, program_id, "people.csv", PEOPLE)
    before = contents(app)
    assert len(before["participant"]) == 3 and before["audit_event"]
    file = tmp_path / "mentorloom.backup"
    backed_up = runner.invoke(args=["backup", str(file)])
    assert backed_up.exit_code == 0, backed_up.output
    assert file.stat().st_size > 0

    import_csv(admin_client, program_id, "more.csv", PEOPLE.replace(b"Cy,", b"Cyrus,"))
    with app.app_context():
        db.session.delete(db.session.scalars(select(Participant)).first())
        db.session.commit()
    assert contents(app) != before

    restored = runner.invoke(args=["restore", str(file)])
    assert restored.exit_code == 0, restored.output
    assert contents(app) == before


def test_restore_refuses_a_missing_file(runner: FlaskCliRunner, tmp_path: Path) -> None:
    result = runner.invoke(args=["restore", str(tmp_path / "nothing.backup")])
    assert result.exit_code != 0
    assert "does not exist" in result.output


@pytest.fixture
def umask_022() -> Iterator[None]:
    """The usual umask, under which files are created 0644 unless the code says otherwise."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def test_backups_are_readable_by_their_owner_only(
    app: Flask, runner: FlaskCliRunner, tmp_path: Path, umask_022: None
) -> None:
    """Item 20: a backup holds every participant; it was created 0644."""
    fresh, old = tmp_path / "fresh.backup", tmp_path / "old.backup"
    old.write_bytes(b"an older backup")
    old.chmod(0o644)
    for file in (fresh, old):
        result = runner.invoke(args=["backup", str(file)])
        assert result.exit_code == 0, result.output
        assert file.stat().st_mode & 0o777 == 0o600
        assert file.stat().st_size > len(b"an older backup")


def test_backup_into_a_missing_folder_says_so(runner: FlaskCliRunner, tmp_path: Path) -> None:
    result = runner.invoke(args=["backup", str(tmp_path / "nowhere" / "x.backup")])
    assert result.exit_code != 0
    assert "cannot write" in result.output and "No such file or directory" in result.output
