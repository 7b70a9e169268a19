"""Match runs: start, progress, the stored run, failures, the RQ queue, permissions."""

from __future__ import annotations

import html
import re
import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from tests.web.helpers import ADMIN_EMAIL, make_app
from tests.web.matching import load_demo, run_to_end, start_run, wait_for
from webapp import jobs, run_models
from webapp.admins import create_admin
from webapp.db import db
from webapp.models import AuditEvent, Participant, Program, utcnow
from webapp.pair_models import NeverPair
from webapp.run_models import MatchRun, PairDecision, ProposedMatch, UnmatchedRequest


def test_pages_need_a_log_in(client: FlaskClient, program_id: int) -> None:
    for path in (
        f"/programs/{program_id}/runs/",
        f"/programs/{program_id}/runs/1",
        f"/programs/{program_id}/runs/1/review",
        f"/programs/{program_id}/runs/1/mentee?email=a@x.org",
        f"/programs/{program_id}/runs/1/dashboard",
        f"/programs/{program_id}/runs/1/unmatched",
        f"/programs/{program_id}/runs/1/exports",
        f"/programs/{program_id}/runs/1/exports/1",
        f"/programs/{program_id}/runs/1/exports/1/download",
        f"/programs/{program_id}/runs/1/unmatched.csv",
        f"/programs/{program_id}/runs/1/bulk/1",
    ):
        response = client.get(path)
        assert response.status_code == 302, path
        assert "/auth/login" in response.headers["Location"]
    for path in (
        f"/programs/{program_id}/runs/",
        f"/programs/{program_id}/runs/1/bulk",
        f"/programs/{program_id}/runs/1/bulk/confirm",
        f"/programs/{program_id}/runs/1/export.csv",
        f"/programs/{program_id}/runs/1/introductions.zip",
        f"/programs/{program_id}/runs/1/matches/1",
        f"/programs/{program_id}/runs/1/manual",
    ):
        assert client.post(path).status_code == 302, path


def test_a_run_is_stored_with_what_reproduces_it(app: Flask, admin_client: FlaskClient) -> None:
    program_id = load_demo(app)
    run = run_to_end(app, admin_client, program_id)
    assert run.status == "done", run.error
    assert run.created_by == ADMIN_EMAIL
    assert run.config["sponsor_level_gap"] == 2
    assert len(run.input_hash) == 64
    assert run.started_at is not None and run.finished_at is not None
    assert run.summary["people"]["mentee"] > 0
    assert sum(run.summary["filled"].values()) == run.summary["assigned"]
    with app.app_context():
        pairs = db.session.scalars(db.select(ProposedMatch).filter_by(run_id=run.id)).all()
        assert len(pairs) == run.summary["assigned"] > 100
        assert all(p.reasons and p.breakdown for p in pairs)
        assert db.session.scalars(db.select(UnmatchedRequest).filter_by(run_id=run.id)).all()
        actions = db.session.scalars(db.select(AuditEvent.action)).all()
        assert "run.start" in actions

    page = admin_client.get(f"/programs/{program_id}/runs/{run.id}")
    assert "Review the pairs" in page.text
    assert run.input_hash in page.text
    listing = admin_client.get(f"/programs/{program_id}/runs/")
    assert f"Run {run.id}" in listing.text and "Re-run matching" in listing.text

    again = run_to_end(app, admin_client, program_id)
    assert again.input_hash == run.input_hash
    assert again.previous_id == run.id


def test_the_input_hash_follows_every_input_a_run_reads(
    app: Flask, admin_client: FlaskClient
) -> None:
    program_id = load_demo(app)
    first = run_to_end(app, admin_client, program_id).input_hash
    with app.app_context():
        person = db.session.scalars(db.select(Participant).filter_by(program_id=program_id)).first()
        assert person is not None
        person_id, department = person.id, person.department
        person.department = "Somewhere else"
        db.session.commit()
    edited = run_to_end(app, admin_client, program_id).input_hash
    with app.app_context():
        db.session.get_one(Participant, person_id).department = department
        db.session.commit()
    undone = run_to_end(app, admin_client, program_id).input_hash
    with app.app_context():
        first_email, second_email = sorted(
            db.session.scalars(
                db.select(Participant.email).filter_by(program_id=program_id).limit(2)
            )
        )
        db.session.add(
            NeverPair(
                program_id=program_id,
                first_email=first_email,
                second_email=second_email,
                why="declined by the mentor",
                created_by=ADMIN_EMAIL,
            )
        )
        db.session.commit()
    kept_apart = run_to_end(app, admin_client, program_id).input_hash
    assert edited != first and undone == first and kept_apart not in (first, edited)


