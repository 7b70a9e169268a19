"""Validated participants from rows of text: the one path for CSV files and intake forms.

A row is a mapping from canonical column name (see the "Canonical participant CSV" table
in the design) to the cell's text; :func:`matcher.csv_io.read_rows` produces them from a
file and the web app's intake form produces the same mapping. :func:`parse_participants`
checks every cell and the rows against each other and reports *every* problem as an
:class:`~matcher.errors.Issue` naming the spreadsheet row, the column and the fix.

Conventions
-----------
- List cells are split on ``;``, or on ``,`` and ``|`` when the cell has no ``;``.
  Tags and languages keep their spelling with spaces tidied, one per normalised value
  (:func:`matcher.schema.normalize`: "English; english" is one language), sorted by it;
  e-mail lists become sorted tuples without duplicates; e-mails are lower-cased. Organizations,
  departments, functions and locations keep their spelling with spaces tidied
  (:func:`matcher.schema.tidy`; they are compared normalised). ``name`` and ``notes`` are
  kept as written, trimmed.
- ``timezone`` accepts an IANA name (``Europe/Berlin``, any letter case) or an offset
  (``UTC``, ``GMT+1``, ``UTC-05:30``, ``+01:00``). ``utc_offset_minutes`` of a named zone
  is its offset at the fixed instant :data:`OFFSET_INSTANT` (2026-01-15 12:00 UTC), so a
  run gives the same answer whatever the date; daylight saving time is not modelled.
- A cell may hold at most :data:`matcher.limits.COLUMN_LIMITS` characters of its column
  (after lower-casing, for the columns stored lower-cased); control characters other than
  tab and line breaks are refused in every cell, known column or not, as signs of a
  corrupt export.
- A file's header decides which columns are read: every other column is reported as
  ignored, under its header as written in the file (with the closest known column, when
  there is one); a file without a ``name``
  column but with ``first_name`` and/or ``last_name`` gets each name from those, joined
  with a space. A file with a header and no people is an error.
- A blank row (every cell empty) is skipped; it still counts for the row numbers.
- Participants come out sorted by e-mail, so the result never depends on row order.
"""

from __future__ import annotations

import difflib
import math
import os
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from functools import lru_cache
from itertools import chain, count
from operator import itemgetter
from typing import NamedTuple
from zoneinfo import ZoneInfo, available_timezones

from matcher.csv_io import CONTROL_CHARACTERS, RowTable, read_rows
from matcher.errors import IntakeError, Issue, Severity
from matcher.gcpause import without_gc
from matcher.limits import ANSWER_LIMITS, COLUMN_LIMITS, MAX_PICKS
from matcher.questions import Question, parse_answer
from matcher.schema import (
    Answers,
    Generation,
    MeetingMode,
    MentorType,
    Participant,
    Role,
    normalize,
    participant_from_fields,
    tidy,
)

PICK_COLUMNS: tuple[str, ...] = ("preferred_mentors", "avoid")
"""The columns of picks: a mentee's preferred mentors (e-mails, best first) and the mentees
a mentor would rather not take (e-mails)."""
COLUMNS: tuple[str, ...] = tuple(
    f.name
    for f in fields(Participant)
    if f.name not in {"utc_offset_minutes", "row", "answers", *PICK_COLUMNS}
)
"""The canonical participant CSV columns: the :class:`Participant` fields a file can give
besides picks (:data:`PICK_COLUMNS`) and the answers to a program's questions (a column
per question key)."""
REQUIRED_COLUMNS: tuple[str, ...] = ("email", "name", "role")
NAME_PARTS: tuple[str, ...] = ("first_name", "last_name")
"""Columns a file without a ``name`` column may give each name in, joined with a space."""
OFFSET_INSTANT = datetime(2026, 1, 15, 12, tzinfo=UTC)
MAX_WHOLE_NUMBER = 100_000
"""The largest level or capacity a participant may have."""
MAX_OFFSET_MINUTES = 14 * 60
MAX_LOOP_SHOWN = 6  # people named in a reporting-loop message before "..."

