"""Mentees' picks in the web app: the program's setting, the pick page of a mentee (their
suggestions among the mentors shown, ranked picks, refused picks) and of a mentor (being
shown, a bio, "would rather not"), and a run that honours the picks.

The people (data/picks.csv): Ana seeks an expertise and a developmental mentor; her
manager Pat is the only other sql mentor, so Mo (capacity 1) is her only expertise mentor.
Ben seeks an expertise mentor and picked Mo in the file; Pat is never shown.
"""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.web.helpers import import_csv
from tests.web.matching import pairs_of, run_to_end
from webapp.db import db
from webapp.models import AuditEvent, InviteToken, LinkKind, Participant, utcnow

ANA, BEN = "ana.park@example.org", "ben.ito@example.org"
MO, NIA, PAT = "mo.diaz@example.org", "nia.ode@example.org", "pat.lee@example.org"


def setup_program(app: Flask, client: FlaskClient, program_id: int, on: bool = True) -> None:
    """Import data/picks.csv and set picking on (2 picks) or leave it off."""
    import_csv(client, program_id, "picks.csv")
    if on:
        saved = client.post(f"/programs/{program_id}/settings/picks", data=PICKS_ON)
        assert saved.status_code == 302


PICKS_ON = {"on": "y", "how_many": "2"}


def _stored(program_id: int, email: str) -> Participant:
    """The participant's record (inside an app context)."""
    query = select(Participant).where(
        Participant.program_id == program_id, Participant.email == email
    )
    return db.session.scalars(query).one()


def link(app: Flask, program_id: int, email: str) -> str:
    """The path of a personal link to the participant's page."""
    with app.app_context():
        record = _stored(program_id, email)
        token = InviteToken(
            token=f"me-{email.split('@')[0]}",
            kind=LinkKind.PERSON,
            program_id=program_id,
            participant_id=record.id,
            email=email,
            expires_at=utcnow() + timedelta(days=30),
        )
        db.session.add(token)
        db.session.commit()
        return f"/me/{token.token}"


def record(app: Flask, program_id: int, email: str) -> Participant:
    """The participant as stored now (detached)."""
    with app.app_context():
        found = _stored(program_id, email)
        db.session.expunge(found)
        return found


def show_me(client: FlaskClient, page: str, shows: tuple[str, ...] = (), bio: str = "") -> str:
    """A mentor's "show me to mentees who pick" saved; the page it leads to."""
    data = {"shown_to_pickers": "y", "shows": list(shows), "bio": bio}
    return client.post(f"{page}/picks/showing", data=data, follow_redirects=True).text


def both_mentors_shown(
    app: Flask, client: FlaskClient, program_id: int
) -> tuple[str, dict[str, int]]:
    """The program set up, Mo and Nia shown to mentees who pick; Ana's page and the
    mentors' record ids."""
    setup_program(app, client, program_id)
    for mentor in (MO, NIA):
        show_me(client, link(app, program_id, mentor))
    return link(app, program_id, ANA), {e: record(app, program_id, e).id for e in (MO, NIA, PAT)}


def test_picking_is_off_by_default_and_the_managers_turn_it_on(
    app: Flask, admin_client: FlaskClient, program_id: int
) -> None:
    setup_program(app, admin_client, program_id, on=False)
    ana = link(app, program_id, ANA)
    assert "Choosing a mentor" not in admin_client.get(ana).text
    assert admin_client.get(f"{ana}/picks").status_code == 404
    settings = admin_client.get(f"/programs/{program_id}/settings").text
    assert "Mentees may pick mentors" in settings and "How many picks" in settings
    assert "Suggestions (suggestions)" in settings  # N, the config key, on the same page

    refused = admin_client.post(
        f"/programs/{program_id}/settings/picks", data={"on": "y", "how_many": "11"}
    )
    assert "Give a number from 1 to 10." in admin_client.get(refused.location).text
    assert admin_client.get(f"{ana}/picks").status_code == 404  # nothing was saved

    saved = admin_client.post(f"/programs/{program_id}/settings/picks", data=PICKS_ON)
    assert "mentees may now pick mentors" in admin_client.get(saved.location).text
    assert 'href="/me/me-ana.park/picks"' in admin_client.get(ana).text
    assert admin_client.get(f"{ana}/picks").status_code == 200
    with app.app_context():
        kinds = db.session.scalars(select(AuditEvent.action)).all()
    assert "program.picks" in kinds

    admin_client.post(f"/programs/{program_id}/settings/picks", data={"how_many": "2"})
    assert admin_client.get(f"{ana}/picks").status_code == 404  # off again


def test_a_mentee_sees_only_shown_mentors_and_only_what_they_chose_to_show(
    app: Flask, admin_client: FlaskClient, program_id: int
) -> None:
    setup_program(app, admin_client, program_id)
    ben, mo = (link(app, program_id, e) for e in (BEN, MO))
    nothing = admin_client.get(f"{ben}/picks").text
    assert "No expertise mentor can be suggested to you yet." in nothing
    assert 'class="suggestion"' not in nothing and "Pat Lee" not in nothing
    assert "Your picks now: 1st Mo Diaz." in nothing  # the import's pick

    show_me(admin_client, mo, shows=("department",), bio="Twenty years of SQL.")
    page = admin_client.get(f"{ben}/picks").text
    assert "Mo Diaz" in page and "Data" in page and "Twenty years of SQL." in page
    assert "Pat Lee" not in page  # feasible for Ben, but not shown
    assert "the mentors you pick see that you picked them" in page
    assert "Picks are wishes, not promises" in page
    for hidden in ("coaching", "Secret note", "boomer", "level", "score", "62", "sql"):
        assert hidden not in page, hidden


