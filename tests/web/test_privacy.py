"""Data rights (issue 7, item 5): export one person, erase one person, append-only audit."""

from __future__ import annotations

import hashlib
import json
import zipfile
from io import BytesIO

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.datastructures import MultiDict
from werkzeug.test import TestResponse

from matcher import mentions
from tests.web.forms import form_values
from tests.web.helpers import ADMIN_EMAIL, make_app, upload
from tests.web.matching import SAMPLE, bulk, decide, export, pairs_of, run_to_end
from webapp.audit import AppendOnlyError
from webapp.db import db
from webapp.models import AuditEvent, ImportUpload, InviteToken, Participant
from webapp.people.privacy import erasure_digest
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
    page = admin_client.get(response.location).text
    assert (
        "Ana erased, with 1 pair, 1 decision, 1 invite link, 0 e-mails and 0 unconfirmed uploads; "
        "2 history events now say [erased] instead." in page
    )
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
        assert erased.detail["email_digest"] == erasure_digest("ana@example.org")
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
    assert export(admin_client, program_id, run.id, "export.csv").status_code == 200
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


TEAM = (
    "email,name,role,seeks,offers,capacity,manager_email\r\n"
    "ana@example.org,Ana Lima,mentee,developmental,,,\r\n"
    "bo@example.org,Bo,mentor,,developmental,3,\r\n"
    "cy@example.org,Cy,mentee,developmental,,,ana@example.org\r\n"
    "di@example.org,Di,mentee,developmental,,,ana@example.org\r\n"
    "ed@example.org,Ed,mentee,developmental,,,ana@example.org\r\n"
)
#: Ana's row in the files an admin uploaded and never confirmed, in every encoding.
PENDING = {
    "excel-unicode.csv": TEAM.replace(",", "\t").encode("utf-16"),
    "no-bom-utf16.csv": TEAM.encode("utf-16-be"),
    "windows.csv": TEAM.replace("Ana Lima", "Ana Lima Gonçalves").encode("cp1252"),
    "upper-case.csv": TEAM.upper().encode("utf-8-sig"),
}


