"""Background jobs (match runs, imports): an RQ queue with ``REDIS_URL``, else a thread.

A job works on one row of a table that mixes in :class:`~webapp.models.JobState`
(status, progress, heartbeat, error); a :class:`JobKind` names that table and the function
doing the work. :func:`submit` hands a queued row to a worker: the RQ queue ``RQ_QUEUE``
when ``REDIS_URL`` is set (carried out by ``flask --app webapp worker``, see
:mod:`webapp.worker`), else a thread of the web process. :func:`perform` claims the row,
does the work in one transaction and commits it together with the status ``done``, or
stores why it failed. Beside the work, a :class:`Beat` thread writes the progress and a
heartbeat every ``JOB_BEAT_SECONDS``.

A job whose heartbeat is older than ``JOB_DEAD_AFTER`` seconds has lost its worker
(killed, restarted): :func:`reap` fails it the next time anyone looks at it or starts
another, and RQ fails it from the worker's side (:func:`rq_failed`,
:class:`webapp.worker.JobWorker`).

A new kind of job (sending e-mails, say) needs a table with the ``JobState`` columns, a
``work(row, progress)`` function that changes ``db.session`` without committing, and
``JobKind("mail", Mailing, work, "send them again")``.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import Flask, current_app
from redis import Redis
from redis.exceptions import RedisError
from rq import Callback, Queue
from rq.exceptions import NoSuchJobError
from rq.job import Job
from sqlalchemy import ColumnElement, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from matcher import MatcherError
from webapp import faults
from webapp.db import db
from webapp.models import ACTIVE, JobStatus, utcnow

log = logging.getLogger(__name__)

#: The core's progress callback: ``progress(step, done, total)``.
Progress = Callable[[str, int, int], None]
#: RQ statuses of a job that a worker will still carry out (or is carrying out).
ON_QUEUE = frozenset({"queued", "started", "deferred", "scheduled"})

_KINDS: dict[str, JobKind] = {}


@dataclass(frozen=True)
class JobKind:
    """A kind of background job: its name, the table of its rows, and its work.

    ``work(row, progress)`` does the job on ``row`` in ``db.session`` without committing
    or flushing: :func:`perform` flushes and commits its changes with the status ``done``,
    so a job changes everything it set out to or nothing, and its row is not locked while
    it works (the heartbeat writes to it). It raises to fail; a
    :class:`~matcher.MatcherError` says why in words for the admin. ``again`` tells the
    admin what to do when the worker died ("start the run again").
    """

    name: str
    model: type[Any]
    work: Callable[[Any, Progress], None]
    again: str

    def __post_init__(self) -> None:
        _KINDS[self.name] = self


def queue(app: Flask) -> Queue:
    """The RQ queue of the app's settings."""
    return Queue(app.config["RQ_QUEUE"], connection=Redis.from_url(app.config["REDIS_URL"]))


def submit(kind: JobKind, row: Any) -> None:
    """Hand ``row``, committed as queued, to a worker: the RQ queue, or a thread here.

    When the queue cannot take it (Redis unreachable), the row fails with the reason.
    """
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if not app.config["REDIS_URL"]:
        if not app.config["JOBS_ASYNC"]:  # tests and scripts: the job ends before we return
            perform(kind, row.id)
            return
        work = threading.Thread(target=_in_thread, args=(app, kind, row.id), daemon=True)
        work.start()
        return
    row.queue_job_id = f"{kind.name}-{row.id}-{uuid.uuid4().hex[:12]}"
    db.session.commit()
    try:
        queue(app).enqueue(
            run_job,
            kind.name,
            row.id,
            job_id=row.queue_job_id,
            job_timeout=app.config["JOB_TIMEOUT"],
            on_failure=Callback(rq_failed),
            description=f"{kind.name} {row.id}",
        )
    except RedisError as exc:
        app.logger.error("%s %s: the job queue is unreachable (%s)", kind.name, row.id, exc)
        fail(kind.model, row.id, "the job queue (Redis) could not be reached; try again later.")


