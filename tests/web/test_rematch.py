"""Rematch runs: they fill the open requests (all, or one person's) and keep every
published pair exactly where it is, say so on the run and review pages, and fail loudly
when a kept pair would move."""

from __future__ import annotations

import pandas as pd
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.web.matching import decide, pairs_of, publish, wait_for
from webapp import runner
from webapp.answers import end_between
from webapp.db import db
from webapp.models import Participant, utcnow
from webapp.pair_life import end_pair
from webapp.pair_models import EndReason, Pair
from webapp.run_models import MatchRun, ProposedMatch


@pytest.fixture
def declined(app: Flask, admin_client: FlaskClient, demo: tuple) -> tuple[int, MatchRun, list]:
    """The demo run with its three best pairs published, then the first declined by its
    mentor: the program, the run and those three pairs (the declined one first)."""
    program_id, run = demo
    pairs = pairs_of(app, run.id)[:3]
    for pair in pairs:
        assert decide(admin_client, program_id, run.id, pair.id, "approve").status_code == 302
    assert "3 pairs published" in publish(admin_client, program_id, run.id)
    with app.app_context():
        first = db.session.scalars(select(Pair).filter_by(mentee_email=pairs[0].mentee_email))
        for pair in first:
            if pair.key == pairs[0].key:
                end_between(pair, "declined by the mentor", pair.mentor_email, "", utcnow())
        db.session.commit()
    return program_id, run, pairs


def start(client: FlaskClient, url: str, **form: str) -> int:
    response = client.post(url, data=form)
    assert response.status_code == 302, response.text
    return int(response.headers["Location"].rstrip("/").rsplit("/", 1)[-1])


def by_request(app: Flask, run_id: int) -> dict[tuple[str, str], str]:
    return {(p.mentee_email, p.mentor_type): p.mentor_email for p in pairs_of(app, run_id)}


def test_a_rematch_fills_open_requests_and_keeps_every_published_pair(
    app: Flask, admin_client: FlaskClient, declined: tuple
) -> None:
    program_id, _, (gone, *kept) = declined
    page = admin_client.get(f"/programs/{program_id}/rematch").text
    assert "Rematch every open request" in page
    assert f"Find someone else for {gone.mentee_name}'s {gone.mentor_type}" in page
    rematch = wait_for(app, start(admin_client, f"/programs/{program_id}/runs/rematch"))
    assert (rematch.status, rematch.kind) == ("done", "rematch"), rematch.error
    now = {p.key for p in pairs_of(app, rematch.id)}
    assert {p.key for p in kept} <= now
    assert gone.key not in now
    proof = rematch.summary["rematch"]
    assert (proof["published_kept"], proof["open"]) == (2, len(run_requests(app, program_id)) - 2)
    shown = admin_client.get(f"/programs/{program_id}/runs/{rematch.id}").text
    assert "All 2 published pairs kept exactly" in shown
    assert f"it filled <strong>{proof['filled']} of {proof['open']} open requests" in shown
    review = admin_client.get(f"/programs/{program_id}/runs/{rematch.id}/review").text
    assert "Review rematch" in review and "All 2 published pairs kept exactly" in review


def run_requests(app: Flask, program_id: int) -> list[tuple[str, str]]:
    """Every request (mentee, type) of the program."""
    with app.app_context():
        people = runner.program_people(program_id)
    return [(p.email, t.value) for p in people if p.is_mentee for t in p.seeks]