def test_erasure_leaves_no_traces(app: Flask, admin_client: FlaskClient, program_id: int) -> None:
    """Item 20: pending uploads in UTF-16, ``manager_email`` of others, audit events with
    her e-mail and free-text notes, the History page."""
    upload(admin_client, program_id, "team.csv", TEAM.encode())
    assert admin_client.post(f"/programs/{program_id}/import/1").status_code == 302
    admin_client.post(f"/programs/{program_id}/invites/person", data={"email": "ana@example.org"})
    with app.app_context():
        run = MatchRun(program_id=program_id, status=RunStatus.DONE, created_by=ADMIN_EMAIL)
        run.error = "the lock (ana@example.org, bo@example.org) breaks the rule(s)"
        db.session.add(run)
        db.session.flush()
        for mentee in ("ana", "cy"):
            db.session.add(
                ProposedMatch(
                    run_id=run.id,
                    mentee_email=f"{mentee}@example.org",
                    mentee_name=mentee.title(),
                    mentor_email="bo@example.org",
                    mentor_name="Bo",
                    mentor_type="developmental",
                    score=70.0,
                    reasons="same manager as Ana Lima's reports" if mentee == "cy" else "",
                )
            )
        db.session.commit()
        run_id = run.id
        pairs = {p.mentee_email: p.id for p in db.session.scalars(select(ProposedMatch))}
        ana = db.session.scalars(select(Participant).where(Participant.name == "Ana Lima")).one()
        bo = db.session.scalars(select(Participant).where(Participant.name == "Bo")).one()
    decide = f"/programs/{program_id}/runs/{run_id}/matches"
    notes = {"ana": "she is on leave until May", "cy": "Bo and ANA LIMA are in one team"}
    for mentee, note in notes.items():
        answer = admin_client.post(
            f"{decide}/{pairs[f'{mentee}@example.org']}", data={"action": "reject", "note": note}
        )
        assert answer.status_code == 302
    for name, content in PENDING.items():
        assert upload(admin_client, program_id, name, content).status_code == 200
    upload(admin_client, program_id, "others.csv", b"email,name,role\r\nbo@example.org,Bo,mentor")
    with app.app_context():
        events_before = db.session.scalar(select(sa.func.count()).select_from(AuditEvent))
        decided_at = db.session.scalars(
            select(PairDecision.decided_at).where(PairDecision.mentee_email == "cy@example.org")
        ).one()

    erased = admin_client.post(
        f"/programs/{program_id}/participants/{ana.id}/erase", follow_redirects=True
    )
    page = erased.get_data(as_text=True)
    assert "4 unconfirmed uploads;" in page
    assert "3 people still name Ana Lima as their manager (Cy, Di, Ed)" in page

    with app.app_context():
        pending = db.session.scalars(
            select(ImportUpload.filename).where(ImportUpload.imported_at.is_(None))
        ).all()
        assert pending == ["others.csv"]
        managers = db.session.scalars(select(Participant.manager_email)).all()
        assert sorted(managers) == ["", "ana@example.org", "ana@example.org", "ana@example.org"]
        assert db.session.get(MatchRun, run_id).error == (
            "the lock ([erased], bo@example.org) breaks the rule(s)"
        )
        cy_pair = db.session.scalars(select(ProposedMatch)).one()
        assert cy_pair.reasons == "same manager as [erased]'s reports"
        cy_decision = db.session.scalars(select(PairDecision)).one()
        assert cy_decision.note == "Bo and [erased] are in one team"
        assert cy_decision.decided_at == decided_at
        events = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
        assert len(events) == events_before + 1
        stored = json.dumps([[e.actor, e.detail] for e in events]).lower()
        for trace in ("ana@example.org", "ana lima", "on leave"):
            assert trace not in stored
        redacted = [e for e in events if e.redacted_at is not None]
        assert sorted(e.action for e in redacted) == ["invite.person", *["match.reject"] * 2]
        assert {e.detail.get("note") for e in redacted if e.action == "match.reject"} == {
            "[erased]",
            "Bo and [erased] are in one team",
        }
    history = admin_client.get(f"/programs/{program_id}/history").get_data(as_text=True)
    assert "ana@example.org" not in history and "on leave" not in history
    assert "[erased]" in history and "personal data erased" in history
    export = admin_client.get(f"/programs/{program_id}/participants/{bo.id}/export.json")
    bo_events = [e for e in json.loads(export.data)["audit"] if e["action"] == "match.reject"]
    assert [e["detail"]["mentee"] for e in bo_events] == ["[erased]", "cy@example.org"]
    assert all(e["redacted_at"] for e in bo_events)


def test_only_a_redaction_may_change_an_audit_event(app: Flask, program: dict[str, int]) -> None:
    """The triggers let through an UPDATE that sets a new ``redacted_at`` and leaves the
    event's action, time, program and admin alone; nothing else."""
    refused = [
        "UPDATE audit_event SET detail = '{}'",
        "UPDATE audit_event SET detail = '{}', redacted_at = NULL",
        "UPDATE audit_event SET action = 'forged', redacted_at = CURRENT_TIMESTAMP",
        "UPDATE audit_event SET created_at = CURRENT_TIMESTAMP, redacted_at = CURRENT_TIMESTAMP",
        "UPDATE audit_event SET program_id = NULL, redacted_at = CURRENT_TIMESTAMP",
        "DELETE FROM audit_event",
    ]
    with app.app_context():
        for statement in refused:
            with (
                pytest.raises(sa.exc.DatabaseError, match="append-only"),
                db.engine.begin() as connection,
            ):
                connection.execute(sa.text(statement))
        with db.engine.begin() as connection:
            connection.execute(
                sa.text(
                    "UPDATE audit_event SET actor = '[erased]', redacted_at = CURRENT_TIMESTAMP"
                )
            )
        events = db.session.scalars(select(AuditEvent)).all()
        assert events and {(e.actor, e.redacted_at is not None) for e in events} == {
            ("[erased]", True)
        }


def test_no_caller_can_write_megabytes_to_the_audit_log(app: Flask) -> None:
    """Item 18: ``audit.record`` bounds what it stores, whatever it is given."""
    from webapp import audit

    with app.test_request_context():
        audit.record(
            "test.huge",
            None,
            actor="x" * 1_000_000,
            note="n" * 15_000_000,
            emails=[f"p{n}@example.org" for n in range(100_000)],
            nested={"deep": ["y" * 1_000_000] * 10},
            **{f"key{n}": "z" * 400 for n in range(50)},
        )
        db.session.commit()
        event = db.session.scalars(select(AuditEvent)).one()
        assert len(event.actor) <= 320 and event.actor.endswith("(1,000,000 chars)")
        assert len(json.dumps(event.detail)) <= 4096
        assert event.detail["note"].endswith("(15,000,000 chars)")
        assert event.detail["emails"][-1] == "… and 99950 more"
        assert "omitted" in event.detail


