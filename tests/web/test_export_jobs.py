"""Big exports and bulk decisions as background jobs (issue 20, item 4): a run's export
files are made by a job the admin follows, then downloaded byte for byte as the request
made them before; they rest only until they expire, are made again or a participant is
erased; only a program's managers read them; a failed job says why in words."""

from __future__ import annotations

import io
import sqlite3
import threading
import uuid
import zipfile
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from markupsafe import escape
from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm.exc import StaleDataError

from matcher import config_from_mapping
from tests.web.helpers import ADMIN_EMAIL, ADMIN_PASSWORD, AuthActions, make_app
from tests.web.matching import (
    bulk,
    decide,
    export,
    follow_job,
    load_demo,
    pairs_of,
    publish,
    run_to_end,
)
from webapp.admins import create_admin
from webapp.db import db
from webapp.jobs import queue as job_queue
from webapp.matching import bulk as bulk_module
from webapp.matching import exports
from webapp.models import AdminUser, AuditEvent, Participant, utcnow
from webapp.pair_life import life_rows
from webapp.pair_models import Pair
from webapp.people_cache import program_cohort
from webapp.roles import Role, grant
from webapp.run_models import BulkDecision, ExportJob, MatchRun, PairDecision

REVIEWER = "reviewer@example.org"


def _approve(client: FlaskClient, program_id: int, run: MatchRun, app: Flask) -> None:
    """Approve five pairs and lock one, one by one."""
    for n, pair in enumerate(pairs_of(app, run.id)[:6]):
        decide(client, program_id, run.id, pair.id, "lock" if n == 5 else "approve")


def _as_made_in_a_request(app: Flask, program_id: int, run_id: int) -> tuple[bytes, bytes]:
    """The pairs' CSV and the notes' zip as the export requests wrote them before the
    jobs: the same content functions on the same reads."""
    with app.app_context():
        run = db.session.get_one(MatchRun, run_id)
        pairs = exports.approved_pairs(run)
        published = db.session.scalars(select(Pair).where(Pair.program_id == program_id)).all()
        people = {p.email: p for p in program_cohort(program_id).people}
        when = run.finished_at or run.created_at
        notes = [pair for pair, _ in pairs]
        config = config_from_mapping(run.config)
        return (
            exports.matches_csv(pairs, life_rows(published)),
            exports.introductions_zip(notes, people, config, when),
        )


def _bulk_decisions(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(select(db.func.count()).select_from(BulkDecision)) or 0


def _exports(app: Flask) -> list[tuple[int, str]]:
    with app.app_context():
        return [tuple(r) for r in db.session.execute(select(ExportJob.id, ExportJob.kind))]


def test_an_export_job_goes_from_queued_to_a_download_of_the_same_bytes(
    app: Flask, admin_client: FlaskClient, demo: tuple[int, MatchRun]
) -> None:
    program_id, run = demo
    _approve(admin_client, program_id, run, app)
    publish(admin_client, program_id, run.id)  # the CSV gives the published pairs' life
    page = admin_client.get(f"/programs/{program_id}/runs/{run.id}/exports").text
    assert f'action="/programs/{program_id}/runs/{run.id}/export.csv"' in page
    assert f'action="/programs/{program_id}/runs/{run.id}/introductions.zip"' in page
    csv, notes = _as_made_in_a_request(app, program_id, run.id)
    matches = export(admin_client, program_id, run.id, "export.csv")
    assert matches.status_code == 200 and matches.mimetype == "text/csv"
    assert matches.headers["Content-Disposition"] == (
        f'attachment; filename="matches-run-{run.number}.csv"'
    )
    assert matches.data == csv and b",published," in csv
    introductions = export(admin_client, program_id, run.id, "introductions.zip")
    assert introductions.mimetype == "application/zip"
    assert introductions.data == notes
    with zipfile.ZipFile(io.BytesIO(introductions.data)) as archive:
        assert len(archive.namelist()) == 6
    shown = admin_client.get(f"/programs/{program_id}/runs/{run.id}/exports").text
    assert "6 pairs:" in shown and f"download matches-run-{run.number}.csv" in shown
    with app.app_context():
        events = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "run.export").order_by(AuditEvent.id)
        ).all()
        assert [(e.actor, e.detail) for e in events] == [
            (ADMIN_EMAIL, {"run": run.id, "pairs": 6, "format": "csv"}),
            (ADMIN_EMAIL, {"run": run.id, "pairs": 6, "format": "introductions"}),
        ]


