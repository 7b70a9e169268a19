"""Columns every background job's row carries: status, progress, heartbeat, error, times.

A job works on a row of its own table (a match run, an uploaded file); that table mixes in
:class:`JobState`, so :mod:`webapp.jobs` queues, follows and fails every kind of job the
same way.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from webapp.models import utcnow


class JobStatus(StrEnum):
    """Where a job is in its life."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


#: A job in one of these statuses has not finished: it waits for a worker or is worked on.
ACTIVE = (JobStatus.QUEUED.value, JobStatus.RUNNING.value)


class JobState:
    """Mixin of a job's columns; the table's rows are what the jobs work on."""

    status: Mapped[str] = mapped_column(String(10), default=JobStatus.QUEUED)
    #: What the work is doing now, and how far it is (``done`` of ``total``).
    step: Mapped[str] = mapped_column(String(40), default="")
    done: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int] = mapped_column(Integer, default=0)
    #: Why the job failed, in words an admin can act on.
    error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    #: When the job was queued, then renewed every few seconds while a worker works on it.
    heartbeat_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: The job's id on the RQ queue; empty when a thread of the web process runs it.
    queue_job_id: Mapped[str] = mapped_column(String(64), default="")

    @property
    def finished(self) -> bool:
        """True once the job is done or failed."""
        return self.status in {JobStatus.DONE, JobStatus.FAILED}
