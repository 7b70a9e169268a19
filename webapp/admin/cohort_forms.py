"""The forms of cohorts: starting the next cohort, and a cohort's dates."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DateField, RadioField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Optional, ValidationError

from matcher import PROGRAM_NAME_MAX_CHARS
from webapp.cohort_models import Carry
from webapp.forms import Bounded, plain_text


def _ends_after_start(form: FlaskForm, field: DateField) -> None:
    """Refuse an end date before the start date."""
    start = form.starts_on.data
    if field.data and start and field.data <= start:
        raise ValidationError("The end date must come after the start date.")


class NextCohortForm(FlaskForm):
    """The confirmation form of "Start the next cohort"."""

    name = StringField(
        "Name of the next cohort",
        validators=[DataRequired(), Bounded(PROGRAM_NAME_MAX_CHARS), plain_text],
    )
    starts_on = DateField(
        "Starts on", validators=[DataRequired("Give the start date, as YYYY-MM-DD.")]
    )
    ends_on = DateField(
        "Ends on",
        validators=[DataRequired("Give the end date, as YYYY-MM-DD."), _ends_after_start],
    )
    carry = RadioField(
        "Who carries over",
        choices=[
            SelectChoice(Carry.ALL.value, "Everyone of this cohort, with their answers"),
            SelectChoice(
                Carry.OPT_IN.value,
                'Those who say yes: each person gets an e-mail "Stay for the next cohort?" '
                "with a personal link",
            ),
        ],
        default=Carry.ALL.value,
        validators=[DataRequired("Choose who carries over.")],
    )
    submit = SubmitField("Start the next cohort")


class CohortSettingsForm(FlaskForm):
    """A cohort's start and end dates."""

    starts_on = DateField("Starts on", validators=[Optional()])
    ends_on = DateField("Ends on", validators=[Optional(), _ends_after_start])
    submit = SubmitField("Save cohort settings")
