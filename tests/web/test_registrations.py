"""Program links, verified by e-mail (issue 16 item 3), and admin notes (issue 14).

A program link e-mails the address typed its personal link and answers every address
alike, never showing a link: a participant gets their own personal link (their record,
admin notes still hidden), anyone else a link that never opens what an admin imported.
Nothing is created until the link is followed; asking again reuses the link and sends
a bounded number of e-mails. An import that meets a self-registration asks the admin to
merge; answers sent for an address an admin imported meanwhile wait for a merge. Admin
notes stay with admins: never on an intake page, never changed through one.
"""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.web.helpers import DATA, INTAKE_LINK, import_csv, mailed_links, make_app, upload
from tests.web.smtp import SmtpSink
from tests.web.test_intake import MENTEE, links
from webapp.db import db
from webapp.mail import OutboxMessage
from webapp.models import AuditEvent, InviteToken, LinkKind, Participant, Program, utcnow

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


@pytest.fixture
def program_link(admin_client: FlaskClient, program_id: int) -> str:
    """The six people of data/participants.csv, and a program link."""
    import_csv(admin_client, program_id, "six.csv", SIX)
    admin_client.post(f"/programs/{program_id}/invites/program")
    return links(admin_client, program_id)[0]


def ask(client: FlaskClient, program_link: str, email: str) -> str:
    """Ask the program link for a link under ``email``: the page, with the address in it
    written ``ADDRESS``."""
    response = client.post(program_link, data={"email": email})
    assert response.status_code == 200
    return response.text.replace(email.strip().lower(), "ADDRESS")


def asked(app: Flask, program_link: str, email: str) -> str:
    """A stranger asks the program link for a link under ``email``: the link e-mailed."""
    ask(app.test_client(), program_link, email)
    return mailed_links(app, email.lower())[-1]


def registered(
    app: Flask, program_link: str, email: str, **answers: str
) -> tuple[FlaskClient, str]:
    """A stranger asks the program link for a link under ``email``, opens it from the
    e-mail and sends the form with ``answers``: their browser and their link."""
    own = asked(app, program_link, email)
    anonymous = app.test_client()
    assert anonymous.post(own, data={**MENTEE, **answers}).status_code == 302
    return anonymous, own


def count(app: Flask, model: type[db.Model]) -> int:
    """How many rows ``model``'s table has."""
    with app.app_context():
        return db.session.scalar(db.select(db.func.count()).select_from(model)) or 0


def kind_of(app: Flask, link: str) -> str:
    """The kind of the invite link ``link`` (a path)."""
    with app.app_context():
        query = db.select(InviteToken.kind).where(InviteToken.token == link.rsplit("/", 1)[1])
        return db.session.scalars(query).one()


def stored(app: Flask, email: str) -> dict[str, object]:
    """Every stored column of the participant with this e-mail."""
    with app.app_context():
        found = db.session.scalars(db.select(Participant).where(Participant.email == email)).one()
        return {c.key: getattr(found, c.key) for c in Participant.__table__.columns}