ZOFIA, ZOFIA_NAME = "zofia.w@example.org", "Zofia Wrzesniewska"
#: Zofia wants a developmental mentor and a skill nobody offers (an open request).
COHORT = (
    "email,name,role,seeks,offers,capacity,department,expertise_wanted,expertise\r\n"
    f"{ZOFIA},{ZOFIA_NAME},mentee,developmental;expertise,,,Research,quantum knitting,\r\n"
    "bo@example.org,Bo Chen,mentor,,developmental;expertise,2,Sales,,python\r\n"
    "cy@example.org,Cy Diaz,mentor,,developmental,2,Finance,,\r\n"
    "di@example.org,Di Evans,mentee,developmental,,,Sales,,\r\n"
).encode()
#: The note an admin wrote on her pair.
NOTE = f"{ZOFIA_NAME} asked for this mentor"
#: What would identify Zofia: her e-mail, her name, the plain hash of her e-mail, the note.
IDENTITY = (ZOFIA, ZOFIA_NAME, hashlib.sha256(ZOFIA.encode()).hexdigest(), "asked for this mentor")


@pytest.fixture
def zofia(app: Flask, admin_client: FlaskClient, program_id: int) -> dict[str, int]:
    """Zofia in every place a run and the decision paths write: run 1 pairs her (her pair
    locked with a note naming her), an edit makes her mentor her manager, so run 2 leaves
    the lock out and no longer proposes her run-1 pair; her expertise request stays open.
    She also has a personal link, an imported file named after her and a row in an
    unconfirmed upload."""
    for number, name in enumerate(("cohort.csv", f"{ZOFIA_NAME} joins.csv"), start=1):
        upload(admin_client, program_id, name, COHORT)
        assert admin_client.post(f"/programs/{program_id}/import/{number}").status_code == 302
    admin_client.post(f"/programs/{program_id}/invites/person", data={"email": ZOFIA})
    first = run_to_end(app, admin_client, program_id)
    assert first.status == "done", first.error
    pair = next(p for p in pairs_of(app, first.id) if p.mentee_email == ZOFIA)
    note = {"note": NOTE}
    assert decide(admin_client, program_id, first.id, pair.id, "lock", **note).status_code == 302
    with app.app_context():
        zofia_id = db.session.scalars(select(Participant.id).filter_by(email=ZOFIA)).one()
    edit = f"/programs/{program_id}/participants/{zofia_id}/edit"
    values = MultiDict(form_values(admin_client.get(edit).text))
    values.setlist("manager_email", [pair.mentor_email])
    saved = admin_client.post(edit, data=values, follow_redirects=True)
    assert "this breaks the locked pair" in saved.text
    second = run_to_end(app, admin_client, program_id)
    assert second.status == "done", second.error
    assert [row["mentee_name"] for row in second.left_out] == [ZOFIA_NAME]
    assert ZOFIA_NAME in {row["mentee_name"] for row in second.removed}
    keep = f"/programs/{program_id}/runs/{second.id}/left-out/0"
    assert admin_client.post(keep, data={"do": "kept", "version": "1"}).status_code == 302
    approved, _ = bulk(
        admin_client, program_id, second.id, action="approve", scope="above", min_score="0"
    )
    assert approved.status_code == 200
    assert upload(admin_client, program_id, "late.csv", COHORT).status_code == 200
    return {"program": program_id, "zofia": zofia_id, "runs": [first.id, second.id]}


def _as_bytes(value: object) -> bytes:
    """A stored value as bytes to search (JSON as its text)."""
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode()
    return json.dumps(value, ensure_ascii=False, default=str).encode()


