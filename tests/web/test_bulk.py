"""Bulk decisions (issue 14, items 1 and 4): one pair that cannot take the decision no
longer sinks the rest; the confirmation page says how many pairs change and lists those
that cannot, with why; a refusal ("nothing was saved") comes only from a real change
between the two steps. Confirming queues a background job whose page says what it did."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from markupsafe import escape

from tests.web.forms import form_values
from tests.web.helpers import ADMIN_EMAIL
from tests.web.matching import bulk, decide, follow_job, lock_directly, pairs_of
from webapp.db import db
from webapp.models import Participant
from webapp.run_models import MatchRun, PairDecision, ProposedMatch
from webapp.runner import program_people


def _approved(app: Flask) -> set[tuple[str, str, str]]:
    with app.app_context():
        return {
            (d.mentee_email, d.mentor_email, d.mentor_type)
            for d in db.session.scalars(db.select(PairDecision).filter_by(action="approve"))
        }


def _fill(app: Flask, program_id: int, pair: ProposedMatch) -> str:
    """Give the pair's mentor (capacity 1) to someone else, locked (a match made by hand
    earlier); that mentee's name."""
    with app.app_context():
        people = program_people(program_id)
        other = next(
            p
            for p in people
            if p.is_mentee and p.email != pair.mentee_email and pair.mentor_type in p.seeks
        )
        lock_directly(program_id, other.email, pair)
        return other.name


def _full_pair(app: Flask, program_id: int, pairs: list[ProposedMatch]) -> ProposedMatch:
    with app.app_context():
        capacity = {p.email: p.capacity for p in program_people(program_id)}
    return next(p for p in pairs[5:] if capacity[p.mentor_email] == 1)


def test_a_bulk_approval_from_a_score_skips_a_full_mentor_and_approves_the_rest(
    app: Flask, admin_client: FlaskClient, demo: tuple[int, MatchRun]
) -> None:
    """The issue's recipe: a capacity-1 mentor already taken, then "score at least"."""
    program_id, run = demo
    pairs = pairs_of(app, run.id)
    full = _fill(app, program_id, (target := _full_pair(app, program_id, pairs)))
    threshold = target.score
    chosen = [p for p in pairs if p.score >= threshold]
    page, done = bulk(
        admin_client, program_id, run.id, action="approve", scope="above", min_score=threshold
    )
    assert page.status_code == 200
    assert f"Approve {len(chosen) - 1} pairs?" in page.text
    assert f"This changes <strong>{len(chosen) - 1}</strong> of the {len(chosen)} pairs" in (
        page.text
    )
    assert escape(target.label) in page.text
    assert escape(f"{target.mentor_name} is full: capacity 1, taken by {full}") in page.text
    assert done is not None and done.status_code == 302
    assert _approved(app) == {p.key for p in chosen if p.key != target.key}


def test_the_confirmation_lists_every_pair_it_cannot_change_with_why(
    app: Flask, admin_client: FlaskClient, demo: tuple[int, MatchRun]
) -> None:
    program_id, run = demo
    pairs = pairs_of(app, run.id)
    fine, approved, teammates = pairs[0], pairs[1], pairs[2]
    full = _full_pair(app, program_id, pairs)
    holder = _fill(app, program_id, full)
    decide(admin_client, program_id, run.id, approved.id, "approve")
    with app.app_context():  # data changed since the run: the mentee now reports to the mentor
        mentee = db.session.scalars(
            db.select(Participant).filter_by(program_id=program_id, email=teammates.mentee_email)
        ).one()
        mentee.manager_email = teammates.mentor_email
        db.session.commit()
    ids = [str(p.id) for p in (fine, approved, teammates, full)]
    page, done = bulk(admin_client, program_id, run.id, action="approve", scope="selected", ids=ids)
    assert "Approve 1 pair?" in page.text
    assert "3 pairs it cannot change" in page.text
    rows = page.text.split('<table class="refused">')[1]
    for pair, why in (
        (approved, "already approved"),
        (
            teammates,
            f"in the mentee&#39;s management chain (reports to {escape(teammates.mentor_name)})",
        ),
        (full, f"{escape(full.mentor_name)} is full: capacity 1, taken by {escape(holder)}"),
    ):
        assert escape(pair.label) in rows and why in rows, pair.label
    assert done is not None and done.status_code == 302
    assert _approved(app) == {fine.key, approved.key}


def test_a_change_between_confirmation_and_apply_saves_nothing_and_names_it(
    app: Flask, admin_client: FlaskClient, demo: tuple[int, MatchRun]
) -> None:
    program_id, run = demo
    pairs = pairs_of(app, run.id)
    review = f"/programs/{program_id}/runs/{run.id}/review?min=70&sort=mentee"
    page = admin_client.post(
        f"/programs/{program_id}/runs/{run.id}/bulk",
        data={"action": "reject", "scope": "above", "min_score": "70", "next": review},
    )
    assert page.status_code == 200
    meanwhile = next(p for p in pairs if p.score >= 70)
    decide(admin_client, program_id, run.id, meanwhile.id, "approve")  # another admin
    queued = admin_client.post(
        f"/programs/{program_id}/runs/{run.id}/bulk/confirm", data=dict(form_values(page.text))
    )
    assert queued.status_code == 302
    answer = follow_job(admin_client, queued.headers["Location"])
    assert answer.status_code == 200 and 'role="alert"' in answer.text
    assert "changed after you confirmed the list, so nothing was saved" in answer.text
    assert f"<li>{escape(meanwhile.label)}: now approved by {ADMIN_EMAIL}</li>" in answer.text
    assert f'<a href="{escape(review)}">Back to the review page</a>' in answer.text
    assert "Traceback" not in answer.text
    with app.app_context():
        assert db.session.scalars(db.select(PairDecision.action)).all() == ["approve"]


