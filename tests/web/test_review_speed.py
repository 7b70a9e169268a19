"""What keeps the review pages fast on large runs, checked without a clock.

``benchmarks/review_page.py`` measures the server time on a run of 10,000+ pairs; these
tests hold the structure behind it on both databases: the number of SQL queries of a page
of the table does not grow with the run, the query of a page's pairs reads an index made
for its sort order (so no sort of the whole run, no reading of the pairs' reasons), and the
mentee page parses the program's participants once per change, not once per request.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from benchmarks.review_page import recorded
from matcher import explain_mentee
from matcher.config import config_from_mapping
from tests.web.matching import load_demo, run_to_end
from webapp.db import db
from webapp.lookups import stored_proposal
from webapp.matching.review import explain
from webapp.models import Participant, Program
from webapp.people_cache import program_cohort
from webapp.run_models import Action, MatchRun, PairDecision, ProposedMatch, RunStatus
from webapp.runner import program_decisions

#: Mentees whose explanation is compared with the one made from every pair of the run.
MENTEES = 40
TYPES = ("developmental", "sponsorship", "generational", "expertise")
BREAKDOWN = [["goals", 0.5, 20.0, 10.0, 20.0], ["level", 1.0, 10.0, 10.0, 10.0]]
#: Views of the table: query string, and for the sort orders the index their page reads.
VIEWS = {
    "": "ix_proposed_match_run_score",
    "sort=score&page=3": "ix_proposed_match_run_score",
    "sort=mentee&page=3": "ix_proposed_match_run_mentee_name",
    "sort=mentor": "ix_proposed_match_run_mentor_name",
    "sort=type&page=2": "ix_proposed_match_run_type_score",
    "group=mentee&page=2": "ix_proposed_match_run_mentee_name",
    "group=mentor&sort=score": "ix_proposed_match_run_mentor_name",
    "type=sponsorship&min=20": None,
    "department=D3": None,
    "status=approved": None,
    "status=proposed&page=2": None,
    "q=mentee 1": None,
}


def make_run(app: Flask, pairs: int) -> tuple[int, int]:
    """A program with a finished run of ``pairs`` made-up pairs, five of them approved."""
    with app.app_context():
        program = Program(name=f"Speed {pairs}", config={})
        db.session.add(program)
        db.session.flush()
        run = MatchRun(program_id=program.id, status=RunStatus.DONE, created_by="t@x.org")
        db.session.add(run)
        db.session.flush()
        rows = [pair_row(run.id, i) for i in range(pairs)]
        db.session.execute(sa.insert(ProposedMatch), rows)
        keys = ("mentee_email", "mentor_email", "mentor_type")
        for row in rows[:5]:
            db.session.add(decision(program.id, *(row[k] for k in keys), Action.APPROVE))
        db.session.commit()
        return program.id, run.id


def pair_row(run_id: int, i: int) -> dict[str, Any]:
    """The ``i``-th made-up pair of a run."""
    return {
        "run_id": run_id,
        "mentee_email": f"mentee{i}@example.org",
        "mentee_name": f"Mentee {i}",
        "mentee_department": f"D{i % 7}",
        "mentor_email": f"mentor{i % 300}@example.org",
        "mentor_name": f"Mentor {i % 300}",
        "mentor_department": f"D{i % 5}",
        "mentor_type": TYPES[i % 4],
        "score": float(i * 37 % 100),
        "reasons": "shares 2 goals",
        "breakdown": BREAKDOWN,
    }


def page_statements(app: Flask, client: FlaskClient, url: str) -> list[tuple[str, Any]]:
    """The statements of one request of ``url`` (which must answer 200)."""
    with recorded(app) as sent:
        response = client.get(url)
    assert response.status_code == 200, url
    assert '<tr class="pair ' in response.text, url
    return sent


def test_a_page_of_the_table_costs_as_many_queries_for_200_as_for_2000_pairs(
    app: Flask, admin_client: FlaskClient
) -> None:
    small, large = make_run(app, 200), make_run(app, 2000)
    for view in VIEWS:
        counts = [
            len(page_statements(app, admin_client, f"/programs/{p}/runs/{r}/review?{view}"))
            for p, r in (small, large)
        ]
        assert counts[0] == counts[1] <= 10, (view, counts)


def plan(app: Flask, statement: str, params: Any) -> str:
    """The database's plan of ``statement``, as text.

    PostgreSQL is told to avoid sequential scans and sorts, as it would on a large run
    (on a small table they are cheaper): the plan then shows whether an index can serve
    the query.
    """
    with app.app_context(), db.engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            rows = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", params).all()
            return "\n".join(str(row[-1]) for row in rows)
        conn.exec_driver_sql("SET enable_seqscan = off")
        conn.exec_driver_sql("SET enable_sort = off")
        rows = conn.exec_driver_sql(f"EXPLAIN {statement}", params).all()
        return "\n".join(str(row[0]) for row in rows)


def test_the_pairs_of_a_page_are_found_through_the_index_of_their_order(
    app: Flask, admin_client: FlaskClient
) -> None:
    program_id, run_id = make_run(app, 400)
    for view, index in VIEWS.items():
        if index is None:
            continue
        url = f"/programs/{program_id}/runs/{run_id}/review?{view}"
        sent = page_statements(app, admin_client, url)
        ordered = [(s, p) for s, p in sent if "FROM proposed_match" in s and "LIMIT" in s]
        assert len(ordered) == 1, (view, sent)
        statement, params = ordered[0]
        assert " ".join(statement.split()).startswith("SELECT proposed_match.id FROM"), statement
        found = plan(app, statement, params)
        assert index in found, (view, found)
        assert "SCAN proposed_match" not in found and "Seq Scan" not in found, (view, found)


def participant_reads(sent: list[tuple[str, Any]]) -> list[str]:
    """Statements that read participant rows (not only the aggregate fingerprint)."""
    return [s for s, _ in sent if "FROM participant" in s and "count(" not in s.lower()]


def test_the_mentee_page_parses_the_participants_once_per_change_and_explains_as_before(
    app: Flask, admin_client: FlaskClient
) -> None:
    program_id = load_demo(app)
    run = run_to_end(app, admin_client, program_id)
    assert run.status == "done", run.error
    with app.app_context():
        pair = db.session.scalars(sa.select(ProposedMatch).filter_by(run_id=run.id)).first()
        assert pair is not None
        mentee, mentor = pair.mentee_email, pair.mentor_email
    url = f"/programs/{program_id}/runs/{run.id}/mentee?email={mentee}"
    with recorded(app) as first:
        assert admin_client.get(url).status_code == 200
    with recorded(app) as again:
        page = admin_client.get(url)
    assert participant_reads(first) and not participant_reads(again), again
    assert f'<option value="{mentor}">' in page.text
    assert_explained_as_with_every_pair(app, program_id, run.id)

    with app.app_context():
        person = db.session.scalars(sa.select(Participant).filter_by(email=mentor)).one()
        person.name = "Renamed Mentor"
        db.session.commit()
    with recorded(app) as changed:
        page = admin_client.get(url)
    assert participant_reads(changed)
    assert f'<option value="{mentor}">Renamed Mentor · ' in page.text


def assert_explained_as_with_every_pair(app: Flask, program_id: int, run_id: int) -> None:
    """The mentee page's explanation of the first :data:`MENTEES` mentees, which reads only
    the pairs it needs, is the core's explanation with every pair of the run."""
    with app.app_context():
        run = db.session.get_one(MatchRun, run_id)
        encoded = program_cohort(program_id)
        config = config_from_mapping(run.config)
        decisions = program_decisions(program_id)
        everything = stored_proposal(run)
        outcomes = set()
        for email in [p.email for p in encoded.people if p.is_mentee][:MENTEES]:
            fast = explain(run, encoded, email)
            whole = explain_mentee(encoded.people, email, config, decisions, proposal=everything)
            pd.testing.assert_frame_equal(fast.alternatives, whole.alternatives)
            assert fast.unmatched.to_dict("records") == whole.unmatched.to_dict("records")
            outcomes |= set(whole.alternatives["outcome"])
    assert {"matched", "went to another mentee"} <= outcomes, outcomes


