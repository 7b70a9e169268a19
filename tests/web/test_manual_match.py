"""Matches made by hand (issue 14, items 2 and 8): a full mentor asks who gives way, pairs
over a capacity are flagged, a mentor's name leads to their pairs, and the mentor search
finds mentors by name with their room and fit."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from markupsafe import escape

from matcher import Participant, assess_pair
from matcher.config import config_from_mapping
from tests.web.matching import decide, lock_directly, pairs_of
from webapp.db import db
from webapp.models import AuditEvent
from webapp.models import Participant as ParticipantRow
from webapp.run_models import MatchRun, ProposedMatch, UnmatchedRequest
from webapp.runner import program_people


def _post(client: FlaskClient, program_id: int, run_id: int, **data: object):  # type: ignore[no-untyped-def]
    return client.post(
        f"/programs/{program_id}/runs/{run_id}/manual", data=data, follow_redirects=True
    )


def _full_mentor_and_newcomer(
    app: Flask, program_id: int, run: MatchRun
) -> tuple[ProposedMatch, Participant]:
    """A pair whose mentor has capacity 1, and a mentee the mentor could take instead."""
    pairs = pairs_of(app, run.id)
    with app.app_context():
        people = program_people(program_id)
    by_email = {p.email: p for p in people}
    config = config_from_mapping(run.config)
    for pair in pairs:
        if by_email[pair.mentor_email].capacity != 1:
            continue
        for other in people:
            if (
                other.is_mentee
                and other.email not in {pair.mentee_email, pair.mentor_email}
                and pair.mentor_type in {t.value for t in other.seeks}
                and not assess_pair(
                    people, other.email, pair.mentor_email, pair.mentor_type, config
                ).blocked_by
            ):
                return pair, other
    raise AssertionError("the demo has no full mentor another mentee could take")


def test_a_manual_match_for_a_full_mentor_asks_which_pair_gives_way(
    app: Flask, admin_client: FlaskClient, demo: tuple[int, MatchRun]
) -> None:
    program_id, run = demo
    held, newcomer = _full_mentor_and_newcomer(app, program_id, run)
    decide(admin_client, program_id, run.id, held.id, "approve")
    form = {
        "mentee_email": newcomer.email,
        "mentor_email": held.mentor_email,
        "mentor_type": held.mentor_type,
    }
    asked = _post(admin_client, program_id, run.id, **form)
    assert f"{escape(held.mentor_name)} is full: who gives way?" in asked.text
    assert f'name="give_way" value="{held.id}"' in asked.text
    assert escape(held.mentee_name) in asked.text and ">approved</span>" in asked.text

    unchosen = _post(admin_client, program_id, run.id, **form, confirm="yes")
    assert "Choose 1 pair to give way, or cancel." in unchosen.text
    with app.app_context():
        assert db.session.get(ProposedMatch, held.id) is not None

    made = _post(admin_client, program_id, run.id, **form, confirm="yes", give_way=str(held.id))
    assert "Match made and locked." in made.text
    assert f"{escape(held.label)} gave way: that request is open in this run." in made.text
    with app.app_context():
        theirs = db.session.scalars(
            db.select(ProposedMatch).filter_by(run_id=run.id, mentor_email=held.mentor_email)
        ).all()
        assert [(p.mentee_email, p.manual) for p in theirs] == [(newcomer.email, True)]
        reopened = db.session.scalars(
            db.select(UnmatchedRequest).filter_by(
                run_id=run.id, mentee_email=held.mentee_email, mentor_type=held.mentor_type
            )
        ).one()
        assert reopened.reason.startswith("gave way to a match made by hand")
        actions = db.session.scalars(db.select(AuditEvent.action).order_by(AuditEvent.id)).all()
        assert "match.give_way" in actions and actions.count("match.undo") >= 1
    review = admin_client.get(f"/programs/{program_id}/runs/{run.id}/review").text
    assert "over capacity" not in review


def test_pairs_over_a_mentors_capacity_are_flagged_and_lead_to_the_mentor(
    app: Flask, admin_client: FlaskClient, demo: tuple[int, MatchRun]
) -> None:
    program_id, run = demo
    held, newcomer = _full_mentor_and_newcomer(app, program_id, run)
    url = f"/programs/{program_id}/runs/{run.id}/review"
    assert "more pairs than places" not in admin_client.get(url).text  # then kept (run_cache)
    with app.app_context():  # older data: a second pair on a mentor with one place
        extra = ProposedMatch(
            run_id=run.id,
            mentee_email=newcomer.email,
            mentee_name=newcomer.name,
            mentor_email=held.mentor_email,
            mentor_name=held.mentor_name,
            mentor_type=held.mentor_type,
            score=50.0,
            manual=True,
        )
        db.session.add(extra)
        db.session.commit()
        extra_id = extra.id
    page = admin_client.get(url).text
    assert "1 mentor has more pairs than places" in page
    assert f"{escape(held.mentor_name)}</a>: 2 pairs for 1 place." in page
    mentor_url = f"{url}?mentor={held.mentor_email}"
    assert f'<a href="{mentor_url}">{escape(held.mentor_name)}</a>' in page
    theirs = admin_client.get(mentor_url).text
    assert theirs.count('<tr class="pair proposed over">') == 2
    # in each row the mentor's name is a link to their pairs, as in the warning above
    assert theirs.count(f'<a href="{mentor_url}"') == 3
    assert theirs.count("over capacity: 2 pairs for 1 place") == 2
    assert f"Pairs of <strong>{escape(held.mentor_name)}</strong>: 2 of 1 place used" in theirs

    decide(admin_client, program_id, run.id, extra_id, "reject")
    after = admin_client.get(url, query_string={"mentor": held.mentor_email}).text
    assert "over capacity" not in after and "more pairs than places" not in after
    assert f"Pairs of <strong>{escape(held.mentor_name)}</strong>: 1 of 1 place used" in after


def test_the_mentor_search_shows_room_and_fit_and_takes_a_name(
    app: Flask, admin_client: FlaskClient, demo: tuple[int, MatchRun]
) -> None:
    program_id, run = demo
    held, newcomer = _full_mentor_and_newcomer(app, program_id, run)
    page = admin_client.get(
        f"/programs/{program_id}/runs/{run.id}/mentee", query_string={"email": newcomer.email}
    ).text
    listed = page.split(f'<datalist id="mentors-{held.mentor_type}">')[1].split("</datalist>")[0]
    option = listed.split(f'<option value="{held.mentor_email}">')[1].split("</option>")[0]
    assert option.startswith(f"{escape(held.mentor_name)} · 1 of 1 place used · score ")
    assert "blocked: " in page  # some mentor breaks a rule for this mentee, said in words

    by_name = _post(
        admin_client,
        program_id,
        run.id,
        mentee_email=newcomer.email,
        mentor_email=held.mentor_name.upper(),
        mentor_type=held.mentor_type,
    )
    assert f"Make {escape(newcomer.name)} – {escape(held.mentor_name)}" in by_name.text
    vague = _post(
        admin_client,
        program_id,
        run.id,
        mentee_email=newcomer.email,
        mentor_email="e",
        mentor_type=held.mentor_type,
    )
    assert "mentors match “e”:" in vague.text and "pick one from the list." in vague.text


def test_the_capacity_warning_counts_approved_and_locked_pairs_as_an_approval_does(
    app: Flask, admin_client: FlaskClient, demo: tuple[int, MatchRun]
) -> None:
    """A locked pair the run does not have (left out, kept) holds a place: the warning
    names the mentor whose pair an approval would refuse."""
    program_id, run = demo
    held, newcomer = _full_mentor_and_newcomer(app, program_id, run)
    with app.app_context():
        lock_directly(program_id, newcomer.email, held)
    url = f"/programs/{program_id}/runs/{run.id}/review"
    page = admin_client.get(url).text
    assert "1 mentor has more pairs than places" in page
    assert f"{escape(held.mentor_name)}</a>: 2 pairs for 1 place." in page
    theirs = admin_client.get(url, query_string={"mentor": held.mentor_email}).text
    assert "over capacity: 2 pairs for 1 place" in theirs
    assert f"Pairs of <strong>{escape(held.mentor_name)}</strong>: 2 of 1 place used" in theirs
    decide(admin_client, program_id, run.id, held.id, "approve", next=url)
    assert escape(f"Not approved: {held.label}: {held.mentor_name} is full") in (
        admin_client.get(url).text
    )


def test_the_mentor_search_offers_only_mentors_who_offer_the_type_with_places(
    app: Flask, admin_client: FlaskClient, demo: tuple[int, MatchRun]
) -> None:
    program_id, run = demo
    held, newcomer = _full_mentor_and_newcomer(app, program_id, run)
    kind = held.mentor_type
    with app.app_context():
        mentor = db.session.scalars(
            db.select(ParticipantRow).filter_by(program_id=program_id, email=held.mentor_email)
        ).one()
        mentor.capacity = 0  # offers no places this cohort
        db.session.commit()
        people = program_people(program_id)
    elsewhere = [p for p in people if p.is_mentor and kind not in {t.value for t in p.offers}]
    assert elsewhere
    page = admin_client.get(
        f"/programs/{program_id}/runs/{run.id}/mentee", query_string={"email": newcomer.email}
    ).text
    listed = page.split(f'<datalist id="mentors-{kind}">')[1].split("</datalist>")[0]
    assert listed.count("<option ") > 1
    assert f'value="{held.mentor_email}"' not in listed
    assert not any(f'value="{p.email}"' in listed for p in elsewhere)
    by_name = _post(
        admin_client,
        program_id,
        run.id,
        mentee_email=newcomer.email,
        mentor_email=held.mentor_name,
        mentor_type=kind,
    )
    assert escape(f"No {kind} mentor with places is called “{held.mentor_name}”") in by_name.text


def test_a_manual_match_refuses_a_place_held_by_a_lock_the_run_does_not_have(
    app: Flask, admin_client: FlaskClient, demo: tuple[int, MatchRun]
) -> None:
    """A left-out lock still holds its mentor's place: giving way the run's pair is not
    enough, and the refusal says who holds it (no 409)."""
    program_id, run = demo
    held, newcomer = _full_mentor_and_newcomer(app, program_id, run)
    with app.app_context():
        people = program_people(program_id)
        third = next(
            p
            for p in people
            if p.is_mentee
            and p.email not in {held.mentee_email, newcomer.email}
            and held.mentor_type in {t.value for t in p.seeks}
        )
        lock_directly(program_id, third.email, held)
    form = {
        "mentee_email": newcomer.email,
        "mentor_email": held.mentor_email,
        "mentor_type": held.mentor_type,
    }
    made = _post(admin_client, program_id, run.id, **form, confirm="yes", give_way=str(held.id))
    assert made.status_code == 200
    said = f"Match not made: {newcomer.name} – {held.mentor_name} ({held.mentor_type}): "
    assert escape(said) in made.text
    assert escape(f"{held.mentor_name} is full: capacity 1, taken by {third.name}") in made.text
    with app.app_context():
        assert db.session.get(ProposedMatch, held.id) is not None  # nothing saved


def datalist(page: str, kind: str) -> str:
    """The options of the mentor search's list of ``kind``."""
    return page.split(f'<datalist id="mentors-{kind}">')[1].split("</datalist>")[0]


