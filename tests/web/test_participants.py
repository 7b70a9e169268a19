"""The participant table (search, filters, pages), view, edit and delete."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.datastructures import MultiDict

from tests.web.forms import form_values
from tests.web.helpers import import_csv
from tests.web.matching import SAMPLE
from webapp.db import db
from webapp.models import InviteToken, Participant
from webapp.rows import record_to_row


def names(client: FlaskClient, program_id: int, query: str = "") -> list[str]:
    """Names shown in the table for a query string."""
    page = client.get(f"/programs/{program_id}/participants/?{query}").get_data(as_text=True)
    return re.findall(r'<td><a href="/programs/\d+/participants/\d+">([^<]+)</a></td>', page)


def participant_id(app: Flask, email: str) -> int:
    """Id of the participant with this e-mail."""
    with app.app_context():
        return db.session.scalars(db.select(Participant.id).where(Participant.email == email)).one()


def test_table_lists_everyone_sorted(admin_client: FlaskClient, imported: int) -> None:
    assert names(admin_client, imported) == [
        "Ana Silva",
        "Ben Okafor",
        "Carl Ode",
        "Dina Roy",
        "Erin Lu",
        "Farid Haddad",
    ]
    page = admin_client.get(f"/programs/{imported}/participants/").get_data(as_text=True)
    assert "6 participants." in page
    assert "developmental, sponsorship" in page


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("q=ana", ["Ana Silva"]),
        ("q=EXAMPLE.ORG&role=mentor", ["Carl Ode", "Erin Lu"]),
        ("q=%25", []),
        ("role=both", ["Dina Roy"]),
        ("seeks=generational", ["Dina Roy", "Farid Haddad"]),
        ("offers=expertise", ["Dina Roy"]),
        ("offers=developmental&seeks=", ["Carl Ode", "Erin Lu"]),
        ("department=engineering", ["Ben Okafor", "Dina Roy"]),
        ("level=2", ["Ben Okafor", "Farid Haddad"]),
        ("level=2&department=marketing", ["Farid Haddad"]),
        (
            "role=nonsense",
            ["Ana Silva", "Ben Okafor", "Carl Ode", "Dina Roy", "Erin Lu", "Farid Haddad"],
        ),
    ],
)
def test_search_and_filters(
    admin_client: FlaskClient, imported: int, query: str, expected: list[str]
) -> None:
    assert names(admin_client, imported, query) == expected


def test_filter_choices_come_from_the_program(admin_client: FlaskClient, imported: int) -> None:
    page = admin_client.get(f"/programs/{imported}/participants/?level=5").get_data(as_text=True)
    assert '<option value="Engineering">Engineering</option>' in page
    assert '<option value="5" selected>5</option>' in page
    assert '<label for="f-seeks">Seeks</label>' in page


def test_pages(app: Flask, admin_client: FlaskClient, imported: int) -> None:
    app.config["PAGE_SIZE"] = 4
    assert len(names(admin_client, imported)) == 4
    page = admin_client.get(f"/programs/{imported}/participants/?role=mentee").get_data(
        as_text=True
    )
    assert "Page 1 of 1" not in page
    page = admin_client.get(f"/programs/{imported}/participants/").get_data(as_text=True)
    assert "Page 1 of 2" in page
    assert f'href="/programs/{imported}/participants/?page=2"' in page
    assert names(admin_client, imported, "page=2") == ["Erin Lu", "Farid Haddad"]
    filtered = admin_client.get(f"/programs/{imported}/participants/?q=a&page=1")
    assert "page=2&amp;q=a" in filtered.get_data(as_text=True)


def test_view_shows_every_column(app: Flask, admin_client: FlaskClient, imported: int) -> None:
    pid = participant_id(app, "ana.silva@example.org")
    page = admin_client.get(f"/programs/{imported}/participants/{pid}").get_data(as_text=True)
    assert "<h1>Ana Silva</h1>" in page
    assert "<dt>target department</dt><dd>Strategy</dd>" in page
    assert "<dt>goals</dt><dd>networking; strategic thinking</dd>" in page


def test_edit_is_validated_like_a_csv_row(
    app: Flask, admin_client: FlaskClient, imported: int
) -> None:
    pid = participant_id(app, "carl.ode@example.org")
    url = f"/programs/{imported}/participants/{pid}/edit"
    form = admin_client.get(url).get_data(as_text=True)
    assert 'value="Carl Ode"' in form
    assert 'value="coaching" checked' in form or 'checked id="strengths-' in form
    data = {
        "email": "carl.ode@example.org",
        "name": "Carl Ode",
        "role": "mentor",
        "offers": ["developmental", "generational"],
        "strengths": ["coaching"],
        "strengths_other": "Public Speaking",
        "capacity": "two",
        "level": "6",
        "meeting_mode": "either",
        "generation": "gen_x",
    }
    response = admin_client.post(url, data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="capacity-errors"' in page
    assert "capacity must be a whole number" in page
    assert "Please fix the fields marked below:" in page
    response = admin_client.post(url, data={**data, "capacity": "3"})
    assert response.status_code == 302
    with app.app_context():
        record = db.session.get(Participant, pid)
        assert record is not None
        assert record.capacity == 3
        assert record.strengths == "coaching;Public Speaking"
        assert record.department == ""  # an emptied field is stored empty


def test_the_generations_read_as_written_in_the_design(
    app: Flask, admin_client: FlaskClient, imported: int
) -> None:
    pid = participant_id(app, "carl.ode@example.org")
    form = admin_client.get(f"/programs/{imported}/participants/{pid}/edit").text
    options = re.findall(r'<option (?:selected )?value="\w*">([^<]+)</option>', form)
    assert options[:5] == ["—", "Boomer", "Gen X", "Millennial", "Gen Z"]
    assert '<option selected value="gen_x">Gen X</option>' in form


def test_edit_refuses_an_email_of_another_participant(
    app: Flask, admin_client: FlaskClient, imported: int
) -> None:
    pid = participant_id(app, "carl.ode@example.org")
    data = {
        "email": "ANA.SILVA@example.org",
        "name": "Carl Ode",
        "role": "mentor",
        "offers": ["developmental"],
        "meeting_mode": "either",
    }
    page = admin_client.post(f"/programs/{imported}/participants/{pid}/edit", data=data)
    assert b"Another participant of this program has this e-mail." in page.data


def test_delete(app: Flask, admin_client: FlaskClient, imported: int) -> None:
    pid = participant_id(app, "ben.okafor@example.org")
    admin_client.post(f"/programs/{imported}/invites/participant/{pid}")
    assert admin_client.get(f"/programs/{imported}/participants/{pid}/delete").status_code == 405
    response = admin_client.post(f"/programs/{imported}/participants/{pid}/delete")
    assert response.status_code == 302
    assert "Ben Okafor" not in names(admin_client, imported)
    assert admin_client.get(f"/programs/{imported}/participants/{pid}").status_code == 404
    with app.app_context():
        assert db.session.scalars(db.select(InviteToken)).all() == []


def test_participant_of_another_program_is_404(
    app: Flask, admin_client: FlaskClient, imported: int
) -> None:
    pid = participant_id(app, "ben.okafor@example.org")
    other = admin_client.post("/programs/new", data={"name": "Other"}).location
    other_id = int(other.rstrip("/").rsplit("/", 1)[-1])
    for suffix in ("", "/edit"):
        url = f"/programs/{other_id}/participants/{pid}{suffix}"
        assert admin_client.get(url).status_code == 404
    assert admin_client.post(f"/programs/{other_id}/participants/{pid}/delete").status_code == 404


def test_edit_is_checked_against_the_rest_of_the_program(
    app: Flask, admin_client: FlaskClient, imported: int
) -> None:
    pid = participant_id(app, "carl.ode@example.org")
    data = {
        "email": "carl.ode@example.org",
        "name": "Carl Ode",
        "role": "mentor",
        "offers": ["developmental"],
        "meeting_mode": "either",
        "external_id": "ana.silva@example.org",
        "manager_email": "ana.silva@example.org",  # Ana's manager is Carl: a loop
    }
    page = admin_client.post(f"/programs/{imported}/participants/{pid}/edit", data=data)
    text = page.get_data(as_text=True)
    assert 'id="external_id-errors"' in text
    assert 'id="manager_email-errors"' in text
    assert "reporting chain loops" in text
    saved = admin_client.get(f"/programs/{imported}/participants/{pid}").get_data(as_text=True)
    assert "<dt>manager email</dt><dd>—</dd>" in saved


def test_saving_an_unchanged_form_changes_nothing(
    app: Flask, admin_client: FlaskClient, program_id: int
) -> None:
    import_csv(admin_client, program_id, "participants.csv", SAMPLE.read_bytes())
    with app.app_context():
        before = {r.id: record_to_row(r) for r in db.session.scalars(db.select(Participant))}
    for pid in before:
        url = f"/programs/{program_id}/participants/{pid}/edit"
        values = form_values(admin_client.get(url).get_data(as_text=True))
        data = MultiDict(values)
        assert admin_client.post(url, data=data).status_code == 302, (pid, values)
    with app.app_context():
        after = {r.id: record_to_row(r) for r in db.session.scalars(db.select(Participant))}
    assert after == before
