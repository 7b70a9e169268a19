"""Load run: concurrent admins browsing the review page of a large program under gunicorn.

Builds a program of ``--people`` synthetic participants (``matcher.synthetic``), carries
out a real match run, serves the app with gunicorn on 127.0.0.1 and lets ``--admins``
threads, each logged in as an admin, open random pages, sorts and filters of the review
table for ``--seconds``. Prints the request count, errors, and p50/p95/p99 latency.

    PYTHONPATH=. python benchmarks/load_review.py --people 5000 --admins 20 --seconds 60

Loopback only, bounded in time; a benchmark, not a test.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import func, select

from matcher.csv_io import to_csv_bytes
from matcher.synthetic import generate_cohort
from tests.web.gunicorn_server import SECRET, admin_session, gunicorn
from webapp import create_app
from webapp.admins import create_admin
from webapp.db import db
from webapp.models import Program
from webapp.people.imports import preview
from webapp.run_models import ProposedMatch
from webapp.runner import create_run, execute
from webapp.store import apply_plan

EMAIL, PASSWORD = "load@example.org", "load-test-password"
SORTS = ("", "score", "mentee", "mentor", "type")
TYPES = ("", "developmental", "sponsorship", "generational", "expertise")


def new_program(database_url: str, instance: Path, name: str) -> tuple[Flask, int]:
    """The app on ``database_url`` with the schema, an admin and an empty program named
    ``name``; the app and the program's id."""
    os.environ.update(
        DATABASE_URL=database_url,
        MENTORLOOM_INSTANCE_PATH=str(instance),
        MENTORLOOM_SECRET_KEY=SECRET,
    )
    app = create_app()
    with app.app_context():
        upgrade()
        create_admin(EMAIL, PASSWORD)
        program = Program(name=name, config={})
        db.session.add(program)
        db.session.commit()
        return app, program.id


def build(database_url: str, instance: Path, people: int) -> tuple[int, int, int]:
    """Create the schema, an admin, the program and a finished run: ids and pair count."""
    app, program_id = new_program(database_url, instance, f"Load {people}")
    with app.app_context():
        program = db.session.get_one(Program, program_id)
        checked = preview(program, to_csv_bytes(generate_cohort(people, seed=1)))
        assert checked.plan is not None, checked.issues[:5]
        apply_plan(program, checked.plan)
        db.session.commit()
        run = create_run(program, EMAIL)
        db.session.commit()
        started = time.perf_counter()
        execute(run.id)
        db.session.expire_all()
        assert run.status == "done", run.error
        print(f"match run of {people} people: {time.perf_counter() - started:.1f} s")
        pairs = db.session.scalar(
            select(func.count()).select_from(ProposedMatch).where(ProposedMatch.run_id == run.id)
        )
        return program.id, run.id, pairs or 0


def browse(base: str, url: str, pages: int, until: float, seed: int) -> list[tuple[float, int]]:
    """One admin: open random review pages until ``until``; (seconds, status) per request."""
    session = admin_session(base, EMAIL, PASSWORD)
    rng = random.Random(seed)
    timings = []
    while time.monotonic() < until:
        # a filtered table has fewer pages: filters are tried on their first page
        kind = rng.choice(TYPES)
        params = {
            "page": 1 if kind else rng.randint(1, pages),
            "sort": rng.choice(SORTS),
            "type": kind,
        }
        start = time.perf_counter()
        try:
            status = session.get(base + url, params=params, timeout=60).status_code
        except OSError:
            status = 0
        timings.append((time.perf_counter() - start, status))
    return timings


def main() -> None:
    """Build, serve, browse, report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=5000)
    parser.add_argument("--admins", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--database", help="database URL (default: a new SQLite file)")
    args = parser.parse_args()
    instance = Path(tempfile.mkdtemp(prefix="mentorloom-load-"))
    database = args.database or f"sqlite:///{instance / 'load.sqlite3'}"
    program_id, run_id, pairs = build(database, instance, args.people)
    url = f"/programs/{program_id}/runs/{run_id}/review"
    pages = max(1, -(-pairs // 50))
    print(f"{pairs} pairs, {pages} pages of the review table")
    with gunicorn(database, instance, workers=args.workers, threads=args.threads) as base:
        until = time.monotonic() + args.seconds
        results: list[list[tuple[float, int]]] = [[] for _ in range(args.admins)]

        def admin(n: int) -> None:
            results[n] = browse(base, url, pages, until, seed=n)

        threads = [threading.Thread(target=admin, args=(n,)) for n in range(args.admins)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    timings = sorted(t for admin_results in results for t, _ in admin_results)
    statuses = Counter(status for admin_results in results for _, status in admin_results)
    errors = sum(n for status, n in statuses.items() if status != 200)
    cuts = statistics.quantiles(timings, n=100)
    print(
        f"{len(timings)} requests in {args.seconds:g} s by {args.admins} admins "
        f"({len(timings) / args.seconds:.1f}/s), {errors} errors {dict(statuses)}; "
        f"p50 {cuts[49] * 1000:.0f} ms, p95 {cuts[94] * 1000:.0f} ms, "
        f"p99 {cuts[98] * 1000:.0f} ms, max {timings[-1] * 1000:.0f} ms"
    )


if __name__ == "__main__":
    main()
