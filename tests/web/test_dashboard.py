"""A run's dashboard, its open requests and the supply gaps behind them (the gaps' own
figures: tests/test_supply.py)."""

from __future__ import annotations

import html
import re

from flask import Flask
from flask.testing import FlaskClient

from tests.web.matching import load_demo, run_to_end
from webapp.db import db
from webapp.models import Participant as Person
from webapp.run_models import UnmatchedRequest


def test_the_dashboard_draws_every_figure_as_inline_svg(
    app: Flask, admin_client: FlaskClient
) -> None:
    program_id = load_demo(app)
    run = run_to_end(app, admin_client, program_id)
    page = admin_client.get(f"/programs/{program_id}/runs/{run.id}/dashboard")
    assert page.status_code == 200
    for title in (
        "Participants by role",
        "Requests filled per type",
        "Mentee requests per type",
        "Mentors offering each type",
        "Mentor places used",
        "Scores of the proposed pairs",
    ):
        assert f'<svg class="chart" role="img" aria-label="{title}"' in page.text
    assert "cross-department pairs" in page.text and "% (" in page.text
    assert "<script" not in page.text.split("</main>")[0].split('id="main"')[1]
    figures = run.summary
    assert sum(figures["score_bins"]) == figures["assigned"]
    assert figures["cross_generation"]["known"] > 0
    assert (
        sum(figures["mentors"].values()) == figures["people"]["mentor"] + figures["people"]["both"]
    )


def open_rows(page: str) -> list[tuple[str, str]]:
    """(mentee name, mentor type) of each row of an open-requests table, as shown."""
    found = re.findall(r'">([^<]*)</a></td>\s*<td>[^<]*</td><td>([^<]*)</td>', page)
    return [(html.unescape(name), kind) for name, kind in found]


def test_the_unmatched_page_lists_each_open_request_and_the_gaps(
    app: Flask, admin_client: FlaskClient
) -> None:
    program_id = load_demo(app)
    run = run_to_end(app, admin_client, program_id)
    page = admin_client.get(f"/programs/{program_id}/runs/{run.id}/unmatched")
    assert page.status_code == 200
    open_count = sum(run.summary["requested"].values()) - sum(run.summary["filled"].values())
    assert f"{open_count} open request" in page.text
    assert "Where mentors are missing" in page.text
    assert run.summary["gaps"][0]["text"] in page.text.replace("&#39;", "'")
    sponsors = admin_client.get(
        f"/programs/{program_id}/runs/{run.id}/unmatched", query_string={"type": "sponsorship"}
    )
    assert sponsors.status_code == 200
    assert (
        f'href="/programs/{program_id}/runs/{run.id}/unmatched.csv?type=sponsorship"'
        in sponsors.text
    )
    # the filter shows the open sponsorship requests, all of them and nothing else
    with app.app_context():
        query = db.select(UnmatchedRequest.mentee_name, UnmatchedRequest.mentor_type)
        every = db.session.execute(
            query.filter_by(run_id=run.id).order_by(
                UnmatchedRequest.mentee_name, UnmatchedRequest.mentor_type
            )
        ).all()
    wanted = [tuple(r) for r in every if r.mentor_type == "sponsorship"]
    assert 0 < len(wanted) < len(every) <= 50
    assert open_rows(page.text) == [tuple(r) for r in every]
    assert open_rows(sponsors.text) == wanted


def test_the_unmatched_page_names_who_has_room_and_what_nobody_offers(
    app: Flask, admin_client: FlaskClient
) -> None:
    program_id = load_demo(app)
    run = run_to_end(app, admin_client, program_id)
    page = admin_client.get(f"/programs/{program_id}/runs/{run.id}/unmatched")
    text = html.unescape(page.text)
    with app.app_context():
        ids = dict(db.session.execute(db.select(Person.email, Person.id)).all())
    margaret = ids["margaret.hale@loomworks.example"]
    # the sponsor with room is named and linked to her page, places and all
    assert "7 mentees want a sponsor; 1 sponsor has capacity left (1 place)." in text
    assert (
        f'<a href="/programs/{program_id}/participants/{margaret}">Margaret Hale</a> (1 place)'
        in text
    )
    # departments as the file spells them
    assert "2 mentees want a sponsor in Product; no sponsor there has capacity left." in text
    assert "<td>Sales</td>" in text
    # the skills and languages no mentor of the type offers
    assert "What no mentor offers" in text
    assert (
        "No generational mentor speaks Japanese, the only language of 1 mentee who wants one."
        in text
    )
    assert "No expertise mentor has computer vision, wanted by 1 open request." in text
    # and the reasons name the data, as the mentee page and the command line do
    assert "no generational mentor speaks Japanese</td>" in text
    assert "lack the wanted skill: sustainability reporting" in text
    assert f'href="/programs/{program_id}/runs/{run.id}/unmatched.csv"' in text


def invitation_figures(page: str) -> dict[str, int]:
    """The dashboard's invitation counts, by the words shown."""
    block = page.split('class="counts invitations"')[1].split("</ul>")[0]
    found = re.findall(r"<strong>(\d+)</strong> ([^<]+)</a>", block)
    return {words: int(count) for count, words in found}


def test_the_dashboard_counts_invitations_sent_and_answered(
    app: Flask, admin_client: FlaskClient
) -> None:
    program_id = load_demo(app)
    run = run_to_end(app, admin_client, program_id)
    dashboard = f"/programs/{program_id}/runs/{run.id}/dashboard"
    with app.app_context():
        everyone = db.session.scalar(
            db.select(db.func.count()).select_from(Person).filter_by(program_id=program_id)
        )
    before = invitation_figures(admin_client.get(dashboard).text)
    assert before["not invited"] == everyone and before["invited"] == 0
    sent = admin_client.post(
        f"/programs/{program_id}/invitations/send", data={"audience": "everyone"}
    )
    assert sent.status_code == 302
    after = invitation_figures(admin_client.get(dashboard).text)
    assert after["not invited"] == 0
    assert after["invited"] + after["failed"] == everyone
    assert after["answered (sent the form)"] == 0
    assert 'invitation=not+invited"' in admin_client.get(dashboard).text


def picks_list(page: str) -> list[str]:
    """The lines of the dashboard's "Mentees' picks" list, as read."""
    found = page.split('<ul class="counts picks">', 1)[1].split("</ul>", 1)[0]
    return [
        " ".join(html.unescape(re.sub(r"<[^>]+>", "", li)).split())
        for li in found.split("<li>")[1:]
    ]


def test_the_dashboard_says_how_the_run_honoured_the_mentees_picks(
    app: Flask, admin_client: FlaskClient
) -> None:
    program_id = load_demo(app)  # three mentees picked (sample_data/README.md, "Picks")
    run = run_to_end(app, admin_client, program_id)
    page = admin_client.get(f"/programs/{program_id}/runs/{run.id}/dashboard")
    assert picks_list(page.text) == [
        "3 mentees picked mentors",
        "2 got their 1st pick",
        "2 got one of their picks",
        "0 mentors asked to take someone they would rather not",
        "0 blocking pairs",
    ]
    assert "None: no mentee and mentor would both rather be together." in page.text
    assert f'href="/programs/{program_id}/settings"' in page.text
    with app.app_context():  # nobody picks: no section
        for person in db.session.scalars(db.select(Person)):
            person.preferred_mentors = ""
        db.session.commit()
    run = run_to_end(app, admin_client, program_id)
    page = admin_client.get(f"/programs/{program_id}/runs/{run.id}/dashboard")
    assert "Mentees' picks" not in page.text
