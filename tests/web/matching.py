"""Helpers of the match-run tests: load the demo program, start a run, wait for it."""

from __future__ import annotations

import time
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient

from webapp.db import db
from webapp.models import Program
from webapp.run_models import MatchRun

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "sample_data" / "participants.csv"
CONFIG = ROOT / "sample_data" / "program.toml"


def load_demo(app: Flask, csv: Path = SAMPLE) -> int:
    """Load a participant CSV as the demo program (as scripts/demo.sh does); its id."""
    result = app.test_cli_runner().invoke(args=["load-demo", str(csv), "--config", str(CONFIG)])
    assert result.exit_code == 0, result.output
    with app.app_context():
        return db.session.scalars(db.select(Program.id)).one()


def wait_for(app: Flask, run_id: int, timeout: float = 60) -> MatchRun:
    """Wait until the run has finished; return it (detached, attributes loaded)."""
    deadline = time.monotonic() + timeout
    while True:
        with app.app_context():
            run = db.session.get_one(MatchRun, run_id)
            if run.finished:
                db.session.expunge(run)
                return run
        assert time.monotonic() < deadline, f"run {run_id} did not finish in {timeout} s"
        time.sleep(0.05)


def start_run(client: FlaskClient, program_id: int) -> int:
    """Press "Run matching"; the new run's id."""
    response = client.post(f"/programs/{program_id}/runs/")
    assert response.status_code == 302, response.text
    return int(response.headers["Location"].rstrip("/").rsplit("/", 1)[-1])


def run_to_end(app: Flask, client: FlaskClient, program_id: int) -> MatchRun:
    """Start a run and wait for it to finish."""
    return wait_for(app, start_run(client, program_id))
