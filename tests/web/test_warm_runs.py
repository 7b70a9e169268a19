"""Warm re-runs in the web app: a run after decisions starts from the last run's state
(webapp.warm_runs) and proposes what a run from scratch proposes; a lost state is no error."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient

from tests.web.matching import decide, load_demo, pairs_of, run_to_end
from webapp import warm_runs
from webapp.db import db
from webapp.models import Participant


def proposed(app: Flask, run_id: int) -> list[tuple[str, str, str, float, str]]:
    return sorted(
        (p.mentee_email, p.mentor_email, p.mentor_type, p.score, p.reasons)
        for p in pairs_of(app, run_id)
    )


def test_a_rerun_after_a_reject_proposes_the_pairs_of_a_cold_run(
    app: Flask, admin_client: FlaskClient
) -> None:
    program_id = load_demo(app)
    first = run_to_end(app, admin_client, program_id)
    state = Path(app.instance_path) / warm_runs.FOLDER / f"program-{program_id}.pickle"
    written = state.stat().st_mtime_ns
    rejected = pairs_of(app, first.id)[0]
    assert decide(admin_client, program_id, first.id, rejected.id, "reject").status_code == 302

    warm = run_to_end(app, admin_client, program_id)
    assert warm.status == "done" and state.stat().st_mtime_ns == written  # reused, as it was
    state.unlink()  # lost: the next run starts from scratch
    cold = run_to_end(app, admin_client, program_id)
    assert cold.status == "done" and state.exists()
    assert proposed(app, warm.id) == proposed(app, cold.id) != proposed(app, first.id)
    triple = (rejected.mentee_email, rejected.mentor_email, rejected.mentor_type)
    assert triple not in {p[:3] for p in proposed(app, warm.id)}

    state.write_bytes(b"not a pickle")  # broken: also a run from scratch
    again = run_to_end(app, admin_client, program_id)
    assert proposed(app, again.id) == proposed(app, cold.id)
    assert state.stat().st_size > len(b"not a pickle")


def test_only_the_programs_run_last_keep_a_state(app: Flask, monkeypatch) -> None:
    monkeypatch.setattr(warm_runs, "KEEP_PROGRAMS", 1)
    with app.app_context():
        from matcher import rerun

        _, state = rerun([])
        warm_runs.save(1, state)
        warm_runs.save(2, state)
        assert warm_runs.load(1) is None and warm_runs.load(2) is not None
        monkeypatch.setattr(warm_runs, "MAX_BYTES", 10)
        warm_runs.save(2, state)
        assert warm_runs.load(2) is None


def test_erasing_a_participant_deletes_the_programs_warm_state(
    app: Flask, admin_client: FlaskClient
) -> None:
    program_id = load_demo(app)
    run_to_end(app, admin_client, program_id)
    state = Path(app.instance_path) / warm_runs.FOLDER / f"program-{program_id}.pickle"
    assert b"aditi.joshi@loomworks.example" in state.read_bytes()
    with app.app_context():
        aditi = db.session.scalars(db.select(Participant).filter_by(name="Aditi Joshi")).one()
    erased = admin_client.post(f"/programs/{program_id}/participants/{aditi.id}/erase")
    assert erased.status_code == 302
    assert not state.exists()
