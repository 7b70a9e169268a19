"""The forms of the Admins pages: an admin's access (owner, and a role per program), the
invitation of a new admin, and the password an invitee sets.

A program role is one select per program, made when the form is (:func:`access_form`),
named ``program-<id>``; :meth:`AccessForm.roles` reads them back.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeVar

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, ValidationError

from matcher import EMAIL_MAX_CHARS
from webapp.forms import NEW_PASSWORD_HELP, PASSWORD_LIMIT, Bounded
from webapp.roles import PROGRAM_ROLES, Role
from webapp.store import email_problem

#: The choices of a program's select: no role, or one of the program roles.
ROLE_CHOICES = [
    SelectChoice("", "no role"),
    *(SelectChoice(role.value, role.label) for role in PROGRAM_ROLES),
]
PREFIX = "program-"


class AccessForm(FlaskForm):
    """Owner or not, and a role per program (selects added by :func:`access_form`)."""

    owner = BooleanField(
        "Owner",
        description="Owners may do everything in every program, and manage the admins.",
    )
    submit = SubmitField("Save roles")

    def program_fields(self) -> list[SelectField]:
        """The selects of the programs, in the order they were added."""
        return [field for field in self if field.name.startswith(PREFIX)]

    def roles(self) -> dict[int, Role]:
        """The role chosen in each program that has one, by program id (a value that is
        no program role is left out: its select shows the error)."""
        known = {role.value for role in PROGRAM_ROLES}
        return {
            int(field.name.removeprefix(PREFIX)): Role(field.data)
            for field in self.program_fields()
            if field.data in known
        }


class InviteForm(AccessForm):
    """The address of a new admin and what they may do."""

    email = EmailField(
        "E-mail of the new admin", validators=[DataRequired(), Bounded(EMAIL_MAX_CHARS)]
    )
    submit = SubmitField("Send the invitation")

    def validate_email(self, field: EmailField) -> None:
        """Accept the e-mails the rest of the app accepts."""
        if problem := email_problem(field.data or ""):
            raise ValidationError(problem)

    def validate_owner(self, field: BooleanField) -> None:
        """An invitation gives something: owner, or a role in a program."""
        if not field.data and not self.roles():
            raise ValidationError("Make them an owner, or give them a role in a program.")


F = TypeVar("F", bound=AccessForm)


def access_form(
    kind: type[F], programs: Mapping[int, str], roles: Mapping[int, Role] | None = None
) -> F:
    """A form of ``kind`` with a select per program (``programs``: names by id), set to
    ``roles`` when the request posts nothing."""
    fields = {
        f"{PREFIX}{pid}": SelectField(
            name,
            choices=ROLE_CHOICES,
            default=roles[pid].value if roles and pid in roles else "",
        )
        for pid, name in programs.items()
    }
    made = type(kind.__name__, (kind,), fields)
    return made()


class WelcomeForm(FlaskForm):
    """The password an invited admin chooses."""

    password = PasswordField(
        "Choose a password",
        validators=[DataRequired(), Bounded(PASSWORD_LIMIT)],
        description=NEW_PASSWORD_HELP,
    )
    submit = SubmitField("Set the password and sign in")
