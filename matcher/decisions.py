"""An admin's review decisions read from CSV, for re-running a match around them.

A decisions file has one row per reviewed pair::

    mentee_email, mentor_email, mentor_type, decision
    ana @ example.org, bo @ example.org, sponsorship, lock
    ana @ example.org, cy @ example.org, developmental, reject
    ana @ example.org, di @ example.org, expertise, never

``lock`` keeps the pair in every re-run; ``reject``
never proposes that pair again for that type ("not for this type"); ``never`` never
proposes the two people to each other again, for any type. Every bad
row is reported with its row, column and a fix; whether the e-mails belong to
participants is checked by :func:`matcher.engine.propose`, which knows the people.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from typing import Literal, cast

from matcher.csv_io import read_rows
from matcher.errors import IntakeError, Issue
from matcher.proposal import Decision
from matcher.schema import MentorType, normalize

DECISION_COLUMNS: tuple[str, ...] = ("mentee_email", "mentor_email", "mentor_type", "decision")
Action = Literal["lock", "reject", "never"]
ACTIONS: tuple[str, ...] = ("lock", "reject", "never")
_TYPE_WORDS = ", ".join(t.value for t in MentorType)


def _column(name: str) -> str:
    """Decisions column name: ``"mentee_e_mail"`` (header "Mentee e-mail") -> ``"mentee_email"``."""
    return name.replace("e_mail", "email")


def _email_problem(column: str, text: str) -> str | None:
    """Why ``text`` is not an e-mail address, or None when it looks like one."""
    who = column.removesuffix("_email")
    local, at, domain = text.partition("@")
    if not text:
        return f"the {who}'s e-mail is empty: write it as in the participants file"
    if not at or not local or "." not in domain or "@" in domain or " " in text:
        return f"not an e-mail address: write the {who}'s e-mail as in the participants file"
    return None


def _row_issues(number: int, cells: Mapping[str, str]) -> list[Issue]:
    """Every problem of one row, one Issue per bad cell."""
    issues = []
    for column in ("mentee_email", "mentor_email"):
        text = cells.get(column, "").strip()
        problem = _email_problem(column, text)
        if problem:
            issues.append(Issue(number, column, text, problem))
    kind = cells.get("mentor_type", "")
    if normalize(kind) not in {t.value for t in MentorType}:
        issues.append(
            Issue(number, "mentor_type", kind, f"unknown mentor type: write {_TYPE_WORDS}")
        )
    action = cells.get("decision", "")
    if normalize(action) not in ACTIONS:
        issues.append(
            Issue(
                number,
                "decision",
                action,
                "unknown decision: write lock (keep this pair), reject (not for this type) "
                "or never (never pair these two, any type)",
            )
        )
    return issues


def parse_decisions(
    rows: Iterable[Mapping[str, str]], *, first_row: int = 2
) -> tuple[tuple[Decision, ...], tuple[Issue, ...]]:
    """Validate rows of a decisions file into :class:`~matcher.proposal.Decision` records.

    Parameters
    ----------
    rows
        Mappings canonical column -> cell text (``mentee_email, mentor_email,
        mentor_type, decision``); the decision is ``lock``, ``reject`` or ``never``, in
        any case.
    first_row
        Spreadsheet row number of the first row, used in every issue.

    Returns
    -------
    tuple
        The decisions from rows without errors (in file order, repeats dropped) and every
        issue found. A pair that is both locked and rejected is an error on the later row.

    Examples
    --------
    >>> decisions, issues = parse_decisions(
    ...     [
    ...         {
    ...             "mentee_email": "Ana@X.org",
    ...             "mentor_email": "bo@x.org",
    ...             "mentor_type": "Sponsorship",
    ...             "decision": "LOCK",
    ...         },
    ...         {
    ...             "mentee_email": "ana@x.org",
    ...             "mentor_email": "cy@x.org",
    ...             "mentor_type": "sponsor",
    ...             "decision": "reject",
    ...         },
    ...     ]
    ... )
    >>> decisions[0].mentee_email, decisions[0].mentor_type.value, decisions[0].action
    ('ana@x.org', 'sponsorship', 'lock')
    >>> issues[0].row, issues[0].column
    (3, 'mentor_type')
    """
    decisions: dict[tuple[str, str, MentorType], tuple[int, Decision]] = {}
    issues: list[Issue] = []
    for number, cells in enumerate(rows, first_row):
        if not any(str(v).strip() for v in cells.values()):
            continue
        row_issues = _row_issues(number, cells)
        issues += row_issues
        if row_issues:
            continue
        decision = Decision(
            cells["mentee_email"].strip().lower(),
            cells["mentor_email"].strip().lower(),
            MentorType(normalize(cells["mentor_type"])),
            cast(Action, normalize(cells["decision"])),
        )
        key = (decision.mentee_email, decision.mentor_email, decision.mentor_type)
        earlier = decisions.get(key)
        if earlier is None:
            decisions[key] = (number, decision)
        elif earlier[1].action != decision.action:
            message = (
                f"row {earlier[0]} already says {earlier[1].action} for this mentee, mentor "
                "and type: keep only one of the two rows"
            )
            issues.append(Issue(number, "decision", cells["decision"], message))
    return tuple(d for _, d in decisions.values()), tuple(sorted(issues))


def load_decisions(path: str | os.PathLike[str] | bytes) -> tuple[Decision, ...]:
    """Read a decisions CSV file (a path or its bytes).

    Raises
    ------
    IntakeError
        When the file cannot be read, lacks a column, or has any bad row; it lists every
        problem with its row, column and fix.

    Examples
    --------
    >>> data = (
    ...     b"Mentee email,Mentor email,Mentor type,Decision\\na@x.org,b@x.org,expertise,reject\\n"
    ... )
    >>> load_decisions(data)[0].action
    'reject'
    >>> try:
    ...     load_decisions(b"mentee_email,mentor_email\\na@x.org,b@x.org\\n")
    ... except IntakeError as error:
    ...     print(error.issues[0].describe())
    row 1, column 'mentor_type', value '': no 'mentor_type' column: add it to the header
    """
    table = read_rows(path)
    columns = [_column(c) for c in table.columns]
    missing = [c for c in DECISION_COLUMNS if c not in columns]
    if missing:
        raise IntakeError(
            [
                Issue(
                    table.first_row - 1, column, "", f"no {column!r} column: add it to the header"
                )
                for column in missing
            ]
        )
    rows = ({_column(k): v for k, v in row.items()} for row in table.rows)
    decisions, issues = parse_decisions(rows, first_row=table.first_row)
    if issues:
        raise IntakeError(issues)
    return decisions
