"""Concurrent admins against a real gunicorn (issue 7, item 4), on SQLite and PostgreSQL.

Eight admins pressing "Run matching" at once start exactly one run (issue 14, item 16).

Ten pairs share five mentors of capacity 1 (two pairs per mentor). Fifty requests
approve or reject them at once, all sent from pages that showed the pairs undecided.
The database must end with no lost update (each pair's decision is the one request the
server said it saved, and the audit trail has one event per saved request), no mentor
over capacity, and every other request must be refused: a 409 page that says nothing
was saved, or (an approval for a mentor whose place another admin took before it was
read) the reason in the pair's row. The requests are sent as the review page's script
sends them, so that a saved decision (the new row, 200) is told from a refusal.
"""

from __future__ import annotations

import random
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
from flask import Flask
from sqlalchemy import select

from tests.web.gunicorn_server import admin_session, gunicorn
from tests.web.helpers import ADMIN_EMAIL, ADMIN_PASSWORD
from tests.web.matching import load_demo, wait_for
from webapp.db import db
from webapp.models import AuditEvent, Participant, Program
from webapp.run_models import MatchRun, PairDecision, ProposedMatch, RunStatus

PAIRS = 10
REQUESTS = 50
ADMINS = 10


def contested_run(app: Flask) -> tuple[int, int, list[int]]:
    """A finished run of 10 pairs on 5 mentors of capacity 1: program, run and pair ids."""
    with app.app_context():
        program = Program(name="Contested", config={})
        db.session.add(program)
        db.session.flush()
        for n in range(PAIRS):
            db.session.add(
                Participant(
                    program_id=program.id,
                    email=f"mentee{n}@example.org",
                    name=f"Mentee {n}",
                    role="mentee",
                    seeks="developmental",
                )
            )
        for n in range(PAIRS // 2):
            db.session.add(
                Participant(
                    program_id=program.id,
                    email=f"mentor{n}@example.org",
                    name=f"Mentor {n}",
                    role="mentor",
                    offers="developmental",
                    capacity=1,
                )
            )
        run = MatchRun(program_id=program.id, status=RunStatus.DONE, created_by=ADMIN_EMAIL)
        db.session.add(run)
        db.session.flush()
        pairs = [
            ProposedMatch(
                run_id=run.id,
                mentee_email=f"mentee{n}@example.org",
                mentee_name=f"Mentee {n}",
                mentor_email=f"mentor{n // 2}@example.org",
                mentor_name=f"Mentor {n // 2}",
                mentor_type="developmental",
                score=80.0,
            )
            for n in range(PAIRS)
        ]
        db.session.add_all(pairs)
        db.session.commit()
        return program.id, run.id, [p.id for p in pairs]


def test_fifty_concurrent_decisions_on_ten_contested_pairs(
    app: Flask, db_url: str, tmp_path: Path
) -> None:
    program_id, run_id, pair_ids = contested_run(app)
    plan = random.Random(7)
    requests_ = [(pair_ids[n % PAIRS], plan.choice(["approve", "reject"])) for n in range(REQUESTS)]
    with gunicorn(db_url, tmp_path) as base:
        sessions = [admin_session(base, ADMIN_EMAIL, ADMIN_PASSWORD) for _ in range(ADMINS)]
        start = threading.Barrier(REQUESTS)

        def send(n: int) -> requests.Response:
            pair_id, action = requests_[n]
            start.wait()
            return sessions[n % ADMINS].post(
                f"{base}/programs/{program_id}/runs/{run_id}/matches/{pair_id}",
                data={"action": action, "version": "0"},
                headers={"X-Mentorloom-Fragment": "row"},
                allow_redirects=False,
                timeout=60,
            )

        with ThreadPoolExecutor(REQUESTS) as pool:
            answers = list(pool.map(send, range(REQUESTS)))

    statuses = Counter(a.status_code for a in answers)
    assert set(statuses) <= {200, 409, 422}, statuses
    for answer in answers:
        if answer.status_code == 409:
            assert "nothing of yours was saved" in answer.text.lower() or (
                "nothing was saved" in answer.text
            )
        if answer.status_code == 422:
            assert "is full: capacity 1, taken by Mentee" in answer.text, answer.text
    saved = [requests_[n] for n, a in enumerate(answers) if a.status_code == 200]
    assert len(saved) == len({pair for pair, _ in saved}), "two requests saved on one pair"
    with app.app_context():
        pair_key = {
            p.id: (p.mentee_email, p.mentor_email, p.mentor_type)
            for p in db.session.scalars(select(ProposedMatch))
        }
        stored = {
            (d.mentee_email, d.mentor_email, d.mentor_type): d.action
            for d in db.session.scalars(select(PairDecision))
        }
        assert stored == {pair_key[pair]: action for pair, action in saved}, "a lost update"
        events = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action.like("match.%"))
        ).all()
        assert len(events) == len(saved)
        load = Counter(mentor for (_, mentor, _), a in stored.items() if a == "approve")
        assert max(load.values(), default=0) <= 1, f"a mentor over capacity: {load}"
    assert statuses[409] + statuses[422] == REQUESTS - len(saved)
    assert len(saved) >= PAIRS // 2


