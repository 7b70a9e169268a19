"""A locked pair the data no longer allows never fails a run (issue 14, item 3).

The issue's recipe: lock a sponsorship pair, then make the locked sponsor the mentee's
manager. Saving the edit warns, naming the pair; the re-run leaves the pair out, says so
on the run page and offers to undo or keep it.
"""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from markupsafe import escape
from werkzeug.datastructures import MultiDict

from tests.web.forms import form_values
from tests.web.helpers import ADMIN_EMAIL
from tests.web.matching import decide, pairs_of, run_to_end
from webapp.db import db
from webapp.models import AuditEvent, Participant
from webapp.run_models import MatchRun, PairDecision, ProposedMatch


def _make_manager(app: Flask, client: FlaskClient, program_id: int, pair: ProposedMatch) -> str:
    """Edit the pair's mentee through the form: their manager is now the pair's mentor."""
    with app.app_context():
        pid = db.session.scalars(
            db.select(Participant.id).filter_by(program_id=program_id, email=pair.mentee_email)
        ).one()
    url = f"/programs/{program_id}/participants/{pid}/edit"
    values = MultiDict(form_values(client.get(url).text))
    values.setlist("manager_email", [pair.mentor_email])
    saved = client.post(url, data=values, follow_redirects=True)
    assert saved.status_code == 200
    return saved.text


def _resolve(client: FlaskClient, program_id: int, run_id: int, do: str) -> str:
    """Press Undo ("undone") or Keep ("kept") on the run page's first left-out pair."""
    url = f"/programs/{program_id}/runs/{run_id}/left-out/0"
    return client.post(url, data={"do": do, "version": "1"}, follow_redirects=True).text


def _decision(app: Flask, pair: ProposedMatch) -> str | None:
    with app.app_context():
        found = db.session.scalars(
            db.select(PairDecision.action).filter_by(
                mentee_email=pair.mentee_email,
                mentor_email=pair.mentor_email,
                mentor_type=pair.mentor_type,
            )
        ).one_or_none()
        return found


def test_a_lock_an_edit_breaks_is_left_out_of_the_run_and_can_be_kept_or_undone(
    app: Flask, admin_client: FlaskClient, demo: tuple[int, MatchRun]
) -> None:
    program_id, run = demo
    pair = next(p for p in pairs_of(app, run.id) if p.mentor_type == "sponsorship")
    assert decide(admin_client, program_id, run.id, pair.id, "lock").status_code == 302

    saved = _make_manager(app, admin_client, program_id, pair)
    assert f"this breaks the locked pair {escape(pair.label)}" in saved
    assert "management chain" in saved

    again = run_to_end(app, admin_client, program_id)
    assert again.status == "done", again.error
    (left,) = again.left_out
    assert (left["mentee_email"], left["mentor_email"], left["mentor_type"]) == pair.key
    assert left["status"] == "locked"
    assert left["reasons"] == [f"in the mentee's management chain (reports to {pair.mentor_name})"]
    assert pair.key not in {p.key for p in pairs_of(app, again.id)}
    page = admin_client.get(f"/programs/{program_id}/runs/{again.id}").text
    assert "1 approved or locked pair left out of this run" in page
    assert escape(pair.label) in page
    assert f'aria-label="Keep it on {escape(pair.label)}"' in page

    with app.app_context():  # room for the kept pair beside the re-run's pairs of the mentor
        mentor = db.session.scalars(
            db.select(Participant).filter_by(program_id=program_id, email=pair.mentor_email)
        ).one()
        mentor.capacity += 1
        db.session.commit()
    kept = _resolve(admin_client, program_id, again.id, "kept")
    assert f"Kept by {ADMIN_EMAIL}" in kept
    assert _decision(app, pair) == "lock"
    again_undone = _resolve(admin_client, program_id, again.id, "undone")
    assert f"was kept by {ADMIN_EMAIL} already." in again_undone
    assert _decision(app, pair) == "lock"

    third = run_to_end(app, admin_client, program_id)  # kept: still out, still no failure
    assert third.status == "done", third.error
    assert [r["mentee_email"] for r in third.left_out] == [pair.mentee_email]
    undone = _resolve(admin_client, program_id, third.id, "undone")
    assert f"Undone by {ADMIN_EMAIL}" in undone
    assert _decision(app, pair) is None
    with app.app_context():
        actions = db.session.scalars(
            db.select(AuditEvent.action).where(AuditEvent.action.in_(["match.keep", "match.undo"]))
        ).all()
    assert sorted(actions) == ["match.keep", "match.undo"]
    assert run_to_end(app, admin_client, program_id).left_out == []


def test_an_edit_that_breaks_no_lock_says_nothing_more(
    app: Flask, admin_client: FlaskClient, demo: tuple[int, MatchRun]
) -> None:
    program_id, run = demo
    pairs = [p for p in pairs_of(app, run.id) if p.mentor_type == "sponsorship"]
    decide(admin_client, program_id, run.id, pairs[0].id, "approve")
    saved = _make_manager(app, admin_client, program_id, pairs[1])  # not the approved pair
    assert "this breaks" not in saved


def test_keeping_a_left_out_pair_whose_mentor_is_full_is_refused_naming_who_holds_the_places(
    app: Flask, admin_client: FlaskClient, demo: tuple[int, MatchRun]
) -> None:
    """A kept pair holds a place of its mentor: keeping it must not over-fill them."""
    program_id, run = demo
    pair = next(p for p in pairs_of(app, run.id) if p.mentor_type == "sponsorship")
    decide(admin_client, program_id, run.id, pair.id, "lock")
    _make_manager(app, admin_client, program_id, pair)
    again = run_to_end(app, admin_client, program_id)
    with app.app_context():  # the re-run gave the mentor's places to others
        theirs = db.session.scalars(
            db.select(ProposedMatch).filter_by(run_id=again.id, mentor_email=pair.mentor_email)
        ).all()
        if not theirs:
            theirs = [
                ProposedMatch(
                    run_id=again.id,
                    mentee_email="someone@example.org",
                    mentee_name="Some One",
                    mentor_email=pair.mentor_email,
                    mentor_name=pair.mentor_name,
                    mentor_type=pair.mentor_type,
                    score=50.0,
                )
            ]
            db.session.add_all(theirs)
        mentor = db.session.scalars(
            db.select(Participant).filter_by(program_id=program_id, email=pair.mentor_email)
        ).one()
        mentor.capacity = len(theirs)
        holders = ", ".join(f"{p.mentee_name} (proposed)" for p in theirs)
        db.session.commit()
    places = f"{len(theirs)} place" + ("" if len(theirs) == 1 else "s")
    refused = _resolve(admin_client, program_id, again.id, "kept")
    assert escape(f"{pair.label}: not kept.") in refused
    assert f"would have {len(theirs) + 1} pairs for {places}" in refused
    assert escape(f"pairs of {pair.mentor_name}: {holders}.") in refused
    assert "Kept by" not in refused and f'aria-label="Keep it on {escape(pair.label)}"' in refused
    assert _decision(app, pair) == "lock"
