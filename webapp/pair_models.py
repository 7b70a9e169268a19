"""Tables of a pair's life after the review: published pairs, their answers, the program's
answer settings, "never pair these two", and the publish job.

A :class:`Pair` is a pair an admin approved (or locked) and published: the two people
were introduced. It is unique per program and triple (mentee, mentor, type), so a pair is
published (and e-mailed) once, however often or however many admins press "Publish".
Its ``status`` goes ``published`` -> ``accepted`` or ``declined``; the column is long
enough for the later states of issue 17 (``active``, ``ended``). Each side's answer is
kept with its time and an optional reason of at most :data:`REASON_MAX_CHARS`
characters (the form, the validator and the column share it), and ``settled_by`` says
who or what settled the pair: a person's e-mail, :data:`BY_DEADLINE`, or
:data:`BY_PROGRAM` when nobody has to accept.

A decline, or an admin's "never pair these two" rejection, writes a :class:`NeverPair`
row: the two are never proposed to each other again, for any type (runs give each of
them the other as a previous partner, see :func:`webapp.answers.with_never_pairs`).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from matcher import EMAIL_MAX_CHARS
from webapp.db import db
from webapp.models import JobState, Program, utcnow

#: Longest reason a participant may give with an answer (form, validator and column).
REASON_MAX_CHARS = 500
#: Longest contact a program names for questions (an e-mail address or a name).
CONTACT_MAX_CHARS = EMAIL_MAX_CHARS
#: Fewest and most days a program may give people to answer.
DAYS_MIN, DAYS_MAX = 1, 90
#: ``settled_by`` of a pair settled by its deadline passing in silence.
BY_DEADLINE = "deadline"
#: ``settled_by`` of a pair accepted on publishing, because nobody has to accept.
BY_PROGRAM = "program"


#: Statuses of the pairs a rematch keeps exactly where they are (``active``: issue 17).
KEPT_BY_REMATCH = ("published", "accepted", "active")


class PairStatus(StrEnum):
    """Where a published pair is in its life (issue 17 adds ``active`` and ``ended``)."""

    PUBLISHED = "published"
    ACCEPTED = "accepted"
    DECLINED = "declined"


class Answer(StrEnum):
    """A person's answer to a published pair."""

    ACCEPT = "accept"
    DECLINE = "decline"


class MustAccept(StrEnum):
    """Whose acceptance a published pair waits for."""

    NOBODY = "nobody"
    MENTEE = "mentee"
    MENTOR = "mentor"
    BOTH = "both"

    @property
    def sides(self) -> tuple[str, ...]:
        """The sides (``mentee``, ``mentor``) that must accept.

        >>> MustAccept.BOTH.sides, MustAccept.NOBODY.sides
        (('mentee', 'mentor'), ())
        """
        return {"nobody": (), "both": ("mentee", "mentor")}.get(self.value, (self.value,))


class Pair(db.Model):
    """A published pair: who, which type, from which run, and how the two answered."""

    __table_args__ = (
        Index(
            "ix_pair_triple",
            "program_id",
            "mentee_email",
            "mentor_email",
            "mentor_type",
            unique=True,
        ),
        Index("ix_pair_mentor", "program_id", "mentor_email"),
        Index("ix_pair_status", "program_id", "status", "deadline"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("program.id", ondelete="CASCADE"))
    #: The run the pair was published from (kept when the run is deleted, as None).
    run_id: Mapped[int | None] = mapped_column(ForeignKey("match_run.id", ondelete="SET NULL"))
    mentee_email: Mapped[str] = mapped_column(String(EMAIL_MAX_CHARS))
    mentor_email: Mapped[str] = mapped_column(String(EMAIL_MAX_CHARS))
    mentor_type: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(12), default=PairStatus.PUBLISHED)
    #: Why the two were matched, in their words (:func:`matcher.participant_reasons`),
    #: as said in the introduction e-mail.
    reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    published_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_by: Mapped[str] = mapped_column(String(EMAIL_MAX_CHARS))
    #: Until when the two may answer; silence after it counts as the program says.
    deadline: Mapped[datetime]
    mentee_answer: Mapped[str | None] = mapped_column(String(10))
    mentee_answered_at: Mapped[datetime | None]
    mentee_reason: Mapped[str] = mapped_column(String(REASON_MAX_CHARS), default="")
    mentor_answer: Mapped[str | None] = mapped_column(String(10))
    mentor_answered_at: Mapped[datetime | None]
    mentor_reason: Mapped[str] = mapped_column(String(REASON_MAX_CHARS), default="")
    settled_at: Mapped[datetime | None]
    #: Who settled it: a person's e-mail, ``deadline`` or ``program``.
    settled_by: Mapped[str] = mapped_column(String(EMAIL_MAX_CHARS), default="")
    #: Optimistic lock: two answers at once cannot both settle the pair.
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012

    @property
    def key(self) -> tuple[str, str, str]:
        """The pair's triple (mentee e-mail, mentor e-mail, type)."""
        return (self.mentee_email, self.mentor_email, self.mentor_type)

    def side_of(self, email: str) -> str:
        """``mentee`` or ``mentor``: which side of the pair ``email`` is.

        >>> Pair(mentee_email="a@x.org", mentor_email="b@x.org").side_of("b@x.org")
        'mentor'
        """
        return "mentee" if email == self.mentee_email else "mentor"

    def other_of(self, email: str) -> str:
        """The e-mail of the other person of the pair than ``email``.

        >>> Pair(mentee_email="a@x.org", mentor_email="b@x.org").other_of("b@x.org")
        'a@x.org'
        """
        return self.mentor_email if self.side_of(email) == "mentee" else self.mentee_email

    def answer_of(self, side: str) -> str | None:
        """The answer of ``side`` (``mentee`` or ``mentor``), None before one."""
        answer: str | None = getattr(self, f"{side}_answer")
        return answer