def test_the_page_says_the_same_for_every_address_and_the_mail_brings_the_right_link(
    app: Flask, admin_client: FlaskClient, program_id: int, program_link: str
) -> None:
    """Unknown, a participant (with an admin's link), invited by an admin but not in the
    program yet, self-registered: one page, no link on it; each e-mail opens its own."""
    import_csv(admin_client, program_id, "hr.csv", HR)  # Ana's admin notes, and Hal
    admin_client.post(f"/programs/{program_id}/invites/person", data={"email": "gia@example.org"})
    ana_id = stored(app, "ana.silva@example.org")["id"]
    admin_client.post(f"/programs/{program_id}/invites/participant/{ana_id}")
    _, kim_own = registered(app, program_link, "kim@example.org", name="Kim")
    before = (count(app, Participant), count(app, InviteToken))
    stranger = app.test_client()
    pages = {
        email: ask(stranger, program_link, email)
        for email in (
            "new@example.org",
            "Ana.Silva@example.org",
            "gia@example.org",
            "kim@example.org",
        )
    }
    assert len(set(pages.values())) == 1, pages
    page = pages["new@example.org"]
    assert "If ADDRESS is in this program or may join it, a link is on its way." in page
    assert "spam" in page and "ask the program's admin" in page
    assert set(re.findall(r"/intake/[\w-]+", page)) == {program_link}  # never a link
    assert not any(secret in page for secret in (*SECRETS, "Ana Silva", "Kim"))
    # only links were made: one for the new address and one for Gia; no record
    assert (count(app, Participant), count(app, InviteToken)) == (before[0], before[1] + 2)

    (ana_link,) = mailed_links(app, "ana.silva@example.org")
    assert ana_link in links(admin_client, program_id)  # the admin's link, reused
    ana = app.test_client().get(ana_link).text
    assert 'value="Ana Silva"' in ana and "I like numbers</textarea>" in ana
    assert "On leave until May" not in ana and 'name="admin_notes"' not in ana
    (new_link,) = mailed_links(app, "new@example.org")
    assert kind_of(app, new_link) == LinkKind.SELF
    new = app.test_client().get(new_link).text
    assert "new@example.org" in new and not any(s in new for s in (*SECRETS, "Ana Silva"))
    (gia_link,) = mailed_links(app, "gia@example.org")
    assert kind_of(app, gia_link) == LinkKind.SELF  # not the link the admin made for Gia
    assert mailed_links(app, "kim@example.org") == [kim_own, kim_own]  # their own again
    assert 'value="Kim"' in app.test_client().get(kim_own).text
    with app.app_context():
        mail = db.session.scalars(
            db.select(OutboxMessage).where(OutboxMessage.to == "ana.silva@example.org")
        ).one()
        assert (mail.kind, mail.subject) == ("link", "Your personal link to Spring cohort")
        assert "Hello Ana Silva," in mail.text_body
        assert not any(secret in mail.text_body for secret in SECRETS)
        asks = db.session.scalars(
            db.select(AuditEvent.detail).where(AuditEvent.action == "invite.ask")
        ).all()
    assert [d["sent"] for d in asks] == [
        "self link",
        "self link",
        "person link",
        "self link",
        "self link",
    ]


def test_asking_again_reuses_the_link_and_sends_a_bounded_number_of_emails(
    app: Flask, program_link: str
) -> None:
    stranger = app.test_client()
    pages = {ask(stranger, program_link, e) for e in ["hal@example.org", "HAL@example.org"] * 3}
    assert len(pages) == 1
    sent = mailed_links(app, "hal@example.org")
    assert len(sent) == 3 and len(set(sent)) == 1  # LINK_MAILS: 3 an hour, one link
    with app.app_context():
        tokens = db.session.scalars(
            db.select(InviteToken).where(InviteToken.email == "hal@example.org")
        ).all()
        asks = db.session.scalars(
            db.select(AuditEvent.detail).where(AuditEvent.action == "invite.ask")
        ).all()
    assert len(tokens) == 1
    assert [d["sent"] for d in asks] == ["self link"] * 3 + ["nothing (asked too often)"] * 3
    assert count(app, Participant) == 6


def test_a_flood_of_asks_gets_429_and_no_email(db_url: str, app: Flask, program_link: str) -> None:
    limited = make_app(db_url, RATE_LIMITS={"login": [10, 60], "intake": [3, 60]})
    client = limited.test_client()
    answers = [client.post(program_link, data={"email": f"p{n}@example.org"}) for n in range(5)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429, 429]
    assert "Too many requests" in answers[-1].text
    assert [mailed_links(app, f"p{n}@example.org") != [] for n in range(5)] == [True] * 3 + [
        False
    ] * 2
    assert count(app, OutboxMessage) == 3 and count(app, InviteToken) == 4  # and the program's
    with limited.app_context():
        db.engine.dispose()


def test_answers_for_an_address_imported_after_the_email_wait_for_a_merge(
    app: Flask, admin_client: FlaskClient, program_id: int, program_link: str
) -> None:
    """Ask, then the admin imports the address, then send the form: the answers wait."""
    own = asked(app, program_link, "hal@example.org")
    import_csv(admin_client, program_id, "hr.csv", HR)
    before = stored(app, "hal@example.org")
    anonymous = app.test_client()
    page = anonymous.get(own).text
    assert "Hal Berg" not in page and not any(secret in page for secret in SECRETS)
    sent = anonymous.post(own, data={**MENTEE, "name": "Hal", "notes": "Please someone patient"})
    assert sent.location.endswith(f"{own}/saved")
    assert "Thank you, your answers are saved" in anonymous.get(sent.location).text
    assert stored(app, "hal@example.org") == before
    again = anonymous.get(own).text
    assert 'value="Hal"' in again and "Please someone patient</textarea>" in again
    assert not any(secret in again for secret in SECRETS)
    listing = admin_client.get(f"/programs/{program_id}/invites/").text
    assert "Registrations waiting for you" in listing and "as “Hal”" in listing
    review = re.search(r'href="(/programs/\d+/registrations/\d+)"', listing)
    assert review is not None
    compared = admin_client.get(review[1]).text
    assert "Merge into Hal Berg" in compared and "Please someone patient" in compared
    merged = admin_client.post(review[1] + "/merge", follow_redirects=True)
    assert "registration is merged" in merged.text
    hal = stored(app, "hal@example.org")
    assert (hal["name"], hal["level"], hal["admin_notes"]) == ("Hal Berg", 7, "Under review by HR")
    assert hal["notes"] == "Please someone patient"  # empty in the program, so theirs
    assert hal["self_registered"] is False
    closed = anonymous.get(own)
    assert closed.status_code == 410
    assert "ask the program team for your personal link" in closed.text
    assert "Hal" not in closed.text
    assert admin_client.get(review[1]).status_code == 404
    # asking again now brings Hal the personal link of his record
    mine = asked(app, program_link, "hal@example.org")
    assert mine != own and kind_of(app, mine) == LinkKind.PERSON
    assert 'value="Hal Berg"' in app.test_client().get(mine).text


