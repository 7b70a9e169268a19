"""Tables of a pair's life after the review: published pairs, their answers, the program's
answer settings, "never pair these two", and the publish job.

A :class:`Pair` is a pair an admin approved (or locked) and published: the two people
were introduced. It is unique per program and triple (mentee, mentor, type), so a pair is
published (and e-mailed) once, however often or however many admins press "Publish".
Its ``status`` goes ``published`` -> ``accepted`` or ``declined``, then ``accepted`` ->
``active`` (the first-meeting check went well) and ``ended`` (with an :class:`EndReason`);
each move is a :class:`PairStep` row with its date, who made it and, for an end, why
(see :mod:`webapp.pair_life`). Each side's answer is
kept with its time and an optional reason of at most :data:`REASON_MAX_CHARS`
characters (the form, the validator and the column share it), and ``settled_by`` says
who or what settled the pair: a person's e-mail, :data:`BY_DEADLINE`, or
:data:`BY_PROGRAM` when nobody has to accept.

A :class:`Checkin` is one first-meeting check-in question to one side of an accepted pair
(round 1, and round 2 after "not sure yet"); it is unique per pair, side and round, so a
check-in is never sent twice (see :mod:`webapp.checkins`).

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
#: Fewest and most days after acceptance a program may set for the first-meeting check.
CHECKIN_DAYS_MIN, CHECKIN_DAYS_MAX = 1, 90
#: Days after acceptance of the first-meeting check when a program has not set them.
CHECKIN_DAYS_DEFAULT = 21


#: Statuses of the pairs a rematch keeps exactly where they are (``active``: issue 17).
KEPT_BY_REMATCH = ("published", "accepted", "active")


class PairStatus(StrEnum):
    """Where a published pair is in its life."""

    PUBLISHED = "published"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    ACTIVE = "active"
    ENDED = "ended"


class EndReason(StrEnum):
    """Why a pair ended; ``other`` needs a text."""

    COMPLETED = "completed"
    NO_CHEMISTRY = "no_chemistry"
    LEFT = "left"
    OTHER = "other"

    @property
    def label(self) -> str:
        """The reason in words (for admins and participants alike).

        >>> EndReason.NO_CHEMISTRY.label
        'no chemistry'
        """
        return {
            "completed": "completed",
            "no_chemistry": "no chemistry",
            "left": "left the organization",
            "other": "other",
        }[self.value]


class Fit(StrEnum):
    """An answer to the first-meeting check: "How did your first conversations go?"."""

    GREAT = "great"
    NOT_SURE = "not_sure"
    NOT_A_FIT = "not_a_fit"

    @property
    def label(self) -> str:
        """The answer as the question offers it.

        >>> Fit.NOT_SURE.label
        'not sure yet'
        """
        return {"great": "great", "not_sure": "not sure yet", "not_a_fit": "not a fit"}[self.value]


class FitSide(StrEnum):
    """Whose "not a fit" ends a pair."""

    MENTEE = "mentee"
    MENTOR = "mentor"
    EITHER = "either"

    def includes(self, side: str) -> bool:
        """True when ``side`` (``mentee`` or ``mentor``) may end a pair by "not a fit".

        >>> FitSide.MENTOR.includes("mentee"), FitSide.EITHER.includes("mentee")
        (False, True)
        """
        return self is FitSide.EITHER or self.value == side


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
    #: Why an ended pair ended (an :class:`EndReason` value), else empty.
    end_reason: Mapped[str] = mapped_column(String(20), default="", server_default="")
    #: Optimistic lock: two answers at once cannot both settle the pair.
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012

    @property
    def key(self) -> tuple[str, str, str]:
        """The pair's triple (mentee e-mail, mentor e-mail, type)."""
        return (self.mentee_email, self.mentor_email, self.mentor_type)

    @property
    def end_label(self) -> str:
        """Why the pair ended, in words; empty unless it ended.

        >>> Pair(end_reason="left").end_label
        'left the organization'
        """
        return EndReason(self.end_reason).label if self.end_reason else ""

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


class PairStep(db.Model):
    """One move of a published pair: to which status, when, by whom (a person's e-mail,
    an admin's, ``deadline`` or ``program``) and, for an end, the reason and a note."""

    id: Mapped[int] = mapped_column(primary_key=True)
    pair_id: Mapped[int] = mapped_column(ForeignKey("pair.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(12))
    moved_at: Mapped[datetime] = mapped_column(default=utcnow)
    moved_by: Mapped[str] = mapped_column(String(EMAIL_MAX_CHARS))
    reason: Mapped[str] = mapped_column(String(20), default="")
    #: The admin's text of an "other" end, or the person's comment (admins only).
    note: Mapped[str] = mapped_column(String(REASON_MAX_CHARS), default="")


class Checkin(db.Model):
    """One first-meeting check-in of one side of a pair: when it was sent and reminded,
    and the answer (a :class:`Fit` value) with an optional comment."""

    __table_args__ = (Index("ix_checkin_once", "pair_id", "side", "round", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(
        ForeignKey("program.id", ondelete="CASCADE"), index=True
    )
    pair_id: Mapped[int] = mapped_column(ForeignKey("pair.id", ondelete="CASCADE"))
    #: ``mentee`` or ``mentor``.
    side: Mapped[str] = mapped_column(String(6))
    #: 1, or 2 when the first answer was "not sure yet".
    round: Mapped[int] = mapped_column(Integer, default=1)
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)
    reminded_at: Mapped[datetime | None]
    answer: Mapped[str | None] = mapped_column(String(10))
    answered_at: Mapped[datetime | None]
    comment: Mapped[str] = mapped_column(String(REASON_MAX_CHARS), default="")

    pair: Mapped[Pair] = relationship()

    @property
    def answer_label(self) -> str:
        """The answer in words, empty before one.

        >>> Checkin(answer="not_sure").answer_label
        'not sure yet'
        """
        return Fit(self.answer).label if self.answer else ""


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
    #: Days after acceptance when both people get the first-meeting check.
    checkin_days: Mapped[int] = mapped_column(
        Integer, default=CHECKIN_DAYS_DEFAULT, server_default=str(CHECKIN_DAYS_DEFAULT)
    )
    #: Whose "not a fit" ends the pair: a :class:`FitSide` value.
    checkin_ends: Mapped[str] = mapped_column(
        String(10), default=FitSide.EITHER, server_default=FitSide.EITHER.value
    )


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