class NeverPair(db.Model):
    """Two people of a program never to be proposed to each other again, for any type.

    The two e-mails are stored in sorted order (``first_email`` < ``second_email``), so
    that the pair is one row whichever side declined.
    """

    __table_args__ = (
        Index("ix_never_pair_two", "program_id", "first_email", "second_email", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("program.id", ondelete="CASCADE"))
    first_email: Mapped[str] = mapped_column(String(EMAIL_MAX_CHARS))
    second_email: Mapped[str] = mapped_column(String(EMAIL_MAX_CHARS))
    #: Why, in words for admins ("declined by the mentor", "silent past the deadline").
    why: Mapped[str] = mapped_column(String(40))
    #: The reason the person gave, if any.
    note: Mapped[str] = mapped_column(String(REASON_MAX_CHARS), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str] = mapped_column(String(EMAIL_MAX_CHARS))
    #: The admin's "never pair these two" rejection (a ``pair_decision`` id) that wrote
    #: this row; undoing that rejection deletes it. None for a decline's row.
    rejection_id: Mapped[int | None] = mapped_column(Integer)


class AnswerPolicy(db.Model):
    """A program's answer settings; a program without a row has the defaults."""

    program_id: Mapped[int] = mapped_column(
        ForeignKey("program.id", ondelete="CASCADE"), primary_key=True
    )
    must_accept: Mapped[str] = mapped_column(String(10), default=MustAccept.BOTH)
    days: Mapped[int] = mapped_column(Integer, default=7)
    #: What silence past the deadline counts as: ``accepted`` or ``declined``.
    silence: Mapped[str] = mapped_column(String(10), default=PairStatus.ACCEPTED)
    #: Whom participants ask to change their answers once matching started.
    contact: Mapped[str] = mapped_column(String(CONTACT_MAX_CHARS), default="")


class PublishJob(JobState, db.Model):
    """Publishing pairs of a run, as a background job: what to publish and what it did.

    ``scope`` is ``all`` (every ready pair), ``type`` (the ready pairs of
    ``mentor_type``) or ``selected`` (the ready pairs among ``pair_ids``, ids of
    :class:`~webapp.run_models.ProposedMatch`).
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(
        ForeignKey("program.id", ondelete="CASCADE"), index=True
    )
    run_id: Mapped[int] = mapped_column(ForeignKey("match_run.id", ondelete="CASCADE"))
    scope: Mapped[str] = mapped_column(String(10))
    mentor_type: Mapped[str] = mapped_column(String(20), default="")
    pair_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    requested_by: Mapped[str] = mapped_column(String(EMAIL_MAX_CHARS))
    #: The site's address as the admin's request reached it: the e-mails' links start so.
    base_url: Mapped[str] = mapped_column(Text)
    #: What the job did: ``published`` (new pairs), ``skipped`` (published before).
    result: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    program: Mapped[Program] = relationship()
