"""WTForms of the web app.

Participant fields are plain text, checkboxes and radios: :meth:`ParticipantForm.to_row`
turns them into the canonical row that ``matcher.intake.parse_participants`` validates,
exactly as it validates a CSV row, and :meth:`ParticipantForm.show_issues` puts each
issue it reports next to its field. Every text field is as long as ``matcher``'s limit
for its column (:data:`matcher.COLUMN_LIMITS`), checked here and in the browser.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from functools import cache
from zoneinfo import available_timezones

from flask import flash
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from markupsafe import Markup
from wtforms import (
    BooleanField,
    EmailField,
    Field,
    PasswordField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, StopValidation, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from matcher import (
    COLUMN_LIMITS,
    CONTROL_CHARACTERS,
    EMAIL_MAX_CHARS,
    GOALS,
    MENTOR_TYPE_HELP,
    PROGRAM_NAME_MAX_CHARS,
    Generation,
    Issue,
    MeetingMode,
    MentorType,
    Role,
)
from webapp.rows import COLUMNS, Row
from webapp.store import email_problem

#: Longest password the log-in form takes (there is no column: it is only hashed).
PASSWORD_LIMIT = 1024


class Bounded(Length):
    """At most ``limit`` characters; a longer value is refused and never shown back.

    The field is emptied, so the page with the error does not echo megabytes.
    """

    def __init__(self, limit: int) -> None:
        super().__init__(max=limit)

    def __call__(self, form: FlaskForm, field: Field) -> None:
        """Refuse a value over the limit, saying how long it was, and forget it."""
        length = len(field.data or "")
        if length > self.max:
            field.data, field.raw_data = "", []
            raise StopValidation(f"At most {self.max:,} characters, please (this was {length:,}).")


def flash_errors(form: FlaskForm) -> None:
    """Flash each field's errors, named by the field's label, saying nothing was saved."""
    for field, errors in form.errors.items():
        label = getattr(form, field).label.text if hasattr(form, field) else field
        flash(f"{label}: {' '.join(errors)} Nothing was saved.", "error")


class EmptyForm(FlaskForm):
    """A POST-only button (delete, revoke, confirm, log out) protected by CSRF."""

    submit = SubmitField("Submit")


class LoginForm(FlaskForm):
    """Admin log-in."""

    email = EmailField("E-mail", validators=[DataRequired(), Bounded(EMAIL_MAX_CHARS)])
    password = PasswordField("Password", validators=[DataRequired(), Bounded(PASSWORD_LIMIT)])
    submit = SubmitField("Log in")


def plain_text(form: FlaskForm, field: StringField) -> None:
    """Refuse control characters (a NUL cannot even be stored in PostgreSQL)."""
    if field.data and CONTROL_CHARACTERS.search(field.data):
        raise ValidationError("Remove the control characters (from a broken copy and paste).")


class ProgramForm(FlaskForm):
    """A program's name."""

    name = StringField(
        "Program name",
        validators=[DataRequired(), Bounded(PROGRAM_NAME_MAX_CHARS), plain_text],
    )
    submit = SubmitField("Save")


class UploadForm(FlaskForm):
    """A participant CSV to preview."""

    file = FileField(
        "Participant CSV file",
        validators=[FileRequired("Choose a CSV file."), FileAllowed(["csv", "txt"], "CSV only.")],
    )
    submit = SubmitField("Upload and preview")


class ImportForm(FlaskForm):
    """Confirm an import; merging people who registered themselves takes a tick."""

    merge = BooleanField("Merge them with the file's rows, as described above")
    submit = SubmitField("Import")


class EmailForm(FlaskForm):
    """The e-mail a person gives on a program link to get their own link."""

    email = EmailField("Your e-mail", validators=[DataRequired(), Bounded(EMAIL_MAX_CHARS)])
    submit = SubmitField("E-mail me my link")

    def validate_email(self, field: EmailField) -> None:
        """Accept exactly the e-mails the participant data accepts."""
        if problem := email_problem(field.data or ""):
            raise ValidationError(problem)


class PersonInviteForm(EmailForm):
    """An invite link for one person, who may not be in the program yet."""

    email = EmailField(
        "E-mail of the person", validators=[DataRequired(), Bounded(EMAIL_MAX_CHARS)]
    )
    submit = SubmitField("Create personal link")


