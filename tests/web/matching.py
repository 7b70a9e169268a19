"""Helpers of the match-run tests: load the demo program, start a run, wait for it, read
its pairs, decide on them one by one or in bulk, export them, publish them."""

from __future__ import annotations

import time
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.web.forms import form_values
from webapp.db import db
from webapp.models import Program
from webapp.run_models import MatchRun, PairDecision, ProposedMatch

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "sample_data" / "participants.csv"
CONFIG = ROOT / "sample_data" / "program.toml"


def load_demo(app: Flask, csv: Path = SAMPLE) -> int:
    """Load a participant CSV as the demo program (as scripts/demo.sh does); its id."""
    result = app.test_cli_runner().invoke(args=["load-demo", str(csv), "--config", str(CONFIG)])
    assert result.exit_code == 0, result.output
    with app.app_context():
        return db.session.scalars(db.select(Program.id)).one()


def lock_directly(program_id: int, mentee_email: str, mentor: ProposedMatch) -> None:
    """Store and commit a lock of (mentee, the pair's mentor, the pair's type) straight in
    the database (inside an app context), as a match made by hand earlier, or a lock a
    re-run left out, would have left it."""
    db.session.add(
        PairDecision(
            program_id=program_id,
            mentee_email=mentee_email,
            mentor_email=mentor.mentor_email,
            mentor_type=mentor.mentor_type,
            action="lock",
            decided_by="admin@example.org",
        )
    )
    db.session.commit()


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


def pairs_of(app: Flask, run_id: int) -> list[ProposedMatch]:
    """The run's pairs, highest score first."""
    with app.app_context():
        query = db.select(ProposedMatch).filter_by(run_id=run_id)
        found = db.session.scalars(query.order_by(ProposedMatch.score.desc())).all()
        db.session.expunge_all()
        return list(found)


def decide(
    client: FlaskClient, program_id: int, run_id: int, pair_id: int, action: str, **more: str
) -> TestResponse:
    """POST one decision."""
    url = f"/programs/{program_id}/runs/{run_id}/matches/{pair_id}"
    return client.post(url, data={"action": action, **more})


def bulk(
    client: FlaskClient, program_id: int, run_id: int, **form: object
) -> tuple[TestResponse, TestResponse | None]:
    """Send the bulk form, then confirm what its confirmation page offers (if anything):
    the confirmation page and the answer to confirming."""
    page = client.post(f"/programs/{program_id}/runs/{run_id}/bulk", data=form)
    if page.status_code != 200 or "/bulk/confirm" not in page.text:
        return page, None
    sent = dict(form_values(page.text))
    return page, client.post(f"/programs/{program_id}/runs/{run_id}/bulk/confirm", data=sent)


def follow_job(client: FlaskClient, page: str, timeout: float = 60) -> TestResponse:
    """GET a job's page until it shows no progress any more (the job has finished);
    that last answer."""
    deadline = time.monotonic() + timeout
    while "data-job-progress" in (shown := client.get(page)).text:
        assert time.monotonic() < deadline, f"{page} did not finish in {timeout} s"
        time.sleep(0.05)
    return shown


def export(client: FlaskClient, program_id: int, run_id: int, name: str) -> TestResponse:
    """Press the button of an export (``export.csv`` or ``introductions.zip``), follow
    its job to the end and download the file it made: the download."""
    queued = client.post(f"/programs/{program_id}/runs/{run_id}/{name}")
    assert queued.status_code == 302, queued.text
    page = queued.headers["Location"]
    shown = follow_job(client, page)
    assert f'href="{page}/download"' in shown.text, shown.text
    return client.get(f"{page}/download")


def publish(client: FlaskClient, program_id: int, run_id: int, **form: str) -> str:
    """Press "Publish and introduce" (every ready pair unless ``form`` says otherwise) and
    follow to the publish job's page; its text."""
    response = client.post(
        f"/programs/{program_id}/runs/{run_id}/publish",
        data={"scope": "all", "mentor_type": "developmental", **form},
        follow_redirects=True,
    )
    assert response.status_code == 200
    return response.text
