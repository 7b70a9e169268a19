"""Tables of match runs: a run, the pairs it proposed, its open requests, and decisions.

A :class:`MatchRun` keeps everything needed to reproduce it (config snapshot, a hash of
its input, who started it and when) and its summary figures. Its pairs are
:class:`ProposedMatch` rows, each with its per-criterion breakdown as JSON so a page of the
review table needs one query. Decisions are :class:`PairDecision` rows kept per program
and triple (mentee, mentor, type), so they outlive the run they were taken on: the next
run keeps approved and locked pairs and never proposes a rejected one again.

Two background jobs work on a run's pairs: an :class:`ExportJob` makes a download file
and keeps its bytes until it expires, a :class:`BulkDecision` applies one confirmed
decision to many pairs.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    func,
    select,
    text,
)
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.db import db
from webapp.models import ACTIVE, JobState, JobStatus, Program, utcnow

#: A run is a background job; its statuses are those of every job.
RunStatus = JobStatus


class Action(StrEnum):
    """An admin's decision on a pair; a pair without one is *proposed*."""

    APPROVE = "approve"
    REJECT = "reject"
    LOCK = "lock"


#: The status a decision gives a pair, and the status of a pair without a decision.
STATUS_OF = {Action.APPROVE: "approved", Action.REJECT: "rejected", Action.LOCK: "locked"}
PROPOSED = "proposed"
STATUSES = (PROPOSED, *STATUS_OF.values())


def highest_number(connection: Connection, program_id: int) -> int:
    """The highest run number of the program (0 before its first run)."""
    query = select(func.max(MatchRun.number)).where(MatchRun.program_id == program_id)
    return connection.execute(query).scalar() or 0


def next_number(context: Any) -> int:
    """Default of ``MatchRun.number``: one more than the program's highest run number,
    read inside the INSERT's own transaction (the unique index refuses a duplicate)."""
    return highest_number(context.connection, context.get_current_parameters()["program_id"]) + 1


#: The database keeps at most one queued or working run per program: a second one
#: breaks this unique index, however many admins press "Run matching" at once.
ACTIVE_RUN_WHERE = text(f"status IN ({', '.join(repr(status) for status in ACTIVE)})")


class RunKind(StrEnum):
    """What a run fills: every request (``full``), or only open ones (``rematch``)."""

    FULL = "full"
    REMATCH = "rematch"


