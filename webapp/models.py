"""Tables of the web app (SQLAlchemy 2 typed models).

A :class:`Program` owns its participants, invite links, uploads and audit trail; the
next tables (match runs, decisions) hang off ``program.id`` and ``participant.id`` the
same way. A table whose rows background jobs work on (match runs, uploads) mixes in
:class:`JobState`. Participant cells are stored as the canonical CSV text the ``matcher`` core
reads back (lists joined by ``;``), with ``level`` and ``capacity`` as integers so the
table can be filtered. Every text column is as long as ``matcher``'s limit for its field
(:data:`matcher.COLUMN_LIMITS`), so what the validator accepts always fits; lists and
notes are of unlimited text.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

from flask_login import UserMixin
from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from matcher import (
    BIO_MAX_CHARS,
    COLUMN_LIMITS,
    EMAIL_MAX_CHARS,
    FILE_NAME_MAX_CHARS,
    PROGRAM_NAME_MAX_CHARS,
)
from webapp.db import db


def _text(column: str) -> String:
    """The string type of a canonical participant column, as long as its limit."""
    return String(COLUMN_LIMITS[column])


def utcnow() -> datetime:
    """Return the current time in UTC without tzinfo (portable across backends)."""
    return datetime.now(UTC).replace(tzinfo=None)


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


#: The ``password_hash`` of an admin without a usable password (made by single sign-on):
#: no password matches it; ``flask create-admin`` can still give them one.
NO_PASSWORD = "!no-password"
#: Longest issuer URL, subject and role name single sign-on stores on an admin.
SSO_ISSUER_MAX_CHARS = 255
SSO_SUBJECT_MAX_CHARS = 255
SSO_ROLE_MAX_CHARS = 64
#: Longest sealed two-factor secret (a Fernet token of a 32-character base32 secret is 140).
TOTP_SEALED_MAX_CHARS = 200


class AdminUser(UserMixin, db.Model):
    """A person who runs programs; logs in with an e-mail and a hashed password, or
    through the company's identity provider (see :mod:`webapp.sso`).

    ``sso_issuer`` and ``sso_subject`` name the provider's account linked at the first
    single sign-on; ``sso_role`` is the role name the provider's role claim mapped to at
    the latest sign-on (``MENTORLOOM_OIDC_ROLES``), a plain value for roles to read.

    Two-factor authentication (see :mod:`webapp.two_factor`): ``totp_secret`` is the
    authenticator app's secret, sealed (:mod:`webapp.secret_box`); it is set when enrolment
    starts, and the second factor is on once ``totp_enrolled_at`` is set too.
    ``totp_last_step`` is the time step of the last code accepted: a code is accepted once.
    """

    __table_args__ = (UniqueConstraint("sso_issuer", "sso_subject", name="uq_admin_user_sso"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(EMAIL_MAX_CHARS), unique=True)
    password_hash: Mapped[str] = mapped_column(String(256))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sso_issuer: Mapped[str | None] = mapped_column(String(SSO_ISSUER_MAX_CHARS))
    sso_subject: Mapped[str | None] = mapped_column(String(SSO_SUBJECT_MAX_CHARS))
    sso_role: Mapped[str | None] = mapped_column(String(SSO_ROLE_MAX_CHARS))
    #: An owner may do everything in every program and manage the admins; anyone else
    #: has a role per program (see :mod:`webapp.roles`).
    is_owner: Mapped[bool] = mapped_column(Boolean, default=False)
    totp_secret: Mapped[str | None] = mapped_column(String(TOTP_SEALED_MAX_CHARS))
    totp_enrolled_at: Mapped[datetime | None]
    totp_last_step: Mapped[int | None] = mapped_column(Integer)

    def set_password(self, password: str) -> None:
        """Store a salted hash of ``password``."""
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        """True when ``password`` matches the stored hash."""
        return check_password_hash(self.password_hash, password)


#: Longest reason a participant has priority in matching ("unmatched last cohort").
PRIORITY_REASON_MAX_CHARS = 60


class Program(db.Model):
    """A mentoring cohort with its matching config (as ``config_to_mapping`` JSON).

    Cohorts of one program form a *series*: the first cohort has no ``series_id`` and
    ``cohort_number`` 1; each next cohort (see :mod:`webapp.cohorts`) names the first in
    ``series_id`` and counts on. Each cohort is a program of its own, with its own
    participants, runs and pairs.
    """

    #: A series has one cohort of each number: two starts at once cannot both make it.
    __table_args__ = (Index("ix_program_series_number", "series_id", "cohort_number", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(PROGRAM_NAME_MAX_CHARS), unique=True)
    config: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: The first cohort of the series; None when this program is the first (or alone).
    series_id: Mapped[int | None] = mapped_column(ForeignKey("program.id", ondelete="SET NULL"))
    cohort_number: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    starts_on: Mapped[date | None]
    ends_on: Mapped[date | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    participants: Mapped[list[Participant]] = relationship(
        back_populates="program", cascade="all, delete-orphan", passive_deletes=True
    )

    @property
    def series_key(self) -> int:
        """The id every cohort of the series shares: the first cohort's.

        >>> Program(id=7).series_key, Program(id=9, series_id=7).series_key
        (7, 7)
        """
        return self.series_id or self.id


#: The longest list of fields a mentor shows (``department;strengths;expertise``).
SHOWS_MAX_CHARS = 40


class PickSettings(db.Model):
    """Whether a program's mentees may pick mentors on their page, and how many; a program
    without a row has picking off."""

    program_id: Mapped[int] = mapped_column(
        ForeignKey("program.id", ondelete="CASCADE"), primary_key=True
    )
    on: Mapped[bool] = mapped_column(Boolean, default=False)
    #: How many mentors a mentee may pick (1 to ``matcher.MAX_PICKS``).
    how_many: Mapped[int] = mapped_column(Integer, default=3)


class Participant(db.Model):
    """One person in a program; ``email`` (lower-case) is unique within the program."""

    __table_args__ = (UniqueConstraint("program_id", "email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("program.id", ondelete="CASCADE"))
    email: Mapped[str] = mapped_column(_text("email"))
    name: Mapped[str] = mapped_column(_text("name"))
    role: Mapped[str] = mapped_column(_text("role"), index=True)
    seeks: Mapped[str] = mapped_column(_text("seeks"), default="")
    offers: Mapped[str] = mapped_column(_text("offers"), default="")
    external_id: Mapped[str] = mapped_column(_text("id"), default="")
    organization: Mapped[str] = mapped_column(_text("organization"), default="")
    department: Mapped[str] = mapped_column(_text("department"), default="", index=True)
    manager_email: Mapped[str] = mapped_column(_text("manager_email"), default="")
    level: Mapped[int | None] = mapped_column(Integer, index=True)
    function: Mapped[str] = mapped_column(_text("function"), default="")
    target_department: Mapped[str] = mapped_column(_text("target_department"), default="")
    generation: Mapped[str] = mapped_column(_text("generation"), default="")
    goals: Mapped[str] = mapped_column(Text, default="")
    strengths: Mapped[str] = mapped_column(Text, default="")
    expertise_wanted: Mapped[str] = mapped_column(Text, default="")
    expertise: Mapped[str] = mapped_column(Text, default="")
    capacity: Mapped[int] = mapped_column(Integer, default=1)
    languages: Mapped[str] = mapped_column(Text, default="")
    timezone: Mapped[str] = mapped_column(_text("timezone"), default="")
    location: Mapped[str] = mapped_column(_text("location"), default="")
    meeting_mode: Mapped[str] = mapped_column(_text("meeting_mode"), default="either")
    exclude: Mapped[str] = mapped_column(Text, default="")
    previous_partners: Mapped[str] = mapped_column(Text, default="")
    #: The person's own words: they see and edit them through their link.
    notes: Mapped[str] = mapped_column(Text, default="")
    #: A mentee's picked mentors (e-mails, best first) and the mentees a mentor would
    #: rather not take (e-mails), as canonical ";" lists (``matcher.PICK_COLUMNS``).
    preferred_mentors: Mapped[str] = mapped_column(Text, default="", server_default="")
    avoid: Mapped[str] = mapped_column(Text, default="", server_default="")
    #: A mentor's choice to be suggested to mentees who pick (:mod:`webapp.picks`), what
    #: those mentees see of them besides the name (";" list of :data:`webapp.picks.SHOWABLE`)
    #: and their short bio. Web only: the core never reads them.
    shown_to_pickers: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    shows: Mapped[str] = mapped_column(String(SHOWS_MAX_CHARS), default="", server_default="")
    bio: Mapped[str] = mapped_column(String(BIO_MAX_CHARS), default="", server_default="")
    #: Answers to the program's questions: question key -> the answer's canonical cell
    #: (choices joined by ";", a scale point as digits); empty answers are left out.
    answers: Mapped[dict[str, str]] = mapped_column(JSON, default=dict, server_default="{}")
    #: Only admins see these; never on a page or in a text for the participant.
    admin_notes: Mapped[str] = mapped_column(Text, default="", server_default="")
    #: Left unmatched last cohort: the program's priority bonus favours their requests.
    #: Only admins see it; the participant is never told.
    priority: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    #: Created through a program link (anyone could have typed the e-mail) and not yet
    #: merged by an admin: the link that created it opens it only while this is true.
    self_registered: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    #: Why matching gives the person priority (only admins see it), e.g. "unmatched last
    #: cohort" (see :func:`webapp.cohorts.unmatched_last_cohort`); empty: no priority.
    priority_reason: Mapped[str] = mapped_column(
        String(PRIORITY_REASON_MAX_CHARS), default="", server_default=""
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    #: Optimistic lock: an UPDATE of a row someone changed meanwhile raises StaleDataError.
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    program: Mapped[Program] = relationship(back_populates="participants")
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class LinkKind(StrEnum):
    """Who an invite link is for."""

    #: Anyone who has it may enter their e-mail and get a ``SELF`` link.
    PROGRAM = "program"
    #: Made by an admin for one e-mail: opens that person's record, imported or not.
    PERSON = "person"
    #: Made through a program link: opens only the record its own form created.
    SELF = "self"


class InviteToken(db.Model):
    """A link to the intake form (see :class:`LinkKind`).

    A personal link opens exactly one record: ``participant_id`` once known, ``email``
    before. A token is usable until ``expires_at`` unless ``revoked_at`` is set.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(10))
    program_id: Mapped[int] = mapped_column(ForeignKey("program.id", ondelete="CASCADE"))
    participant_id: Mapped[int | None] = mapped_column(
        ForeignKey("participant.id", ondelete="CASCADE"), index=True
    )
    email: Mapped[str] = mapped_column(String(EMAIL_MAX_CHARS), default="")
    #: The answers a program link's form saved while its e-mail was already in the
    #: program, kept apart until an admin merges or drops them (never on a participant).
    pending_row: Mapped[dict[str, str] | None] = mapped_column(JSON(none_as_null=True))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]
    #: When the person first opened the link (their invitation status says "opened").
    opened_at: Mapped[datetime | None]

    program: Mapped[Program] = relationship()
    participant: Mapped[Participant | None] = relationship()

    @property
    def is_personal(self) -> bool:
        """True for a link that belongs to one person."""
        return self.kind != LinkKind.PROGRAM

    def is_usable(self, now: datetime) -> bool:
        """True when the link is neither revoked nor expired at ``now``."""
        return self.revoked_at is None and now < self.expires_at