class MultiCheckboxField(SelectMultipleField):
    """A list of checkboxes, one per choice."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _type_choices() -> list[SelectChoice]:
    """The four mentor types, each with its one-line description from the seed."""
    template = Markup("<strong>{}</strong> — {}")
    return [
        SelectChoice(t.value, template.format(t.value.title(), MENTOR_TYPE_HELP[t]))
        for t in MentorType
    ]


def _values(enum: Iterable[MeetingMode]) -> list[SelectChoice]:
    return [SelectChoice(e.value, e.value.replace("_", " ").capitalize()) for e in enum]


def _goal_choices() -> list[SelectChoice]:
    return [SelectChoice(g, g.capitalize()) for g in GOALS]


def split_cell(text: str) -> list[str]:
    """Split a canonical list cell.

    >>> split_cell("a; b;;c ")
    ['a', 'b', 'c']
    """
    return [part.strip() for part in text.split(";") if part.strip()]


@cache
def time_zones() -> tuple[str, ...]:
    """IANA time-zone names, sorted, for the time-zone field's suggestions."""
    return tuple(sorted(z for z in available_timezones() if "/" in z))


LIST_HINT = "Separate several with a semicolon (;)."
#: Fields a mentee fills in but a mentor does not, and the other way round.
MENTEE_ONLY = ("seeks", "goals", "expertise_wanted", "target_department")
MENTOR_ONLY = ("offers", "strengths", "expertise", "capacity")
#: Columns chosen from the vocabulary, plus free tags in "<column>_other".
VOCABULARY_COLUMNS = ("goals", "strengths")


class ParticipantForm(FlaskForm):
    """Every participant field; the intake form shows the ones that fit the role."""

    email = EmailField("E-mail")
    name = StringField("Name")
    role = RadioField(
        "I want to take part as",
        choices=[
            SelectChoice(Role.MENTEE.value, "Mentee: I want a mentor"),
            SelectChoice(Role.MENTOR.value, "Mentor: I offer to mentor"),
            SelectChoice(Role.BOTH.value, "Both"),
        ],
        default="mentee",
    )
    seeks = MultiCheckboxField("Mentor types I seek", choices=_type_choices())
    offers = MultiCheckboxField("Mentor types I offer", choices=_type_choices())
    goals = MultiCheckboxField("Goals", choices=_goal_choices())
    goals_other = StringField("Other goals", description=LIST_HINT)
    strengths = MultiCheckboxField("Strengths I can help develop", choices=_goal_choices())
    strengths_other = StringField("Other strengths", description=LIST_HINT)
    expertise_wanted = StringField("Expertise I want to learn", description=LIST_HINT)
    expertise = StringField("Expertise I can share", description=LIST_HINT)
    capacity = StringField(
        "How many mentees at once", default="1", render_kw={"inputmode": "numeric"}
    )
    external_id = StringField("External id (HRIS)")
    organization = StringField("Organization")
    department = StringField("Department")
    function = StringField("Job function")
    level = StringField(
        "Level",
        description="A whole number; higher is more senior.",
        render_kw={"inputmode": "numeric"},
    )
    target_department = StringField("Department I want to move to")
    generation = SelectField(
        "Generation",
        choices=[SelectChoice("", "—"), *(SelectChoice(g.value, g.label) for g in Generation)],
        default="",
    )
    manager_email = EmailField("My manager's e-mail")
    languages = StringField("Languages", description=LIST_HINT)
    timezone = StringField(
        "Time zone", description="For example Europe/Paris or UTC+02:00.", render_kw={"list": "tz"}
    )
    location = StringField("Location (city or office)")
    meeting_mode = RadioField("I can meet", choices=_values(MeetingMode), default="either")
    exclude = StringField("Never pair me with (e-mails)", description=LIST_HINT)
    previous_partners = StringField("Previous partners (e-mails)", description=LIST_HINT)
    notes = TextAreaField("Anything else, in your own words")
    admin_notes = TextAreaField(
        "Admin notes", description="Only admins see these; the participant never does."
    )
    priority = BooleanField(
        "Priority: left unmatched last cohort",
        description="The program's priority bonus favours their requests. Only admins see it.",
    )
    submit = SubmitField("Save")

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        for field, limit in self._limits().items():
            field.render_kw = {**(field.render_kw or {}), "maxlength": limit}

    def _limits(self) -> dict[StringField, int]:
        """Each text field with the limit of the column it edits."""
        fields = {self[self.field_name(c)]: COLUMN_LIMITS[c] for c in COLUMNS}
        fields.update({self[f"{c}_other"]: COLUMN_LIMITS[c] for c in VOCABULARY_COLUMNS})
        return {field: limit for field, limit in fields.items() if isinstance(field, StringField)}

    def validate(self, extra_validators: Mapping[str, Sequence[object]] | None = None) -> bool:
        """Check every field, and every text field against its column's length limit."""
        lengths = {field.name: [Bounded(limit)] for field, limit in self._limits().items()}
        return super().validate(extra_validators={**lengths, **(extra_validators or {})})

    def fill_from_row(self, row: Row) -> None:
        """Pre-fill the fields from a stored canonical row."""
        for column in COLUMNS:
            field = self[self.field_name(column)]
            text = row.get(column, "")
            if column in VOCABULARY_COLUMNS:
                known = {choice.value for choice in field.choices}
                tags = split_cell(text)
                field.data = [t for t in tags if t in known]
                self[f"{column}_other"].data = "; ".join(t for t in tags if t not in known)
            elif isinstance(field, SelectMultipleField):
                field.data = split_cell(text)
            elif isinstance(field, BooleanField):
                field.data = bool(text)
            else:
                field.data = text

    def to_row(self, *, by_role: bool) -> Row:
        """Return the canonical row these fields describe.

        With ``by_role`` the fields that do not fit the chosen role are left out, as the
        intake form hides them.
        """
        row: Row = {}
        for column in COLUMNS:
            field = self[self.field_name(column)]
            # a multiple choice none of whose boxes was sent holds None, not []
            data = list(field.data or []) if isinstance(field, SelectMultipleField) else field.data
            if column in VOCABULARY_COLUMNS:
                data = [*data, *split_cell(self[f"{column}_other"].data or "")]
            if isinstance(field, BooleanField):
                row[column] = "yes" if data else ""
            else:
                row[column] = ";".join(data) if isinstance(data, list) else (data or "").strip()
        if by_role:
            hidden = {"mentee": MENTOR_ONLY, "mentor": MENTEE_ONLY}.get(row["role"], ())
            row.update(dict.fromkeys(hidden, ""))
        return row

    @staticmethod
    def field_name(column: str) -> str:
        """The form field that edits a canonical column."""
        return "external_id" if column == "id" else column

    def show_issues(self, issues: Iterable[Issue]) -> list[str]:
        """Attach each error to its field; return those no field can show."""
        unplaced: list[str] = []
        for issue in issues:
            if issue.severity != "error":
                continue
            name = self.field_name(issue.column)
            if name in self._fields and name != "submit":
                self[name].errors = [*self[name].errors, issue.message]
            else:
                unplaced.append(issue.describe())
        return unplaced


