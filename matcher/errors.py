"""Errors raised by the matching core.

Every error a user can cause is a :class:`MatcherError`; anything else is a bug.

::

    MatcherError
     ├── IntakeError   the participant data has problems (carries every Issue found)
     ├── ConfigError   the program config has an unknown key or a bad value
     └── SolveError    the decisions cannot all hold (e.g. locks overfill a mentor)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from matcher.words import plural

Severity = Literal["error", "warning"]


@dataclass(frozen=True, order=True)
class Issue:
    """One problem found in participant data, located as a spreadsheet shows it.

    Parameters
    ----------
    row
        Spreadsheet row number (the header is row 1, the first person row 2);
        0 when the problem concerns the file as a whole (e.g. a missing column).
    column
        Canonical column name, e.g. ``"email"``.
    value
        The offending cell text (shortened for display when very long).
    message
        What is wrong and how to fix it, in plain words.
    severity
        ``"error"`` blocks the import; ``"warning"`` is shown but allowed.

    Examples
    --------
    >>> Issue(3, "role", "mentr", "unknown role; did you mean 'mentor'?").describe()
    "row 3, column 'role', value 'mentr': unknown role; did you mean 'mentor'?"
    """

    row: int
    column: str
    value: str
    message: str
    severity: Severity = "error"

    def describe(self) -> str:
        """Return a one-line human description of the issue."""
        where = f"row {self.row}, " if self.row else ""
        return f"{where}column {self.column!r}, value {self.value!r}: {self.message}"


class MatcherError(Exception):
    """Base class of every error a user of mentorloom can cause."""


class IntakeError(MatcherError):
    """Participant data could not be accepted; ``issues`` lists every problem found.

    Examples
    --------
    >>> err = IntakeError([Issue(2, "email", "", "e-mail is empty; fill it in")])
    >>> len(err.issues)
    1
    """

    def __init__(self, issues: list[Issue] | tuple[Issue, ...]) -> None:
        self.issues: tuple[Issue, ...] = tuple(issues)
        errors = [i for i in self.issues if i.severity == "error"]
        head = f"{plural(len(errors), 'problem')} in the participant data"
        lines = [i.describe() for i in errors[:20]]
        if len(errors) > 20:
            lines.append(f"... and {len(errors) - 20} more")
        super().__init__("\n  ".join([head, *lines]))


class ConfigError(MatcherError):
    """The program config is invalid; ``key`` names the offending setting.

    Examples
    --------
    >>> str(ConfigError("objective", "must be one of coverage, quality, fairness"))
    "config key 'objective': must be one of coverage, quality, fairness"
    """

    def __init__(self, key: str, message: str) -> None:
        self.key = key
        super().__init__(f"config key {key!r}: {message}")


class SolveError(MatcherError):
    """The matching problem has no answer that respects the admin's decisions."""