class ImportUpload(JobState, db.Model):
    """An uploaded CSV kept until it is imported, and the background job working on it.

    ``task`` says which job the job columns are about: ``preview`` (read and check the
    file, then keep what was found in ``preview``) or ``import``.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("program.id", ondelete="CASCADE"))
    filename: Mapped[str] = mapped_column(String(FILE_NAME_MAX_CHARS))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    imported_at: Mapped[datetime | None]
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    task: Mapped[str] = mapped_column(String(10), default="preview")
    #: What the preview found (see :meth:`webapp.people.imports.Preview.summary`).
    preview: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    #: The admin who started the job (its audit event names them).
    requested_by: Mapped[str] = mapped_column(String(320), default="")

    program: Mapped[Program] = relationship()


class AuditEvent(db.Model):
    """Who did what, when: one row per change an admin or an invitee made.

    ``ix_audit_event_program_time`` serves a program's History and its CSV (newest first,
    page after page) without sorting the program's whole log.
    """

    __table_args__ = (Index("ix_audit_event_program_time", "program_id", "created_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int | None] = mapped_column(
        ForeignKey("program.id", ondelete="CASCADE"), index=True
    )
    admin_id: Mapped[int | None] = mapped_column(ForeignKey("admin_user.id", ondelete="SET NULL"))
    actor: Mapped[str] = mapped_column(String(EMAIL_MAX_CHARS))
    action: Mapped[str] = mapped_column(String(64))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    #: When personal data of an erased person was removed from ``actor`` and ``detail``.
    redacted_at: Mapped[datetime | None]


class LoginFailure(db.Model):
    """Wrong passwords counted under one throttling key (see :mod:`webapp.throttle`).

    ``key`` is a keyed hash of an address, an account, or both, never the text itself.
    """

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failed_at: Mapped[datetime] = mapped_column(index=True)