def decision(program_id: int, mentee: str, mentor: str, kind: str, action: Action) -> PairDecision:
    """An admin's decision on one pair of the program."""
    return PairDecision(
        program_id=program_id,
        mentee_email=mentee,
        mentor_email=mentor,
        mentor_type=kind,
        action=action,
        decided_by="t@x.org",
    )


def test_the_mentee_page_reads_only_the_mentees_own_decisions(
    app: Flask, admin_client: FlaskClient
) -> None:
    """A program's decisions grow with its run (44,000 after a bulk approval at 50,000
    people: a second of reading); the mentee page reads the mentee's own, which are all
    that change its answer: a rejected alternative of theirs is shown blocked, as with
    every decision of the program."""
    program_id = load_demo(app)
    run = run_to_end(app, admin_client, program_id)
    assert run.status == "done", run.error
    with app.app_context():
        encoded = program_cohort(program_id)
        done = db.session.get_one(MatchRun, run.id)
        mentee, alternative = next(
            (email, row)
            for email in (p.email for p in encoded.people if p.is_mentee)
            for row in explain(done, encoded, email).alternatives.itertuples()
            if row.outcome in {"lower score", "went to another mentee"}
        )
        pairs = db.session.scalars(sa.select(ProposedMatch).filter_by(run_id=run.id)).all()
        assert any(p.mentee_email != mentee for p in pairs)
        decided = [
            decision(program_id, p.mentee_email, p.mentor_email, p.mentor_type, Action.APPROVE)
            for p in pairs
        ]
        kind = alternative.mentor_type
        rejection = decision(program_id, mentee, alternative.mentor_email, kind, Action.REJECT)
        db.session.add_all([*decided, rejection])
        db.session.commit()
    url = f"/programs/{program_id}/runs/{run.id}/mentee?email={mentee}"
    with recorded(app) as sent:
        page = admin_client.get(url)
    assert page.status_code == 200
    whole_program = [
        s
        for s, _ in sent
        if "FROM pair_decision" in s
        and not any(c in s.partition("WHERE")[2] for c in ("mentee_email", "mentor_email"))
    ]
    assert not whole_program, whole_program
    assert_explained_as_with_every_pair(app, program_id, run.id)
    with app.app_context():
        found = explain(db.session.get_one(MatchRun, run.id), encoded, mentee).alternatives
    row = found[found.mentor_email == alternative.mentor_email].iloc[0]
    assert (row.outcome, row.why) == ("blocked", "rejected by an admin"), row.to_dict()


def test_after_approving_every_pair_the_review_page_counts_no_mentor_again(
    app: Flask, admin_client: FlaskClient
) -> None:
    """An approved pair of the run holds one place, not two: after a bulk approval of
    every pair no mentor is a suspect of over-capacity, so the page does not count each
    mentor's places again (at 50,000 people that was 0.6 s a page)."""
    program_id = load_demo(app)
    run = run_to_end(app, admin_client, program_id)
    assert run.status == "done", run.error
    keys = ("mentee_email", "mentor_email", "mentor_type")
    with app.app_context():
        pairs = db.session.scalars(sa.select(ProposedMatch).filter_by(run_id=run.id)).all()
        db.session.add_all(
            decision(program_id, *(getattr(p, k) for k in keys), Action.APPROVE) for p in pairs
        )
        db.session.commit()
    with recorded(app) as sent:
        page = admin_client.get(f"/programs/{program_id}/runs/{run.id}/review")
    assert page.status_code == 200 and "more pairs than places" not in page.text
    recounts = [s for s, _ in sent if "count(" in s.lower() and "mentor_email IN" in s]
    assert not recounts, recounts
