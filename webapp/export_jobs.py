"""Where a run's export files rest, and for how long.

An export (the approved pairs as CSV, the introduction notes as a zip) is made by a
background job (:mod:`webapp.matching.exports`) and its bytes are kept on its
:class:`~webapp.run_models.ExportJob` row, in the database, so that the web process and
the RQ worker both reach them. They rest there at most ``EXPORT_KEEP_HOURS`` hours
(24): rows older are deleted at the next look at any export (:func:`sweep`), and never
served after. Asking for the same export of the same run again deletes
the earlier file (:func:`replace`), and erasing a participant deletes every stored export
and bulk decision of the program (:func:`forget`).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, select

from webapp.db import db
from webapp.models import ACTIVE, utcnow
from webapp.run_models import BulkDecision, ExportJob, MatchRun


def keep_hours() -> int:
    """How many hours a finished export is kept (``EXPORT_KEEP_HOURS``)."""
    return int(current_app.config["EXPORT_KEEP_HOURS"])


def keep_for() -> timedelta:
    """How long a finished export is kept."""
    return timedelta(hours=keep_hours())


def expires_at(job: ExportJob) -> datetime | None:
    """When the finished ``job``'s file is deleted; None while it is being made.

    >>> from flask import Flask
    >>> with Flask("x").app_context() as context:
    ...     context.app.config["EXPORT_KEEP_HOURS"] = 24
    ...     expires_at(ExportJob(finished_at=datetime(2026, 1, 2, 14, 3)))
    datetime.datetime(2026, 1, 3, 14, 3)
    """
    return None if job.finished_at is None else job.finished_at + keep_for()


def sweep() -> int:
    """Delete every export whose file is older than it may be kept (the caller commits);
    how many."""
    stale = utcnow() - keep_for()
    gone = db.session.execute(
        delete(ExportJob)
        .where(ExportJob.finished_at.is_not(None), ExportJob.finished_at < stale)
        .execution_options(synchronize_session=False)
    )
    return gone.rowcount


def working(run: MatchRun, kind: str) -> ExportJob | None:
    """The export of ``kind`` of ``run`` being made now, if any."""
    return db.session.scalars(
        select(ExportJob).where(
            ExportJob.run_id == run.id, ExportJob.kind == kind, ExportJob.status.in_(ACTIVE)
        )
    ).first()


def replace(run: MatchRun, kind: str) -> None:
    """Delete the earlier finished exports of ``kind`` of ``run`` (the caller commits)."""
    db.session.execute(
        delete(ExportJob)
        .where(ExportJob.run_id == run.id, ExportJob.kind == kind, ExportJob.status.not_in(ACTIVE))
        .execution_options(synchronize_session=False)
    )


def forget(program_id: int) -> int:
    """Delete every stored export and bulk decision of the program, made or being made
    (the caller commits): they may name an erased participant; how many exports.

    A job still working when its row goes ends without writing anything
    (:func:`webapp.jobs.perform` commits only while its row is running).
    """
    bulk = delete(BulkDecision).where(BulkDecision.program_id == program_id)
    db.session.execute(bulk.execution_options(synchronize_session=False))
    exports = delete(ExportJob).where(ExportJob.program_id == program_id)
    return db.session.execute(exports.execution_options(synchronize_session=False)).rowcount