_TAG_COLUMNS = ("goals", "strengths", "expertise_wanted", "expertise", "languages")
_TEXT_COLUMNS = ("organization", "department", "function", "target_department", "location")
_EMAIL_LIST_COLUMNS = ("exclude", "previous_partners", "avoid")
_REFERENCE_COLUMNS = ("manager_email", *_EMAIL_LIST_COLUMNS, "preferred_mentors")
#: Columns stored or compared case-folded: their limit counts the case-folded text ("ß"
#: becomes "ss").
_FOLDED = frozenset((*_TAG_COLUMNS, *_REFERENCE_COLUMNS, "email"))
#: ``str.casefold`` turns one character into at most 3 ("ΐ"): a cell of at most a third of
#: its column's limit is within it, case-folded or not.
_MOST_FOLDED = 3
_SIMILAR_COLUMN = 0.7  # difflib ratio from which an unknown column is named as a typo
_ROLES: dict[str, Role] = {r.value: r for r in Role}
_MENTOR_TYPES: dict[str, MentorType] = {t.value: t for t in MentorType}
_TYPE_WORDS = ", ".join(_MENTOR_TYPES)
#: What a person of each mentor type needs to be matched: (type, the columns that say they
#: seek or offer it, the column that must not be empty, what to fill it in with).
_TYPE_NEEDS: tuple[tuple[MentorType, tuple[str, ...], str, str], ...] = (
    (MentorType.SPONSORSHIP, ("seeks", "offers"), "level", "a whole number (higher = more senior)"),
    (
        MentorType.GENERATIONAL,
        ("seeks", "offers"),
        "generation",
        "boomer, gen_x, millennial or gen_z",
    ),
    (MentorType.EXPERTISE, ("seeks",), "expertise_wanted", "the skills they want, separated by ;"),
    (MentorType.EXPERTISE, ("offers",), "expertise", "the skills they offer, separated by ;"),
)
_WHOLE_HELP = {
    "level": "(higher = more senior), like 3",
    "capacity": "(the most mentees at once), like 2",
}
#: What to write in a column of a fixed vocabulary.
_WORDS_FIX = {
    "role": "write mentee, mentor or both",
    "generation": "write boomer, gen_x, millennial or gen_z, or leave it empty",
    "meeting_mode": "write remote, in_person or either, or leave it empty",
    "priority": "write yes or no (true/false and 1/0 work too), or leave it empty for no",
}
_LABEL = r"[^\W_](?:[\w-]*[^\W_])?"
_EMAIL = re.compile(rf"[\w.!#$%&'*+/=?^`{{|}}~-]+@(?:{_LABEL}\.)+[^\W\d_](?:[\w-]*[^\W_])?")
_OTHER_SEPARATORS = re.compile(r"[,|]")  # of a list cell without a ";"
_WHOLE = re.compile(r"\+?(\d+)(?:\.0*)?")
_OFFSET = re.compile(r"(?:(?:utc|gmt)\s*)?([+-])\s*(\d{1,2})(?::?(\d{2}))?", re.IGNORECASE)
_GENERATIONS: dict[str, Generation] = {
    "boomer": Generation.BOOMER,
    "babyboomer": Generation.BOOMER,
    "genx": Generation.GEN_X,
    "millennial": Generation.MILLENNIAL,
    "geny": Generation.MILLENNIAL,
    "genz": Generation.GEN_Z,
    "zoomer": Generation.GEN_Z,
}
_YES_NO: dict[str, bool] = {
    "": False,
    "yes": True,
    "true": True,
    "1": True,
    "no": False,
    "false": False,
    "0": False,
}
_MEETING_MODES: dict[str, MeetingMode] = {
    "remote": MeetingMode.REMOTE,
    "online": MeetingMode.REMOTE,
    "virtual": MeetingMode.REMOTE,
    "inperson": MeetingMode.IN_PERSON,
    "onsite": MeetingMode.IN_PERSON,
    "facetoface": MeetingMode.IN_PERSON,
    "either": MeetingMode.EITHER,
    "hybrid": MeetingMode.EITHER,
    "any": MeetingMode.EITHER,
}


@dataclass(frozen=True)
class IntakeResult:
    """Valid participants and every issue found in the rows they came from.

    Parameters
    ----------
    participants
        People from rows without errors, sorted by e-mail.
    issues
        Every error and warning, sorted by row then column.
    """

    participants: tuple[Participant, ...]
    issues: tuple[Issue, ...]

    @property
    def errors(self) -> tuple[Issue, ...]:
        """Issues that block the import."""
        return tuple(i for i in self.issues if i.severity == "error")

    @property
    def warnings(self) -> tuple[Issue, ...]:
        """Issues that are reported but allowed."""
        return tuple(i for i in self.issues if i.severity == "warning")

    @property
    def ok(self) -> bool:
        """True when there is no error (warnings allowed)."""
        return not self.errors

    @property
    def invalid_rows(self) -> frozenset[int]:
        """Spreadsheet rows that have at least one error."""
        return frozenset(i.row for i in self.errors if i.row > 0)


class _CellError(ValueError):
    """A cell's text cannot be used; the message says how to fix it."""


class _Row(NamedTuple):
    """One parsed row: its number and the Participant fields that parsed cleanly."""

    number: int
    values: dict[str, object]
    explicit_id: bool


