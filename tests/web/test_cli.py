"""The ``load-demo`` command behind scripts/demo.sh."""

from __future__ import annotations

import re
from pathlib import Path

from flask import Flask
from flask.testing import FlaskCliRunner

from tests.web.helpers import DATA
from webapp.admins import find_admin
from webapp.db import db
from webapp.models import Participant, Program

ROOT = Path(__file__).resolve().parents[2]


def test_load_demo_loads_a_program_and_prints_the_login(
    app: Flask, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    config = tmp_path / "program.toml"
    config.write_text('objective = "fairness"\nsponsor_level_gap = 3\n', encoding="utf-8")
    csv = str(DATA / "participants.csv")
    result = runner.invoke(args=["load-demo", csv, "--config", str(config)])
    assert result.exit_code == 0, result.output
    assert "6 new, 0 updated, 0 unchanged" in result.output
    password = re.search(r"Log in as demo@example.org with password: (\S+)", result.output)
    assert password is not None
    with app.app_context():
        program = db.session.scalars(db.select(Program)).one()
        assert program.name == "Demo program"
        assert program.config["objective"] == "fairness"
        assert program.config["sponsor_level_gap"] == 3
        assert len(db.session.scalars(db.select(Participant)).all()) == 6
        admin = find_admin("demo@example.org")
        assert admin is not None and admin.check_password(password.group(1))
    again = runner.invoke(args=["load-demo", csv])
    assert "0 new, 0 updated, 6 unchanged" in again.output


def test_load_demo_refuses_a_broken_file(app: Flask, runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["load-demo", str(DATA / "broken.csv")])
    assert result.exit_code == 1
    assert "row 4, column 'role'" in result.output
    assert "nothing was loaded" in result.output
    with app.app_context():
        assert db.session.scalars(db.select(Participant)).all() == []
        assert find_admin("demo@example.org") is None


def test_load_demo_reports_a_bad_config(runner: FlaskCliRunner, tmp_path: Path) -> None:
    config = tmp_path / "program.toml"
    config.write_text("min_score = 500\n", encoding="utf-8")
    result = runner.invoke(
        args=["load-demo", str(DATA / "participants.csv"), "--config", str(config)]
    )
    assert result.exit_code == 1
    assert "config key 'min_score': must be at most 100" in result.output


def test_the_sample_data_loads(app: Flask, runner: FlaskCliRunner) -> None:
    sample = ROOT / "sample_data"
    args = ["load-demo", str(sample / "participants.csv"), "--config", str(sample / "program.toml")]
    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.output
    assert "150 new" in result.output