def test_a_job_commits_its_end_before_it_waits_for_its_heartbeat(
    app: Flask, admin_client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A beat due while the work held the database's lock waits for that lock; waiting for
    the beat before the commit took the whole beat interval, on every such job."""
    seen: list[str] = []
    join = jobs.Beat.join

    def committed_first(beat: jobs.Beat) -> None:
        with db.engine.connect() as other:  # sees only what was committed
            query = sa.select(MatchRun.status).where(MatchRun.id == beat.row_id)
            seen.append(other.execute(query).scalar_one())
        join(beat)

    monkeypatch.setattr(jobs.Beat, "join", committed_first)
    program_id = load_demo(app)
    run = run_to_end(app, admin_client, program_id)
    assert run.status == "done" and seen == ["done"]


def test_a_running_run_shows_its_progress(app: Flask, admin_client: FlaskClient) -> None:
    program_id = load_demo(app)
    with app.app_context():
        run = MatchRun(
            program_id=program_id, created_by=ADMIN_EMAIL, status="running", step="scores"
        )
        run.done, run.total = 3, 8
        db.session.add(run)
        db.session.commit()
        run_id = run.id
    page = admin_client.get(f"/programs/{program_id}/runs/{run_id}")
    assert 'src="/static/job.js"' in page.text
    assert "Working: scores" in page.text and "(3 of 8)" in page.text
    assert '<progress max="8" value="3"' in page.text
    assert admin_client.get(f"/programs/{program_id}/runs/{run_id}/review").status_code == 404
    second = admin_client.post(f"/programs/{program_id}/runs/", follow_redirects=True)
    assert f"Run {run_id} is still working" in second.text
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(MatchRun.id))) == 1
        # its worker stopped beating just over JOB_DEAD_AFTER seconds ago
        dead_after = timedelta(seconds=app.config["JOB_DEAD_AFTER"] + 1)
        db.session.get_one(MatchRun, run_id).heartbeat_at -= dead_after
        db.session.commit()
    assert wait_for(app, start_run(admin_client, program_id)).status == "done"
    dead = admin_client.get(f"/programs/{program_id}/runs/{run_id}")
    assert "The run failed: the worker running it stopped (killed or restarted) at" in dead.text
    assert "start the run again" in dead.text


def estimate_line(page: str) -> str:
    """The run page's estimate, as read."""
    return html.unescape(page.split("data-job-estimate>", 1)[1].split("</p>", 1)[0])


def test_a_running_run_says_how_long_it_has_left_going_by_earlier_runs(
    app: Flask, admin_client: FlaskClient
) -> None:
    program_id = load_demo(app)

    def running(seconds_ago: int, program: int = program_id) -> str:
        with app.app_context():
            run = MatchRun(program_id=program, created_by=ADMIN_EMAIL, status="running")
            run.started_at = utcnow() - timedelta(seconds=seconds_ago)
            db.session.add(run)
            db.session.commit()
            run_id = run.id
        page = admin_client.get(f"/programs/{program}/runs/{run_id}").text
        with app.app_context():
            db.session.delete(db.session.get_one(MatchRun, run_id))
            db.session.commit()
        return estimate_line(page)

    assert running(3) == "Running for 3 s. The first finished run will give later runs an estimate."
    earlier = run_to_end(app, admin_client, program_id)
    with app.app_context():  # it took 40 s, 25 of them compiling the engine, on the same cohort
        done = db.session.get_one(MatchRun, earlier.id)
        done.finished_at = done.started_at + timedelta(seconds=40)
        done.summary = {**done.summary, "timings": {**done.summary["timings"], "compile": 25.0}}
        db.session.commit()
        other = Program(name="Another", config={})
        db.session.add(other)
        db.session.commit()
        other_id = other.id
    assert re.fullmatch(
        r"Running for 5 s: about 1[01] s left, going by this program's earlier runs\.", running(5)
    )
    assert running(20) == (
        "Running for 20 s: longer than this program's earlier runs suggested (about 15 s)."
    )
    # a program without runs of its own goes by the site's
    assert "earlier runs on this site" in running(0, other_id)


def test_a_failed_run_shows_its_error_and_changes_nothing(
    app: Flask, admin_client: FlaskClient
) -> None:
    program_id = load_demo(app)
    first = run_to_end(app, admin_client, program_id)
    with app.app_context():
        # a stored row the core refuses (written behind the validator's back)
        db.session.add(
            Participant(program_id=program_id, email="odd@example.org", name="Odd", role="mentr")
        )
        db.session.commit()
        pairs_before = db.session.scalar(db.select(db.func.count(ProposedMatch.id)))
    failed = run_to_end(app, admin_client, program_id)
    assert failed.status == "failed"
    assert "unknown role 'mentr'" in failed.error
    page = admin_client.get(f"/programs/{program_id}/runs/{failed.id}")
    assert "The run failed:" in page.text and "unknown role" in page.text
    assert "the participant data has 1 error: " in page.text  # not "1 error(s)"
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(ProposedMatch.id))) == pairs_before
        assert db.session.get_one(MatchRun, first.id).status == "done"
        assert db.session.scalar(db.select(db.func.count(PairDecision.id))) == 0
    review = admin_client.get(f"/programs/{program_id}/runs/{first.id}/review")
    assert review.status_code == 200