def stored_traces(app: Flask, *needles: str) -> list[str]:
    """``table.column: needle`` for every text, JSON or binary value of every table that
    holds one of ``needles`` (any case, any encoding)."""
    kinds = (sa.String, sa.JSON, sa.LargeBinary)
    found = []
    with app.app_context():
        for table in db.metadata.sorted_tables:
            columns = [c for c in table.columns if isinstance(c.type, kinds)]
            for row in db.session.execute(select(*columns)) if columns else ():
                for column, value in zip(columns, row, strict=True):
                    data = _as_bytes(value) if value is not None else b""
                    found += [
                        f"{table.name}.{column.name}: {n}" for n in needles if mentions(data, n)
                    ]
    return found


def _shown(client: FlaskClient, url: str) -> str:
    """The text a GET of ``url`` gives (every file of a zip)."""
    response = client.get(url)
    assert response.status_code == 200, url
    return _read(response)


def _read(response: TestResponse) -> str:
    """The text of an answer (every file of a zip)."""
    if response.mimetype == "application/zip":
        with zipfile.ZipFile(BytesIO(response.data)) as archive:
            return "\n".join(archive.read(name).decode() for name in archive.namelist())
    return response.get_data(as_text=True)


def test_erasure_leaves_no_column_page_or_export_naming_the_person(
    app: Flask, admin_client: FlaskClient, zofia: dict[str, int]
) -> None:
    """Defects 1 and 4 of fix-privacy: a sweep of every text and JSON column of every table
    (runs' ``left_out`` and ``removed`` among them), every page an admin reads about the
    runs (the History page first) and every export, the files made before the erasure
    deleted with it."""
    program_id = zofia["program"]
    made = [
        export(admin_client, program_id, run_id, name).request.path
        for run_id in zofia["runs"]
        for name in ("export.csv", "introductions.zip")
    ]
    traces = stored_traces(app, *IDENTITY[:2])  # the sweep sees her before the erasure
    assert "export_job.content: " + IDENTITY[0] in traces
    history = admin_client.get(f"/programs/{program_id}/history").text
    assert ZOFIA in history and NOTE in history
    for action in ("participant.edit", "match.lock", "match.keep", "match.approve"):
        assert action in history
    url = f"/programs/{program_id}/participants/{zofia['zofia']}/erase"
    erased = admin_client.post(url, follow_redirects=True)
    assert f"{ZOFIA_NAME} erased" in erased.text  # the one confirmation, to her eraser

    traces = stored_traces(app, *IDENTITY)
    assert traces == [], "\n".join(traces)
    for gone in made:  # the files made before the erasure, and their pages
        assert admin_client.get(gone).status_code == 404
        assert admin_client.get(gone.removesuffix("/download")).status_code == 404
    base = f"/programs/{program_id}"
    pages = [f"{base}/history", f"{base}/", f"{base}/participants/", f"{base}/runs/"]
    for run_id in zofia["runs"]:
        run = f"{base}/runs/{run_id}"
        pages += [run, f"{run}/dashboard", f"{run}/unmatched", f"{run}/review"]
        pages += [f"{run}/unmatched.csv"]
    with app.app_context():
        others = db.session.scalars(select(Participant.id)).all()
    pages += [f"{base}/participants/{other}/export.json" for other in others]
    shown = {url: _shown(admin_client, url) for url in pages}
    for run_id in zofia["runs"]:
        for name in ("export.csv", "introductions.zip"):
            download = export(admin_client, program_id, run_id, name)
            shown[download.request.path] = _read(download)
    for url, text in shown.items():
        assert not [n for n in IDENTITY if n.lower() in text.lower()], url
    second = _shown(admin_client, f"{base}/runs/{zofia['runs'][1]}")
    assert "1 approved or locked pair left out of this run" in second
    assert second.count("erased participant – ") == 2  # left out, and removed since run 1


def test_the_erasure_record_cannot_be_matched_to_an_e_mail_without_the_secret_key(
    app: Flask, admin_client: FlaskClient, db_url: str, program: dict[str, int]
) -> None:
    """Defect 2 of fix-privacy: hashing a guessed e-mail does not find the erasure on the
    History page; only the app's secret key ties the record to the e-mail."""
    program_id = program["program"]
    admin_client.post(f"/programs/{program_id}/participants/{program['ana']}/erase")
    history = admin_client.get(f"/programs/{program_id}/history").get_data(as_text=True)
    assert "participant.erase" in history
    for guess in ("ana@example.org", "ANA@example.org", " ana@example.org"):
        assert hashlib.sha256(guess.encode()).hexdigest() not in history
        assert hashlib.sha256(guess.strip().lower().encode()).hexdigest() not in history
    with app.app_context():
        record = db.session.scalars(select(AuditEvent).filter_by(action="participant.erase")).one()
        digest = record.detail["email_digest"]
        assert digest in history and digest == erasure_digest("ANA@example.org")
    with make_app(db_url, SECRET_KEY="another key").app_context():
        assert erasure_digest("ana@example.org") != digest


