"""Server time of the review page of a run with 10,000+ proposed matches.

Builds, in a fresh database, a program of synthetic people (``matcher.synthetic``)
imported through the web app's own CSV import, and one finished match run of at least
``--matches`` pairs stored by the web app's own run-storing code
(:func:`webapp.runner.store`). ``--part-size 0`` matches the whole cohort at once through
:func:`webapp.runner.execute`, as an admin's run does (about 8 seconds for the 11,600
people a 10,000-match run needs). By default, to spare that time, the cohort is made of
independent parts of ``--part-size`` people (each its own company: the e-mails of a part
carry its number) and the engine (:func:`matcher.propose`) matches each part; the parts'
pairs, open requests and breakdowns are stored as one run, exactly as a run of the whole
cohort would be. A few hundred pairs get a decision
(approve, lock, reject through :func:`webapp.decisions.decide`), so the status filters
select something.

Then a logged-in admin opens each variant of the review page (first, middle and last
page, every sort order, every filter, grouping, a mentee's page, the run's dashboard)
``--requests`` times with
the Flask test client; the time of each request is the server's time (no network, no
browser). Every SQL statement sent is counted with a SQLAlchemy ``before_cursor_execute``
event. Prints one markdown table row per variant: requests, median, p95 and max in
milliseconds, and SQL queries per request::

    .venv/bin/python -m benchmarks.review_page
    .venv/bin/python -m benchmarks.review_page \\
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test --write

PostgreSQL gets a new schema of its own (dropped afterwards), as ``tests/web`` does.
With ``--write`` the table of this database replaces its block in the section
"Review page at 10,000 matches" of ``docs/performance.md`` (after the line that
``benchmarks/run.py`` keeps); nothing else of the file changes.
"""

from __future__ import annotations

import argparse
import contextlib
import platform
import random
import re
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade

from benchmarks.doc_blocks import write_block
from matcher import Proposal, propose
from matcher.config import config_from_mapping
from matcher.csv_io import to_csv_bytes
from matcher.synthetic import generate_cohort
from webapp import create_app
from webapp.admins import create_admin
from webapp.db import db
from webapp.models import Program, utcnow
from webapp.people.imports import preview
from webapp.run_models import Action, MatchRun, ProposedMatch, RunStatus
from webapp.runner import create_run, execute, program_people, store
from webapp.store import apply_plan

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "performance.md"
HEADING = "## Review page at 10,000 matches"
EMAIL, PASSWORD = "bench@example.org", "review-bench-password"
#: Columns holding e-mails: a part's e-mails get its number, so parts never collide.
EMAIL_COLUMNS = ("email", "manager_email", "exclude", "previous_partners")
#: Decisions given to pairs of the run, so that the status filters select something.
DECISIONS = {Action.APPROVE: 300, Action.LOCK: 100, Action.REJECT: 100}


@dataclass(frozen=True)
class Built:
    """What :func:`build` made: ids, sizes and a few values the variants need."""

    program_id: int
    run_id: int
    people: int
    pairs: int
    department: str
    name: str
    mentees: tuple[str, ...]
    one_per_mentor: list[int]
    seconds: float


@dataclass(frozen=True)
class Measured:
    """The requests of one variant: seconds and SQL statements of each."""

    variant: str
    seconds: tuple[float, ...]
    queries: tuple[int, ...]


def part_cohort(part: int, size: int) -> pd.DataFrame:
    """Part ``part`` of the cohort: ``size`` synthetic people, e-mails tagged ``.p<part>``.

    >>> cohort = part_cohort(3, 20)
    >>> bool(cohort["email"].str.contains(".p3@", regex=False).all())
    True
    """
    cohort = generate_cohort(size, seed=part)
    for column in EMAIL_COLUMNS:
        cohort[column] = cohort[column].str.replace("@", f".p{part}@", regex=False)
    cohort["id"] = cohort["id"].map(lambda value: f"p{part}-{value}" if value else value)
    return cohort