def parse_participants(
    rows: Iterable[Mapping[str, str]],
    *,
    first_row: int = 2,
    columns: Sequence[str] | None = None,
    headers: Sequence[str] | None = None,
    others: Iterable[Mapping[str, str]] = (),
    questions: Sequence[Question] = (),
) -> IntakeResult:
    """Validate rows of text (from a CSV file or an intake form) into participants.

    Parameters
    ----------
    rows
        Mappings canonical column -> cell text; unknown columns are ignored.
    first_row
        Spreadsheet row number of the first row, used in every issue.
    columns
        The file's canonical header, when there is one: a missing required column
        (email, name, role) is then reported once as a row-0 error, and then no one is
        accepted; every column that is not read is reported as a warning; a file
        without people is an error.
    headers
        The same header as written in the file, column by column (see
        :attr:`matcher.csv_io.RowTable.raw_columns`): the warnings about columns of the
        file name them as written ("Favourite colour"). ``columns`` when not given.
    questions
        The program's questions (:attr:`matcher.ProgramConfig.questions`): each is read
        from the column named by its key into :attr:`Participant.answers`; an unknown
        choice is an error naming the row, the column and the choices, and so is a
        required question left empty by someone it asks.
    others
        Rows of people already known (for example the rest of a program): the checks
        across rows (duplicate e-mails and ids, who is known, reporting loops) see them,
        but their own issues are not reported and they are not returned.

    Returns
    -------
    IntakeResult
        People from rows without errors (sorted by e-mail) and every issue found. This
        function never raises: bad input becomes issues.

    Examples
    --------
    >>> result = parse_participants(
    ...     [
    ...         {"email": "Ana@X.org", "name": "Ana", "role": "mentee", "seeks": "developmental"},
    ...         {"email": "bo@x.org", "name": "Bo", "role": "mentr", "offers": "developmental"},
    ...     ]
    ... )
    >>> [p.email for p in result.participants]
    ['ana@x.org']
    >>> result.errors[0].row, result.errors[0].column, result.errors[0].message
    (3, 'role', "unknown role 'mentr'; did you mean 'mentor'? (write mentee, mentor or both)")
    """
    issues: list[Issue] = []
    missing: frozenset[str] = frozenset()
    name_parts = columns is not None and _name_from_parts(columns)
    if columns is not None:
        missing = frozenset(REQUIRED_COLUMNS) - set(columns) - ({"name"} if name_parts else set())
        written = dict(zip(columns, headers or columns, strict=True))
        issues += _column_issues(columns, missing, written, questions)
    with without_gc():
        rows = list(rows)
        end = first_row + len(rows)
        numbered = _numbered(rows, first_row, name_parts)
        parsed, row_issues = _parse_rows(numbered, missing, questions)
        issues += row_issues
        if columns is not None and not parsed:
            issues.append(_issue(0, "", "", _NO_PEOPLE))
        known, _ = _parse_rows(_numbered(others, end), frozenset())
        issues += [i for i in _cross_row_issues([*parsed, *known]) if i.row < end]
        bad_rows = {i.row for i in issues if i.severity == "error"}
        good = [] if 0 in bad_rows else [row for row in parsed if row.number not in bad_rows]
        people = [_participant(row) for row in good]
        return IntakeResult(tuple(sorted(people, key=lambda p: p.email)), tuple(sorted(issues)))


_NO_PEOPLE = (
    "the file has a header row but no people below it: add one row per person under the "
    "header, or export the sheet that lists them"
)


def ignored_columns(columns: Sequence[str], questions: Sequence[Question] = ()) -> tuple[str, ...]:
    """The columns of a file's canonical header that are not read, in file order.

    ``first_name`` and ``last_name`` are read when the file has no ``name`` column.

    Examples
    --------
    >>> ignored_columns(["email", "first_name", "last_name", "role", "favourite_colour"])
    ('favourite_colour',)
    >>> ignored_columns(["email", "name", "first_name", "role"])
    ('first_name',)
    """
    read = {*COLUMNS, *PICK_COLUMNS, *(q.key for q in questions)}
    read |= set(NAME_PARTS) if _name_from_parts(columns) else set()
    return tuple(name for name in columns if name not in read)


def _name_from_parts(columns: Sequence[str]) -> bool:
    return "name" not in columns and any(part in columns for part in NAME_PARTS)


def _numbered(
    rows: Iterable[Mapping[str, str]], first: int, name_parts: bool = False
) -> list[tuple[int, Mapping[str, str]]]:
    """The non-blank rows as text, each with its row number; with ``name_parts``, each
    row's ``name`` made of its ``first_name`` and ``last_name``.

    Rows that are all dicts of text are taken as they are (and never changed)."""
    rows = list(rows)
    if not _all_text(rows):
        rows = [{str(key): _as_text(value) for key, value in row.items()} for row in rows]
    if name_parts:
        rows = [{**row, "name": _joined_name(row)} for row in rows]
    filled = map(str.strip, map("".join, map(dict.values, rows)))
    return [(number, row) for number, row, text in zip(count(first), rows, filled) if text]


