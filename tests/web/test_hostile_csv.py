"""Hostile input never crashes and never half-writes (issue 7, item 1).

The bulk (over 10,000 files) goes straight to the parsing layer the web import uses
(``read_rows`` + ``load_participants``); a smaller number goes through the web import on
both databases, checking that the database is unchanged whenever a file is rejected; the
intake form gets hostile values and never answers 500.
"""

from __future__ import annotations

import hashlib
import json

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from matcher.csv_io import read_rows
from matcher.errors import IntakeError, Issue
from matcher.intake import IntakeResult, load_participants
from tests.strategies import NASTY_CELLS, VALID_HEADER, VALID_ROWS, hostile_cells, hostile_csv
from tests.web.forms import form_values
from tests.web.helpers import upload
from webapp.db import db
from webapp.models import AuditEvent, ImportUpload, InviteToken, Participant, Program
from webapp.people.imports import preview

#: Files each bulk test reads; the two together make more than 10,000.
BULK_EXAMPLES = 5_200


def quick(examples: int) -> settings:
    """Hypothesis settings: no deadline, reproducible, ``examples`` inputs."""
    return settings(
        max_examples=examples,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
    )


def read_or_refuse(data: bytes) -> IntakeResult | tuple[Issue, ...]:
    """Import ``data`` or return its structured errors; anything else propagates."""
    try:
        return load_participants(data)
    except IntakeError as exc:
        assert exc.issues, "a refusal must list at least one issue"
        for issue in exc.issues:
            assert isinstance(issue.row, int) and isinstance(issue.message, str)
            assert issue.message
        return exc.issues


@quick(BULK_EXAMPLES)
@given(hostile_csv())
def test_hostile_files_import_or_list_their_errors(data: bytes) -> None:
    """Random hostile files: imported, or refused with a list of issues, never a crash."""
    outcome = read_or_refuse(data)
    if isinstance(outcome, IntakeResult):
        assert outcome.ok


@quick(BULK_EXAMPLES)
@given(
    st.lists(st.sampled_from(NASTY_CELLS), min_size=7, max_size=7),
    st.sampled_from((",", ";", "\t")),
    st.sampled_from(("utf-8", "utf-16", "cp1252")),
)
def test_every_column_of_a_valid_file_takes_hostile_cells(
    cells: list[str], delimiter: str, encoding: str
) -> None:
    """A valid file whose third row is all hostile cells still parses or lists issues."""
    rows = [VALID_HEADER, *VALID_ROWS, cells]
    text = "\r\n".join(
        delimiter.join(f'"{c.replace(chr(34), 2 * chr(34))}"' for c in r) for r in rows
    )
    read_or_refuse(text.encode(encoding, errors="replace"))


@quick(40)
@given(hostile_csv(huge=True))
def test_huge_cells_are_read_or_refused(data: bytes) -> None:
    """Cells of 70 kB and 1 MB are read or refused like any other."""
    read_or_refuse(data)


def database_hash(app: Flask) -> str:
    """A hash of every participant, invite link and audit event."""
    with app.app_context():
        parts = []
        for model in (Program, Participant, InviteToken, AuditEvent):
            for record in db.session.scalars(select(model).order_by(model.id)):
                columns = model.__table__.columns
                parts.append({c.name: str(getattr(record, c.key)) for c in columns})
        return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


def emails(app: Flask, program_id: int) -> list[str]:
    """The e-mail addresses of a program's participants, sorted."""
    with app.app_context():
        query = select(Participant.email).filter_by(program_id=program_id)
        return sorted(db.session.scalars(query))


@pytest.fixture
def seeded_program(admin_client: FlaskClient, program_id: int) -> int:
    """The program with two participants, so that a refused file has something to keep."""
    text = "\r\n".join(",".join(r) for r in [VALID_HEADER, *VALID_ROWS]).encode()
    upload(admin_client, program_id, "seed.csv", text)
    response = admin_client.post(f"/programs/{program_id}/import/1")
    assert response.status_code == 302
    return program_id


@quick(60)
@given(data=hostile_csv())
def test_web_import_of_hostile_files(
    app: Flask, admin_client: FlaskClient, seeded_program: int, data: bytes
) -> None:
    """Upload, preview and confirm: never a 500; a refused file leaves the database as it was;
    an accepted one leaves the program with the people it had and every person of the file."""
    shown = upload(admin_client, seeded_program, "hostile.csv", data)
    assert shown.status_code == 200
    upload_id = int(shown.request.path.rsplit("/", 1)[1])
    with app.app_context():
        program = db.session.get(Program, seeded_program)
        refused = preview(program, data).plan is None
    before = database_hash(app)
    emails_before = emails(app, seeded_program)
    confirmed = admin_client.post(f"/programs/{seeded_program}/import/{upload_id}")
    assert confirmed.status_code == 302
    if refused:
        assert database_hash(app) == before
    else:
        held = [row["email"] for row in read_rows(data).rows if any(map(str.strip, row.values()))]
        held = [email.strip().lower() for email in held]
        assert emails(app, seeded_program) == sorted(set(emails_before) | set(held))
        with app.app_context():
            result = db.session.get_one(ImportUpload, upload_id).result
        assert result["new"] == len(set(held) - set(emails_before))
        assert result["new"] + result["updated"] + result["unchanged"] == len(held)


@pytest.fixture
def intake_links(admin_client: FlaskClient, program_id: int) -> list[tuple[str, list[str]]]:
    """A personal link and a program link, each with the names of its form's fields."""
    admin_client.post(f"/programs/{program_id}/invites/person", data={"email": "gia@example.org"})
    admin_client.post(f"/programs/{program_id}/invites/program")
    with admin_client.application.app_context():
        tokens = db.session.scalars(select(InviteToken.token).order_by(InviteToken.id)).all()
    found = []
    for token in tokens:
        page = admin_client.get(f"/intake/{token}").get_data(as_text=True)
        found.append((f"/intake/{token}", sorted({name for name, _ in form_values(page)})))
    return found


@quick(60)
@given(data=st.data())
def test_intake_form_with_hostile_values_never_answers_500(
    client: FlaskClient, intake_links: list[tuple[str, list[str]]], data: st.DataObject
) -> None:
    """Every field of the intake and e-mail forms gets hostile values: a page, never a 500."""
    link, names = data.draw(st.sampled_from(intake_links))
    cell = hostile_cells(max_size=40)
    values = data.draw(st.dictionaries(st.sampled_from(names), st.lists(cell, max_size=3)))
    response = client.post(link, data=values)
    assert response.status_code in {200, 302, 409}
