"""Invite links and the intake form: own record only, closed links, inline errors, roles."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.datastructures import MultiDict

from tests.web.forms import form_values
from tests.web.helpers import import_csv
from tests.web.matching import SAMPLE
from webapp.db import db
from webapp.forms import MENTEE_ONLY, MENTOR_ONLY
from webapp.models import AuditEvent, InviteToken, Participant, utcnow
from webapp.rows import record_to_row


def links(client: FlaskClient, program_id: int) -> list[str]:
    """Intake links shown on the invites page, newest first."""
    page = client.get(f"/programs/{program_id}/invites/").get_data(as_text=True)
    return re.findall(r'value="http://mentorloom.test(/intake/[\w-]+)"', page)


def record(app: Flask, email: str) -> Participant | None:
    """The participant with this e-mail, detached."""
    with app.app_context():
        found = db.session.scalars(db.select(Participant).where(Participant.email == email)).first()
        if found is not None:
            db.session.expunge(found)
        return found


MENTEE = {
    "name": "Gia Park",
    "role": "mentee",
    "seeks": ["developmental", "expertise"],
    "goals": ["networking", "delegation"],
    "goals_other": "Public speaking; budgeting",
    "expertise_wanted": "negotiation",
    "offers": ["sponsorship"],
    "strengths": ["coaching"],
    "capacity": "5",
    "languages": "English; Korean",
    "timezone": "Asia/Seoul",
    "meeting_mode": "remote",
    "level": "3",
    "generation": "gen_z",
}


@pytest.fixture
def person_link(admin_client: FlaskClient, program_id: int) -> str:
    """A personal link for gia.park@example.org, who is not in the program yet."""
    response = admin_client.post(
        f"/programs/{program_id}/invites/person", data={"email": "Gia.Park@example.org"}
    )
    assert response.status_code == 302
    (link,) = links(admin_client, program_id)
    return link


def test_invites_page(admin_client: FlaskClient, program_id: int) -> None:
    page = admin_client.get(f"/programs/{program_id}/invites/").get_data(as_text=True)
    assert "This site e-mails each person their personal link" in page
    assert "No links yet." in page
    bad = admin_client.post(f"/programs/{program_id}/invites/person", data={"email": "gia"})
    assert bad.status_code == 302
    assert links(admin_client, program_id) == []


def test_form_shows_fields_by_role_with_type_descriptions(
    client: FlaskClient, person_link: str
) -> None:
    page = client.get(person_link).get_data(as_text=True)
    assert 'value="gia.park@example.org" readonly' in page
    assert '<fieldset class="group" data-for="mentee">' in page
    assert '<fieldset class="group" data-for="mentor">' in page
    assert "<strong>Sponsorship</strong> — A senior person who opens doors" in page
    assert 'type="checkbox" value="developmental"' in page
    assert '<label for="goals-0">Strategic thinking</label>' in page
    assert '<label for="capacity">How many mentees at once</label>' in page
    assert '<option value="Europe/Paris">' in page
    assert 'checked id="role-0" name="role" type="radio" value="mentee"' in page
    assert 'checked id="meeting_mode-2" name="meeting_mode" type="radio" value="either"' in page
    assert "roles.js" in page
    assert 'name="previous_partners"' not in page
    assert 'name="external_id"' not in page


def test_submit_creates_the_record_and_keeps_only_the_role_fields(
    app: Flask, client: FlaskClient, person_link: str
) -> None:
    response = client.post(
        person_link, data={**MENTEE, "email": "someone.else@example.org"}, follow_redirects=True
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200, page
    assert "Thank you, your answers are saved" in page
    assert person_link in page
    saved = record(app, "gia.park@example.org")
    assert saved is not None
    assert record(app, "someone.else@example.org") is None
    assert saved.seeks == "developmental;expertise"
    assert saved.goals == "budgeting;delegation;networking;Public speaking"
    assert saved.offers == "" and saved.strengths == "" and saved.capacity == 1
    assert saved.languages == "English;Korean"
    with app.app_context():
        token = db.session.scalars(db.select(InviteToken)).one()
        assert token.participant_id == saved.id
        actions = db.session.scalars(db.select(AuditEvent.action)).all()
        assert "intake.save" in actions


def test_person_comes_back_and_edits(app: Flask, client: FlaskClient, person_link: str) -> None:
    client.post(person_link, data=MENTEE)
    page = client.get(person_link).get_data(as_text=True)
    assert 'value="Gia Park"' in page
    assert re.search(
        r'checked id="goals-\d+" name="goals" type="checkbox" value="networking"', page
    )
    assert 'value="budgeting; Public speaking"' in page
    changed = {**MENTEE, "role": "both", "offers": ["expertise"], "expertise": "korean"}
    assert client.post(person_link, data=changed).location.endswith(f"{person_link}/saved")
    saved = record(app, "gia.park@example.org")
    assert saved is not None
    assert saved.role == "both"
    assert saved.offers == "expertise"
    assert saved.capacity == 5
    with app.app_context():
        assert len(db.session.scalars(db.select(Participant)).all()) == 1


def test_errors_are_shown_next_to_their_field(
    app: Flask, client: FlaskClient, person_link: str
) -> None:
    bad = {**MENTEE, "name": "", "seeks": [], "level": "senior", "timezone": "Mars/Olympus"}
    response = client.post(person_link, data=bad)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Please fix the fields marked below:" in page
    assert '<li><a href="#seeks-set">Mentor types I seek</a>:' in page
    assert '<li><a href="#level">Level</a>: level must be a whole number' in page
    for field in ("name", "seeks", "level", "timezone"):
        assert f'id="{field}-errors"' in page, field
    assert 'aria-invalid="true"' in page
    assert 'value="Mars/Olympus"' in page  # what the person typed is kept
    assert record(app, "gia.park@example.org") is None


def test_a_token_opens_only_its_own_record(
    app: Flask, admin_client: FlaskClient, program_id: int
) -> None:
    import_csv(admin_client, program_id, "participants.csv")
    with app.app_context():
        ana = db.session.scalars(
            db.select(Participant.id).where(Participant.email == "ana.silva@example.org")
        ).one()
        stored = db.session.get(Participant, ana)
        assert stored is not None
        stored.external_id = "HR-17"
        stored.previous_partners = "carl.ode@example.org"
        db.session.commit()
    admin_client.post(f"/programs/{program_id}/invites/participant/{ana}")
    (link,) = links(admin_client, program_id)
    page = admin_client.get(link).get_data(as_text=True)
    assert 'value="Ana Silva"' in page
    assert "Ben Okafor" not in page and "ben.okafor" not in page
    update = {**MENTEE, "name": "Ana S."}
    admin_client.post(link, data=update)
    ana_row = record(app, "ana.silva@example.org")
    assert ana_row is not None and ana_row.name == "Ana S."
    ben = record(app, "ben.okafor@example.org")
    assert ben is not None and ben.name == "Ben Okafor"
    # columns only admins edit keep their values through the intake form
    assert (ana_row.external_id, ana_row.previous_partners) == ("HR-17", "carl.ode@example.org")


def test_program_link_hands_out_personal_links(
    app: Flask, admin_client: FlaskClient, program_id: int
) -> None:
    admin_client.post(f"/programs/{program_id}/invites/program")
    (program_link,) = links(admin_client, program_id)
    anonymous = app.test_client()
    page = anonymous.get(program_link).get_data(as_text=True)
    assert "Enter your e-mail to get your own link" in page
    assert "Please fix" not in page
    bad = anonymous.post(program_link, data={"email": "nope"}).get_data(as_text=True)
    assert 'id="email-errors"' in bad
    given = anonymous.post(program_link, data={"email": "hal@example.org"}).get_data(as_text=True)
    personal = re.search(r'value="http://mentorloom.test(/intake/[\w-]+)"', given)
    assert personal is not None and personal.group(1) != program_link
    assert "hal@example.org" in anonymous.get(personal.group(1)).get_data(as_text=True)
    again = anonymous.post(program_link, data={"email": "HAL@example.org"}).get_data(as_text=True)
    other = re.search(r'value="http://mentorloom.test(/intake/[\w-]+)"', again)
    assert other is not None and other.group(1) not in (personal.group(1), program_link)


def test_program_link_never_opens_an_existing_record(
    app: Flask, admin_client: FlaskClient, program_id: int
) -> None:
    import_csv(admin_client, program_id, "participants.csv")
    admin_client.post(f"/programs/{program_id}/invites/program")
    (program_link,) = links(admin_client, program_id)
    anonymous = app.test_client()
    page = anonymous.post(program_link, data={"email": "ana.silva@example.org"})
    own = re.search(r'value="http://mentorloom.test(/intake/[\w-]+)"', page.get_data(as_text=True))
    assert own is not None
    form = anonymous.get(own.group(1)).get_data(as_text=True)
    assert "Ana Silva" not in form and "Wants to move into strategy" not in form


@pytest.mark.parametrize(
    ("change", "status", "message"),
    [
        ("revoke", 410, "This link was switched off"),
        ("expire", 410, "This link has expired"),
        ("unknown", 404, "This link is not valid"),
    ],
)
def test_closed_links_show_a_clear_page_and_no_data(
    app: Flask,
    admin_client: FlaskClient,
    program_id: int,
    person_link: str,
    change: str,
    status: int,
    message: str,
) -> None:
    admin_client.post(person_link, data=MENTEE)
    with app.app_context():
        token = db.session.scalars(db.select(InviteToken)).one()
        token_id = token.id
        if change == "expire":
            token.expires_at = utcnow() - timedelta(minutes=1)
            db.session.commit()
    if change == "revoke":
        admin_client.post(f"/programs/{program_id}/invites/{token_id}/revoke")
    link = person_link + "x" if change == "unknown" else person_link
    anonymous = app.test_client()
    responses = (
        anonymous.get(link),
        anonymous.post(link, data=MENTEE),
        anonymous.get(f"{link}/saved"),
    )
    for response in responses:
        page = response.get_data(as_text=True)
        assert response.status_code == status
        assert message in page
        assert "Gia" not in page and "gia.park" not in page


def test_links_for_everyone_and_revoke(
    app: Flask, admin_client: FlaskClient, program_id: int
) -> None:
    import_csv(admin_client, program_id, "participants.csv")
    admin_client.post(f"/programs/{program_id}/invites/everyone")
    assert len(links(admin_client, program_id)) == 6
    follow = admin_client.post(f"/programs/{program_id}/invites/everyone", follow_redirects=True)
    assert "0 personal links created." in follow.get_data(as_text=True)
    one = b"email,name,role,seeks\ngia.park@example.org,Gia Park,mentee,developmental\n"
    import_csv(admin_client, program_id, "one.csv", one)
    follow = admin_client.post(f"/programs/{program_id}/invites/everyone", follow_redirects=True)
    assert "1 personal link created." in follow.text
    page = admin_client.get(f"/programs/{program_id}/invites/").get_data(as_text=True)
    assert page.count("usable until") == 7
    assert "Ana Silva · ana.silva@example.org" in page


def test_an_admins_link_opens_the_record_imported_later(
    app: Flask, admin_client: FlaskClient, program_id: int
) -> None:
    admin_client.post(
        f"/programs/{program_id}/invites/person", data={"email": "ana.silva@example.org"}
    )
    (link,) = links(admin_client, program_id)
    import_csv(admin_client, program_id, "participants.csv")
    assert 'value="Ana Silva"' in admin_client.get(link).get_data(as_text=True)
    admin_client.post(link, data={**MENTEE, "name": "Ana S."})
    with app.app_context():
        assert len(db.session.scalars(db.select(Participant)).all()) == 6
    saved = record(app, "ana.silva@example.org")
    assert saved is not None and saved.name == "Ana S."


def test_a_self_made_link_never_takes_over_an_imported_record(
    app: Flask, admin_client: FlaskClient, program_id: int
) -> None:
    admin_client.post(f"/programs/{program_id}/invites/program")
    (program_link,) = links(admin_client, program_id)
    anonymous = app.test_client()
    given = anonymous.post(program_link, data={"email": "ana.silva@example.org"})
    found = re.search(
        r'value="http://mentorloom.test(/intake/[\w-]+)"', given.get_data(as_text=True)
    )
    assert found is not None
    own_link = found.group(1)
    import_csv(admin_client, program_id, "participants.csv")
    page = anonymous.get(own_link).get_data(as_text=True)
    assert "Ana Silva" not in page
    kept_apart = anonymous.post(own_link, data={**MENTEE, "name": "Mallory"})
    assert kept_apart.location.endswith(f"{own_link}/saved")
    saved = record(app, "ana.silva@example.org")
    assert saved is not None and saved.name == "Ana Silva"
    listing = admin_client.get(f"/programs/{program_id}/invites/").get_data(as_text=True)
    assert "ana.silva@example.org (asked through the program link)" in listing


def test_sending_the_form_unchanged_keeps_what_fits_the_role(
    app: Flask, admin_client: FlaskClient, program_id: int
) -> None:
    import_csv(admin_client, program_id, "participants.csv", SAMPLE.read_bytes())
    admin_client.post(f"/programs/{program_id}/invites/everyone")
    with app.app_context():
        tokens = db.session.scalars(db.select(InviteToken).order_by(InviteToken.id)).all()
        before = {t.token: record_to_row(t.participant) for t in tokens if t.participant}
    person = app.test_client()
    for token, row in list(before.items())[::5]:
        link = f"/intake/{token}"
        values = form_values(person.get(link).get_data(as_text=True))
        assert person.post(link, data=MultiDict(values)).status_code == 302, (row, values)
        with app.app_context():
            query = db.select(Participant).where(Participant.email == row["email"])
            stored = record_to_row(db.session.scalars(query).one())
        hidden = {"mentee": MENTOR_ONLY, "mentor": MENTEE_ONLY}.get(row["role"], ())
        for column, value in row.items():
            if column not in hidden:
                assert stored[column] == value, (row["email"], column)
