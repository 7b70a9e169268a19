"""WTForms of mentees' picks: the program's pick settings and what a mentor shows mentees
who pick. (A mentee's ranks are read by :func:`webapp.picks.read_ranks`: their fields are
one per suggested mentor.)"""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, NumberRange

from matcher import BIO_MAX_CHARS, MAX_PICKS
from webapp.forms import Bounded, MultiCheckboxField
from webapp.picks import SHOWABLE

__all__ = ["PickSettingsForm", "ShowingForm"]


class PickSettingsForm(FlaskForm):
    """Whether mentees may pick mentors on their page, and how many."""

    on = BooleanField(
        "Mentees may pick mentors",
        description=(
            "Each mentee's page shows their best suggested mentors per type (among the "
            "mentors who chose to be shown) and lets them rank a few. Runs give picks more "
            "points by the weight of picks. Default: off."
        ),
    )
    how_many = IntegerField(
        "How many picks",
        validators=[
            InputRequired("Give a number of picks."),
            NumberRange(1, MAX_PICKS, f"Give a number from 1 to {MAX_PICKS}."),
        ],
        description=f"From 1 to {MAX_PICKS}. Default: 3.",
    )
    submit = SubmitField("Save pick settings")


class ShowingForm(FlaskForm):
    """A mentor's choice to be suggested to mentees who pick, and what they see."""

    shown_to_pickers = BooleanField("Show me to mentees who are choosing a mentor")
    shows = MultiCheckboxField(
        "Besides my name, show",
        choices=[SelectChoice(column, label) for column, label in SHOWABLE],
        validate_choice=True,
    )
    bio = TextAreaField(
        "A short bio",
        validators=[Bounded(BIO_MAX_CHARS)],
        description=f"At most {BIO_MAX_CHARS} characters. Mentees who pick see it.",
    )
    submit = SubmitField("Save what mentees see")