#: The rules of :mod:`webapp.passwords`, said where a new password is typed.
NEW_PASSWORD_HELP = (
    "At least 12 characters; not one of the 10,000 most common passwords, nor your e-mail "
    "address. A few unrelated words make a good one."
)


class ChangePasswordForm(FlaskForm):
    """An admin's new password, with the current one (see :mod:`webapp.passwords`)."""

    current = PasswordField(
        "Current password", validators=[DataRequired(), Bounded(PASSWORD_LIMIT)]
    )
    password = PasswordField(
        "New password",
        validators=[DataRequired(), Bounded(PASSWORD_LIMIT)],
        description=NEW_PASSWORD_HELP,
    )
    submit = SubmitField("Change password")


class ForgotPasswordForm(FlaskForm):
    """The address a password-reset link is sent to, if an admin has it."""

    email = EmailField("E-mail", validators=[DataRequired(), Bounded(EMAIL_MAX_CHARS)])
    submit = SubmitField("Send the link")


class ResetPasswordForm(FlaskForm):
    """The new password set through an e-mailed reset link."""

    password = PasswordField(
        "New password",
        validators=[DataRequired(), Bounded(PASSWORD_LIMIT)],
        description=NEW_PASSWORD_HELP,
    )
    submit = SubmitField("Set the password")


#: Longest code typed: a 6-digit code or a recovery code, with spaces and dashes to spare.
CODE_MAX_CHARS = 40
#: What the code field asks for.
APP_CODE_HELP = "The 6 digits your authenticator app shows for mentorloom now."


class TwoFactorCodeForm(FlaskForm):
    """A code from the admin's authenticator app (log-in, enrolment, new recovery codes;
    see :mod:`webapp.two_factor`)."""

    code = StringField(
        "Code from your app",
        validators=[DataRequired(), Bounded(CODE_MAX_CHARS)],
        description=APP_CODE_HELP,
    )
    submit = SubmitField("Continue")


class RecoveryCodeForm(FlaskForm):
    """One of the admin's two-factor recovery codes, instead of a code from the app."""

    code = StringField(
        "Recovery code",
        validators=[DataRequired(), Bounded(CODE_MAX_CHARS)],
        description="One of the codes you saved when you turned on two-factor; each works once.",
    )
    submit = SubmitField("Log in")


class TurnOffTwoFactorForm(FlaskForm):
    """Turning two-factor off: the password, and a current code from the app or (a lost
    phone) a recovery code."""

    password = PasswordField("Your password", validators=[DataRequired(), Bounded(PASSWORD_LIMIT)])
    code = StringField(
        "Code from your app, or a recovery code",
        validators=[DataRequired(), Bounded(CODE_MAX_CHARS)],
        description="Lost your phone? One of your recovery codes works here too.",
    )
    submit = SubmitField("Turn off two-factor")
