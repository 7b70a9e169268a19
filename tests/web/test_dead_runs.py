"""A run whose worker is killed with SIGKILL fails within the bound, and a new run starts.

The runs wait in ``propose`` (:mod:`tests.web.slow_jobs`) while a hold file exists, so
the test knows which process works on the run and kills it there: a gunicorn worker
running the run in a thread, or the RQ work horse running it for ``flask worker``.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from flask import Flask
from rq.registry import StartedJobRegistry

from tests.web.gunicorn_server import ROOT, admin_session, app_environment, gunicorn
from tests.web.helpers import ADMIN_EMAIL, ADMIN_PASSWORD, make_app
from tests.web.matching import load_demo, start_run, wait_for
from webapp.admins import create_admin
from webapp.db import db
from webapp.jobs import queue as job_queue
from webapp.run_models import MatchRun

STOPPED = "the worker running it stopped (killed or restarted) at"
#: Longest the test waits for something that should happen at once (seconds).
BOUND = 60


def wait_until(what: str, check: object) -> None:
    """Poll ``check()`` until it is true, for at most ``BOUND`` seconds."""
    deadline = time.monotonic() + BOUND
    while not check():  # type: ignore[operator]
        assert time.monotonic() < deadline, f"{what} did not happen within {BOUND} s"
        time.sleep(0.05)


def working_pid(folder: Path) -> int:
    """The id of the process that has started working on the held run."""
    pid_file = folder / "pid"
    wait_until("the run starting", pid_file.exists)
    pid = int(pid_file.read_text())
    pid_file.unlink()
    return pid


def run_status(app: Flask, run_id: int) -> str:
    with app.app_context():
        return db.session.get_one(MatchRun, run_id).status


def test_a_killed_web_worker_fails_its_run_and_a_new_run_starts(
    app: Flask, db_url: str, tmp_path: Path
) -> None:
    program_id = load_demo(app)
    (tmp_path / "hold").touch()
    settings = {
        "SLOW_JOBS_DIR": str(tmp_path),
        "MENTORLOOM_JOB_BEAT_SECONDS": "0.2",
        "MENTORLOOM_JOB_DEAD_AFTER": "2",
    }
    served = gunicorn(
        db_url,
        tmp_path,
        workers=1,
        app="tests.web.slow_jobs:create_app()",
        preload=True,
        **settings,
    )
    with served as base:
        admin = admin_session(base, ADMIN_EMAIL, ADMIN_PASSWORD)
        start = f"{base}/programs/{program_id}/runs/"
        first = admin.post(start, allow_redirects=False, timeout=60).headers["Location"]
        os.kill(working_pid(tmp_path), signal.SIGKILL)
        (tmp_path / "hold").unlink()

        def failed() -> bool:
            try:
                page = admin.get(f"{base}{first}", timeout=60)
            except requests.ConnectionError:  # the kept-alive connection of the killed worker
                return False
            return "The run failed: " + STOPPED in page.text

        wait_until("the run page saying the run failed", failed)
        page = admin.get(f"{base}{first}", timeout=60).text
        assert "start the run again" in page
        second = admin.post(start, allow_redirects=False, timeout=60)
        assert second.status_code == 302
        assert second.headers["Location"] != first
        second_id = int(second.headers["Location"].rstrip("/").rsplit("/", 1)[-1])
        assert wait_for(app, second_id).status == "done"


@pytest.fixture
def rq_app(db_url: str, redis_service: str) -> Iterator[Flask]:
    """An app queuing runs on its own RQ queue, with the demo program; the queue is
    deleted afterwards. Its ``JOB_DEAD_AFTER`` is long: only RQ can fail a run here."""
    name = f"test-{uuid.uuid4().hex[:8]}"
    app = make_app(db_url, REDIS_URL=redis_service, RQ_QUEUE=name, JOB_DEAD_AFTER=3600)
    with app.app_context():
        create_admin(ADMIN_EMAIL, ADMIN_PASSWORD)
        db.session.commit()
    yield app
    with app.app_context():
        job_queue(app).delete(delete_jobs=True)
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def rq_worker(rq_app: Flask, db_url: str, tmp_path: Path) -> Iterator[subprocess.Popen[bytes]]:
    """``flask worker`` of the slow app on ``rq_app``'s queue, with runs held."""
    (tmp_path / "hold").touch()
    env = app_environment(
        db_url,
        tmp_path,
        SLOW_JOBS_DIR=str(tmp_path),
        REDIS_URL=rq_app.config["REDIS_URL"],
        MENTORLOOM_RQ_QUEUE=rq_app.config["RQ_QUEUE"],
    )
    command = [sys.executable, "-m", "flask", "--app", "tests.web.slow_jobs:create_app"]
    # its own process group: the worker forks a scheduler and horses, killed with it
    worker = subprocess.Popen([*command, "worker"], env=env, cwd=ROOT, start_new_session=True)
    yield worker
    with contextlib.suppress(ProcessLookupError):
        os.killpg(worker.pid, signal.SIGKILL)
    worker.wait(timeout=30)


def test_a_killed_work_horse_fails_its_run_and_the_worker_goes_on(
    rq_app: Flask, rq_worker: subprocess.Popen[bytes], tmp_path: Path
) -> None:
    program_id = load_demo(rq_app)
    client = rq_app.test_client()
    client.post("/auth/login", data={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})
    first = start_run(client, program_id)
    horse = working_pid(tmp_path)
    assert horse != rq_worker.pid
    os.kill(horse, signal.SIGKILL)
    (tmp_path / "hold").unlink()
    wait_until("the worker failing the run", lambda: run_status(rq_app, first) == "failed")
    page = client.get(f"/programs/{program_id}/runs/{first}")
    assert "The run failed: " + STOPPED in page.text
    second = start_run(client, program_id)
    assert wait_for(rq_app, second, timeout=BOUND).status == "done"


def test_an_abandoned_run_is_failed_by_rq_cleaning_up(
    rq_app: Flask, rq_worker: subprocess.Popen[bytes], tmp_path: Path
) -> None:
    """Worker and horse die together: the worker that starts next cleans the registry of
    started jobs (at once here; RQ does it once the job's entry expires)."""
    program_id = load_demo(rq_app)
    client = rq_app.test_client()
    client.post("/auth/login", data={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})
    run_id = start_run(client, program_id)
    horse = working_pid(tmp_path)
    rq_worker.send_signal(signal.SIGKILL)
    os.kill(horse, signal.SIGKILL)
    rq_worker.wait(timeout=BOUND)
    assert run_status(rq_app, run_id) == "running"
    with rq_app.app_context():
        StartedJobRegistry(queue=job_queue(rq_app)).cleanup(timestamp=time.time() + 10**6)
    assert run_status(rq_app, run_id) == "failed"
    page = client.get(f"/programs/{program_id}/runs/{run_id}")
    assert "The run failed: " + STOPPED in page.text
    assert client.post(f"/programs/{program_id}/runs/").status_code == 302
