"""Review of a run: the table, decisions one by one and in bulk, re-runs, the mentee page,
matches made by hand, and the audit trail of every decision."""

from __future__ import annotations

import time
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient
from markupsafe import escape
from sqlalchemy import event

from matcher import assess_pair
from matcher.config import config_from_mapping
from tests.web.helpers import ADMIN_EMAIL
from tests.web.matching import bulk, decide, load_demo, pairs_of, run_to_end
from webapp.db import db
from webapp.models import AuditEvent
from webapp.run_models import MatchRun, PairDecision, ProposedMatch, UnmatchedRequest
from webapp.runner import program_people


def test_the_table_shows_every_pair_with_reasons_and_breakdown(
    app: Flask, admin_client: FlaskClient, demo: tuple[int, MatchRun]
) -> None:
    program_id, run = demo
    best = pairs_of(app, run.id)[0]
    url = f"/programs/{program_id}/runs/{run.id}/review"
    page = admin_client.get(url)
    assert page.status_code == 200
    assert f"{run.summary['assigned']} pairs." in page.text
    assert escape(best.reasons) in page.text
    assert 'aria-label="Score by criterion"' in page.text and '<svg class="mini"' in page.text
    assert "Page 1 of" in page.text

    sponsors = admin_client.get(url, query_string={"type": "sponsorship", "min": "60"})
    rows = sponsors.text.count('<tr class="pair ')
    assert 0 < rows <= 50
    assert "developmental</td>" not in sponsors.text
    grouped = admin_client.get(url, query_string={"group": "mentor", "sort": "mentee"})
    assert '<tr class="group">' in grouped.text
    empty = admin_client.get(url, query_string={"min": "101"})
    assert "0 pairs match the filters." in empty.text
    by_name = admin_client.get(url, query_string={"q": best.mentee_name.split()[0].lower()})
    assert escape(best.mentee_name) in by_name.text


def test_decisions_change_the_status_and_go_to_the_audit_log(
    app: Flask, admin_client: FlaskClient, demo: tuple[int, MatchRun]
) -> None:
    program_id, run = demo
    first, second, third = pairs_of(app, run.id)[:3]
    assert decide(admin_client, program_id, run.id, first.id, "approve").status_code == 302
    decide(admin_client, program_id, run.id, second.id, "reject", note="they worked together")
    decide(admin_client, program_id, run.id, third.id, "lock")
    url = f"/programs/{program_id}/runs/{run.id}/review"
    approved = admin_client.get(url, query_string={"status": "approved"})
    assert approved.text.count('<tr class="pair approved">') == 1
    rejected = admin_client.get(url, query_string={"status": "rejected"})
    assert "they worked together" in rejected.text
    proposed = admin_client.get(url, query_string={"status": "proposed"})
    assert f"{run.summary['assigned'] - 3} pairs match" in proposed.text

    decide(admin_client, program_id, run.id, third.id, "undo")
    with app.app_context():
        decisions = db.session.scalars(db.select(PairDecision)).all()
        assert {(d.mentor_email, d.action) for d in decisions} == {
            (first.mentor_email, "approve"),
            (second.mentor_email, "reject"),
        }
        events = db.session.scalars(
            db.select(AuditEvent).where(AuditEvent.action.like("match.%")).order_by(AuditEvent.id)
        ).all()
    assert [e.action for e in events] == [
        "match.approve",
        "match.reject",
        "match.lock",
        "match.undo",
    ]
    assert all(e.actor == ADMIN_EMAIL and e.created_at for e in events)
    assert events[1].detail["before"] == "proposed" and events[1].detail["after"] == "rejected"
    assert events[1].detail["note"] == "they worked together"
    assert events[3].detail == {
        "run": run.id,
        "mentee": third.mentee_email,
        "mentor": third.mentor_email,
        "mentor_type": third.mentor_type,
        "before": "locked",
        "after": "proposed",
    }
    history = admin_client.get(f"/programs/{program_id}/history")
    assert "match.reject" in history.text


def test_a_decision_needs_a_known_action_and_pair(
    app: Flask, admin_client: FlaskClient, demo: tuple[int, MatchRun]
) -> None:
    program_id, run = demo
    pair = pairs_of(app, run.id)[0]
    assert decide(admin_client, program_id, run.id, pair.id, "delete").status_code == 400
    assert decide(admin_client, program_id, run.id, 999999, "approve").status_code == 404


