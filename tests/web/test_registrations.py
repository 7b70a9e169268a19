"""Program links and admin notes (issue 14, items 13 and 14).

A program link answers every e-mail alike, never opens or changes a record that was in the
program before, and never shows a self-registered person what an admin imported; an
import that meets a self-registration asks the admin to merge. Admin notes stay with
admins: never on an intake page, never changed through one.
"""

from __future__ import annotations

import json
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.web.helpers import DATA, import_csv, upload
from tests.web.test_intake import MENTEE, links
from webapp.db import db
from webapp.models import InviteToken, Participant

SIX = (DATA / "participants.csv").read_bytes()
#: What an admin imports about Ana and Hal that no self-registered person may see.
HR = (
    b"email,name,role,seeks,level,manager_email,exclude,notes,admin_notes\r\n"
    b"ana.silva@example.org,Ana Silva,mentee,developmental,3,erin.lu@example.org,"
    b"ben.okafor@example.org,I like numbers,On leave until May\r\n"
    b"hal@example.org,Hal Berg,mentee,developmental,7,erin.lu@example.org,"
    b"ben.okafor@example.org,,Under review by HR\r\n"
)
SECRETS = ("On leave until May", "Under review by HR", "erin.lu@example.org", "ben.okafor")
LINK = re.compile(r'value="http://mentorloom.test(/intake/[\w-]+)"')


@pytest.fixture
def program_link(admin_client: FlaskClient, program_id: int) -> str:
    """The six people of data/participants.csv, and a program link."""
    import_csv(admin_client, program_id, "six.csv", SIX)
    admin_client.post(f"/programs/{program_id}/invites/program")
    return links(admin_client, program_id)[0]


def ask(client: FlaskClient, program_link: str, email: str) -> tuple[str, str]:
    """Ask the program link for a link: the page (without the link) and the link."""
    page = client.post(program_link, data={"email": email}).get_data(as_text=True)
    found = LINK.search(page)
    assert found is not None, page
    return page.replace(found[1], "LINK"), found[1]


def registered(
    app: Flask, program_link: str, email: str, **answers: str
) -> tuple[FlaskClient, str]:
    """A stranger asks the program link for a link under ``email`` and sends the form with
    ``answers``: their browser and their link."""
    anonymous = app.test_client()
    _, own = ask(anonymous, program_link, email)
    assert anonymous.post(own, data={**MENTEE, **answers}).status_code == 302
    return anonymous, own


def stored(app: Flask, email: str) -> dict[str, object]:
    """Every stored column of the participant with this e-mail."""
    with app.app_context():
        found = db.session.scalars(db.select(Participant).where(Participant.email == email)).one()
        return {c.key: getattr(found, c.key) for c in Participant.__table__.columns}


def test_the_program_link_answers_every_email_alike(
    app: Flask, admin_client: FlaskClient, program_id: int, program_link: str
) -> None:
    """Unknown, imported, with an admin's link, self-registered: the same page, a new link."""
    admin_client.post(
        f"/programs/{program_id}/invites/person", data={"email": "ben.okafor@example.org"}
    )
    anonymous, hal_link = registered(app, program_link, "hal@example.org")
    hal_page = ask(anonymous, program_link, "hal@example.org")[0]
    answers = {
        email: ask(anonymous, program_link, email)
        for email in (
            "new@example.org",
            "ana.silva@example.org",
            "ben.okafor@example.org",
            "HAL@example.org",
        )
    }
    assert {page for page, _ in answers.values()} == {hal_page}
    assert len({link for _, link in answers.values()} | {hal_link}) == 5


def test_a_link_for_an_email_in_the_program_never_opens_or_changes_its_record(
    app: Flask, admin_client: FlaskClient, program_id: int, program_link: str
) -> None:
    import_csv(admin_client, program_id, "hr.csv", HR)
    before = stored(app, "ana.silva@example.org")
    anonymous = app.test_client()
    _, own = ask(anonymous, program_link, "ana.silva@example.org")
    page = anonymous.get(own).get_data(as_text=True)
    assert "Ana Silva" not in page and not any(secret in page for secret in SECRETS)
    sent = anonymous.post(own, data={**MENTEE, "name": "Mallory", "notes": "Mine"})
    assert sent.location.endswith(f"{own}/saved")
    assert "Thank you, your answers are saved" in anonymous.get(sent.location).text
    assert stored(app, "ana.silva@example.org") == before
    again = anonymous.get(own).get_data(as_text=True)
    assert 'value="Mallory"' in again and "Mine</textarea>" in again
    assert not any(secret in again for secret in SECRETS)
    listing = admin_client.get(f"/programs/{program_id}/invites/").get_data(as_text=True)
    assert "Registrations waiting for you" in listing and "as “Mallory”" in listing
    review = re.search(r'href="(/programs/\d+/registrations/\d+)"', listing)
    assert review is not None
    compared = admin_client.get(review[1]).get_data(as_text=True)
    assert "Merge into Ana Silva" in compared and "Mallory" in compared
    assert admin_client.post(review[1] + "/drop").status_code == 302
    assert anonymous.get(own).status_code == 410
    assert stored(app, "ana.silva@example.org") == before
    assert "Registrations waiting" not in admin_client.get(f"/programs/{program_id}/invites/").text