def test_a_rematch_for_one_person_fills_only_that_request(
    app: Flask, admin_client: FlaskClient, declined: tuple
) -> None:
    program_id, run, (gone, taken, _) = declined
    refused = admin_client.post(
        f"/programs/{program_id}/runs/rematch/one",
        data={
            "mentee_email": taken.mentee_email,
            "mentor_type": taken.mentor_type,
            "next": f"/programs/{program_id}/rematch",
        },
        follow_redirects=True,
    )
    assert "request is not open" in refused.text and "Needs a rematch</h1>" in refused.text
    with app.app_context():
        assert db.session.scalar(select(MatchRun).filter_by(kind="rematch")) is None
    with app.app_context():
        person = db.session.scalars(
            select(Participant).filter_by(program_id=program_id, email=gone.mentee_email)
        ).one()
    page = admin_client.get(f"/programs/{program_id}/participants/{person.id}").text
    assert f"Find someone else for {gone.mentee_name}'s {gone.mentor_type}" in page
    # a pair of the latest run rejected since is not kept (its request stays open)
    rejected = pairs_of(app, run.id)[3]
    assert decide(admin_client, program_id, run.id, rejected.id, "reject").status_code == 302
    form = {"mentee_email": gone.mentee_email, "mentor_type": gone.mentor_type}
    rematch = wait_for(app, start(admin_client, f"/programs/{program_id}/runs/rematch/one", **form))
    assert rematch.status == "done", rematch.error
    before, after = by_request(app, run.id), by_request(app, rematch.id)
    target, dropped = (
        (gone.mentee_email, gone.mentor_type),
        (
            rejected.mentee_email,
            rejected.mentor_type,
        ),
    )
    assert dropped not in after
    assert {r: m for r, m in after.items() if r != target} == {
        r: m for r, m in before.items() if r not in (target, dropped)
    }
    assert after.get(target) != gone.mentor_email
    proof = rematch.summary["rematch"]
    assert (proof["open"], proof["requests"]) == (1, [list(target)])
    assert proof["proposed_kept"] == len(before) - 2
    shown = admin_client.get(f"/programs/{program_id}/runs/{rematch.id}").text
    assert f"{gone.mentee_email}'s {gone.mentor_type} request only" in shown


def test_a_rematch_that_would_move_a_kept_pair_fails_and_saves_nothing(
    app: Flask, admin_client: FlaskClient, declined: tuple, monkeypatch: pytest.MonkeyPatch
) -> None:
    program_id, _, (_, kept, _) = declined
    real = runner.propose

    def moving(*args, **kwargs):  # the core losing one kept pair
        found = real(*args, **kwargs)
        matches = found.matches
        lost = (matches.mentee_email == kept.mentee_email) & (
            matches.mentor_type == kept.mentor_type
        )
        object.__setattr__(found, "matches", pd.DataFrame(matches[~lost]))
        return found

    monkeypatch.setattr(runner, "propose", moving)
    rematch = wait_for(app, start(admin_client, f"/programs/{program_id}/runs/rematch"))
    assert rematch.status == "failed"
    assert "the rematch moved 1 pair it must keep" in rematch.error
    assert kept.mentee_email in rematch.error
    with app.app_context():
        assert db.session.scalars(select(ProposedMatch).filter_by(run_id=rematch.id)).all() == []


def test_a_pair_ended_for_good_closes_its_request_and_one_ended_for_chemistry_reopens_it(
    app: Flask, admin_client: FlaskClient, declined: tuple
) -> None:
    program_id, _, (gone, completed, no_fit) = declined
    with app.app_context():
        for shown, reason in ((completed, EndReason.COMPLETED), (no_fit, EndReason.NO_CHEMISTRY)):
            pair = db.session.scalars(select(Pair).filter_by(program_id=program_id)).all()
            [found] = [p for p in pair if p.key == shown.key]
            end_pair(found, reason, "", "admin@example.org", utcnow())
        db.session.commit()
    rematch = wait_for(app, start(admin_client, f"/programs/{program_id}/runs/rematch"))
    assert rematch.status == "done", rematch.error
    proof = rematch.summary["rematch"]
    every = run_requests(app, program_id)
    assert (proof["published_kept"], proof["open"]) == (0, len(every) - 1)  # all but completed
    now = by_request(app, rematch.id)
    assert (completed.mentee_email, completed.mentor_type) not in now  # closed: not filled
    assert now.get((no_fit.mentee_email, no_fit.mentor_type)) != no_fit.mentor_email
    assert now.get((gone.mentee_email, gone.mentor_type)) != gone.mentor_email
