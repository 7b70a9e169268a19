"""WTForms of published pairs: publishing, a participant's answer, the answer settings.

Each text field's limit is its column's (:mod:`webapp.pair_models`).
"""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import IntegerField, RadioField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange

from matcher import EMAIL_MAX_CHARS, MentorType
from webapp.pair_models import (
    CONTACT_MAX_CHARS,
    DAYS_MAX,
    DAYS_MIN,
    REASON_MAX_CHARS,
    Answer,
    MustAccept,
    PairStatus,
)

__all__ = ["AnswerForm", "PolicyForm", "PublishForm", "RematchForm"]


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
    submit = SubmitField("Save answer settings")
