"""The RQ worker that carries out queued jobs: ``flask --app webapp worker``.

It is RQ's forking worker: each job runs in a child process (the work horse), so a horse
that dies (killed, out of memory) fails its own job at once and the worker goes on with
the next. The worker is handed the app once, when it starts, and works inside the app's
context, which each horse inherits: the jobs (:func:`webapp.jobs.run_job`) and RQ's
failure callback (:func:`webapp.jobs.rq_failed`) find the app there and never build one.
"""

from __future__ import annotations

from typing import Any

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from rq import Queue, Worker
from rq.job import Job

from matcher import load_cached_kernels
from webapp import jobs
from webapp.db import db


class JobWorker(Worker):
    """RQ's forking worker, with the database connections and failures of web app jobs.

    ``app`` is the web app whose jobs it carries out; it works inside the app's context.
    RQ also builds workers from Redis without an app, only to inspect them (``rq info``).
    """

    def __init__(self, *args: Any, app: Flask | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.app = app

    def work(self, *args: Any, **kwargs: Any) -> bool:
        """RQ's, inside the app's context (the horses it forks inherit it)."""
        if self.app is None:
            raise RuntimeError("a JobWorker carries out jobs of an app: JobWorker(..., app=app)")
        self.engine_loaded = load_cached_kernels()
        with self.app.app_context():
            return super().work(*args, **kwargs)

    def execute_job(self, job: Job, queue: Queue) -> None:
        """RQ's (a horse carries out ``job``); then, until it has them, the worker builds
        the matching engine's compiled kernels from numba's disk cache (a run fills it),
        so that the horses it forks inherit them instead of each loading them (about half
        a second of every run; docs/performance.md)."""
        super().execute_job(job, queue)
        if not getattr(self, "engine_loaded", True):
            self.engine_loaded = load_cached_kernels()

    def main_work_horse(self, job: Job, queue: Queue) -> None:
        """In the horse: leave the connections inherited from the worker to the worker."""
        db.engine.dispose(close=False)
        super().main_work_horse(job, queue)

    def unsubscribe(self) -> None:
        """RQ's, waiting at most a second for the pubsub thread: redis-py 8's ``stop()``
        joins it, and it may wait up to a minute for a subscription before it sees the
        stop (a ``--burst`` worker took a minute to quit)."""
        if self.pubsub_thread:
            self.pubsub.unsubscribe()
            self.pubsub_thread.stop(timeout=1)
            self.pubsub.close()

    def handle_work_horse_killed(self, job: Job, retpid: int, ret_val: int, rusage: Any) -> None:
        """The horse died during the job: fail it now (RQ calls no failure callback here)."""
        super().handle_work_horse_killed(job, retpid, ret_val, rusage)
        jobs.rq_failed(job, self.connection)


@click.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
@with_appcontext
def worker_command(burst: bool) -> None:
    """Carry out queued match runs and imports from the RQ queue at REDIS_URL.

    One job at a time, each in a child process; start several workers to run several
    jobs at once.
    """
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if not app.config["REDIS_URL"]:
        raise click.ClickException("set REDIS_URL to the Redis the web app queues jobs on")
    queue = jobs.queue(app)
    # with RQ's scheduler: e-mail retries are jobs queued for a later time
    JobWorker([queue], connection=queue.connection, app=app).work(burst=burst, with_scheduler=True)