def test_picks_are_saved_in_order_and_bad_picks_refused_with_nothing_saved(
    app: Flask, admin_client: FlaskClient, program_id: int
) -> None:
    ana, ids = both_mentors_shown(app, admin_client, program_id)
    page = admin_client.get(f"{ana}/picks").text
    assert "Mo Diaz" in page and "Nia Ode" in page

    saved = admin_client.post(
        f"{ana}/picks",
        data={f"rank-{ids[NIA]}": "2", f"rank-{ids[MO]}": "1"},
        follow_redirects=True,
    )
    assert "Your picks are saved: 1st Mo Diaz, 2nd Nia Ode." in saved.text
    assert record(app, program_id, ANA).preferred_mentors == f"{MO};{NIA}"
    assert '<option value="1" selected>1st pick</option>' in saved.text

    refusals = {
        "One of your picks is not among your suggestions": {f"rank-{ids[PAT]}": "1"},
        "Two mentors have the same rank (1st)": {f"rank-{ids[MO]}": "1", f"rank-{ids[NIA]}": "1"},
        "You may pick up to 2 mentors, ranked 1st to 2nd.": {f"rank-{ids[MO]}": "3"},
    }
    for message, form in refusals.items():
        refused = admin_client.post(f"{ana}/picks", data=form, follow_redirects=True)
        assert message in refused.text and "Nothing was saved." in refused.text
        assert record(app, program_id, ANA).preferred_mentors == f"{MO};{NIA}", message


def test_a_mentor_is_shown_with_a_bio_and_would_rather_not_keeps_imported_avoids(
    app: Flask, admin_client: FlaskClient, program_id: int
) -> None:
    setup_program(app, admin_client, program_id)
    mo = link(app, program_id, MO)
    too_long = show_me(admin_client, mo, bio="x" * 501)
    assert "At most 500 characters, please (this was 501)." in too_long
    assert not record(app, program_id, MO).shown_to_pickers
    show_me(admin_client, mo, bio="é" * 500)  # the limit fits the column on both databases
    assert record(app, program_id, MO).bio == "é" * 500

    page = show_me(admin_client, mo, shows=("strengths", "expertise"), bio="Hello.")
    assert "mentees who are choosing a mentor may see you" in page
    saved = record(app, program_id, MO)
    assert (saved.shown_to_pickers, saved.shows, saved.bio) == (
        True,
        "strengths;expertise",
        "Hello.",
    )
    assert "Ben Ito: I would rather not mentor this person" in page  # Ben picked Mo (CSV)
    assert BEN not in page and "Sales" not in page  # the name only

    ben = record(app, program_id, BEN).id
    admin_client.post(f"{mo}/picks/rather-not", data={"rather_not": str(ben)})
    assert record(app, program_id, MO).avoid == f"kim.vo@example.org;{BEN}"
    shown = admin_client.get(f"/programs/{program_id}/participants/{saved.id}").text
    assert "Shown to mentees who pick</dt><dd>yes, with strengths, expertise" in shown
    assert f"kim.vo@example.org; {BEN}" in shown and "Hello." in shown
    admin_client.post(f"{mo}/picks/rather-not", data={})
    assert record(app, program_id, MO).avoid == "kim.vo@example.org"  # the import's entry kept
    refused = admin_client.post(
        f"{mo}/picks/rather-not", data={"rather_not": "999999"}, follow_redirects=True
    )
    assert "Nothing was saved." in refused.text
    assert record(app, program_id, MO).avoid == "kim.vo@example.org"


def test_a_run_after_the_picks_gives_the_first_pick_and_says_why_a_pick_went_elsewhere(
    app: Flask, admin_client: FlaskClient, program_id: int
) -> None:
    ana, ids = both_mentors_shown(app, admin_client, program_id)
    admin_client.post(f"{ana}/picks", data={f"rank-{ids[MO]}": "1", f"rank-{ids[NIA]}": "2"})

    run = run_to_end(app, admin_client, program_id)
    assert run.status == "done", run.error
    got = {(p.mentee_email, p.mentor_type): p for p in pairs_of(app, run.id)}
    assert got[ANA, "expertise"].mentor_email == MO
    assert "1st pick" in got[ANA, "expertise"].reasons
    assert got[BEN, "expertise"].mentor_email == PAT  # Mo was Ben's 1st pick
    ben = admin_client.get(f"/programs/{program_id}/runs/{run.id}/mentee?email={BEN}").text
    assert "1st pick: full (1 place): mentors Ana Park" in ben


def test_the_thanks_after_the_intake_form_leads_to_choosing_a_mentor_while_picking_is_open(
    app: Flask, admin_client: FlaskClient, program_id: int
) -> None:
    setup_program(app, admin_client, program_id, on=False)
    ana = link(app, program_id, "ana.park@example.org").removeprefix("/me/")
    mo = link(app, program_id, "mo.diaz@example.org").removeprefix("/me/")
    thanks = admin_client.get(f"/intake/{ana}/saved").text
    assert "Choosing a mentor" not in thanks
    opened = admin_client.post(f"/programs/{program_id}/settings/picks", data=PICKS_ON)
    assert opened.status_code == 302
    thanks = admin_client.get(f"/intake/{ana}/saved").text
    assert f'<a href="/me/{ana}/picks">Pick your mentors</a>' in thanks
    thanks = admin_client.get(f"/intake/{mo}/saved").text
    assert f'<a href="/me/{mo}/picks">Choose what mentees see</a>' in thanks
