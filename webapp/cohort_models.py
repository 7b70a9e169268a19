"""The table of "Start the next cohort": the background job that makes a program's next
cohort, and what it did (see :mod:`webapp.cohorts`)."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from matcher import EMAIL_MAX_CHARS, PROGRAM_NAME_MAX_CHARS
from webapp.db import db
from webapp.models import JobState, Program


class Carry(StrEnum):
    """Who of the earlier cohort joins the next one."""

    #: Everyone, at once.
    ALL = "all"
    #: Those who answer "yes" to the e-mail "Stay for the next cohort?".
    OPT_IN = "opt_in"


class CohortStart(JobState, db.Model):
    """Starting the next cohort of ``program_id``, as a background job.

    The job makes the cohort ``name`` (``new_program_id`` once done) with the earlier
    cohort's settings, its never-pairs and every pair it ever published as never-pairs,
    and carries its people as ``carry`` says. ``result`` counts what it did:
    ``carried``, ``invited``, ``never_pairs``, ``priority``.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(
        ForeignKey("program.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(PROGRAM_NAME_MAX_CHARS))
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    carry: Mapped[str] = mapped_column(String(10))
    requested_by: Mapped[str] = mapped_column(String(EMAIL_MAX_CHARS))
    #: The site's address as the admin's request reached it: the e-mails' links start so.
    base_url: Mapped[str] = mapped_column(Text)
    new_program_id: Mapped[int | None] = mapped_column(
        ForeignKey("program.id", ondelete="SET NULL")
    )
    result: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    program: Mapped[Program] = relationship(foreign_keys=[program_id])
    new_program: Mapped[Program | None] = relationship(foreign_keys=[new_program_id])