@pytest.mark.parametrize("editors", [20])
def test_concurrent_edits_of_one_participant(
    app: Flask, db_url: str, tmp_path: Path, editors: int
) -> None:
    """Twenty admins save the same record from the same page: one wins, the rest get 409."""
    with app.app_context():
        program = Program(name="Edits", config={})
        db.session.add(program)
        db.session.flush()
        person = Participant(
            program_id=program.id,
            email="ana@example.org",
            name="Ana",
            role="mentee",
            seeks="developmental",
        )
        db.session.add(person)
        db.session.commit()
        url = f"/programs/{program.id}/participants/{person.id}/edit"
    with gunicorn(db_url, tmp_path) as base:
        sessions = [admin_session(base, ADMIN_EMAIL, ADMIN_PASSWORD) for _ in range(editors)]
        start = threading.Barrier(editors)

        def save(n: int) -> requests.Response:
            form = {
                "email": "ana@example.org",
                "name": f"Ana {n}",
                "role": "mentee",
                "seeks": "developmental",
                "capacity": "1",
                "meeting_mode": "either",
                "version": "1",
            }
            start.wait()
            return sessions[n].post(base + url, data=form, allow_redirects=False, timeout=60)

        with ThreadPoolExecutor(editors) as pool:
            answers = list(pool.map(save, range(editors)))
    statuses = Counter(a.status_code for a in answers)
    assert statuses == {302: 1, 409: editors - 1}, statuses
    (winner,) = [n for n, a in enumerate(answers) if a.status_code == 302]
    with app.app_context():
        stored = db.session.scalars(select(Participant)).one()
        assert (stored.name, stored.version) == (f"Ana {winner}", 2)


def test_eight_simultaneous_starts_make_one_run(app: Flask, db_url: str, tmp_path: Path) -> None:
    """The run waits until every answer is in, so no later press may start a second one."""
    program_id = load_demo(app)
    starts = 8
    (tmp_path / "hold").touch()
    served = gunicorn(
        db_url,
        tmp_path,
        app="tests.web.slow_jobs:create_app()",
        preload=True,
        SLOW_JOBS_DIR=str(tmp_path),
    )
    with served as base:
        sessions = [admin_session(base, ADMIN_EMAIL, ADMIN_PASSWORD) for _ in range(starts)]
        start = threading.Barrier(starts)

        def press(n: int) -> requests.Response:
            start.wait()
            return sessions[n].post(f"{base}/programs/{program_id}/runs/", timeout=60)

        with ThreadPoolExecutor(starts) as pool:
            answers = list(pool.map(press, range(starts)))
        (tmp_path / "hold").unlink()
        assert [a.status_code for a in answers] == [200] * starts
        assert sum("Run 1 started." in a.text for a in answers) == 1
        assert sum("is still working; it must finish" in a.text for a in answers) == starts - 1
        (run_page,) = {a.url for a in answers}
        assert wait_for(app, int(run_page.rsplit("/", 1)[-1])).status == RunStatus.DONE
    with app.app_context():
        assert db.session.scalars(select(MatchRun.status)).all() == [RunStatus.DONE]
        starts_audited = select(AuditEvent).where(AuditEvent.action == "run.start")
        assert len(db.session.scalars(starts_audited).all()) == 1