def test_the_database_keeps_one_active_run_per_program(app: Flask) -> None:
    program_id = load_demo(app)
    with app.app_context():
        for status in ("done", "failed", "running"):
            db.session.add(MatchRun(program_id=program_id, created_by=ADMIN_EMAIL, status=status))
            db.session.commit()
        for status in ("queued", "running"):
            db.session.add(MatchRun(program_id=program_id, created_by=ADMIN_EMAIL, status=status))
            with pytest.raises(IntegrityError):
                db.session.commit()
            db.session.rollback()
        other = Program(name="Other", config={})
        db.session.add(other)
        db.session.flush()
        db.session.add(MatchRun(program_id=other.id, created_by=ADMIN_EMAIL, status="queued"))
        db.session.commit()


def test_another_programs_run_is_not_found(app: Flask, admin_client: FlaskClient) -> None:
    program_id = load_demo(app)
    run = run_to_end(app, admin_client, program_id)
    other = admin_client.post("/programs/new", data={"name": "Other"}).headers["Location"]
    other_id = int(other.rstrip("/").rsplit("/", 1)[-1])
    assert admin_client.get(f"/programs/{other_id}/runs/{run.id}").status_code == 404
    assert admin_client.get(f"/programs/{other_id}/runs/{run.id}/review").status_code == 404