def test_merging_a_waiting_registration_keeps_the_programs_cells(
    app: Flask, admin_client: FlaskClient, program_id: int, program_link: str
) -> None:
    anonymous, own = registered(
        app, program_link, "ben.okafor@example.org", name="Benjamin", notes="Please someone patient"
    )
    with app.app_context():
        token = db.session.scalars(db.select(InviteToken).where(InviteToken.token == own[8:])).one()
        review = f"/programs/{program_id}/registrations/{token.id}"
    merged = admin_client.post(review + "/merge", follow_redirects=True)
    assert "registration is merged" in merged.get_data(as_text=True)
    ben = stored(app, "ben.okafor@example.org")
    assert (ben["name"], ben["department"], ben["level"]) == ("Ben Okafor", "Engineering", 2)
    assert ben["notes"] == "Please someone patient"  # empty in the program, so theirs
    assert ben["self_registered"] is False
    closed = anonymous.get(own)
    assert closed.status_code == 410
    assert "ask the program team for your personal link" in closed.text
    assert "Ben" not in closed.text
    assert admin_client.get(review).status_code == 404


def test_an_import_merges_a_self_registration_only_when_the_admin_confirms(
    app: Flask, admin_client: FlaskClient, program_id: int, program_link: str
) -> None:
    anonymous, own = registered(app, program_link, "hal@example.org", name="Hal", notes="Mine")
    assert stored(app, "hal@example.org")["self_registered"] is True
    shown = upload(admin_client, program_id, "hr.csv", HR)
    page = shown.get_data(as_text=True)
    assert "People who registered themselves" in page
    assert re.search(r"<td>hal@example.org</td><td>Hal</td><td>Hal Berg</td>", page)
    assert "<strong>1</strong> to merge" in page
    refused = admin_client.post(shown.request.path, follow_redirects=True)
    assert "Tick the box to merge" in refused.get_data(as_text=True)
    assert stored(app, "hal@example.org")["name"] == "Hal"
    done = admin_client.post(shown.request.path, data={"merge": "y"}, follow_redirects=True)
    assert "1 merged with their own registration" in done.get_data(as_text=True)
    hal = stored(app, "hal@example.org")
    assert (hal["name"], hal["level"], hal["admin_notes"]) == ("Hal Berg", 7, "Under review by HR")
    assert hal["notes"] == "Mine"  # the file's cell is empty: their own words stay
    assert hal["self_registered"] is False
    for response in (anonymous.get(own), anonymous.post(own, data={**MENTEE, "name": "X"})):
        assert response.status_code == 410
        assert not any(secret in response.text for secret in (*SECRETS, "Hal Berg"))
    assert stored(app, "hal@example.org") == hal


def test_an_admins_link_takes_a_self_registered_record_over(
    app: Flask, admin_client: FlaskClient, program_id: int, program_link: str
) -> None:
    """Saving through the link an admin gave the e-mail closes the program link's one."""
    anonymous, own = registered(app, program_link, "hal@example.org", name="Hal")
    admin_client.post(f"/programs/{program_id}/invites/person", data={"email": "hal@example.org"})
    personal = links(admin_client, program_id)[0]
    assert 'value="Hal"' in app.test_client().get(personal).text
    assert app.test_client().post(personal, data={**MENTEE, "name": "Hal B."}).status_code == 302
    assert stored(app, "hal@example.org")["self_registered"] is False
    assert anonymous.get(own).status_code == 410


def test_admin_notes_never_reach_the_participant(
    app: Flask, admin_client: FlaskClient, program_id: int
) -> None:
    import_csv(admin_client, program_id, "hr.csv", HR)
    admin_client.post(
        f"/programs/{program_id}/invites/person", data={"email": "ana.silva@example.org"}
    )
    (link,) = links(admin_client, program_id)
    person = app.test_client()
    page = person.get(link).get_data(as_text=True)
    assert "I like numbers</textarea>" in page
    assert "On leave until May" not in page and 'name="admin_notes"' not in page
    sent = person.post(link, data={**MENTEE, "notes": "Numbers and people", "admin_notes": "x"})
    assert sent.status_code == 302
    ana = stored(app, "ana.silva@example.org")
    assert (ana["notes"], ana["admin_notes"]) == ("Numbers and people", "On leave until May")
    assert "On leave until May" not in person.get(sent.location).text
    pid = ana["id"]
    shown = admin_client.get(f"/programs/{program_id}/participants/{pid}").get_data(as_text=True)
    assert "<dt>admin notes</dt><dd>On leave until May</dd>" in shown
    assert "<dt>notes</dt><dd>Numbers and people</dd>" in shown
    edit = admin_client.get(f"/programs/{program_id}/participants/{pid}/edit").text
    assert '<label for="admin_notes">Admin notes</label>' in edit
    data = json.loads(
        admin_client.get(f"/programs/{program_id}/participants/{pid}/export.json").data
    )
    assert (data["profile"]["notes"], data["profile"]["admin_notes"]) == (
        "Numbers and people",
        "On leave until May",
    )


def test_erasure_removes_waiting_registrations_of_the_email(
    app: Flask, admin_client: FlaskClient, program_id: int, program_link: str
) -> None:
    anonymous, own = registered(
        app, program_link, "ana.silva@example.org", name="Ana", notes="Call me on Fridays"
    )
    ana = stored(app, "ana.silva@example.org")["id"]
    assert admin_client.post(f"/programs/{program_id}/participants/{ana}/erase").status_code == 302
    with app.app_context():
        tokens = db.session.scalars(db.select(InviteToken.pending_row)).all()
    assert not any("Call me on Fridays" in json.dumps(row) for row in tokens)
    assert anonymous.get(own).status_code == 404