def test_a_dropped_registration_revokes_its_link(
    app: Flask, admin_client: FlaskClient, program_id: int, program_link: str
) -> None:
    own = asked(app, program_link, "hal@example.org")
    import_csv(admin_client, program_id, "hr.csv", HR)
    before = stored(app, "hal@example.org")
    anonymous = app.test_client()
    assert anonymous.post(own, data={**MENTEE, "name": "Mallory"}).status_code == 302
    listing = admin_client.get(f"/programs/{program_id}/invites/").text
    review = re.search(r'href="(/programs/\d+/registrations/\d+)"', listing)
    assert review is not None
    assert admin_client.post(review[1] + "/drop").status_code == 302
    assert anonymous.get(own).status_code == 410
    assert stored(app, "hal@example.org") == before
    assert "Registrations waiting" not in admin_client.get(f"/programs/{program_id}/invites/").text


def test_the_link_arrives_through_a_real_mail_server_and_opens_the_form(
    mail_app: Flask, smtp_server: SmtpSink
) -> None:
    """The e-mail goes through aiosmtpd on 127.0.0.1; the link in what arrived opens the
    form of a new person (who then sends it) and the record of a participant."""
    with mail_app.app_context():
        program = Program(name="Spring cohort", config={})
        ana = Participant(email="ana@example.org", name="Ana Silva", role="mentee")
        program.participants.append(ana)
        db.session.add(program)
        db.session.flush()
        db.session.add(
            InviteToken(
                token="the-program-link",
                kind=LinkKind.PROGRAM,
                program=program,
                expires_at=utcnow() + timedelta(days=1),
            )
        )
        db.session.commit()
    stranger = mail_app.test_client()
    pages = {
        ask(stranger, "/intake/the-program-link", email)
        for email in ("gia@example.org", "ana@example.org")
    }
    assert len(pages) == 1
    gia, ana_mail = (smtp_server.to(e)[0] for e in ("gia@example.org", "ana@example.org"))
    assert gia.message["Subject"] == "Your personal link to Spring cohort"
    [link] = INTAKE_LINK.findall(gia.text)
    assert f'href="http://mentorloom.test{link}"' in gia.html
    person = mail_app.test_client()
    assert "gia@example.org" in person.get(link).text
    assert person.post(link, data={**MENTEE, "name": "Gia Park"}).status_code == 302
    with mail_app.app_context():
        query = db.select(Participant).where(Participant.email == "gia@example.org")
        gia_record = db.session.scalars(query).one()
        assert (gia_record.name, gia_record.self_registered) == ("Gia Park", True)
    [ana_link] = INTAKE_LINK.findall(ana_mail.text)
    assert "Hello Ana Silva," in ana_mail.text
    assert 'value="Ana Silva"' in person.get(ana_link).text


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


def test_erasure_removes_waiting_registrations_and_link_emails_of_the_email(
    app: Flask, admin_client: FlaskClient, program_id: int, program_link: str
) -> None:
    own = asked(app, program_link, "hal@example.org")
    import_csv(admin_client, program_id, "hr.csv", HR)
    anonymous = app.test_client()
    sent = anonymous.post(own, data={**MENTEE, "name": "Hal", "notes": "Call me on Fridays"})
    assert sent.status_code == 302
    hal = stored(app, "hal@example.org")["id"]
    assert admin_client.post(f"/programs/{program_id}/participants/{hal}/erase").status_code == 302
    with app.app_context():
        tokens = db.session.scalars(db.select(InviteToken.pending_row)).all()
    assert not any("Call me on Fridays" in json.dumps(row) for row in tokens)
    assert anonymous.get(own).status_code == 404
    assert mailed_links(app, "hal@example.org") == []