def restart(row: Any, **values: Any) -> bool:
    """Queue the job row ``row`` again, with ``values`` set (another job on the same row,
    or the same once more), and commit; False when a job on it is still active."""
    model = type(row)
    restarted = db.session.execute(
        update(model)
        .where(model.id == row.id, model.status.not_in(ACTIVE))
        .values(
            status=JobStatus.QUEUED,
            step="",
            done=0,
            total=0,
            error="",
            started_at=None,
            finished_at=None,
            heartbeat_at=utcnow(),
            queue_job_id="",
            **values,
        )
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return restarted.rowcount == 1


def _in_thread(app: Flask, kind: JobKind, row_id: int) -> None:
    with app.app_context():
        try:
            perform(kind, row_id)
        finally:
            db.session.remove()


def run_job(kind_name: str, row_id: int) -> None:
    """The RQ job: carry out job ``row_id`` of kind ``kind_name``, in the app's context
    that :class:`webapp.worker.JobWorker` holds."""
    perform(_KINDS[kind_name], row_id)


def rq_failed(job: Job, connection: Redis, *exc_info: object) -> None:
    """RQ's failure callback: RQ found the job abandoned (its worker died) or broken; in
    the app's context that :class:`webapp.worker.JobWorker` holds."""
    kind_name, row_id = job.args
    kind = _KINDS[kind_name]
    fail(kind.model, row_id, stopped(kind, JobStatus.RUNNING, utcnow()))


def perform(kind: JobKind, row_id: int) -> None:
    """Carry out the queued job ``row_id`` here, to its end; a failure is stored on its row.

    The row is claimed first (queued to running), so a job handed out twice runs once.
    The work's changes are committed with the status ``done`` only while the row is still
    running: a job found dead meanwhile (:func:`reap`) stays failed and changes nothing.
    """
    if not _claim(kind.model, row_id):
        return
    beat = Beat(db.engine, kind.model, row_id, current_app.config["JOB_BEAT_SECONDS"])
    try:
        _carry_out(kind, row_id, beat)
    finally:
        beat.join()


def _carry_out(kind: JobKind, row_id: int, beat: Beat) -> None:
    """The claimed job's work, its final status and commit (see :func:`perform`)."""
    try:
        try:
            with db.session.no_autoflush:
                kind.work(db.session.get_one(kind.model, row_id), beat.progress)
        finally:
            beat.stop()
        db.session.flush()
        if _finish(kind.model, row_id, JobStatus.DONE, only=(JobStatus.RUNNING,)):
            db.session.commit()
        else:
            db.session.rollback()
            current_app.logger.warning("%s %s was failed while it worked", kind.name, row_id)
    except Exception as exc:  # every failure is shown on the job's page
        db.session.rollback()
        why = _failure(kind, row_id, exc)
        try:
            fail(kind.model, row_id, why)
        except SQLAlchemyError:  # reap fails it once the database can be written again
            current_app.logger.exception("%s %s: could not store its failure", kind.name, row_id)


def _failure(kind: JobKind, row_id: int, exc: Exception) -> str:
    """What went wrong, in words for the admin; the log gets what they need not see."""
    if isinstance(exc, MatcherError):
        return str(exc)
    if (why := faults.reason(exc)) is not None:
        current_app.logger.error("%s %s: nothing saved, %s (%s)", kind.name, row_id, why, exc)
        return faults.job_error(why)
    current_app.logger.exception("%s %s failed", kind.name, row_id)
    return f"{type(exc).__name__}: {exc}"


def _claim(model: type[Any], row_id: int) -> bool:
    """Take the queued row for this worker (queued to running); False when it is not queued."""
    now = utcnow()
    claimed = db.session.execute(
        update(model)
        .where(model.id == row_id, model.status == JobStatus.QUEUED)
        .values(status=JobStatus.RUNNING, started_at=now, heartbeat_at=now)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return claimed.rowcount == 1


def _finish(
    model: type[Any], row_id: int, status: JobStatus, error: str = "", *, only: tuple[str, ...]
) -> bool:
    """Set the row's final status if it is in one of the statuses ``only``; in the transaction."""
    finished = db.session.execute(
        update(model)
        .where(model.id == row_id, model.status.in_(only))
        .values(status=status, error=error, finished_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return finished.rowcount == 1


def fail(model: type[Any], row_id: int, error: str) -> bool:
    """Mark the job failed with ``error`` unless it has finished, and commit; True if it was."""
    failed = _finish(model, row_id, JobStatus.FAILED, error, only=ACTIVE)
    db.session.commit()
    return failed


def stopped(kind: JobKind, status: str, since: datetime) -> str:
    """Why a job whose worker is gone failed.

    >>> kind = JobKind("example", object, print, "start it again")
    >>> stopped(kind, "running", datetime(2026, 1, 2, 14, 3))
    'the worker running it stopped (killed or restarted) at 14:03 UTC; start it again.'
    """
    when = f"{since:%H:%M} UTC"
    if status == JobStatus.QUEUED:
        return f"it was lost before a worker took it (queued at {when}); {kind.again}."
    return f"the worker running it stopped (killed or restarted) at {when}; {kind.again}."


def reap(kind: JobKind, *where: ColumnElement[bool]) -> None:
    """Fail the active jobs of ``kind``'s table matching ``where`` whose worker is gone.

    Gone means a heartbeat older than ``JOB_DEAD_AFTER`` seconds, except for a job still
    waiting on the RQ queue. Call it before reading the jobs. Best effort: when the
    database cannot be written now, the next look tries again.
    """
    model = kind.model
    cutoff = utcnow() - timedelta(seconds=current_app.config["JOB_DEAD_AFTER"])
    try:
        found = db.session.execute(
            select(model.id, model.status, model.heartbeat_at, model.queue_job_id).where(
                *where, model.status.in_(ACTIVE), model.heartbeat_at < cutoff
            )
        ).all()
        dead = [r for r in found if r.status == JobStatus.RUNNING or not _on_queue(r.queue_job_id)]
        for row in dead:
            db.session.execute(
                update(model)
                .where(
                    model.id == row.id,
                    model.status == row.status,
                    model.heartbeat_at == row.heartbeat_at,
                )
                .values(
                    status=JobStatus.FAILED,
                    error=stopped(kind, row.status, row.heartbeat_at),
                    finished_at=utcnow(),
                )
                .execution_options(synchronize_session=False)
            )
        if dead:
            db.session.commit()
    except SQLAlchemyError:
        db.session.rollback()
        current_app.logger.warning("could not check %s jobs for a dead worker", kind.name)


def _on_queue(job_id: str) -> bool:
    """True while RQ will still carry out ``job_id`` (or Redis cannot say); False in a thread."""
    if not job_id:
        return False
    try:
        job = Job.fetch(job_id, connection=Redis.from_url(current_app.config["REDIS_URL"]))
        return job.get_status() in ON_QUEUE
    except NoSuchJobError:
        return False
    except RedisError:
        return True


class Beat:
    """Writes a running job's progress and heartbeat every ``interval`` seconds.

    The work calls :meth:`progress` (the core's progress callback) as often as it likes;
    it only keeps the latest values. A thread writes them with the heartbeat on its own
    connection, so a step that reports nothing for minutes still beats, and a progress
    write never waits for, or commits, the work's transaction.
    """

    def __init__(self, engine: Engine, model: type[Any], row_id: int, interval: float) -> None:
        self.engine, self.model, self.row_id, self.interval = engine, model, row_id, interval
        self.state: tuple[str, int, int] = ("", 0, 0)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"beat-{row_id}", daemon=True)
        self._thread.start()

    def progress(self, step: str, done: int, total: int) -> None:
        """Keep the work's latest progress for the next beat."""
        self.state = (step, done, total)

    def stop(self) -> None:
        """Stop beating (the job's final status is written next). A beat being written
        goes on: its update finds the job no longer running and changes nothing."""
        self._stop.set()

    def join(self) -> None:
        """Wait for the beating thread to end: call it once the work has committed or
        rolled back, since a beat may be waiting for a lock the work held (waiting before
        the commit took the whole ``interval``, on every job that wrote while a beat was
        due)."""
        self._thread.join(timeout=self.interval)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self._write()

    def _write(self) -> None:
        """Write the heartbeat and the progress now, unless the job has finished."""
        step, done, total = self.state
        table = self.model.__table__
        try:
            with self.engine.begin() as connection:
                connection.execute(
                    update(table)
                    .where(table.c.id == self.row_id, table.c.status == JobStatus.RUNNING)
                    .values(heartbeat_at=utcnow(), step=step[:40], done=done, total=total)
                )
        except SQLAlchemyError as exc:  # a busy or failing database: the next beat tries again
            log.warning(
                "job %s: heartbeat not written (%s)", self.row_id, getattr(exc, "orig", exc)
            )