def _all_text(rows: list[Mapping[str, str]]) -> bool:
    """Whether every row is a dict whose keys and values are all of type ``str``."""
    return (
        _ONLY_DICT.issuperset(map(type, rows))
        and _ONLY_STR.issuperset(map(type, chain.from_iterable(rows)))
        and _ONLY_STR.issuperset(map(type, chain.from_iterable(map(dict.values, rows))))
    )


_ONLY_DICT = frozenset({dict})
_ONLY_STR = frozenset({str})


def _joined_name(row: Mapping[str, str]) -> str:
    return " ".join(text for part in NAME_PARTS if (text := row.get(part, "").strip()))


def load_participants(
    source: str | os.PathLike[str] | bytes | RowTable | Iterable[Mapping[str, str]],
    *,
    skip_invalid: bool = False,
    questions: Sequence[Question] = (),
) -> IntakeResult:
    """Read and validate participants from a CSV file, its bytes, a table or row mappings.

    Parameters
    ----------
    source
        A path or the bytes of a CSV export (see :func:`matcher.csv_io.read_rows`), a
        :class:`~matcher.csv_io.RowTable`, or an iterable of row mappings.
    skip_invalid
        When true, rows with errors are left out and reported in ``issues`` instead of
        failing the whole import.
    questions
        The program's questions, read from the columns named by their keys (see
        :func:`parse_participants`).

    Raises
    ------
    IntakeError
        With every issue, when the data has errors and ``skip_invalid`` is false, or when
        the file itself cannot be read.

    Examples
    --------
    >>> data = b"email,name,role,offers,capacity\\nmo@x.org,Mo,mentor,expertise,two\\n"
    >>> try:
    ...     load_participants(data)
    ... except IntakeError as error:
    ...     print(error.issues[0].describe()[:60])
    row 2, column 'capacity', value 'two': capacity must be a wh
    >>> load_participants(data, skip_invalid=True).invalid_rows
    frozenset({2})
    """
    with without_gc():
        if isinstance(source, str | os.PathLike | bytes | bytearray):
            source = read_rows(source)
        if isinstance(source, RowTable):
            result = parse_participants(
                source.rows,
                first_row=source.first_row,
                columns=source.columns,
                headers=source.raw_columns,
                questions=questions,
            )
        else:
            result = parse_participants(source, questions=questions)
    if result.errors and not skip_invalid:
        raise IntakeError(result.issues)
    return result


def _as_text(value: object) -> str:
    return "" if value is None else value if isinstance(value, str) else str(value)


def _issue(row: int, column: str, value: str, message: str, severity: Severity = "error") -> Issue:
    shown = value if len(value) <= 80 else value[:77] + "..."
    return Issue(row, column, shown, message, severity)


@lru_cache(maxsize=1024)
def _closest(word: str, choices: tuple[str, ...], cutoff: float = 0.6) -> str | None:
    close = difflib.get_close_matches(word, choices, n=1, cutoff=cutoff)
    return close[0] if close else None


def _unknown(what: str, text: str, choices: Iterable[str], fix: str) -> str:
    """``unknown <what> '<text>'``, the closest valid word when one is close, and the fix."""
    close = _closest(normalize(text), tuple(choices))
    hint = f"; did you mean {close!r}?" if close else ""
    return f"unknown {what} {text!r}{hint} ({fix})"


def _column_issues(
    columns: Sequence[str],
    missing: frozenset[str],
    written: Mapping[str, str],
    questions: Sequence[Question],
) -> list[Issue]:
    """Issues of a file's header: missing required columns, and each column that is not
    read, named as ``written`` (canonical column -> header as written in the file)."""
    issues = [
        _issue(0, name, "", f"required column {name!r} is missing: add a column headed {name!r}")
        for name in sorted(missing)
    ]
    if _name_from_parts(columns):
        parts = " and ".join(repr(written[part]) for part in NAME_PARTS if part in columns)
        message = f"no 'name' column: each person's name is made of {parts}, joined with a space"
        issues.append(_issue(0, "name", "", message, "warning"))
    for name in ignored_columns(columns, questions):
        if name in NAME_PARTS:
            message = "ignored: the file has a 'name' column, which is used instead"
        elif close := _closest(name, COLUMNS, _SIMILAR_COLUMN):
            message = f"unknown column, ignored; did you mean {close!r}? Rename the header"
        else:
            message = (
                "unknown column, ignored: it is not one of the participant columns "
                "(fine for extra data; otherwise rename the header)"
            )
        issues.append(_issue(0, written[name], "", message, "warning"))
    return issues


# ---------------------------------------------------------------- cell parsers
def _split_list(text: str) -> list[str]:
    parts = text.split(";") if ";" in text else _OTHER_SEPARATORS.split(text)
    return [cleaned for part in parts if (cleaned := part.strip().strip(",|").strip())]