def test_an_old_link_to_a_file_leads_to_the_exports_page_and_makes_nothing(
    app: Flask, admin_client: FlaskClient, demo: tuple[int, MatchRun]
) -> None:
    program_id, run = demo
    for name in ("export.csv", "introductions.zip"):
        old = admin_client.get(f"/programs/{program_id}/runs/{run.id}/{name}")
        assert old.status_code == 302
        assert old.headers["Location"] == f"/programs/{program_id}/runs/{run.id}/exports"
    assert _exports(app) == []


def test_an_expired_export_is_deleted_at_the_next_look_and_its_page_says_why(
    app: Flask, admin_client: FlaskClient, demo: tuple[int, MatchRun]
) -> None:
    program_id, run = demo
    made = export(admin_client, program_id, run.id, "export.csv").request.path
    kept = export(admin_client, program_id, run.id, "introductions.zip").request.path
    with app.app_context():
        job = db.session.scalars(select(ExportJob).filter_by(kind="matches")).one()
        job.finished_at = utcnow() - timedelta(hours=24, minutes=1)
        db.session.commit()
    page = admin_client.get(f"/programs/{program_id}/runs/{run.id}/exports")
    assert page.status_code == 200
    assert [kind for _, kind in _exports(app)] == ["introductions"]
    gone = admin_client.get(made)
    assert gone.status_code == 404
    assert "a file is deleted 24 hours after it was made" in gone.text
    assert "Traceback" not in gone.text
    assert admin_client.get(kept).status_code == 200


def test_making_an_export_again_deletes_the_earlier_file(
    app: Flask, admin_client: FlaskClient, demo: tuple[int, MatchRun]
) -> None:
    program_id, run = demo
    first = export(admin_client, program_id, run.id, "export.csv").request.path
    notes = export(admin_client, program_id, run.id, "introductions.zip").request.path
    (first_id, _), (notes_id, _) = _exports(app)
    again = export(admin_client, program_id, run.id, "export.csv").request.path
    assert again != first
    now = dict(_exports(app))
    assert first_id not in now and now[notes_id] == "introductions"
    assert sorted(now.values()) == ["introductions", "matches"]
    assert admin_client.get(first).status_code == 404
    assert admin_client.get(notes).status_code == 200


def test_erasing_a_participant_deletes_the_programs_exports_and_bulk_decisions(
    app: Flask, admin_client: FlaskClient, demo: tuple[int, MatchRun]
) -> None:
    program_id, run = demo
    _approve(admin_client, program_id, run, app)
    pair = pairs_of(app, run.id)[10]
    bulk(admin_client, program_id, run.id, action="reject", scope="selected", ids=[str(pair.id)])
    made = export(admin_client, program_id, run.id, "export.csv").request.path
    assert _bulk_decisions(app) == 1
    with app.app_context():
        someone = db.session.scalars(
            select(Participant.id).filter_by(program_id=program_id, email=pair.mentee_email)
        ).one()
    admin_client.post(f"/programs/{program_id}/participants/{someone}/erase")
    assert _exports(app) == [] and _bulk_decisions(app) == 0
    assert admin_client.get(made).status_code == 404


def test_only_the_programs_managers_see_or_download_an_export(
    app: Flask, admin_client: FlaskClient, demo: tuple[int, MatchRun]
) -> None:
    program_id, run = demo
    _approve(admin_client, program_id, run, app)
    file = export(admin_client, program_id, run.id, "export.csv")
    with app.app_context():
        reviewer = create_admin(REVIEWER, ADMIN_PASSWORD)
        reviewer.is_owner = False
        db.session.flush()
        grant(db.session.get_one(AdminUser, reviewer.id), program_id, Role.REVIEWER)
        db.session.commit()
    other = app.test_client()
    assert AuthActions(other).login(REVIEWER).status_code == 302
    download = file.request.path
    for url in (download, download.removesuffix("/download")):
        refused = other.get(url)
        assert refused.status_code == 403 and file.data not in refused.data, url
    queued = other.post(f"/programs/{program_id}/runs/{run.id}/export.csv")
    assert queued.status_code == 403
    assert len(_exports(app)) == 1


