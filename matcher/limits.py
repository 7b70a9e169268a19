"""The most characters each field may hold: one limit per field, for every way in.

The intake validator (:func:`matcher.intake.parse_participants`) refuses a longer cell,
the web app's forms use the same numbers in their length checks, and its database
columns are declared with them, so a value the validator accepts always fits its column.
Columns of free text and lists (goals, notes, ...) have the longest limits; their
database columns are of unlimited text.

Examples
--------
>>> COLUMN_LIMITS["name"], COLUMN_LIMITS["email"] == EMAIL_MAX_CHARS
(200, True)
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

EMAIL_MAX_CHARS = 320
"""An e-mail address: 64 characters before the ``@`` and 255 after it (RFC 5321)."""
NAME_MAX_CHARS = 200
"""A person's name, and any other short text (department, location, external id, ...)."""
LIST_MAX_CHARS = 2000
"""A list cell: tags, languages or e-mails separated by ``;``."""
NOTES_MAX_CHARS = 5000
"""Free text: a person's own notes, an admin's notes."""
PROGRAM_NAME_MAX_CHARS = 200
"""The name of a program."""
FILE_NAME_MAX_CHARS = 255
"""The name an uploaded file is kept under (longer names are shortened)."""

QUESTION_KEY_MAX_CHARS = 40
"""A program question's key: the CSV column its answers are read from."""
QUESTION_PROMPT_MAX_CHARS = 300
"""A program question's prompt, as the intake form shows it."""
QUESTION_HELP_MAX_CHARS = 1000
"""A program question's help text."""
CHOICE_MAX_CHARS = 100
"""One choice of a single or multiple choice question."""
MAX_QUESTIONS = 30
"""The most questions a program may ask."""
MAX_CHOICES = 40
"""The most choices a single or multiple choice question may offer."""
MAX_PICKS = 10
"""The most mentors a mentee may pick (``preferred_mentors``)."""
MAX_SUGGESTIONS = 50
"""The most suggested mentors per type a program may show a mentee."""
BIO_MAX_CHARS = 500
"""A mentor's short bio, shown to the mentees who are choosing a mentor."""

_WORD_MAX_CHARS = 20  # one word of a fixed vocabulary, e.g. a generation or a meeting mode

COLUMN_LIMITS: Mapping[str, int] = MappingProxyType(
    {
        "email": EMAIL_MAX_CHARS,
        "name": NAME_MAX_CHARS,
        "role": 10,
        "seeks": NAME_MAX_CHARS,
        "offers": NAME_MAX_CHARS,
        "id": NAME_MAX_CHARS,
        "organization": NAME_MAX_CHARS,
        "department": NAME_MAX_CHARS,
        "manager_email": EMAIL_MAX_CHARS,
        "level": _WORD_MAX_CHARS,
        "function": NAME_MAX_CHARS,
        "target_department": NAME_MAX_CHARS,
        "generation": _WORD_MAX_CHARS,
        "goals": LIST_MAX_CHARS,
        "strengths": LIST_MAX_CHARS,
        "expertise_wanted": LIST_MAX_CHARS,
        "expertise": LIST_MAX_CHARS,
        "capacity": _WORD_MAX_CHARS,
        "languages": LIST_MAX_CHARS,
        "timezone": 64,
        "location": NAME_MAX_CHARS,
        "meeting_mode": _WORD_MAX_CHARS,
        "exclude": LIST_MAX_CHARS,
        "previous_partners": LIST_MAX_CHARS,
        "notes": NOTES_MAX_CHARS,
        "admin_notes": NOTES_MAX_CHARS,
        "priority": _WORD_MAX_CHARS,
        "preferred_mentors": LIST_MAX_CHARS,
        "avoid": LIST_MAX_CHARS,
    }
)
"""The most characters a cell of each canonical participant column may hold (a question's
column holds at most :data:`ANSWER_LIMITS` of its kind)."""

ANSWER_LIMITS: Mapping[str, int] = MappingProxyType(
    {
        "single": CHOICE_MAX_CHARS,
        "multiple": LIST_MAX_CHARS,
        "tags": LIST_MAX_CHARS,
        "scale": _WORD_MAX_CHARS,
        "text": NOTES_MAX_CHARS,
    }
)
"""The most characters an answer may hold, per question kind."""