def test_bulk_decisions_on_selected_rows_and_from_a_score(
    app: Flask, admin_client: FlaskClient, demo: tuple[int, MatchRun]
) -> None:
    program_id, run = demo
    pairs = pairs_of(app, run.id)
    decide(admin_client, program_id, run.id, pairs[0].id, "reject")
    chosen = [str(p.id) for p in pairs[1:4]]
    page, done = bulk(admin_client, program_id, run.id, action="lock", scope="selected", ids=chosen)
    assert "Lock 3 pairs?" in page.text
    assert done is not None and done.status_code == 302
    threshold = pairs[20].score
    expected = sum(p.score >= threshold for p in pairs[4:])
    bulk(admin_client, program_id, run.id, action="approve", scope="above", min_score=threshold)
    with app.app_context():
        actions = dict(
            db.session.execute(
                db.select(PairDecision.action, db.func.count()).group_by(PairDecision.action)
            ).all()
        )
        assert actions == {"reject": 1, "lock": 3, "approve": expected}
        events = db.session.scalar(db.select(db.func.count()).select_from(AuditEvent))
        assert events >= 4 + expected
    nothing, _ = bulk(admin_client, program_id, run.id, action="approve", scope="above")
    assert nothing.status_code == 302


def test_a_rerun_keeps_approved_and_locked_pairs_and_drops_rejected(
    app: Flask, admin_client: FlaskClient, demo: tuple[int, MatchRun]
) -> None:
    program_id, run = demo
    pairs = pairs_of(app, run.id)
    approved, rejected, locked = pairs[0], pairs[1], pairs[-1]
    decide(admin_client, program_id, run.id, approved.id, "approve")
    decide(admin_client, program_id, run.id, rejected.id, "reject")
    decide(admin_client, program_id, run.id, locked.id, "lock")
    again = run_to_end(app, admin_client, program_id)
    assert again.status == "done", again.error
    keys = {p.key: p for p in pairs_of(app, again.id)}
    assert approved.key in keys and locked.key in keys
    assert rejected.key not in keys
    assert keys[approved.key].change == "" and keys[locked.key].change == ""
    changed = [p for p in keys.values() if p.change]
    replaced = [r for r in again.removed if r["kind"] == "replaced"]
    assert len(changed) >= 1 and len(again.removed) >= 1
    assert any(r["mentee_name"] == rejected.mentee_name for r in again.removed)
    assert len([p for p in changed if p.change == "changed"]) == len(replaced)
    page = admin_client.get(f"/programs/{program_id}/runs/{again.id}")
    assert f"Changes since run {run.id}" in page.text
    assert escape(rejected.mentor_name) in page.text

    review = admin_client.get(
        f"/programs/{program_id}/runs/{again.id}/review", query_string={"status": "approved"}
    )
    assert escape(approved.reasons) in review.text


def test_the_mentee_page_shows_the_network_and_alternatives(
    app: Flask, admin_client: FlaskClient, demo: tuple[int, MatchRun]
) -> None:
    program_id, run = demo
    pair = pairs_of(app, run.id)[0]
    url = f"/programs/{program_id}/runs/{run.id}/mentee"
    page = admin_client.get(url, query_string={"email": pair.mentee_email})
    assert page.status_code == 200
    assert "Developmental network" in page.text
    assert escape(pair.mentor_name) in page.text
    assert "went to another mentee" in page.text or "lower score" in page.text
    assert '<td class="num" data-label="Score">' in page.text
    missing = admin_client.get(url, query_string={"email": "nobody@example.org"})
    assert missing.status_code == 404


def _manual(client: FlaskClient, program_id: int, run_id: int, **data: object):  # type: ignore[no-untyped-def]
    return client.post(
        f"/programs/{program_id}/runs/{run_id}/manual", data=data, follow_redirects=True
    )


# two mentees and two sponsors with one place each: every sponsor may sponsor every mentee
SPONSORS = b"""email,name,role,seeks,offers,level,capacity
ana@example.org,Ana,mentee,sponsorship,,3,
bo@example.org,Bo,mentee,sponsorship,,3,
cy@example.org,Cy,mentor,,sponsorship,7,1
di@example.org,Di,mentor,,sponsorship,8,1
"""


