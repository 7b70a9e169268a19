"""Background execution of match runs: an RQ queue with ``REDIS_URL``, else a thread.

With ``REDIS_URL`` set, :func:`submit` puts the run on the RQ queue ``RQ_QUEUE`` and a
worker process (``flask --app webapp worker``, or ``rq worker`` with the same
environment) carries it out. Without it, a thread of the web process does, so the
embedded SQLite default needs nothing else installed.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

import click
from flask import Flask, current_app, has_app_context
from flask.cli import with_appcontext

from webapp.db import db
from webapp.runner import STALE_AFTER, execute

if TYPE_CHECKING:
    from rq import Queue

#: Longest a run may take on the queue before RQ stops it (seconds).
JOB_TIMEOUT = int(STALE_AFTER.total_seconds())


def _queue(app: Flask) -> Queue:
    """The RQ queue of the app's settings (rq and redis are imported only when used)."""
    from redis import Redis
    from rq import Queue

    connection = Redis.from_url(app.config["REDIS_URL"])
    return Queue(app.config["RQ_QUEUE"], connection=connection)


def run_job(run_id: int) -> None:
    """The RQ job: carry out run ``run_id`` in the worker's app, or in a new one.

    ``flask --app webapp worker`` runs jobs in its own process and app; ``rq worker``
    has no app, so the job makes one from the environment.
    """
    if has_app_context():
        execute(run_id)
        return
    from webapp import create_app

    with create_app().app_context():
        execute(run_id)


def _in_thread(app: Flask, run_id: int) -> None:
    with app.app_context():
        execute(run_id)
        db.session.remove()


def submit(run_id: int) -> None:
    """Start run ``run_id`` in the background (the run is committed as queued)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if app.config["REDIS_URL"]:
        _queue(app).enqueue(run_job, run_id, job_timeout=JOB_TIMEOUT)
        return
    threading.Thread(target=_in_thread, args=(app, run_id), daemon=True).start()


@click.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
@with_appcontext
def worker_command(burst: bool) -> None:
    """Carry out queued match runs from the RQ queue at REDIS_URL, one at a time.

    Jobs run in this process (no fork per job), so they share its database connections;
    start several workers to run several programs at once.
    """
    from rq import SimpleWorker

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if not app.config["REDIS_URL"]:
        raise click.ClickException("set REDIS_URL to the Redis the web app queues runs on")
    queue = _queue(app)
    SimpleWorker([queue], connection=queue.connection).work(burst=burst)
