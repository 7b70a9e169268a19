"""A big file's preview and import are background jobs with a page that follows them.

The upload request only stores the file and the confirm request only queues the import;
a thread of the web process does the work while the page shows its progress. Each job
is held at its start (reading the file) so the test sees the page while it works.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from io import BytesIO
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.datastructures import FileStorage
from werkzeug.test import TestResponse, encode_multipart

from matcher.csv_io import to_csv_bytes
from matcher.synthetic import generate_cohort
from tests.web.helpers import ADMIN_EMAIL, ADMIN_PASSWORD, import_csv, make_app, upload
from tests.web.test_intake import links
from tests.web.test_registrations import HR, registered, stored
from webapp.admins import create_admin
from webapp.db import db
from webapp.models import AuditEvent, ImportUpload, Participant, Program
from webapp.people import imports

PEOPLE = 3000
RELOAD = 'src="/static/job.js"'


@pytest.fixture
def threaded_app(db_url: str) -> Iterator[Flask]:
    """The app running jobs in a thread, as without Redis, beating ten times a second."""
    app = make_app(db_url, JOBS_ASYNC=True, JOB_BEAT_SECONDS=0.1)
    with app.app_context():
        create_admin(ADMIN_EMAIL, ADMIN_PASSWORD)
        db.session.add(Program(name="Big cohort", config={}))
        db.session.commit()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def gate(monkeypatch: pytest.MonkeyPatch) -> threading.Event:
    """Jobs wait at their first step until the gate is open (it starts closed)."""
    opened = threading.Event()
    read_rows = imports.read_rows

    def held(content: bytes) -> Any:
        assert opened.wait(60), "the test never opened the gate"
        return read_rows(content)

    monkeypatch.setattr(imports, "read_rows", held)
    return opened


def followed(client: FlaskClient, url: str, until: str) -> TestResponse:
    """GET ``url`` as its page does while the job works, until the page shows ``until``."""
    deadline = time.monotonic() + 60
    while until not in (page := client.get(url, follow_redirects=True)).text:
        assert time.monotonic() < deadline, f"{until!r} did not show within 60 s"
        time.sleep(0.05)
    return page


def test_a_big_file_is_previewed_and_imported_by_background_jobs(
    threaded_app: Flask, gate: threading.Event
) -> None:
    client = threaded_app.test_client()
    client.post("/auth/login", data={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})
    content = to_csv_bytes(generate_cohort(PEOPLE, seed=1))
    # encoded here: the test client keeps a form over 500 kB in a file it never closes
    boundary, body = encode_multipart({"file": FileStorage(BytesIO(content), "cohort.csv")})
    sent = client.post(
        "/programs/1/import/", data=body, content_type=f"multipart/form-data; boundary={boundary}"
    )
    assert sent.status_code == 302
    show = sent.headers["Location"]
    working = followed(client, show, "Working: reading the file")
    assert "Checking cohort.csv" in working.text and RELOAD in working.text
    assert "<progress aria-labelledby" in working.text

    gate.set()
    page = followed(client, show, "Preview of cohort.csv")
    assert RELOAD not in page.text
    assert f"<strong>{PEOPLE}</strong> rows" in page.text
    assert f"<strong>{PEOPLE}</strong> new" in page.text
    with threaded_app.app_context():
        assert db.session.scalar(db.select(db.func.count(Participant.id))) == 0

    gate.clear()
    confirmed = client.post(show)
    assert confirmed.status_code == 302
    importing = followed(client, show, "Working: reading the file")
    assert "Importing cohort.csv" in importing.text
    with threaded_app.app_context():
        assert db.session.scalar(db.select(db.func.count(Participant.id))) == 0

    gate.set()
    result = followed(client, show, "Imported:")
    assert f"Imported: {PEOPLE} new, 0 updated, 0 unchanged." in result.text
    with threaded_app.app_context():
        assert db.session.scalar(db.select(db.func.count(Participant.id))) == PEOPLE
        upload = db.session.scalars(db.select(ImportUpload)).one()
        assert (upload.task, upload.status, upload.content, upload.preview) == (
            "import",
            "done",
            b"",
            None,
        )
        event = db.session.scalars(
            db.select(AuditEvent).where(AuditEvent.action == "participants.import")
        ).one()
        assert (event.actor, event.detail["new"]) == (ADMIN_EMAIL, PEOPLE)


def test_a_preview_shows_its_first_issues_and_counts_them_all(
    app: Flask, admin_client: FlaskClient, program_id: int
) -> None:
    """A file with more problems than a page can hold keeps its errors and counts all."""
    rows = ["email,name,role,seeks"] + [
        f"p{n}@example.org,P {n},mentee,expertise" for n in range(imports.ISSUES_SHOWN + 5)
    ]
    rows.append("broken,Broken,mentee,developmental")  # the one error, last in the file
    page = admin_client.post(
        f"/programs/{program_id}/import/",
        data={"file": (BytesIO("\n".join(rows).encode()), "many.csv")},
        content_type="multipart/form-data",
        follow_redirects=True,
    ).text
    total = imports.ISSUES_SHOWN + 6
    assert "<strong>1</strong> error</li>" in page and "nothing will be imported" in page
    assert f"The first {imports.ISSUES_SHOWN} of {total} problems (errors first)" in page
    assert '<tr class="error">' in page
    assert page.count("<tr class=") == imports.ISSUES_SHOWN


def test_an_import_merges_no_registration_made_after_its_preview(
    app: Flask, admin_client: FlaskClient, program_id: int
) -> None:
    """The import job checks the file again: someone who registered themselves after
    the preview was never shown to the admin, so nothing is imported."""
    admin_client.post(f"/programs/{program_id}/invites/program")
    shown = upload(admin_client, program_id, "hr.csv", HR)
    assert "People who registered themselves" not in shown.text
    registered(app, links(admin_client, program_id)[0], "hal@example.org", name="Hal")
    hal = stored(app, "hal@example.org")
    page = admin_client.post(shown.request.path, follow_redirects=True).text
    assert (
        "The import failed: 1 of the people in the file registered themselves through the "
        "program link after the preview; nothing was imported." in page
    )
    assert stored(app, "hal@example.org") == hal
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Participant.id))) == 1


def test_a_preview_lists_the_changes_of_its_first_updated_people_and_counts_the_rest(
    app: Flask, admin_client: FlaskClient, program_id: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A big re-import lists what it changes for the first people and counts the others."""
    monkeypatch.setattr(imports, "CHANGES_SHOWN", 3)
    rows = [f"p{n}@example.org,P {n},mentee,developmental,Sales" for n in range(1, 6)]
    header = "email,name,role,seeks,department"
    import_csv(admin_client, program_id, "a.csv", "\n".join([header, *rows]).encode())
    moved = "\n".join([header, *rows]).replace("Sales", "Marketing").encode()
    page = upload(admin_client, program_id, "b.csv", moved).text
    listed = re.findall(r"<li>(P \d): department Sales → Marketing</li>", page)
    assert listed == ["P 1", "P 2", "P 3"]
    assert "And 2 more people updated." in page