def test_runs_go_through_the_rq_queue_with_redis(db_url: str, redis_service: str) -> None:
    from webapp.jobs import queue as job_queue

    queue_name = f"test-{uuid.uuid4().hex[:8]}"
    app = make_app(db_url, REDIS_URL=redis_service, RQ_QUEUE=queue_name)
    with app.app_context():
        create_admin(ADMIN_EMAIL, "pw")
        db.session.commit()
    program_id = load_demo(app)
    client = app.test_client()
    client.post("/auth/login", data={"email": ADMIN_EMAIL, "password": "pw"})
    run_id = start_run(client, program_id)
    with app.app_context():
        queue = job_queue(app)
        assert queue.count == 1
        assert db.session.get_one(MatchRun, run_id).status == "queued"
    try:
        result = app.test_cli_runner().invoke(args=["worker", "--burst"])
        assert result.exit_code == 0, result.output
    finally:
        queue.delete(delete_jobs=True)
    run = wait_for(app, run_id, timeout=5)
    assert run.status == "done", run.error
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def test_the_worker_builds_the_engine_for_its_horses_once_the_cache_has_it(
    db_url: str, redis_service: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The worker asks for the kernels from numba's cache at its start and after each job
    until it has them (a first big run fills the cache), then no more."""
    from rq import Worker

    from webapp import worker
    from webapp.jobs import queue as job_queue

    answers = iter([False, False, True])
    asked = []

    def load() -> bool:
        asked.append(1)
        return next(answers)

    monkeypatch.setattr(worker, "load_cached_kernels", load)
    monkeypatch.setattr(Worker, "work", lambda self, *args, **kwargs: True)
    monkeypatch.setattr(Worker, "execute_job", lambda self, job, queue: None)
    app = make_app(db_url, REDIS_URL=redis_service, RQ_QUEUE=f"test-{uuid.uuid4().hex[:8]}")
    queue = job_queue(app)
    horses = worker.JobWorker([queue], connection=queue.connection, app=app)
    assert horses.work() and len(asked) == 1  # at its start: not cached yet
    for _ in range(4):
        horses.execute_job(None, queue)  # type: ignore[arg-type]
    assert len(asked) == 3  # after the first job, not yet; after the second, built


def test_the_worker_command_needs_redis(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["worker", "--burst"])
    assert result.exit_code == 1
    assert "set REDIS_URL" in result.output


def test_runs_are_numbered_per_program(app: Flask, admin_client: FlaskClient) -> None:
    """Issue 14, item 8: a new program's first run is "Run 1", whatever runs others had."""
    program_id = load_demo(app)
    first = run_to_end(app, admin_client, program_id)
    second = run_to_end(app, admin_client, program_id)
    other = admin_client.post("/programs/new", data={"name": "Autumn"}).headers["Location"]
    other_id = int(other.rstrip("/").rsplit("/", 1)[-1])
    started = admin_client.post(f"/programs/{other_id}/runs/", follow_redirects=True)
    assert "Run 1 started." in started.text
    with app.app_context():
        newest = db.session.scalars(db.select(MatchRun).filter_by(program_id=other_id)).one()
        numbers = db.session.execute(db.select(MatchRun.id, MatchRun.number)).all()
    wait_for(app, newest.id)
    assert sorted(numbers) == [(first.id, 1), (second.id, 2), (newest.id, 1)]
    assert newest.id == 3
    page = admin_client.get(f"/programs/{other_id}/runs/{newest.id}").text
    assert "<h1>Run 1: " in page and "Run 3" not in page
    shown = admin_client.get(f"/programs/{program_id}/runs/{second.id}").text
    assert "<title>Run 2 · " in shown and "Changes since run 1" in shown
    listing = admin_client.get(f"/programs/{program_id}/runs/").text
    assert ">Run 2</a>" in listing and ">Run 1</a>" in listing
    history = admin_client.get(f"/programs/{other_id}/history").text
    assert "run.start" in history and "run: 1" in history and "run: 3" not in history


def test_a_run_number_taken_meanwhile_is_tried_again(
    app: Flask, admin_client: FlaskClient, program_id: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two runs started at the same moment both read the same highest number; the unique
    index refuses the second insert, which takes the next number (or, after
    ``START_TRIES`` refusals, answers 409 with nothing saved)."""
    real, reads = run_models.highest_number, []

    def stale_first(connection: Connection, program: int) -> int:
        reads.append(program)
        return 0 if len(reads) == 1 else real(connection, program)

    assert wait_for(app, start_run(admin_client, program_id)).number == 1
    monkeypatch.setattr(run_models, "highest_number", stale_first)
    second = wait_for(app, start_run(admin_client, program_id))
    assert second.number == 2 and len(reads) == 2
    monkeypatch.setattr(run_models, "highest_number", lambda connection, program: 0)
    refused = admin_client.post(f"/programs/{program_id}/runs/")
    assert refused.status_code == 409 and "Nothing of yours was saved" in refused.text
    with app.app_context():
        assert db.session.scalars(db.select(MatchRun.number).order_by(MatchRun.id)).all() == [1, 2]


def test_the_run_page_says_one_number_of_removed_pairs_in_its_counts_and_its_list(
    app: Flask, admin_client: FlaskClient, demo: tuple[int, MatchRun]
) -> None:
    program_id, _ = demo
    again = run_to_end(app, admin_client, program_id)

    def gone(name: str, kind: str) -> dict[str, str]:
        pair = {"mentee_name": name, "mentor_name": "Max", "mentor_type": "developmental"}
        return pair | {"kind": kind}

    with app.app_context():
        run = db.session.get_one(MatchRun, again.id)
        run.removed = [gone("Ana", "removed"), gone("Ben", "replaced"), gone("Cy", "replaced")]
        db.session.commit()
    page = admin_client.get(f"/programs/{program_id}/runs/{again.id}").text
    assert "<strong>1</strong> removed" in page
    assert "<summary>1 pair of run 1 removed: their request is open now</summary>" in page
    assert "<summary>2 pairs of run 1 replaced: another mentor now</summary>" in page
    assert "no longer proposes (3)" not in page
