"""Data rights (issue 7, item 5): export one person, erase one person, append-only audit."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.web.conftest import ADMIN_EMAIL, upload
from tests.web.matching import SAMPLE, run_to_end
from webapp.audit import AppendOnlyError
from webapp.db import db
from webapp.models import AuditEvent, InviteToken, Participant
from webapp.privacy import email_hash
from webapp.run_models import MatchRun, PairDecision, ProposedMatch, RunStatus, UnmatchedRequest

PEOPLE = (
    b"email,name,role,seeks,offers,capacity,exclude\r\n"
    b"ana@example.org,Ana,mentee,developmental;expertise,,,\r\n"
    b"bo@example.org,Bo,mentor,,developmental,2,\r\n"
    b"cy@example.org,Cy,mentee,developmental,,,ana@example.org\r\n"
)


@pytest.fixture
def program(app: Flask, admin_client: FlaskClient, program_id: int) -> dict[str, int]:
    """Ana, Bo and Cy (who never wants to be paired with Ana), a run, Ana's approved pair."""
    upload(admin_client, program_id, "people.csv", PEOPLE)
    assert admin_client.post(f"/programs/{program_id}/import/1").status_code == 302
    admin_client.post(f"/programs/{program_id}/invites/person", data={"email": "ana@example.org"})
    with app.app_context():
        run = MatchRun(program_id=program_id, status=RunStatus.DONE, created_by=ADMIN_EMAIL)
        db.session.add(run)
        db.session.flush()
        pairs = [
            ProposedMatch(
                run_id=run.id,
                mentee_email=mentee,
                mentee_name=mentee[:2].title(),
                mentor_email="bo@example.org",
                mentor_name="Bo",
                mentor_type="developmental",
                score=70.0,
            )
            for mentee in ("ana@example.org", "cy@example.org")
        ]
        db.session.add_all(pairs)
        db.session.add(
            UnmatchedRequest(
                run_id=run.id,
                mentee_email="ana@example.org",
                mentee_name="Ana",
                mentor_type="expertise",
                reason="no mentor offers expertise",
            )
        )
        db.session.commit()
        ana = db.session.scalars(select(Participant).where(Participant.name == "Ana")).one()
        ids = {"program": program_id, "run": run.id, "pair": pairs[0].id, "ana": ana.id}
    decided = admin_client.post(
        f"/programs/{program_id}/runs/{ids['run']}/matches/{ids['pair']}",
        data={"action": "approve"},
    )
    assert decided.status_code == 302
    return ids


def test_export_one_person_as_json(admin_client: FlaskClient, program: dict[str, int]) -> None:
    response = admin_client.get(
        f"/programs/{program['program']}/participants/{program['ana']}/export.json"
    )
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert "attachment" in response.headers["Content-Disposition"]
    data = json.loads(response.data)
    assert data["profile"]["email"] == "ana@example.org"
    assert data["profile"]["seeks"] == "developmental;expertise"
    assert [m["mentor_email"] for m in data["matches"]] == ["bo@example.org"]
    assert [r["mentor_type"] for r in data["open_requests"]] == ["expertise"]
    assert [d["action"] for d in data["decisions"]] == ["approve"]
    assert len(data["invite_links"]) == 1 and "token" not in data["invite_links"][0]
    assert "match.approve" in {e["action"] for e in data["audit"]}
    assert "cy@example.org" not in response.get_data(as_text=True)


def test_erase_one_person(app: Flask, admin_client: FlaskClient, program: dict[str, int]) -> None:
    program_id = program["program"]
    with app.app_context():
        audit_before = db.session.scalar(select(sa.func.count()).select_from(AuditEvent))
    response = admin_client.post(f"/programs/{program_id}/participants/{program['ana']}/erase")
    assert response.status_code == 302
    assert "erased" in admin_client.get(response.location).get_data(as_text=True)
    with app.app_context():
        emails = db.session.scalars(select(Participant.email)).all()
        assert sorted(emails) == ["bo@example.org", "cy@example.org"]
        assert [p.mentee_email for p in db.session.scalars(select(ProposedMatch))] == [
            "cy@example.org"
        ]
        assert db.session.scalars(select(UnmatchedRequest)).all() == []
        assert db.session.scalars(select(PairDecision)).all() == []
        assert db.session.scalars(select(InviteToken)).all() == []
        cy = db.session.scalars(select(Participant).where(Participant.name == "Cy")).one()
        assert cy.exclude == "ana@example.org"
        events = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
        assert len(events) == audit_before + 1
        erased = events[-1]
        assert erased.action == "participant.erase"
        assert erased.detail["email_sha256"] == email_hash("ana@example.org")
        assert "ana@example.org" not in json.dumps(erased.detail)
    upload(admin_client, program_id, "again.csv", PEOPLE)
    assert admin_client.post(f"/programs/{program_id}/import/2").status_code == 302
    with app.app_context():
        cy = db.session.scalars(select(Participant).where(Participant.name == "Cy")).one()
        assert cy.exclude == "ana@example.org"


def test_the_audit_log_is_append_only(app: Flask, program: dict[str, int]) -> None:
    """The session refuses to change or delete an event, and so does the database."""
    with app.app_context():
        event = db.session.scalars(select(AuditEvent)).first()
        assert event is not None
        event.action = "forged"
        with pytest.raises(AppendOnlyError):
            db.session.commit()
        db.session.rollback()
        db.session.delete(db.session.scalars(select(AuditEvent)).first())
        with pytest.raises(AppendOnlyError):
            db.session.commit()
        db.session.rollback()
        for statement in ("UPDATE audit_event SET action = 'forged'", "DELETE FROM audit_event"):
            with (
                pytest.raises(sa.exc.DatabaseError, match="append-only"),
                db.engine.begin() as connection,
            ):
                connection.execute(sa.text(statement))
        assert "forged" not in db.session.scalars(select(AuditEvent.action)).all()


def test_imports_runs_decisions_exports_and_erasures_are_audited(
    app: Flask, admin_client: FlaskClient, program_id: int
) -> None:
    upload(admin_client, program_id, "sample.csv", SAMPLE.read_bytes())
    assert admin_client.post(f"/programs/{program_id}/import/1").status_code == 302
    run = run_to_end(app, admin_client, program_id)
    with app.app_context():
        pair = db.session.scalars(
            select(ProposedMatch).where(ProposedMatch.run_id == run.id)
        ).first()
        assert pair is not None
        mentee = db.session.scalars(
            select(Participant).where(Participant.email == pair.mentee_email)
        ).one()
    base = f"/programs/{program_id}/runs/{run.id}"
    admin_client.post(f"{base}/matches/{pair.id}", data={"action": "approve"})
    assert admin_client.get(f"{base}/export.csv").status_code == 200
    admin_client.post(f"/programs/{program_id}/participants/{mentee.id}/erase")
    with app.app_context():
        actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {
        "participants.import",
        "run.start",
        "match.approve",
        "run.export",
        "participant.erase",
    } <= actions
