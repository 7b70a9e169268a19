"""The program's questions as fields of the intake form.

:func:`intake_form_class` adds a field per question to :class:`webapp.forms.ParticipantForm`:
radio buttons for a single choice and a 1-5 scale, checkboxes for multiple choice, a text
input for free tags and a text area for free text, each labelled with the prompt, its help
text and a required mark. The answers go into the canonical row under the question's key,
so the core validates them as it validates a CSV column (errors land next to the field).
"""

from __future__ import annotations

from collections.abc import Sequence

from wtforms import Field, RadioField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice

from matcher import ANSWER_LIMITS, SCALE_POINTS, Question
from webapp.forms import LIST_HINT, Bounded, MultiCheckboxField, ParticipantForm, split_cell
from webapp.rows import COLUMNS, Row

#: Prefix of a question's field name (keys never clash with the form's own fields).
PREFIX = "q_"
#: Who a question is asked of, as the role sections of the form name it.
SECTION = {"mentees": "mentee", "mentors": "mentor", "both": ""}


def field_for(question: Question) -> Field:
    """The unbound form field that asks ``question``.

    >>> field_for(Question("energy", "scale", "Time?")).field_class.__name__
    'RadioField'
    """
    label = f"{question.prompt} (required)" if question.required else question.prompt
    limit = [Bounded(ANSWER_LIMITS[question.kind])]
    if question.kind == "single":
        choices = [SelectChoice(c, c) for c in question.choices]
        return RadioField(label, choices=choices, description=question.help, validate_choice=False)
    if question.kind == "multiple":
        choices = [SelectChoice(c, c) for c in question.choices]
        return MultiCheckboxField(
            label, choices=choices, description=question.help, validate_choice=False
        )
    if question.kind == "scale":
        low, high = SCALE_POINTS
        points = [SelectChoice(str(p), str(p)) for p in range(low, high + 1)]
        help_text = f"{low} is the least, {high} the most. {question.help}".strip()
        return RadioField(label, choices=points, description=help_text, validate_choice=False)
    if question.kind == "tags":
        help_text = f"{question.help} {LIST_HINT}".strip()
        return StringField(label, description=help_text, validators=limit)
    return TextAreaField(label, description=question.help, validators=limit)


class QuestionsForm(ParticipantForm):
    """The participant fields and the program's questions (see :func:`intake_form_class`)."""

    questions: tuple[Question, ...] = ()

    @staticmethod
    def field_name(column: str) -> str:
        """The form field that edits a canonical column or answers a question."""
        if column in COLUMNS:
            return ParticipantForm.field_name(column)
        return PREFIX + column

    def question_fields(self, section: str) -> list[Field]:
        """The fields of the questions asked in ``section`` ('mentee', 'mentor' or '')."""
        return [self[PREFIX + q.key] for q in self.questions if SECTION[q.asked_of] == section]

    def fill_from_row(self, row: Row) -> None:
        """Pre-fill the participant fields and the answers from a stored canonical row."""
        super().fill_from_row(row)
        for question in self.questions:
            text = row.get(question.key, "")
            field = self[PREFIX + question.key]
            field.data = split_cell(text) if question.kind == "multiple" else text

    def to_row(self, *, by_role: bool) -> Row:
        """The canonical row, with a cell per question (empty where the role is not
        asked it, with ``by_role``)."""
        row = super().to_row(by_role=by_role)
        role = row.get("role", "")
        for question in self.questions:
            data = self[PREFIX + question.key].data
            cell = ";".join(data or []) if isinstance(data, list) else (data or "").strip()
            asked = (role in ("mentee", "both") and question.asks_mentees) or (
                role in ("mentor", "both") and question.asks_mentors
            )
            row[question.key] = cell if asked or not by_role else ""
        return row


def intake_form_class(questions: Sequence[Question]) -> type[QuestionsForm]:
    """A form class with the participant fields and a field per question."""
    fields = {PREFIX + q.key: field_for(q) for q in questions}
    return type("IntakeForm", (QuestionsForm,), {**fields, "questions": tuple(questions)})
