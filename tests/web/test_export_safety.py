"""Exports are safe in Excel and LibreOffice (issue 7, item 3), in every export path.

Every CSV the project writes goes through ``matcher.csv_io.to_csv_bytes``; a property test
shows that no text cell it writes starts with a formula prefix, and a route inventory
checks that every CSV download of the web app is one that was tried with hostile cells.
"""

from __future__ import annotations

import csv
import io
import re

import pandas as pd
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import given, settings
from hypothesis import strategies as st

from matcher.csv_io import FORMULA_PREFIXES, to_csv_bytes
from tests.strategies import hostile_cells
from tests.web.helpers import ADMIN_EMAIL
from tests.web.matching import export
from webapp.db import db
from webapp.models import AuditEvent, Participant, Program
from webapp.run_models import MatchRun, PairDecision, ProposedMatch, RunStatus, UnmatchedRequest

#: Endpoints that answer a spreadsheet file, each tried below with hostile cells.
CSV_ENDPOINTS = {
    "matching.exports.export_csv",
    "matching.exports.export_unmatched",
    "mail.download_links",
    "matching.pairs.download",
    "matching.outcomes.export_csv",
    "admin.audit.history_csv",
    "admin.audit.sign_ins_csv",
}
NUMBER = re.compile(r"-?\d+(\.\d+)?")
HOSTILE = [prefix + "cmd|' /C calc'!A0" for prefix in FORMULA_PREFIXES]


def cells(data: bytes) -> list[str]:
    """Every cell of a CSV download, header included."""
    return [c for row in csv.reader(io.StringIO(data.decode("utf-8-sig"))) for c in row]


def assert_safe(data: bytes) -> None:
    """No cell starts with a character that makes a spreadsheet run a formula.

    A number such as ``-5.0`` is written as a number: a spreadsheet reads it as a value.
    """
    for cell in cells(data):
        assert not cell.startswith(FORMULA_PREFIXES) or NUMBER.fullmatch(cell), cell


@settings(max_examples=300, deadline=None)
@given(st.lists(hostile_cells(max_size=20, among=HOSTILE), min_size=1, max_size=5))
def test_no_text_cell_of_a_written_csv_starts_with_a_formula_prefix(texts: list[str]) -> None:
    frame = pd.DataFrame({"name": texts, "score": range(len(texts))})
    assert_safe(to_csv_bytes(frame))


def hostile_run(app: Flask) -> tuple[int, int]:
    """A run whose approved pairs and open requests have a hostile value in every text
    column."""
    with app.app_context():
        program = Program(name="Hostile", config={})
        db.session.add(program)
        db.session.flush()
        run = MatchRun(program_id=program.id, status=RunStatus.DONE, created_by=ADMIN_EMAIL)
        db.session.add(run)
        db.session.flush()
        for n, text in enumerate(HOSTILE):
            db.session.add(
                ProposedMatch(
                    run_id=run.id,
                    mentee_email=f"{text}{n}@example.org",
                    mentee_name=text,
                    mentee_department=text,
                    mentor_email=f"{text}m{n}@example.org",
                    mentor_name=text,
                    mentor_department=text,
                    mentor_type="developmental",
                    score=-5.0,
                    reasons=text,
                )
            )
            db.session.add(
                PairDecision(
                    program_id=program.id,
                    mentee_email=f"{text}{n}@example.org",
                    mentor_email=f"{text}m{n}@example.org",
                    mentor_type="developmental",
                    action="approve",
                    decided_by=text,
                )
            )
            db.session.add(
                UnmatchedRequest(
                    run_id=run.id,
                    mentee_email=f"{text}{n}@example.org",
                    mentee_name=text,
                    mentee_department=text,
                    mentor_type="expertise",
                    reason=text,
                )
            )
        db.session.commit()
        return program.id, run.id


def test_every_csv_download_is_formula_safe(app: Flask, admin_client: FlaskClient) -> None:
    found = {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if rule.rule.endswith(".csv") or "csv" in rule.endpoint
    }
    assert found == CSV_ENDPOINTS, "a new CSV download: add it to this test"
    program_id, run_id = hostile_run(app)
    matches = export(admin_client, program_id, run_id, "export.csv").data
    unmatched = admin_client.get(f"/programs/{program_id}/runs/{run_id}/unmatched.csv").data
    for data in (matches, unmatched):
        assert len(cells(data)) > len(HOSTILE) * 5
        assert_safe(data)
        assert "'=cmd|' /C calc'!A0" in cells(data)


def test_the_personal_links_csv_is_formula_safe(app: Flask, admin_client: FlaskClient) -> None:
    program_id, _ = hostile_run(app)
    with app.app_context():
        for n, text in enumerate(HOSTILE):
            db.session.add(
                Participant(
                    program_id=program_id, email=f"p{n}@example.org", name=text, role="mentee"
                )
            )
        db.session.commit()
    data = admin_client.post(f"/programs/{program_id}/invitations/links.csv").data
    assert len(cells(data)) == 6 * (len(HOSTILE) + 1)
    assert_safe(data)
    assert "'=cmd|' /C calc'!A0" in cells(data)


def test_the_outcomes_csv_is_formula_safe(app: Flask, admin_client: FlaskClient) -> None:
    """A hostile program name and departments: the cohort and group cells of the CSV."""
    with app.app_context():
        program = Program(name=HOSTILE[0], config={})
        for n, text in enumerate(HOSTILE):
            db.session.add(
                Participant(
                    program=program,
                    email=f"p{n}@example.org",
                    name="P",
                    role="mentee",
                    seeks="expertise",
                    department=text,
                )
            )
        db.session.commit()
        program_id = program.id
    data = admin_client.get(f"/programs/{program_id}/outcomes.csv").data
    assert len(cells(data)) > len(HOSTILE) * 10
    assert_safe(data)
    assert "'=cmd|' /C calc'!A0" in cells(data)


def test_the_audit_csvs_are_formula_safe(app: Flask, admin_client: FlaskClient) -> None:
    """A hostile actor, detail and address in a program's events and in sign-ins."""
    program_id, _ = hostile_run(app)
    with app.app_context():
        for text in HOSTILE:
            detail = {"name": text, "address": text}
            db.session.add(
                AuditEvent(program_id=program_id, actor=text, action=text, detail=detail)
            )
            db.session.add(AuditEvent(actor=text, action="auth.failed", detail=detail))
        db.session.commit()
    for url in (f"/programs/{program_id}/history.csv", "/sign-ins.csv"):
        data = admin_client.get(url).data
        assert len(cells(data)) >= 6 * (len(HOSTILE) + 1), url
        assert_safe(data)
        assert "'=cmd|' /C calc'!A0" in cells(data), url
