"""WTForms of published pairs: publishing, a participant's answer and first-meeting
check-in, an admin ending a pair, the answer and check-in settings.

Each text field's limit is its column's (:mod:`webapp.pair_models`).
"""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import IntegerField, RadioField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from matcher import EMAIL_MAX_CHARS, MentorType
from webapp.pair_models import (
    CHECKIN_DAYS_MAX,
    CHECKIN_DAYS_MIN,
    CONTACT_MAX_CHARS,
    DAYS_MAX,
    DAYS_MIN,
    REASON_MAX_CHARS,
    Answer,
    EndReason,
    Fit,
    FitSide,
    MustAccept,
    PairStatus,
)

__all__ = ["AnswerForm", "CheckinForm", "EndForm", "PolicyForm", "PublishForm", "RematchForm"]


class RematchForm(FlaskForm):
    """Start a rematch of one request (hidden fields: the mentee's e-mail and the type)."""

    mentee_email = StringField("Mentee", validators=[InputRequired(), Length(max=EMAIL_MAX_CHARS)])
    mentor_type = SelectField("Type", choices=[SelectChoice(t.value) for t in MentorType])


class PublishForm(FlaskForm):
    """Publish a run's ready pairs: all, or those of a type. (The selected rows of the
    review table are published by a button of its bulk form.)"""

    scope = RadioField(
        "Publish",
        choices=[
            SelectChoice("all", "every ready pair"),
            SelectChoice("type", "the ready pairs of one type:"),
        ],
        default="all",
        validators=[InputRequired()],
    )
    mentor_type = SelectField("Type", choices=[SelectChoice(t.value) for t in MentorType])
    submit = SubmitField("Publish and introduce")


class AnswerForm(FlaskForm):
    """A participant's answer to one published pair, with an optional reason."""

    answer = SelectField(
        "Answer",
        choices=[SelectChoice(Answer.ACCEPT.value), SelectChoice(Answer.DECLINE.value)],
        validators=[InputRequired()],
    )
    reason = TextAreaField(
        "Anything you want to tell the program team (optional)",
        validators=[Length(max=REASON_MAX_CHARS)],
    )


class CheckinForm(FlaskForm):
    """A participant's answer to the first-meeting check, with an optional comment."""

    fit = SelectField(
        "How did your first conversations go?",
        choices=[SelectChoice(f.value, f.label) for f in Fit],
        validators=[InputRequired("Choose an answer.")],
    )
    comment = TextAreaField(
        "A comment for the program team (optional)",
        validators=[Length(max=REASON_MAX_CHARS)],
    )


class EndForm(FlaskForm):
    """An admin ending a pair: the reason, and a text (needed when the reason is other)."""

    reason = SelectField(
        "Why the match ends",
        choices=[SelectChoice(r.value, r.label) for r in EndReason],
        validators=[InputRequired("Choose a reason.")],
    )
    note = TextAreaField(
        "Note for admins (needed for “other”)",
        validators=[Length(max=REASON_MAX_CHARS)],
    )
    submit = SubmitField("End the match")

    def validate_note(self, field: TextAreaField) -> None:
        """An "other" end needs a text."""
        if self.reason.data == EndReason.OTHER and not (field.data or "").strip():
            raise ValidationError("Say why the match ends when the reason is “other”.")


class PolicyForm(FlaskForm):
    """Who must accept a published pair, within how many days, and what silence means."""

    must_accept = SelectField(
        "Who must accept a match",
        choices=[
            SelectChoice(MustAccept.BOTH.value, "both people"),
            SelectChoice(MustAccept.MENTEE.value, "the mentee"),
            SelectChoice(MustAccept.MENTOR.value, "the mentor"),
            SelectChoice(MustAccept.NOBODY.value, "nobody: a published match is accepted"),
        ],
    )
    days = IntegerField(
        "Days to answer",
        validators=[InputRequired("Give a number of days."), NumberRange(DAYS_MIN, DAYS_MAX)],
    )
    silence = SelectField(
        "No answer by the deadline counts as",
        choices=[
            SelectChoice(PairStatus.ACCEPTED.value, "accepted"),
            SelectChoice(PairStatus.DECLINED.value, "declined"),
        ],
    )
    contact = StringField(
        "Whom participants ask to change their answers (name or e-mail)",
        validators=[Length(max=CONTACT_MAX_CHARS)],
    )
    checkin_days = IntegerField(
        "First-meeting check: days after acceptance",
        validators=[Optional(), NumberRange(CHECKIN_DAYS_MIN, CHECKIN_DAYS_MAX)],
    )
    checkin_ends = SelectField(
        "Whose “not a fit” ends the match",
        choices=[
            SelectChoice(FitSide.EITHER.value, "either person"),
            SelectChoice(FitSide.MENTEE.value, "the mentee"),
            SelectChoice(FitSide.MENTOR.value, "the mentor"),
        ],
        default=FitSide.EITHER.value,
    )
    submit = SubmitField("Save answer settings")