def _key(text: str) -> str:
    """Letters and digits only, case-folded: ``"In-Person"`` -> ``"inperson"``."""
    return re.sub(r"[\W_]+", "", text.casefold())


def _email_problem(address: str) -> str | None:
    if _EMAIL.fullmatch(address) and ".." not in address and address[0] != ".":
        return None
    if any(c.isspace() for c in address):
        return "an e-mail cannot contain spaces"
    if address.count("@") != 1:
        return "an e-mail needs exactly one @"
    return "this is not a valid e-mail address"


def _email(text: str) -> str:
    address = text.lower()
    if "|" not in address and _email_problem(address) is None:
        return address  # without "|", a valid address has no separator of a list: one e-mail
    if len(_split_list(address)) > 1:
        raise _CellError("only one e-mail fits in this column: keep one, like name@example.org")
    if address and (problem := _email_problem(address)):
        raise _CellError(f"{problem}: write it like name@example.org")
    return address


def _required_email(text: str) -> str:
    if not text:
        raise _CellError("e-mail is empty: every person needs one; fill it in")
    return _email(text)


def _email_list(text: str) -> tuple[str, ...]:
    entries = [entry.lower() for entry in _split_list(text)]
    bad = [entry for entry in entries if _email_problem(entry)]
    if bad:
        listed = ", ".join(repr(entry) for entry in bad)
        raise _CellError(
            f"not an e-mail address: {listed}; write e-mails like name@example.org separated by ;"
        )
    return tuple(sorted(set(entries)))


def _picks(text: str) -> tuple[str, ...]:
    """A mentee's picks: e-mails in their order (best first), each once.

    >>> _picks("Zoe@x.org; al@x.org; zoe@x.org")
    ('zoe@x.org', 'al@x.org')
    """
    picked = tuple(dict.fromkeys(entry.lower() for entry in _split_list(text)))
    _email_list(text)  # the same checks as any list of e-mails
    if len(picked) > MAX_PICKS:
        raise _CellError(f"{len(picked)} picks; at most {MAX_PICKS}: keep your first {MAX_PICKS}")
    return picked


def _name(text: str) -> str:
    if not text:
        raise _CellError("name is empty: fill it in")
    return text


def _role(text: str) -> Role:
    if not text:
        raise _CellError("role is empty: write mentee, mentor or both")
    key = normalize(text)
    if key in _ROLES:
        return _ROLES[key]
    raise _CellError(_unknown("role", text, _ROLES, _WORDS_FIX["role"]))


def _mentor_types(text: str) -> tuple[MentorType, ...]:
    found: set[MentorType] = set()
    problems = []
    for word in _split_list(text):
        key = normalize(word)
        if key in _MENTOR_TYPES:
            found.add(_MENTOR_TYPES[key])
        else:
            fix = f"valid types: {_TYPE_WORDS}"
            problems.append(_unknown("mentor type", word, _MENTOR_TYPES, fix))
    if problems:
        raise _CellError("; ".join(problems))
    return tuple(sorted(found))


def _whole_number(text: str, what: str) -> int | None:
    if not text:
        return None
    match = _WHOLE.fullmatch(text)
    if match is None or int(match[1]) > MAX_WHOLE_NUMBER:
        raise _CellError(
            f"{what} must be a whole number from 0 to {MAX_WHOLE_NUMBER} {_WHOLE_HELP[what]}"
        )
    return int(match[1])


def _capacity(text: str) -> int:
    capacity = _whole_number(text, "capacity")
    return 1 if capacity is None else capacity


def _generation(text: str) -> Generation | None:
    if not text:
        return None
    key = _key(text).replace("generation", "gen").removesuffix("s")
    if key in _GENERATIONS:
        return _GENERATIONS[key]
    fix = _WORDS_FIX["generation"]
    raise _CellError(_unknown("generation", text, [g.value for g in Generation], fix))


def _meeting_mode(text: str) -> MeetingMode:
    if not text:
        return MeetingMode.EITHER
    if (mode := _MEETING_MODES.get(_key(text))) is not None:
        return mode
    fix = _WORDS_FIX["meeting_mode"]
    raise _CellError(_unknown("meeting mode", text, [m.value for m in MeetingMode], fix))


def _yes_no(text: str) -> bool:
    """A yes/no cell (``priority``): yes, true or 1; no, false, 0 or empty.

    >>> _yes_no("Yes"), _yes_no(""), _yes_no(" 0 ")
    (True, False, False)
    """
    if (answer := _YES_NO.get(text.strip().casefold())) is not None:
        return answer
    raise _CellError(f"{text!r} is not yes or no: {_WORDS_FIX['priority']}")


@lru_cache(maxsize=1)
def _zone_names() -> dict[str, str]:
    return {name.casefold(): name for name in available_timezones()}


