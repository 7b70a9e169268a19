"""Bulk decisions (issue 14, items 1 and 4): one pair that cannot take the decision no
longer sinks the rest; the confirmation page says how many pairs change and lists those
that cannot, with why; a 409 comes only from a real change between the two steps."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from markupsafe import escape

from tests.web.conftest import ADMIN_EMAIL
from tests.web.forms import form_values
from tests.web.matching import bulk, decide, pairs_of
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
        db.session.add(
            PairDecision(
                program_id=program_id,
                mentee_email=other.email,
                mentor_email=pair.mentor_email,
                mentor_type=pair.mentor_type,
                action="lock",
                decided_by=ADMIN_EMAIL,
            )
        )
        db.session.commit()
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


def test_a_change_between_confirmation_and_apply_is_a_409_naming_it(
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
    answer = admin_client.post(
        f"/programs/{program_id}/runs/{run.id}/bulk/confirm", data=dict(form_values(page.text))
    )
    assert answer.status_code == 409
    assert "Changed meanwhile" in answer.text and "nothing was saved" in answer.text
    assert f"{escape(meanwhile.label)}: now approved by {ADMIN_EMAIL}" in answer.text
    assert f'<a href="{escape(review)}">Back to the review page</a>' in answer.text
    with app.app_context():
        assert db.session.scalars(db.select(PairDecision.action)).all() == ["approve"]


def test_a_single_approval_for_a_full_mentor_names_who_holds_the_places(
    app: Flask, admin_client: FlaskClient, demo: tuple[int, MatchRun]
) -> None:
    program_id, run = demo
    pairs = pairs_of(app, run.id)
    full = _full_pair(app, program_id, pairs)
    holder = _fill(app, program_id, full)
    review = f"/programs/{program_id}/runs/{run.id}/review?type={full.mentor_type}"
    answer = decide(admin_client, program_id, run.id, full.id, "approve", version="0", next=review)
    assert answer.status_code == 409
    assert "<h1>Mentor full</h1>" in answer.text and "Changed meanwhile" not in answer.text
    assert escape(f"{full.mentor_name} is full: 1 place(s), held by {holder}") in answer.text
    assert f'<a href="{escape(review)}">Back to the review page</a>' in answer.text
