"""Exports of a run: approved pairs and open requests as formula-safe CSV, and a zip of
introduction notes, one per pair, that participants may read."""

from __future__ import annotations

import io
import re
import zipfile

import pandas as pd
from flask import Flask
from flask.testing import FlaskClient

from matcher.proposal import MATCH_COLUMNS, UNMATCHED_COLUMNS
from tests.web.helpers import ADMIN_EMAIL
from tests.web.matching import export, load_demo, run_to_end
from webapp.db import db
from webapp.matching.exports import DECISION_COLUMNS
from webapp.pair_life import LIFE_COLUMNS
from webapp.run_models import ProposedMatch, UnmatchedRequest


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


def test_the_csv_has_the_cli_columns_then_status_departments_and_who_decided_when(
    app: Flask, admin_client: FlaskClient
) -> None:
    program_id, run_id, pairs = _approve_three(app, admin_client)
    response = export(admin_client, program_id, run_id, "export.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert f'filename="matches-run-{run_id}.csv"' in response.headers["Content-Disposition"]
    assert response.data.startswith(b"\xef\xbb\xbf")
    frame = pd.read_csv(io.BytesIO(response.data), encoding="utf-8-sig", keep_default_na=False)
    assert list(frame.columns) == [*MATCH_COLUMNS, *DECISION_COLUMNS, *LIFE_COLUMNS]
    assert DECISION_COLUMNS == [
        "status",
        "mentee_department",
        "mentor_department",
        "decided_by",
        "decided_at_utc",
    ]
    exported = {
        (r.mentee_email, r.mentor_email, r.mentor_type): r for r in frame.itertuples(index=False)
    }
    assert set(exported) == {p.key for p in pairs[:3]}
    for pair, status in zip(pairs[:3], ("approved", "approved", "locked"), strict=True):
        row = exported[pair.key]
        assert row.status == status
        assert (row.mentee_department, row.mentor_department) == (
            pair.mentee_department,
            pair.mentor_department,
        )
        assert row.decided_by == ADMIN_EMAIL
        assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", row.decided_at_utc)
    # departments as the file spells them, not lower-cased
    assert any(re.match(r"[A-Z]", d) for d in frame.mentee_department)


def test_the_csv_is_safe_to_open_in_a_spreadsheet(app: Flask, admin_client: FlaskClient) -> None:
    program_id, run_id, pairs = _approve_three(app, admin_client)
    with app.app_context():
        pair = db.session.get_one(ProposedMatch, pairs[0].id)
        pair.reasons = '=HYPERLINK("http://evil.example","click")'
        db.session.commit()
    data = export(admin_client, program_id, run_id, "export.csv").data
    assert b"'=HYPERLINK" in data
    assert b",=HYPERLINK" not in data and b'"=HYPERLINK' not in data


def test_introductions_are_one_note_per_pair_that_participants_may_read(
    app: Flask, admin_client: FlaskClient
) -> None:
    program_id, run_id, pairs = _approve_three(app, admin_client)
    with app.app_context():
        # a sponsor's and a generational mentor's reasons state levels and generations
        telling = [
            db.session.scalars(
                db.select(ProposedMatch)
                .filter_by(run_id=run_id, mentor_type=kind)
                .order_by(ProposedMatch.id.desc())
            ).first()
            for kind in ("sponsorship", "generational")
        ]
        db.session.expunge_all()
    for pair in telling:
        assert pair is not None and re.search(
            r"levels? |gen_z|boomer|millennial|gen_x", pair.reasons
        )
        admin_client.post(
            f"/programs/{program_id}/runs/{run_id}/matches/{pair.id}", data={"action": "approve"}
        )
    approved = [*pairs[:3], *telling]
    response = export(admin_client, program_id, run_id, "introductions.zip")
    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    assert f'filename="introductions-run-{run_id}.zip"' in response.headers["Content-Disposition"]
    with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
        names = archive.namelist()
        notes = [archive.read(name).decode("utf-8") for name in names]
    assert len(names) == len(set(names)) == 5
    assert all(re.fullmatch(r"00[1-5]-[a-z0-9-]+-[a-z]+\.txt", name) for name in names)
    decided = sorted(approved, key=lambda p: (p.mentee_email, p.mentor_type, p.mentor_email))
    for note, pair in zip(notes, decided, strict=True):
        assert note.startswith(
            f"To: {pair.mentee_name} <{pair.mentee_email}>, "
            f"{pair.mentor_name} <{pair.mentor_email}>\n"
            f"Subject: Introducing {pair.mentee_name} and {pair.mentor_name}: "
            f"{pair.mentor_type} mentoring\n"
        )
        why = note.split("Why you were matched:\n")[1].split("\n\n")[0]
        assert why.startswith("- ") and pair.mentor_name in why
        assert "A suggested agenda for your first conversation:\n1. " in note
        assert not re.search(r"\blevels?\b|boomer|gen_[xz]|millennial|score", note, re.I), note
    rejected = pairs[3]
    assert f"Introducing {rejected.mentee_name} and {rejected.mentor_name}:" not in "".join(notes)


def test_the_open_requests_download_as_csv_with_department_and_reason(
    app: Flask, admin_client: FlaskClient
) -> None:
    program_id = load_demo(app)
    run = run_to_end(app, admin_client, program_id)
    base = f"/programs/{program_id}/runs/{run.id}"
    response = admin_client.get(f"{base}/unmatched.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert f'filename="open-requests-run-{run.id}.csv"' in response.headers["Content-Disposition"]
    frame = pd.read_csv(io.BytesIO(response.data), encoding="utf-8-sig", keep_default_na=False)
    assert list(frame.columns) == [*UNMATCHED_COLUMNS, "mentee_department"]
    with app.app_context():
        stored = db.session.scalars(db.select(UnmatchedRequest).filter_by(run_id=run.id)).all()
    assert len(frame) == len(stored) > 0
    kaito = frame[frame.mentee_name == "Kaito Suzuki"].iloc[0]
    assert (kaito.mentee_email, kaito.mentee_department, kaito.mentor_type) == (
        "kaito.suzuki@loomworks.example",
        "Sales",
        "generational",
    )
    assert kaito.reason == "no generational mentor speaks Japanese"
    sponsors = admin_client.get(f"{base}/unmatched.csv", query_string={"type": "sponsorship"})
    only = pd.read_csv(io.BytesIO(sponsors.data), encoding="utf-8-sig")
    assert set(only.mentor_type) == {"sponsorship"} and 0 < len(only) < len(frame)


def test_an_export_with_nothing_approved_has_only_the_header(
    app: Flask, admin_client: FlaskClient
) -> None:
    program_id = load_demo(app)
    run = run_to_end(app, admin_client, program_id)
    data = export(admin_client, program_id, run.id, "export.csv").data
    assert data.decode("utf-8-sig").strip() == ",".join(
        [*MATCH_COLUMNS, *DECISION_COLUMNS, *LIFE_COLUMNS]
    )
