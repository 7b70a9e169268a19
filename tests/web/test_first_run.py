"""The demo's first "Run matching" compiles nothing; a big program's first run says that it
compiles the engine, and how long that took (issue 14, item 0)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numba
import pytest
from flask import Flask
from flask.testing import FlaskClient

from matcher import engine, kernels
from tests.web.matching import load_demo, run_to_end
from webapp import jobs

ROOT = Path(__file__).resolve().parents[2]

# A new server process: the demo program, an admin presses "Run matching" and waits for it.
FIRST_RUN = """
import json, sys, time
from numba.core.dispatcher import Dispatcher
from matcher import blockscan, candidates, flow
from tests.web.helpers import ADMIN_EMAIL, ADMIN_PASSWORD, make_app
from tests.web.matching import load_demo, run_to_end
from webapp.admins import create_admin
from webapp.db import db

app = make_app(sys.argv[1])
with app.app_context():
    create_admin(ADMIN_EMAIL, ADMIN_PASSWORD)
    db.session.commit()
program_id = load_demo(app)
client = app.test_client()
client.post("/auth/login", data={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})
started = time.perf_counter()
run = run_to_end(app, client, program_id)
seconds = time.perf_counter() - started
page = client.get(f"/programs/{program_id}/runs/{run.id}").text
found = [v for m in (blockscan, candidates, flow) for v in vars(m).values()]
built = [k.py_func.__name__ for k in found if isinstance(k, Dispatcher) and k.signatures]
print(json.dumps({"status": run.status, "error": run.error, "built": built,
                  "seconds": seconds, "says_compiled": "compiled" in page}))
"""


def test_the_demos_first_run_compiles_nothing_on_a_new_server(db_url: str, tmp_path: Path) -> None:
    """The issue's first web run sat 42 s at "rules and scores (157 of 157)" while every
    kernel compiled; now a new process with an empty numba cache builds none."""
    cache = tmp_path / "numba"
    done = subprocess.run(
        [sys.executable, "-c", FIRST_RUN, db_url],
        cwd=ROOT,
        env={"NUMBA_CACHE_DIR": str(cache), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert found["status"] == "done", found["error"]
    assert found["built"] == []
    assert not found["says_compiled"]
    assert not list(cache.rglob("*.nb*"))


def test_a_big_programs_first_run_shows_the_compile_step_and_its_time(
    app: Flask, admin_client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engine, "COMPILE_CELLS", -1)  # every program is big
    kernel = numba.njit(lambda x: x + 1)  # never compiled yet
    monkeypatch.setattr(kernels, "ENTRIES", [kernels.Entry(kernel, (kernels.INT,))])
    steps: list[str] = []
    report = jobs.Beat.progress

    def spy(self: jobs.Beat, step: str, done: int, total: int) -> None:
        steps.append(step)
        report(self, step, done, total)

    monkeypatch.setattr(jobs.Beat, "progress", spy)
    program_id = load_demo(app)
    first = run_to_end(app, admin_client, program_id)
    assert first.status == "done", first.error
    assert steps[0] == engine.COMPILE_STEP
    assert first.summary["timings"]["compile"] > 0
    page = admin_client.get(f"/programs/{program_id}/runs/{first.id}").text
    assert "This run first compiled the matching engine for big cohorts" in page
    steps.clear()
    again = run_to_end(app, admin_client, program_id)
    assert engine.COMPILE_STEP not in steps and "compile" not in again.summary["timings"]
    assert "compiled" not in admin_client.get(f"/programs/{program_id}/runs/{again.id}").text
