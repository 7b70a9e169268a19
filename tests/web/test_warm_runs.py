"""Warm re-runs in the web app: a run after decisions starts from the last run's state
(webapp.warm_runs) and proposes what a run from scratch proposes; a lost state is no error."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient

from tests.web.matching import decide, load_demo, pairs_of, run_to_end
from webapp import runner, warm_runs
from webapp.db import db
from webapp.models import Participant
from webapp.runner import program_people


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
    folder = Path(app.instance_path) / warm_runs.FOLDER
    files = [folder / f"{kind}-{program_id}.pickle" for kind in ("program", "people")]
    for kept in files:
        assert b"aditi.joshi@loomworks.example" in kept.read_bytes(), kept
    with app.app_context():
        aditi = db.session.scalars(db.select(Participant).filter_by(name="Aditi Joshi")).one()
    erased = admin_client.post(f"/programs/{program_id}/participants/{aditi.id}/erase")
    assert erased.status_code == 302
    for kept in files:  # the people file may be made again, from the rows left
        assert not kept.exists() or b"aditi.joshi" not in kept.read_bytes(), kept


def test_forgetting_a_program_deletes_both_of_its_files(app: Flask) -> None:
    with app.app_context():
        from matcher import rerun

        _, state = rerun([])
        warm_runs.save(1, state)
        warm_runs.save_people(1, "key", ())
        folder = Path(app.instance_path) / warm_runs.FOLDER
        assert {p.name for p in folder.iterdir()} == {"program-1.pickle", "people-1.pickle"}
        warm_runs.forget(1)
        assert not list(folder.iterdir())


def test_the_kept_parse_of_the_participants_is_taken_only_for_the_same_rows(
    app: Flask, monkeypatch
) -> None:
    """program_people takes the last parse kept in the instance folder when every stored
    row and question is as it was, and parses again after any change."""
    program_id = load_demo(app)
    with app.app_context():
        first = program_people(program_id)  # parsed (or taken) and kept
        monkeypatch.setattr(runner, "parse_participants", _no_parse)
        assert program_people(program_id) == first  # taken from the file
        person = db.session.scalars(db.select(Participant).filter_by(name="Aditi Joshi")).one()
        person.name = "Aditi J. Joshi"
        db.session.commit()
        monkeypatch.undo()
        changed = program_people(program_id)
    assert "Aditi J. Joshi" in {p.name for p in changed}
    assert len(changed) == len(first) and changed != first


def _no_parse(*args: object, **kwargs: object) -> None:
    raise AssertionError("parsed again although nothing changed")