def parts_needed(target: int, size: int) -> int:
    """How many parts of ``size`` people give ``target`` pairs (about 0.86 pairs a person,
    measured on ``mentorloom sample`` cohorts), with one part to spare.

    >>> parts_needed(10_000, 2000)
    7
    """
    return -(-target * 100 // (86 * size)) + 1


def import_people(program: Program, cohort: pd.DataFrame) -> None:
    """Import ``cohort`` into ``program`` as an admin's CSV upload does."""
    checked = preview(program, to_csv_bytes(cohort))
    if checked.plan is None:
        raise SystemExit(f"the synthetic cohort does not import: {checked.issues[:3]}")
    apply_plan(program, checked.plan)


def propose_in_parts(run: MatchRun, parts: list[set[str]]) -> None:
    """Match each part with the engine and store every part's result as ``run``'s."""
    people = program_people(run.program_id)
    config = config_from_mapping(run.config)
    found = [propose([p for p in people if p.email in part], config, []) for part in parts]
    proposal = Proposal(
        matches=pd.concat([f.matches for f in found], ignore_index=True),
        unmatched=pd.concat([f.unmatched for f in found], ignore_index=True),
        scores=None,
        breakdown=pd.concat([f.breakdown for f in found], ignore_index=True),
        config=config,
    )
    run.status, run.started_at = RunStatus.RUNNING, utcnow()
    store(run, people, proposal)
    run.status, run.finished_at = RunStatus.DONE, utcnow()
    db.session.commit()


def give_decisions(client: FlaskClient, built: Built, seed: int = 1) -> None:
    """Approve, lock and reject a few hundred pairs (at most one per mentor) with the
    review page's bulk form and its confirmation page, as an admin would."""
    chosen = random.Random(seed).sample(built.one_per_mentor, sum(DECISIONS.values()))
    url = f"/programs/{built.program_id}/runs/{built.run_id}/bulk"
    start = 0
    for action, count in DECISIONS.items():
        ids = [str(i) for i in chosen[start : start + count]]
        form = {"action": action.value, "scope": "selected", "ids": ids, "note": ""}
        offered = re.search(r'name="pairs" value="([^"]*)"', client.post(url, data=form).text)
        confirm = {"action": action.value, "note": "", "pairs": offered[1] if offered else ""}
        if client.post(f"{url}/confirm", data=confirm).status_code != 302:
            raise SystemExit(f"the bulk decision {action} was refused")
        start += count


def select_pairs(run_id: int) -> sa.Select[tuple[ProposedMatch]]:
    """The run's pairs, by id."""
    return sa.select(ProposedMatch).where(ProposedMatch.run_id == run_id).order_by(ProposedMatch.id)


def build(app: Flask, target: int, size: int) -> Built:
    """Create the schema, an admin, the program and a finished run of ``target``+ pairs."""
    with app.app_context():
        upgrade()
        create_admin(EMAIL, PASSWORD)
        program = Program(name="Review benchmark", config={})
        db.session.add(program)
        db.session.flush()
        count = parts_needed(target, size) if size else 1
        cohorts = [part_cohort(n, size or target * 116 // 100) for n in range(1, count + 1)]
        started = time.perf_counter()
        import_people(program, pd.concat(cohorts, ignore_index=True))
        db.session.commit()
        print(f"import of {sum(map(len, cohorts))} people: {time.perf_counter() - started:.1f} s")
        run = create_run(program, EMAIL)
        db.session.commit()
        started = time.perf_counter()
        if size:
            propose_in_parts(run, [set(c["email"].str.lower()) for c in cohorts])
        else:
            execute(run.id)
        seconds = time.perf_counter() - started
        db.session.expire_all()
        if run.status != RunStatus.DONE:
            raise SystemExit(f"the match run failed: {run.error}")
        pairs = db.session.scalars(select_pairs(run.id)).all()
        return Built(
            program_id=program.id,
            run_id=run.id,
            people=sum(len(c) for c in cohorts),
            pairs=len(pairs),
            department=pairs[len(pairs) // 2].mentee_department,
            name=pairs[len(pairs) // 3].mentee_name.split()[0].lower(),
            mentees=tuple(sorted({pair.mentee_email for pair in pairs})),
            one_per_mentor=sorted({pair.mentor_email: pair.id for pair in pairs}.values()),
            seconds=seconds,
        )


def variants(built: Built, page_size: int) -> dict[str, Callable[[int], str]]:
    """Each variant's name and the URL of its ``n``-th request."""
    base = f"/programs/{built.program_id}/runs/{built.run_id}"
    last = -(-built.pairs // page_size)
    mentees = random.Random(2).sample(built.mentees, 50)

    def page(query: str) -> Callable[[int], str]:
        return lambda n: f"{base}/review?{query}"

    return {
        "first page": page("page=1"),
        f"middle page ({last // 2})": page(f"page={last // 2}"),
        f"last page ({last})": page(f"page={last}"),
        "sort score, lowest first": page("sort=score"),
        "sort mentee": page("sort=mentee"),
        "sort mentor": page("sort=mentor"),
        "sort type": page("sort=type"),
        "sort mentee, middle page": page(f"sort=mentee&page={last // 2}"),
        "filter type (sponsorship)": page("type=sponsorship"),
        "filter department": page(f"department={built.department}"),
        "filter score 60-80": page("min=60&max=80"),
        "filter status proposed, middle page": page(f"status=proposed&page={last // 2}"),
        "filter status approved": page("status=approved"),
        "filter since last run (added)": page("change=added"),
        f"search name ({built.name})": page(f"q={built.name}"),
        "group by mentee": page("group=mentee"),
        "group by mentor, middle page": page(f"group=mentor&page={last // 2}"),
        "mentee page": lambda n: f"{base}/mentee?email={mentees[n % len(mentees)]}",
        "dashboard": lambda n: f"{base}/dashboard",
    }


@contextlib.contextmanager
def recorded(app: Flask) -> Iterator[list[tuple[str, Any]]]:
    """The SQL statements (with their parameters) the app's engine sends inside the block."""
    sent: list[tuple[str, Any]] = []

    def record(_conn: Any, _cursor: Any, statement: str, params: Any, *_: Any) -> None:
        sent.append((statement, params))

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)


def measure(
    app: Flask, client: FlaskClient, name: str, url: Callable[[int], str], n: int
) -> Measured:
    """Request ``url(i)`` for i in 0..n (after one warm-up): seconds and queries of each."""
    seconds, queries = [], []
    with recorded(app) as sent:
        for i in range(-1, n):
            before = len(sent)
            started = time.perf_counter()
            response = client.get(url(i))
            took = time.perf_counter() - started
            if response.status_code != 200:
                raise SystemExit(f"{name}: {url(i)} answered {response.status_code}")
            if i >= 0:
                seconds.append(took)
                queries.append(len(sent) - before)
    return Measured(name, tuple(seconds), tuple(queries))


def p95(values: tuple[float, ...]) -> float:
    """The 95th percentile (inclusive method), as in the other benchmarks.

    >>> p95(tuple(float(i) for i in range(1, 101)))
    95.05
    """
    return statistics.quantiles(values, n=100, method="inclusive")[94]


def row(found: Measured) -> str:
    """One markdown table row: variant, n, median, p95, max (ms), queries per request."""
    ms = [1000 * s for s in found.seconds]
    queries = sorted(set(found.queries))
    shown = str(queries[0]) if len(queries) == 1 else f"{queries[0]}-{queries[-1]}"
    return (
        f"| {found.variant} | {len(ms)} | {statistics.median(ms):.1f} | "
        f"{p95(found.seconds) * 1000:.1f} | {max(ms):.1f} | {shown} |"
    )


def table(built: Built, results: list[Measured], label: str) -> str:
    """The markdown block of one database: what was built and one row per variant."""
    worst = max(results, key=lambda m: p95(m.seconds))
    lines = [
        f"**{label}**: {built.people:,} people, **{built.pairs:,} proposed matches** in one "
        f"run (engine and storing: {built.seconds:.0f} s), 500 decisions; "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, Python "
        f"{platform.python_version()}. Slowest p95: {worst.variant}, "
        f"{p95(worst.seconds) * 1000:.0f} ms.",
        "",
        "| variant | requests | median ms | p95 ms | max ms | SQL queries per request |",
        "|---|---|---|---|---|---|",
        *(row(found) for found in results),
    ]
    return "\n".join(lines)


@contextlib.contextmanager
def database(url: str | None, folder: Path) -> Iterator[str]:
    """The URL of a fresh database: a SQLite file in ``folder``, or a new PostgreSQL schema
    of ``url`` (dropped at the end)."""
    if url is None:
        yield f"sqlite:///{folder / 'review.sqlite3'}"
        return
    schema = f"review_{uuid.uuid4().hex[:12]}"
    engine = sa.create_engine(url, poolclass=sa.NullPool)
    with engine.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{schema}"
    finally:
        with engine.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()


def make_app(url: str) -> Flask:
    """The app on ``url``, CSRF off so the test client can log in with a plain POST."""
    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": "review-benchmark",
            "WTF_CSRF_ENABLED": False,
            "SERVER_NAME": "mentorloom.bench",
        }
    )


def parse_args() -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--matches", type=int, default=10_000, help="least pairs in the run")
    parser.add_argument(
        "--part-size", type=int, default=2000, help="people per part; 0: one engine run"
    )
    parser.add_argument("--requests", type=int, default=40, help="requests per variant")
    parser.add_argument("--database-url", help="PostgreSQL URL (default: a new SQLite file)")
    parser.add_argument("--only", help="run only the variants whose name contains this")
    parser.add_argument("--label", help="name of the table (default: the database's)")
    parser.add_argument("--write", action="store_true", help="update docs/performance.md")
    parser.add_argument("--doc", type=Path, default=DOC, help="the file --write updates")
    return parser.parse_args()


def main() -> None:
    """Build, measure, print, and with ``--write`` update the docs."""
    args = parse_args()
    label = args.label or ("PostgreSQL" if args.database_url else "SQLite")
    with (
        tempfile.TemporaryDirectory(prefix="mentorloom-review-") as folder,
        database(args.database_url, Path(folder)) as url,
    ):
        app = make_app(url)
        built = build(app, args.matches, args.part_size)
        print(f"{built.people} people, {built.pairs} pairs, run built in {built.seconds:.1f} s")
        client = app.test_client()
        login = client.post("/auth/login", data={"email": EMAIL, "password": PASSWORD})
        assert login.status_code == 302, login.status_code
        give_decisions(client, built)
        results = []
        for name, url_of in variants(built, app.config["REVIEW_PAGE_SIZE"]).items():
            if args.only and args.only not in name:
                continue
            results.append(measure(app, client, name, url_of, args.requests))
            print(row(results[-1]), flush=True)
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
    text = table(built, results, label)
    print(text)
    if args.write:
        write_block(args.doc, "review_page", HEADING, label, text)


if __name__ == "__main__":
    main()