def test_a_manual_match_is_checked_against_the_rules(
    app: Flask, admin_client: FlaskClient, tmp_path: Path
) -> None:
    csv = tmp_path / "sponsors.csv"
    csv.write_bytes(SPONSORS)
    program_id = load_demo(app, csv)
    run = run_to_end(app, admin_client, program_id)
    pairs = pairs_of(app, run.id)
    assert len(pairs) == 2
    pair = next(p for p in pairs if p.mentor_type == "sponsorship")
    # a mentee as a sponsor: no sponsorship offered
    blocked = _manual(
        admin_client,
        program_id,
        run.id,
        mentee_email=pair.mentee_email,
        mentor_email=pair.mentee_email,
        mentor_type="sponsorship",
    )
    assert "This match breaks a rule:" in blocked.text
    other = next(
        p
        for p in pairs
        if p.mentor_type == "sponsorship"
        and p.mentor_email != pair.mentor_email
        and p.mentee_email != pair.mentee_email
    )
    data = {
        "mentee_email": pair.mentee_email,
        "mentor_email": other.mentor_email,
        "mentor_type": "sponsorship",
    }
    asked = _manual(admin_client, program_id, run.id, **data)
    assert "This match breaks a rule:" not in asked.text
    assert "Before you make this match, note:" in asked.text
    assert "replaces the current sponsorship match" in asked.text
    # the other sponsor is full when their pair holds their only place: it gives way
    made = _manual(admin_client, program_id, run.id, **data, confirm="yes", give_way=str(other.id))
    assert "Match made and locked." in made.text
    with app.app_context():
        now = db.session.scalars(
            db.select(ProposedMatch).filter_by(
                run_id=run.id, mentee_email=pair.mentee_email, mentor_type="sponsorship"
            )
        ).all()
        assert [(p.mentor_email, p.manual) for p in now] == [(other.mentor_email, True)]
        decision = db.session.scalars(
            db.select(PairDecision).filter_by(mentee_email=pair.mentee_email)
        ).one()
        assert decision.action == "lock"
        event = db.session.scalars(db.select(AuditEvent).filter_by(action="match.manual")).one()
        assert event.detail["before"] == [pair.mentor_email]
        assert event.detail["after"] == other.mentor_email


def test_the_table_stays_fast_and_one_query_per_part_for_10000_pairs(
    app: Flask, admin_client: FlaskClient, demo: tuple[int, MatchRun]
) -> None:
    program_id, run = demo
    breakdown = [["goals", 0.5, 20.0, 10.0, 20.0], ["level", 1.0, 10.0, 10.0, 10.0]]
    with app.app_context():
        db.session.execute(
            db.insert(ProposedMatch),
            [
                {
                    "run_id": run.id,
                    "mentee_email": f"m{i}@example.org",
                    "mentee_name": f"Mentee {i}",
                    "mentor_email": f"t{i % 700}@example.org",
                    "mentor_name": f"Mentor {i % 700}",
                    "mentor_type": "expertise",
                    "score": i % 100,
                    "reasons": "covers 1 of 1 wanted skill",
                    "breakdown": breakdown,
                }
                for i in range(10_000)
            ],
        )
        db.session.commit()
        engine = db.engine
    statements: list[str] = []

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    url = f"/programs/{program_id}/runs/{run.id}/review"
    event.listen(engine, "before_cursor_execute", count)
    try:
        started = time.perf_counter()
        page = admin_client.get(url, query_string={"page": "150", "sort": "score"})
        seconds = time.perf_counter() - started
        first = statements[:]
        statements.clear()
        again = admin_client.get(url, query_string={"page": "151", "sort": "score"})
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert page.status_code == 200 and again.status_code == 200
    assert "Page 150 of" in page.text
    assert page.text.count('<tr class="pair ') == 50
    # the first page of a run also reads the run's whole figures (webapp.run_cache) ...
    assert len(first) <= 15, first
    # ... which the next pages reuse while nothing changed: no pass over the whole run
    assert len(statements) <= 12, statements
    whole_run = [s for s in statements if "HAVING" in s or "UNION" in s.upper()]
    assert not whole_run, whole_run
    assert seconds < 3


def test_a_manual_match_fills_an_open_request(
    app: Flask, admin_client: FlaskClient, demo: tuple[int, MatchRun]
) -> None:
    program_id, run = demo
    with app.app_context():
        people = program_people(program_id)
        requests = db.session.scalars(db.select(UnmatchedRequest).filter_by(run_id=run.id)).all()
        config = config_from_mapping(run.config)
        feasible = (
            (r.mentee_email, m.email, r.mentor_type)
            for r in requests
            for m in people
            if m.is_mentor
            and not assess_pair(people, r.mentee_email, m.email, r.mentor_type, config).blocked_by
        )
        mentee_email, mentor_email, kind = next(feasible)
        theirs = db.session.scalars(
            db.select(ProposedMatch.id).filter_by(run_id=run.id, mentor_email=mentor_email)
        ).all()
    made = _manual(
        admin_client,
        program_id,
        run.id,
        mentee_email=mentee_email,
        mentor_email=mentor_email,
        mentor_type=kind,
        confirm="yes",
        give_way=[str(i) for i in theirs],  # when the mentor is full, their best pair
    )
    assert "Match made and locked." in made.text
    with app.app_context():
        left = db.session.scalars(
            db.select(UnmatchedRequest).filter_by(
                run_id=run.id, mentee_email=mentee_email, mentor_type=kind
            )
        ).all()
        assert left == []
        pair = db.session.scalars(
            db.select(ProposedMatch).filter_by(
                run_id=run.id, mentee_email=mentee_email, mentor_type=kind
            )
        ).one()
        assert (pair.mentor_email, pair.manual, pair.change) == (mentor_email, True, "added")
