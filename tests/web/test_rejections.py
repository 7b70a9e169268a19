"""Rejections say what they mean: "not for this type" keeps only that triple out (the
mentor may come back as another type); "never pair these two" writes a never-pair, so the
two are never proposed again for any type, and undoing it deletes that never-pair only."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.web.matching import bulk, decide, pairs_of, run_to_end
from webapp.db import db
from webapp.pair_models import NeverPair
from webapp.run_models import PairDecision, ProposedMatch

MIA, TAMSIN = "mia.hoffmann@loomworks.example", "tamsin.kapoor@loomworks.example"


def never_pairs(app: Flask) -> list[tuple[str, str, int | None]]:
    with app.app_context():
        rows = db.session.scalars(select(NeverPair)).all()
        return [(r.first_email, r.second_email, r.rejection_id) for r in rows]


def decision_id(app: Flask, pair: ProposedMatch) -> int:
    with app.app_context():
        return db.session.scalars(
            select(PairDecision.id).filter_by(
                mentee_email=pair.mentee_email,
                mentor_email=pair.mentor_email,
                mentor_type=pair.mentor_type,
            )
        ).one()


def between(app: Flask, run_id: int, mentee: str, mentor: str) -> list[str]:
    """The types of the run's pairs of ``mentee`` with ``mentor``."""
    return [
        p.mentor_type
        for p in pairs_of(app, run_id)
        if (p.mentee_email, p.mentor_email) == (mentee, mentor)
    ]


def test_a_type_rejection_lets_the_mentor_back_as_another_type_and_never_does_not(
    app: Flask, admin_client: FlaskClient, demo: tuple
) -> None:
    program_id, run = demo
    (pair,) = [
        p for p in pairs_of(app, run.id) if (p.mentee_email, p.mentor_email) == (MIA, TAMSIN)
    ]
    review = f"/programs/{program_id}/runs/{run.id}/review?q=mia"
    assert 'name="reach" value="never"' in admin_client.get(review).text

    decide(admin_client, program_id, run.id, pair.id, "reject", reach="type")
    assert never_pairs(app) == []
    assert "not for this type" in admin_client.get(review).text
    mentee_page = admin_client.get(f"/programs/{program_id}/runs/{run.id}/mentee?email={MIA}")
    assert "rejected: not for this type" in mentee_page.text
    again = run_to_end(app, admin_client, program_id)
    assert between(app, again.id, MIA, TAMSIN) == ["developmental"]

    decide(admin_client, program_id, run.id, pair.id, "reject", reach="never")
    assert never_pairs(app) == [(MIA, TAMSIN, decision_id(app, pair))]
    assert "never pair these two" in admin_client.get(review).text
    mentee_page = admin_client.get(f"/programs/{program_id}/runs/{run.id}/mentee?email={MIA}")
    assert "rejected: never pair these two" in mentee_page.text
    third = run_to_end(app, admin_client, program_id)
    assert between(app, third.id, MIA, TAMSIN) == []

    decide(admin_client, program_id, run.id, pair.id, "undo")
    assert never_pairs(app) == []


def test_undoing_a_never_rejection_keeps_the_never_pair_of_a_decline(
    app: Flask, admin_client: FlaskClient, demo: tuple
) -> None:
    program_id, run = demo
    pair = pairs_of(app, run.id)[0]
    first, second = sorted((pair.mentee_email, pair.mentor_email))
    with app.app_context():
        db.session.add(
            NeverPair(
                program_id=program_id,
                first_email=first,
                second_email=second,
                why="declined by the mentee",
                created_by=pair.mentee_email,
            )
        )
        db.session.commit()
    decide(admin_client, program_id, run.id, pair.id, "reject", reach="never")
    decide(admin_client, program_id, run.id, pair.id, "undo")
    assert never_pairs(app) == [(first, second, None)]


def test_a_bulk_never_rejection_keeps_each_two_apart(
    app: Flask, admin_client: FlaskClient, demo: tuple
) -> None:
    program_id, run = demo
    chosen = pairs_of(app, run.id)[:2]
    page, done = bulk(
        admin_client,
        program_id,
        run.id,
        action="reject",
        reach="never",
        scope="selected",
        ids=[str(p.id) for p in chosen],
    )
    assert "Reject (never pair these two) 2 pairs?" in page.text
    assert done is not None and done.status_code == 302
    assert sorted(never_pairs(app)) == sorted(
        (*sorted((p.mentee_email, p.mentor_email)), decision_id(app, p)) for p in chosen
    )
