"""Exports of a run: approved pairs as formula-safe CSV, and introduction notes."""

from __future__ import annotations

import io

import pandas as pd
from flask import Flask
from flask.testing import FlaskClient

from matcher.engine import MATCH_COLUMNS
from tests.web.matching import load_demo, run_to_end
from webapp.db import db
from webapp.run_models import ProposedMatch


def _approve_three(app: Flask, client: FlaskClient) -> tuple[int, int, list[ProposedMatch]]:
    program_id = load_demo(app)
    run = run_to_end(app, client, program_id)
    with app.app_context():
        pairs = db.session.scalars(
            db.select(ProposedMatch).filter_by(run_id=run.id).order_by(ProposedMatch.id)
        ).all()[:4]
        db.session.expunge_all()
    for pair, action in zip(pairs, ("approve", "approve", "lock", "reject"), strict=True):
        url = f"/programs/{program_id}/runs/{run.id}/matches/{pair.id}"
        client.post(url, data={"action": action})
    return program_id, run.id, pairs


def test_the_csv_has_the_approved_and_locked_pairs_with_the_cli_columns(
    app: Flask, admin_client: FlaskClient
) -> None:
    program_id, run_id, pairs = _approve_three(app, admin_client)
    response = admin_client.get(f"/programs/{program_id}/runs/{run_id}/export.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert f'filename="matches-run-{run_id}.csv"' in response.headers["Content-Disposition"]
    assert response.data.startswith(b"\xef\xbb\xbf")
    frame = pd.read_csv(io.BytesIO(response.data), encoding="utf-8-sig")
    assert list(frame.columns) == MATCH_COLUMNS
    exported = set(zip(frame.mentee_email, frame.mentor_email, frame.mentor_type, strict=True))
    assert exported == {p.key for p in pairs[:3]}


def test_the_csv_is_safe_to_open_in_a_spreadsheet(app: Flask, admin_client: FlaskClient) -> None:
    program_id, run_id, pairs = _approve_three(app, admin_client)
    with app.app_context():
        pair = db.session.get_one(ProposedMatch, pairs[0].id)
        pair.reasons = '=HYPERLINK("http://evil.example","click")'
        db.session.commit()
    data = admin_client.get(f"/programs/{program_id}/runs/{run_id}/export.csv").data
    assert b"'=HYPERLINK" in data
    assert b",=HYPERLINK" not in data and b'"=HYPERLINK' not in data


def test_introductions_name_both_people_why_and_an_agenda(
    app: Flask, admin_client: FlaskClient
) -> None:
    program_id, run_id, pairs = _approve_three(app, admin_client)
    response = admin_client.get(f"/programs/{program_id}/runs/{run_id}/introductions.md")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    text = response.get_data(as_text=True)
    assert text.count("\n---\n") == 2
    for pair in pairs[:3]:
        assert f"# {pair.mentee_name} and {pair.mentor_name}: {pair.mentor_type} mentoring" in text
        assert f"Why you were matched: {pair.reasons}." in text
    assert (
        f"# {pairs[3].mentee_name} and {pairs[3].mentor_name}: {pairs[3].mentor_type}" not in text
    )
    assert "A suggested agenda for your first conversation:" in text
    assert "\n1. " in text and "\n3. " in text


def test_an_export_with_nothing_approved_has_only_the_header(
    app: Flask, admin_client: FlaskClient
) -> None:
    program_id = load_demo(app)
    run = run_to_end(app, admin_client, program_id)
    data = admin_client.get(f"/programs/{program_id}/runs/{run.id}/export.csv").data
    assert data.decode("utf-8-sig").strip() == ",".join(MATCH_COLUMNS)
