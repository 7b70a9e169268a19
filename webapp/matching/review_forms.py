"""WTForms of the review workflow: one decision, a bulk decision, a manual match."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    DecimalField,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from matcher import MentorType
from webapp.run_models import Action

#: What a decision button may do; ``undo`` takes the decision back.
ACTIONS = [
    SelectChoice("approve", "Approve"),
    SelectChoice("reject", "Reject"),
    SelectChoice("lock", "Lock"),
    SelectChoice("undo", "Undo decision"),
]


#: What a rejection means: only this triple, or these two people for every type.
REACHES = [
    SelectChoice("type", "not for this type"),
    SelectChoice("never", "never pair these two (any type)"),
]


def reach_field() -> RadioField:
    """The "what does this rejection mean" choice of the decision forms."""
    return RadioField("A rejection means", choices=REACHES, default="type")


def chosen_action(name: str) -> Action | None:
    """The decision a button's ``action`` names; None undoes.

    >>> chosen_action("lock"), chosen_action("undo")
    (<Action.LOCK: 'lock'>, None)
    """
    return None if name == "undo" else Action(name)


class DecisionForm(FlaskForm):
    """Approve, reject (not for this type, or never these two; an optional reason), lock
    or undo one pair."""

    action = SelectField("Decision", choices=ACTIONS, validators=[InputRequired()])
    reach = reach_field()
    note = StringField("Reason (optional)", validators=[Length(max=500)])
    submit = SubmitField("Save")


class BulkForm(FlaskForm):
    """One decision for the selected pairs, or for every undecided pair from a score up."""

    action = SelectField("Decision", choices=ACTIONS, validators=[InputRequired()])
    scope = RadioField(
        "For",
        choices=[
            SelectChoice("selected", "the selected pairs"),
            SelectChoice("above", "every undecided pair with a score of at least"),
        ],
        default="selected",
    )
    min_score = DecimalField(
        "Lowest score", places=None, validators=[Optional(), NumberRange(0, 100)]
    )
    reach = reach_field()
    note = StringField("Reason (optional)", validators=[Length(max=500)])
    submit = SubmitField("Apply to pairs")


class ManualForm(FlaskForm):
    """A pair the admin makes by hand; ``confirm`` is set once the warnings (and who gives
    way, when the mentor is full) were shown."""

    mentee_email = HiddenField(validators=[DataRequired()])
    mentor_type = SelectField(
        "Type", choices=[SelectChoice(t.value, t.value.title()) for t in MentorType]
    )
    mentor_email = StringField(
        "Mentor: a name or an e-mail",
        validators=[DataRequired(), Length(max=320)],
    )
    confirm = HiddenField(default="")
    submit = SubmitField("Make this match")
