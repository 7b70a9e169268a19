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
    }
)
"""The most characters a cell of each canonical participant column may hold."""