def _disk_full(*args: object) -> bytes:
    full = sqlite3.OperationalError("database or disk is full")
    full.sqlite_errorcode = 13  # type: ignore[attr-defined]
    raise OperationalError("INSERT ...", {}, full)


def test_a_failed_export_says_why_in_words_and_offers_to_make_it_again(
    app: Flask,
    admin_client: FlaskClient,
    demo: tuple[int, MatchRun],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    program_id, run = demo
    monkeypatch.setattr(exports, "matches_csv", _disk_full)
    queued = admin_client.post(f"/programs/{program_id}/runs/{run.id}/export.csv")
    page = follow_job(admin_client, queued.headers["Location"])
    assert page.status_code == 200 and 'role="alert"' in page.text
    assert "The file could not be made: the database is full; nothing was saved." in page.text
    assert "Make it again" in page.text and "/download" not in page.text
    assert "Traceback" not in page.text and "OperationalError" not in page.text
    download = admin_client.get(queued.headers["Location"] + "/download")
    assert download.status_code == 302  # no file: back to the job's page


def _served(db_url: str, **settings: object) -> Iterator[tuple[Flask, FlaskClient]]:
    """The app on ``db_url`` with ``settings`` and its admin logged in; its connections
    closed after."""
    app = make_app(db_url, **settings)
    with app.app_context():
        create_admin(ADMIN_EMAIL, ADMIN_PASSWORD)
        db.session.commit()
    client = app.test_client()
    assert AuthActions(client).login().status_code == 302
    yield app, client
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def threaded(db_url: str) -> Iterator[tuple[Flask, FlaskClient]]:
    """The app running jobs in a thread, as without Redis, and its admin logged in."""
    yield from _served(db_url, JOBS_ASYNC=True, JOB_BEAT_SECONDS=0.1)


@pytest.fixture
def queued(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[Flask, FlaskClient]]:
    """The app on a queue of its own (``REDIS_URL`` set by the test), its admin logged in."""
    monkeypatch.setenv("MENTORLOOM_INSTANCE_PATH", str(tmp_path / "instance"))
    yield from _served(db_url, RQ_QUEUE=f"test-{uuid.uuid4().hex[:8]}")


def test_a_bulk_decision_runs_in_the_background_with_progress_then_says_what_it_did(
    threaded: tuple[Flask, FlaskClient], monkeypatch: pytest.MonkeyPatch
) -> None:
    app, client = threaded
    program_id = load_demo(app)
    run = run_to_end(app, client, program_id)
    gate, started = threading.Event(), threading.Event()
    decide_now = bulk_module.decide

    def held(*args: object, **kwargs: object) -> int:
        started.set()
        assert gate.wait(30)
        return decide_now(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(bulk_module, "decide", held)
    chosen = [p for p in pairs_of(app, run.id) if p.score >= 60]
    _, queued = bulk(client, program_id, run.id, action="approve", scope="above", min_score=60)
    assert queued is not None and queued.status_code == 302
    assert started.wait(30)
    working = client.get(queued.headers["Location"]).text
    assert "data-job-progress" in working and "job.js" in working
    assert f"<h1>Approve {len(chosen)} pairs of run {run.number}</h1>" in working
    gate.set()
    done = follow_job(client, queued.headers["Location"]).text
    assert f"{len(chosen)} pairs now approved." in done
    review = f"/programs/{program_id}/runs/{run.id}/review"
    assert f'<a href="{escape(review)}">Back to the review page</a>' in done
    with app.app_context():
        approved = db.session.scalars(select(PairDecision).filter_by(action="approve")).all()
        assert {d.decided_by for d in approved} == {ADMIN_EMAIL}
        assert len(approved) == len(chosen)
        actors = db.session.scalars(
            select(AuditEvent.actor).where(AuditEvent.action == "match.approve")
        ).all()
        assert set(actors) == {ADMIN_EMAIL} and len(actors) == len(chosen)


def test_a_bulk_decision_finished_a_day_ago_is_deleted_at_the_next_confirmation(
    app: Flask, admin_client: FlaskClient, demo: tuple[int, MatchRun]
) -> None:
    program_id, run = demo
    first, second = pairs_of(app, run.id)[:2]
    _, old = bulk(
        admin_client, program_id, run.id, action="lock", scope="selected", ids=[str(first.id)]
    )
    with app.app_context():
        job = db.session.scalars(select(BulkDecision)).one()
        job.finished_at = utcnow() - timedelta(days=1, minutes=1)
        db.session.commit()
    assert old is not None and admin_client.get(old.headers["Location"]).status_code == 200
    bulk(admin_client, program_id, run.id, action="lock", scope="selected", ids=[str(second.id)])
    with app.app_context():  # only the new one is kept
        assert db.session.scalars(select(BulkDecision.pairs)).all() == [[[second.id, 0]]]


def test_a_bulk_decision_that_loses_a_race_saves_nothing_and_says_so(
    app: Flask,
    admin_client: FlaskClient,
    demo: tuple[int, MatchRun],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Another admin's decision on one of the pairs saved between the job's check and its
    save: the database refuses (a stale version, as SQLAlchemy reports it)."""
    program_id, run = demo
    chosen = pairs_of(app, run.id)[:3]
    decide_now = bulk_module.decide

    def raced(*args: object, **kwargs: object) -> int:
        decide_now(*args, **kwargs)  # type: ignore[arg-type]
        raise StaleDataError(
            "UPDATE statement on table 'pair_decision' expected to update 1 row(s); 0 were matched."
        )

    monkeypatch.setattr(bulk_module, "decide", raced)
    ids = [str(p.id) for p in chosen]
    _, queued = bulk(admin_client, program_id, run.id, action="approve", scope="selected", ids=ids)
    assert queued is not None
    page = follow_job(admin_client, queued.headers["Location"]).text
    assert "changed after you confirmed the list, so nothing was saved" in page
    assert f"<li>{bulk_module.RACED}</li>" in page and "Traceback" not in page
    with app.app_context():
        assert db.session.scalars(select(PairDecision.action)).all() == []


def test_a_bad_confirmation_is_refused_at_once_and_queues_nothing(
    app: Flask, admin_client: FlaskClient, demo: tuple[int, MatchRun]
) -> None:
    program_id, run = demo
    answer = admin_client.post(
        f"/programs/{program_id}/runs/{run.id}/bulk/confirm",
        data={"action": "approve", "scope": "selected", "pairs": "x,3:"},
    )
    assert answer.status_code == 400
    assert "The confirmation was not understood" in answer.text
    assert _bulk_decisions(app) == 0


def test_exports_and_a_bulk_decision_go_through_the_rq_queue_with_redis(
    queued: tuple[Flask, FlaskClient], redis_service: str
) -> None:
    """With ``REDIS_URL`` each job waits on the queue until ``flask worker`` does it."""
    app, client = queued
    program_id = load_demo(app)
    run = run_to_end(app, client, program_id)
    chosen = [str(p.id) for p in pairs_of(app, run.id)[:3]]
    app.config["REDIS_URL"] = redis_service
    _, confirmed = bulk(client, program_id, run.id, action="approve", scope="selected", ids=chosen)
    assert confirmed is not None
    base = f"/programs/{program_id}/runs/{run.id}"
    made = client.post(f"{base}/export.csv")
    for page in (confirmed.headers["Location"], made.headers["Location"]):
        assert "Waiting for a worker" in client.get(page).text
    queue = job_queue(app)
    try:
        assert queue.count == 2
        result = app.test_cli_runner().invoke(args=["worker", "--burst"])
        assert result.exit_code == 0, result.output
    finally:
        queue.delete(delete_jobs=True)
    assert "3 pairs now approved." in client.get(confirmed.headers["Location"]).text
    assert "The file is ready: 3 pairs." in client.get(made.headers["Location"]).text
    download = client.get(made.headers["Location"] + "/download")
    assert download.data == _as_made_in_a_request(app, program_id, run.id)[0]