def test_the_dashboard_and_the_participants_table_no_longer_count_an_erased_person(
    app: Flask, admin_client: FlaskClient, zofia: dict[str, int]
) -> None:
    """Defect 3 of fix-privacy: the figures of the runs she was in are counted again at once
    (participants, requests, open requests and what nobody offers), and so is the table."""
    program_id, run_id = zofia["program"], zofia["runs"][1]
    dashboard = f"/programs/{program_id}/runs/{run_id}/dashboard"
    unmatched = f"/programs/{program_id}/runs/{run_id}/unmatched"
    table = f"/programs/{program_id}/participants/"
    before = admin_client.get(dashboard).text
    assert "<strong>4</strong> participants" in before
    assert "<strong>2</strong> of 3 requests filled" in before
    assert "No expertise mentor has quantum knitting" in admin_client.get(unmatched).text
    assert ZOFIA_NAME in admin_client.get(table).text

    admin_client.post(f"/programs/{program_id}/participants/{zofia['zofia']}/erase")

    after = admin_client.get(dashboard).text
    assert "<strong>3</strong> participants" in after
    assert "<strong>1</strong> of 1 requests filled" in after
    assert "open requests and where mentors are missing" not in after
    open_page = admin_client.get(unmatched).text
    assert "quantum knitting" not in open_page and "Every request is filled." in open_page
    listed = admin_client.get(table).text
    assert ZOFIA_NAME not in listed and "3 participants" in listed
    assert '<option value="Research"' not in listed


def test_an_erasure_keeps_a_run_s_figures_it_cannot_count_again(
    app: Flask, admin_client: FlaskClient, program: dict[str, int]
) -> None:
    """A run whose stored config the core refuses (here: a key it does not know) keeps its
    figures, with the person's name redacted; the erasure goes through."""
    with app.app_context():
        run = db.session.get_one(MatchRun, program["run"])
        run.config = {"objectiv": "coverage"}
        run.summary = {"gaps": [{"mentors": [{"email": "ana@example.org", "name": "Ana"}]}]}
        db.session.commit()
    url = f"/programs/{program['program']}/participants/{program['ana']}/erase"
    assert "Ana erased" in admin_client.post(url, follow_redirects=True).text
    with app.app_context():
        summary = db.session.get_one(MatchRun, program["run"]).summary
    erased = {"email": "erased participant", "name": "erased participant"}
    assert summary == {"gaps": [{"mentors": [erased]}]}


def test_erasing_a_mentor_takes_them_out_of_picks_and_keeps_would_rather_not(
    app: Flask, admin_client: FlaskClient, program_id: int
) -> None:
    people = (
        b"email,name,role,seeks,offers,capacity,preferred_mentors,avoid\r\n"
        b"ana@example.org,Ana,mentee,developmental,,,bo@example.org;di@example.org,\r\n"
        b"bo@example.org,Bo,mentor,,developmental,1,,\r\n"
        b"di@example.org,Di,mentor,,developmental,1,,ana@example.org\r\n"
    )
    upload(admin_client, program_id, "people.csv", people)
    assert admin_client.post(f"/programs/{program_id}/import/1").status_code == 302
    with app.app_context():
        ids = dict(db.session.execute(select(Participant.name, Participant.id)).all())
    for name in ("Bo", "Ana"):
        erased = admin_client.post(f"/programs/{program_id}/participants/{ids[name]}/erase")
        assert erased.status_code == 302
        with app.app_context():
            left = {p.name: p for p in db.session.scalars(select(Participant))}
            if name == "Bo":  # Ana's 2nd pick is her 1st now
                assert left["Ana"].preferred_mentors == "di@example.org"
    assert left["Di"].avoid == "ana@example.org"  # "would rather not" holds if she comes back