def test_a_big_programs_mentor_search_lists_the_best_fits_and_finds_the_others_by_name(
    app: Flask,
    admin_client: FlaskClient,
    demo: tuple[int, MatchRun],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    program_id, run = demo
    held, newcomer = _full_mentor_and_newcomer(app, program_id, run)
    kind = held.mentor_type
    url = f"/programs/{program_id}/runs/{run.id}/mentee"
    everyone = datalist(admin_client.get(url, query_string={"email": newcomer.email}).text, kind)
    monkeypatch.setattr("webapp.matching.mentor_search.MOST_OPTIONS", 1)
    page = admin_client.get(url, query_string={"email": newcomer.email}).text
    listed = datalist(page, kind)
    offering = everyone.count("<option ")
    assert listed.count("<option ") == 1 < offering
    assert f"the list shows the 1 of {offering} mentors who offer {kind} mentoring" in page

    def scores(options: str) -> list[float]:
        return sorted(float(s) for s in re.findall(r"· score ([\d.]+)</option>", options))

    assert scores(listed) == scores(everyone)[-1:]  # the one who fits best
    # a mentor the rules allow for this mentee, left off the list
    names = re.findall(r'<option value="[^"]+">([^·<]+) · [^<]* · score ', everyone)
    unlisted = next(name for name in names if f">{name} · " not in listed)
    by_name = _post(
        admin_client,
        program_id,
        run.id,
        mentee_email=newcomer.email,
        mentor_email=unlisted,
        mentor_type=kind,
    )
    assert f"Make {escape(newcomer.name)} – {escape(unlisted)}" in by_name.text