def _timezone(text: str) -> tuple[str, int | None]:
    if not text:
        return "", None
    if text.casefold() in {"utc", "gmt", "z"}:
        return text, 0
    if match := _OFFSET.fullmatch(text):
        sign, hours, minutes = match.groups()
        total = int(hours) * 60 + int(minutes or 0)
        if int(minutes or 0) >= 60 or total > MAX_OFFSET_MINUTES:
            raise _CellError(f"offset {text!r} is out of range: use UTC-14:00 to UTC+14:00")
        return text, -total if sign == "-" else total
    name = _zone_names().get(text.casefold())
    if name is None:
        fix = "write an IANA name like Europe/Berlin or an offset like UTC+02:00"
        raise _CellError(_unknown("time zone", text, sorted(_zone_names().values()), fix))
    offset = OFFSET_INSTANT.astimezone(ZoneInfo(name)).utcoffset()
    return name, None if offset is None else int(offset.total_seconds() // 60)


def _tags(text: str) -> tuple[str, ...]:
    """A list cell's tags as written (spaces tidied), the first spelling of each
    normalised value, sorted by it.

    >>> _tags("German; english ;English;  Data  Science")
    ('Data Science', 'english', 'German')
    """
    kept: dict[str, str] = {}
    for part in map(tidy, _split_list(text)):
        kept.setdefault(part.casefold(), part)
    return tuple(kept[key] for key in sorted(kept))


_PARSERS: dict[str, Callable[[str], object]] = {
    "email": _required_email,
    "name": _name,
    "role": _role,
    "seeks": _mentor_types,
    "offers": _mentor_types,
    "id": str,
    "manager_email": _email,
    "level": lambda text: _whole_number(text, "level"),
    "capacity": _capacity,
    "generation": _generation,
    "meeting_mode": _meeting_mode,
    "timezone": _timezone,
    "notes": str,
    "admin_notes": str,
    "priority": _yes_no,
    "preferred_mentors": _picks,
    **dict.fromkeys(_TEXT_COLUMNS, tidy),
    **dict.fromkeys(_TAG_COLUMNS, _tags),
    **dict.fromkeys(_EMAIL_LIST_COLUMNS, _email_list),
}


@lru_cache(maxsize=1 << 16)
def _parsed(column: str, text: str) -> object:
    """A cell's value: cohorts repeat the same time zones, departments and tag lists, and
    every value is immutable, so each distinct cell is parsed once (errors are not kept)."""
    return _PARSERS[column](text)


# ---------------------------------------------------------------- row checks
def _cell_problem(column: str, text: str) -> str | None:
    if match := CONTROL_CHARACTERS.search(text):
        return (
            f"contains the control character U+{ord(match[0]):04X}, usually from a corrupt "
            "export: delete it (retype the cell)"
        )
    limit = COLUMN_LIMITS.get(column)
    length = len(text.casefold()) if column in _FOLDED else len(text)
    if limit is None or length <= limit:
        return None
    fix = _WORDS_FIX.get(column, "shorten it")
    return f"is {length} characters long; the limit is {limit}: {fix}"


def _parse_rows(
    numbered: Sequence[tuple[int, Mapping[str, str]]],
    missing: frozenset[str],
    questions: Sequence[Question] = (),
) -> tuple[list[_Row], list[Issue]]:
    """Parse numbered rows of text column by column, each distinct cell of a column once.

    A row the bulk checks cannot vouch for (see :func:`_check_column`, and every row when
    a required column is missing) goes through :func:`_parse_row`, whose issues are the
    reference; every other row's issues are those it would give.
    """
    texts = [row for _, row in numbered]
    suspects = set(range(len(texts))) if missing else set()
    values: dict[str, list[object]] = {}
    present = set().union(*texts)
    for column in {*_PARSERS, *present}:
        cells = _column(texts, column) if column in present else [""] * len(texts)
        parsed, failed = _check_column(column, cells)
        values[column] = list(map(parsed.get, cells))
        suspects |= failed
    rows, issues = [], []
    by_row = zip(*(values[column] for column in _PARSERS), strict=True)
    for index, ((number, row_texts), row_values) in enumerate(zip(numbered, by_row, strict=True)):
        if index in suspects:
            row, row_issues = _parse_row(number, row_texts, missing, questions)
        else:
            parsed = dict(zip(_PARSERS, row_values, strict=True))
            row, row_issues = _checked_row(number, row_texts, parsed, questions)
        rows.append(row)
        issues += row_issues
    return rows, issues


def _column(rows: Sequence[Mapping[str, str]], column: str) -> list[str]:
    """The cells of ``column``, row by row (``""`` where a row does not have it)."""
    try:
        return list(map(itemgetter(column), rows))
    except KeyError:
        return [row.get(column, "") for row in rows]


def _check_column(column: str, texts: list[str]) -> tuple[dict[str, object], set[int]]:
    """The value of each distinct text of a column that has no problem, and the positions
    of the texts that have or may have one (see :func:`_plain_texts`, and a text that
    does not parse)."""
    distinct = set(texts)
    values = _parsed_texts(column, _plain_texts(column, distinct))
    if len(values) == len(distinct):
        return values, set()
    return values, {i for i, text in enumerate(texts) if text not in values}


def _plain_texts(column: str, texts: set[str]) -> set[str]:
    """The texts of a column without a control character and not longer than its limit
    (than a third of it, for a column compared case-folded)."""
    limit = COLUMN_LIMITS.get(column, math.inf)
    most = _MOST_FOLDED if column in _FOLDED else 1
    if most * max(map(len, texts), default=0) > limit:
        texts = {text for text in texts if most * len(text) <= limit}
    if CONTROL_CHARACTERS.search("\n".join(texts)):
        texts = {text for text in texts if not CONTROL_CHARACTERS.search(text)}
    return texts


def _parsed_texts(column: str, texts: set[str]) -> dict[str, object]:
    """The value of each of a column's texts that parses (of a column that is not read:
    the text itself)."""
    if column not in _PARSERS:
        return dict(zip(texts, texts, strict=True))
    stripped = map(str.strip, texts)
    if _PARSERS[column] is str:
        return dict(zip(texts, stripped, strict=True))
    values = {}
    for text, cell in zip(texts, stripped, strict=True):
        try:
            values[text] = _parsed(column, cell)
        except _CellError:
            continue
    return values


def _parse_row(
    number: int,
    texts: Mapping[str, str],
    missing: frozenset[str],
    questions: Sequence[Question] = (),
) -> tuple[_Row, list[Issue]]:
    issues = [
        _issue(number, column, raw, problem)
        for column, raw in texts.items()
        if (problem := _cell_problem(column, raw))
    ]
    failed = {i.column for i in issues}
    values: dict[str, object] = {}
    for column in _PARSERS:
        text = texts.get(column, "").strip()
        if column in failed or (column in missing and not text):
            continue
        try:
            values[column] = _parsed(column, text)
        except _CellError as exc:
            issues.append(_issue(number, column, text, str(exc)))
    row, row_issues = _checked_row(number, texts, values, questions)
    return row, issues + row_issues


def _checked_row(
    number: int, texts: Mapping[str, str], values: dict[str, object], questions: Sequence[Question]
) -> tuple[_Row, list[Issue]]:
    """The row of the parsed cells ``values`` and the issues of its answers, of its role
    and of its references to the person's own e-mail."""
    issues = _answer_issues(number, texts, values, questions) if questions else []
    issues += _role_issues(number, values)
    issues += _self_reference_issues(number, values)
    explicit_id = bool(values.get("id"))
    if not explicit_id and "email" in values:
        values["id"] = values["email"]
    return _Row(number, values, explicit_id), issues


def _answer_issues(
    number: int, texts: Mapping[str, str], values: dict[str, object], questions: Sequence[Question]
) -> list[Issue]:
    """Read the answers to ``questions`` into ``values["answers"]``; an issue per bad cell
    and per required question left empty by someone it asks."""
    issues, answers = [], {}
    role = values.get("role")
    for question in questions:
        text = texts.get(question.key, "").strip()
        limit = ANSWER_LIMITS[question.kind]
        if len(text) > limit:
            message = f"is {len(text)} characters long; the limit is {limit}: shorten it"
            issues.append(_issue(number, question.key, text, message))
            continue
        try:
            answer = parse_answer(question, text)
        except ValueError as exc:
            issues.append(_issue(number, question.key, text, str(exc)))
            continue
        asked = (role in (Role.MENTEE, Role.BOTH) and question.asks_mentees) or (
            role in (Role.MENTOR, Role.BOTH) and question.asks_mentors
        )
        if question.required and asked and answer in ("", ()):
            issues.append(_issue(number, question.key, "", f"required: answer {question.prompt!r}"))
        answers[question.key] = answer
    if answers:
        values["answers"] = Answers(answers)
    return issues


def _role_issues(number: int, values: dict[str, object]) -> list[Issue]:
    """Check seeks/offers against the role (dropping ignored ones) and what each type needs."""
    role = values.get("role")
    if role is None:
        return []
    issues = []
    sides = (
        ("seeks", Role.MENTEE, "mentee", "sought"),
        ("offers", Role.MENTOR, "mentor", "offered"),
    )
    for column, own_role, word, verb in sides:
        if column not in values:
            continue
        if role in (own_role, Role.BOTH) and not values[column]:
            issues.append(
                _issue(
                    number,
                    column,
                    "",
                    f"role is {role.value!r} but no mentor type is {verb}: "
                    f"write one or more of {_TYPE_WORDS}, separated by ;",
                )
            )
        elif role not in (own_role, Role.BOTH) and values[column]:
            shown = "; ".join(values[column])
            issues.append(
                _issue(
                    number,
                    column,
                    shown,
                    f"ignored: role is {role.value!r}; set role to 'both' to also be a {word}",
                    "warning",
                )
            )
            values[column] = ()
    return issues + _type_need_issues(number, values)


def _type_need_issues(number: int, values: dict[str, object]) -> list[Issue]:
    return [
        _issue(
            number,
            column,
            "",
            f"empty, so they cannot be matched for {kind.value} mentoring: fill in {what}",
            "warning",
        )
        for kind, sides, column, what in _TYPE_NEEDS
        if column in values
        and values[column] in (None, ())
        and any(kind in values.get(side, ()) for side in sides)
    ]


def _self_reference_issues(number: int, values: dict[str, object]) -> list[Issue]:
    email = values.get("email")
    if not email:
        return []
    issues = []
    if values.get("manager_email") == email:
        issues.append(
            _issue(
                number,
                "manager_email",
                str(email),
                "a person cannot be their own manager: "
                "write their manager's e-mail or leave it empty",
            )
        )
    for column in (*_EMAIL_LIST_COLUMNS, "preferred_mentors"):
        if email in values.get(column, ()):
            issues.append(
                _issue(number, column, str(email), "lists the person's own e-mail: remove it")
            )
    return issues


# ---------------------------------------------------------------- cross-row checks
def _cross_row_issues(rows: list[_Row]) -> list[Issue]:
    by_email = _group(rows, lambda r: r.values.get("email"))
    by_id = _group(rows, lambda r: r.values.get("id") if r.explicit_id else None)
    issues = _duplicate_issues(
        by_email,
        "email",
        "e-mail",
        "each person needs exactly one row: delete or merge the duplicates",
    )
    issues += _duplicate_issues(
        by_id, "id", "id", "ids must be unique: give each person their own, or leave it empty"
    )
    issues += _reference_issues(rows, set(by_email))
    unique = {email: group[0] for email, group in by_email.items() if len(group) == 1}
    issues += _cycle_issues(unique)
    return issues


def _group(rows: list[_Row], key: Callable[[_Row], object]) -> dict[str, list[_Row]]:
    groups: dict[str, list[_Row]] = defaultdict(list)
    for row in rows:
        if value := key(row):
            groups[str(value)].append(row)
    return groups


def _duplicate_issues(
    groups: dict[str, list[_Row]], column: str, label: str, fix: str
) -> list[Issue]:
    issues = []
    for value, group in groups.items():
        for row in group if len(group) > 1 else ():
            others = [str(r.number) for r in group if r is not row]
            rows = f"row {others[0]}" if len(others) == 1 else f"rows {', '.join(others)}"
            issues.append(_issue(row.number, column, value, f"same {label} as {rows}; {fix}"))
    return issues


def _reference_issues(rows: list[_Row], known: set[str]) -> list[Issue]:
    issues = []
    for row in rows:
        own = row.values.get("email")
        for column in _REFERENCE_COLUMNS:
            entry = row.values.get(column) or ()
            for address in (entry,) if isinstance(entry, str) else entry:
                if address not in known and address != own:
                    issues.append(
                        _issue(
                            row.number,
                            column,
                            address,
                            f"{address} is not in this file: fine if they are not in the "
                            "program, otherwise check the spelling",
                            "warning",
                        )
                    )
    return issues


def _cycle_issues(rows: dict[str, _Row]) -> list[Issue]:
    """An error on every person whose reporting chain (manager, manager's manager...) loops."""
    manager_of = {
        email: manager
        for email, row in rows.items()
        if (manager := row.values.get("manager_email")) in rows and manager != email
    }
    done: set[str] = set()
    issues = []
    for start in sorted(manager_of):
        path: dict[str, int] = {}  # node -> position on the walk from start
        node = start
        while node in manager_of and node not in done and node not in path:
            path[node] = len(path)
            node = manager_of[node]
        done.update(path)
        if node not in path:
            continue
        loop = list(path)[path[node] :]
        for k, email in enumerate(loop):
            size = len(loop)
            ahead = [loop[(k + j) % size] for j in range(min(size, MAX_LOOP_SHOWN))]
            if size > MAX_LOOP_SHOWN:
                ahead[-1] = f"... ({size} people in all)"
            chain = " -> ".join([*ahead, email])
            issues.append(
                _issue(
                    rows[email].number,
                    "manager_email",
                    manager_of[email],
                    f"reporting chain loops: {chain}; correct the manager_email of one of them",
                )
            )
    return issues


def _participant(row: _Row) -> Participant:
    timezone, offset = row.values.get("timezone", ("", None))
    values = {**row.values, "timezone": timezone, "utc_offset_minutes": offset, "row": row.number}
    return participant_from_fields(values)