@pytest.mark.parametrize(("action", "verb"), [("approve", "approved"), ("lock", "locked")])
def test_a_single_approval_or_lock_for_a_full_mentor_is_refused_naming_who_holds_the_places(
    app: Flask, admin_client: FlaskClient, demo: tuple[int, MatchRun], action: str, verb: str
) -> None:
    """The same check as the bulk confirmation: a message on the review page, not a 409;
    a lock takes a place of the mentor as an approval does."""
    program_id, run = demo
    pairs = pairs_of(app, run.id)
    full = _full_pair(app, program_id, pairs)
    holder = _fill(app, program_id, full)
    review = f"/programs/{program_id}/runs/{run.id}/review?type={full.mentor_type}"
    answer = decide(admin_client, program_id, run.id, full.id, action, version="0", next=review)
    assert answer.status_code == 302 and answer.headers["Location"] == review
    page = admin_client.get(review).text
    said = f"Not {verb}: {full.label}: {full.mentor_name} is full: capacity 1, taken by {holder}"
    assert escape(said) in page
    with app.app_context():
        assert db.session.scalars(db.select(PairDecision.mentee_email)).all() == [
            p.email for p in program_people(program_id) if p.name == holder
        ]


def test_a_single_approval_the_rules_no_longer_allow_is_refused_with_why(
    app: Flask, admin_client: FlaskClient, demo: tuple[int, MatchRun]
) -> None:
    program_id, run = demo
    pair = pairs_of(app, run.id)[0]
    with app.app_context():  # data changed since the run: the mentee now reports to the mentor
        mentee = db.session.scalars(
            db.select(Participant).filter_by(program_id=program_id, email=pair.mentee_email)
        ).one()
        mentee.manager_email = pair.mentor_email
        db.session.commit()
    decide(admin_client, program_id, run.id, pair.id, "approve")
    page = admin_client.get(f"/programs/{program_id}/runs/{run.id}/review")
    reason = f"in the mentee's management chain (reports to {pair.mentor_name})"
    assert escape(f"Not approved: {pair.label}: {reason}") in page.text
    assert _approved(app) == set()


def test_a_refused_approval_in_place_answers_why_for_the_row_and_409_only_for_a_change(
    app: Flask, admin_client: FlaskClient, demo: tuple[int, MatchRun]
) -> None:
    """review.js shows a non-2xx answer's message under the row."""
    program_id, run = demo
    pairs = pairs_of(app, run.id)
    full = _full_pair(app, program_id, pairs)
    holder = _fill(app, program_id, full)
    url = f"/programs/{program_id}/runs/{run.id}/matches/{full.id}"
    headers = {"X-Mentorloom-Fragment": "row"}
    answer = admin_client.post(url, data={"action": "approve", "version": "0"}, headers=headers)
    assert answer.status_code == 422
    assert answer.text.startswith('<p class="flash error" role="alert">Not approved: ')
    assert escape(f"{full.mentor_name} is full: capacity 1, taken by {holder}") in answer.text
    stale = admin_client.post(url, data={"action": "approve", "version": "3"}, headers=headers)
    assert stale.status_code == 409 and "was changed while you looked at it" in stale.text


def test_a_refusal_for_a_mentor_with_capacity_0_says_to_raise_their_capacity(
    app: Flask, admin_client: FlaskClient, demo: tuple[int, MatchRun]
) -> None:
    program_id, run = demo
    pair = pairs_of(app, run.id)[0]
    with app.app_context():  # the mentor takes nobody this cohort since the run
        mentor = db.session.scalars(
            db.select(Participant).filter_by(program_id=program_id, email=pair.mentor_email)
        ).one()
        mentor.capacity = 0
        db.session.commit()
    noun = {"sponsorship": "a sponsor"}.get(pair.mentor_type, f"a {pair.mentor_type} mentor")
    noun = noun.replace("a e", "an e")
    advice = f"offers no places as {noun} (capacity 0); raise their capacity to pair them"
    decide(admin_client, program_id, run.id, pair.id, "approve")
    page = admin_client.get(f"/programs/{program_id}/runs/{run.id}/review").text
    assert escape(f"Not approved: {pair.label}: {advice}") in page
    confirm, _ = bulk(
        admin_client, program_id, run.id, action="lock", scope="selected", ids=[str(pair.id)]
    )
    assert escape(advice) in confirm.text and "is full" not in confirm.text


def test_counts_on_the_review_pages_agree_with_their_nouns(
    app: Flask, admin_client: FlaskClient, demo: tuple[int, MatchRun]
) -> None:
    """One pair is "1 pair", never "1 pair(s)" or "1 pairs"."""
    program_id, run = demo
    pair = pairs_of(app, run.id)[0]
    review = (
        f"/programs/{program_id}/runs/{run.id}/review?mentor={pair.mentor_email}"
        f"&q={pair.mentee_email}&type={pair.mentor_type}"
    )
    page, done = bulk(
        admin_client, program_id, run.id, action="approve", scope="selected",
        ids=[str(pair.id)], next=review,
    )  # fmt: skip
    assert "Approve 1 pair?" in page.text and "The 1 pair it changes" in page.text
    assert done is not None and done.status_code == 302
    result = follow_job(admin_client, done.headers["Location"]).text
    assert "1 pair now approved." in result and "(s)" not in result
    assert f'<a href="{escape(review)}">Back to the review page</a>' in result
    assert "1 pair matches the filters." in admin_client.get(review).text