class MatchRun(JobState, db.Model):
    """One matching run of a program, with what it needs to be reproduced.

    Its status, progress, heartbeat and error are the columns of
    :class:`~webapp.models.JobState`: a run is carried out as a background job.
    ``number`` counts the program's runs (1, 2, ...): pages call a run by it, URLs by id.
    A ``rematch`` run (:mod:`webapp.rematch`) fills only open requests and keeps every
    published, accepted and active pair; with ``fill`` it fills only those requests
    (``[mentee e-mail, type]``) and keeps every other pair of the latest run too.
    """

    __table_args__ = (
        Index("ix_match_run_program_number", "program_id", "number", unique=True),
        Index(
            "ix_match_run_one_active",
            "program_id",
            unique=True,
            sqlite_where=ACTIVE_RUN_WHERE,
            postgresql_where=ACTIVE_RUN_WHERE,
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(
        ForeignKey("program.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int] = mapped_column(Integer, default=next_number)
    config: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    input_hash: Mapped[str] = mapped_column(String(64), default="")
    created_by: Mapped[str] = mapped_column(String(320))
    previous_id: Mapped[int | None] = mapped_column(ForeignKey("match_run.id", ondelete="SET NULL"))
    #: Figures of the dashboard (see :mod:`webapp.figures`), set when the run is done.
    summary: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: Pairs of the previous run this run no longer proposes, for the change list.
    removed: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    #: Approved or locked pairs the run left out because they cannot hold with the data
    #: of its start (see :func:`matcher.stale_locks`): the pair, its status, the reasons,
    #: and what an admin did about it since (``outcome``: ``undone`` or ``kept``, ``by``).
    left_out: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list, server_default="[]")
    kind: Mapped[str] = mapped_column(String(10), default=RunKind.FULL, server_default="full")
    #: The requests a one-person rematch fills, as ``[mentee e-mail, type]``; empty otherwise.
    fill: Mapped[list[list[str]]] = mapped_column(JSON, default=list, server_default="[]")

    program: Mapped[Program] = relationship()
    previous: Mapped[MatchRun | None] = relationship(remote_side=[id])

    @property
    def gone(self) -> dict[str, list[dict[str, Any]]]:
        """The pairs of :attr:`removed` by what became of their request: ``removed`` (open
        now) and ``replaced`` (another mentor now); the one source of the run page's
        counts and lists of them.

        >>> MatchRun(removed=[{"kind": "replaced"}, {"kind": "removed"}]).gone["replaced"]
        [{'kind': 'replaced'}]
        """
        found: dict[str, list[dict[str, Any]]] = {"removed": [], "replaced": []}
        for pair in self.removed or []:
            found[pair["kind"]].append(pair)
        return found


#: Indexes of the review table (name after ``ix_proposed_match_run_``, columns after
#: ``run_id``): each sort order and grouping, with the score and id it orders by next, and
#: the departments of the department filter. See ``benchmarks/review_page.py``.
REVIEW_INDEXES = {
    "mentee_name": ("mentee_name", "mentee_email", "score", "id"),
    "mentor_name": ("mentor_name", "mentor_email", "score", "id"),
    "type_score": ("mentor_type", "score", "id"),
    "mentee_department": ("mentee_department",),
    "mentor_department": ("mentor_department",),
}


class ProposedMatch(db.Model):
    """A pair a run proposed (or an admin made by hand), with its score and reasons.

    ``breakdown`` is a list of ``[criterion, value, weight, points, most]``: the points the
    criterion earned and the most it could earn. ``change`` says how the pair differs from
    the previous run: ``added`` (new request filled), ``changed`` (another mentor than
    before), or empty (the same pair).
    """

    __table_args__ = (
        Index("ix_proposed_match_run_score", "run_id", "score"),
        Index("ix_proposed_match_run_mentee", "run_id", "mentee_email", "mentor_type"),
        Index("ix_proposed_match_run_mentor", "run_id", "mentor_email"),
        # the review table sorts, groups and filters on these without reading the pairs
        *(
            Index(f"ix_proposed_match_run_{name}", "run_id", *columns)
            for name, columns in REVIEW_INDEXES.items()
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("match_run.id", ondelete="CASCADE"))
    mentee_email: Mapped[str] = mapped_column(String(320))
    mentee_name: Mapped[str] = mapped_column(String(200))
    mentee_department: Mapped[str] = mapped_column(String(200), default="")
    mentor_email: Mapped[str] = mapped_column(String(320))
    mentor_name: Mapped[str] = mapped_column(String(200))
    mentor_department: Mapped[str] = mapped_column(String(200), default="")
    mentor_type: Mapped[str] = mapped_column(String(20))
    score: Mapped[float] = mapped_column(Float)
    reasons: Mapped[str] = mapped_column(Text, default="")
    breakdown: Mapped[list[list[Any]]] = mapped_column(JSON, default=list)
    manual: Mapped[bool] = mapped_column(Boolean, default=False)
    change: Mapped[str] = mapped_column(String(10), default="")

    @property
    def key(self) -> tuple[str, str, str]:
        """The pair's triple (mentee e-mail, mentor e-mail, type)."""
        return (self.mentee_email, self.mentor_email, self.mentor_type)

    @property
    def label(self) -> str:
        """The pair in words: "Ana Lee – Bo Chen (sponsorship)"."""
        return f"{self.mentee_name} – {self.mentor_name} ({self.mentor_type})"


class UnmatchedRequest(db.Model):
    """A request (mentee, type) a run left open, with the reason in words and the mentee's
    department at the time of the run."""

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("match_run.id", ondelete="CASCADE"), index=True)
    mentee_email: Mapped[str] = mapped_column(String(320))
    mentee_name: Mapped[str] = mapped_column(String(200))
    mentee_department: Mapped[str] = mapped_column(String(200), default="", server_default="")
    mentor_type: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(Text, default="")


class PairDecision(db.Model):
    """An admin's decision on a triple of a program; it holds for every later run."""

    __table_args__ = (
        Index(
            "ix_pair_decision_triple",
            "program_id",
            "mentee_email",
            "mentor_email",
            "mentor_type",
            unique=True,
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("program.id", ondelete="CASCADE"))
    mentee_email: Mapped[str] = mapped_column(String(320))
    mentor_email: Mapped[str] = mapped_column(String(320))
    mentor_type: Mapped[str] = mapped_column(String(20))
    action: Mapped[str] = mapped_column(String(10))
    #: A rejection of every type ("never pair these two"): it wrote a never-pair, unless
    #: the two had one already (see :mod:`webapp.decisions`).
    never: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    note: Mapped[str] = mapped_column(Text, default="")
    decided_by: Mapped[str] = mapped_column(String(320))
    decided_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    #: Optimistic lock: an UPDATE of a row someone changed meanwhile raises StaleDataError.
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class ExportKind(StrEnum):
    """The download files of a run that a background job makes."""

    MATCHES = "matches"
    INTRODUCTIONS = "introductions"


class ExportJob(JobState, db.Model):
    """A download file of a run, made by a background job, and kept until it expires.

    ``content`` holds the file's bytes once the job is done (loaded only when asked for:
    the job's page never reads it); ``filename`` and ``mimetype`` are those of the
    download, ``count`` how many pairs it holds. A newer export of the same run and kind
    replaces it, and it is deleted ``EXPORT_KEEP_HOURS`` after it was made, or when a
    participant of the program is erased (see :mod:`webapp.export_jobs`).
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(
        ForeignKey("program.id", ondelete="CASCADE"), index=True
    )
    run_id: Mapped[int] = mapped_column(ForeignKey("match_run.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    requested_by: Mapped[str] = mapped_column(String(320))
    filename: Mapped[str] = mapped_column(String(100), default="")
    mimetype: Mapped[str] = mapped_column(String(40), default="")
    count: Mapped[int] = mapped_column(Integer, default=0)
    content: Mapped[bytes] = mapped_column(LargeBinary, default=b"", deferred=True)


class BulkDecision(JobState, db.Model):
    """A confirmed bulk decision, applied to many pairs by a background job.

    ``pairs`` are the pairs the confirmation page showed, as ``[id, version]`` (the
    version of the decision each had, 0 for none); ``action`` is the form's (``undo``
    undoes).
    ``back`` is the review page the admin came from; ``changed`` how many pairs the job
    changed once done.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(
        ForeignKey("program.id", ondelete="CASCADE"), index=True
    )
    run_id: Mapped[int] = mapped_column(ForeignKey("match_run.id", ondelete="CASCADE"))
    action: Mapped[str] = mapped_column(String(10), default="")
    never: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str] = mapped_column(Text, default="")
    pairs: Mapped[list[list[int]]] = mapped_column(JSON, default=list)
    requested_by: Mapped[str] = mapped_column(String(320))
    back: Mapped[str] = mapped_column(Text, default="")
    changed: Mapped[int] = mapped_column(Integer, default=0)
