"""Review decisions files: valid rows become Decisions, every bad row is reported."""

from __future__ import annotations

from pathlib import Path

import pytest

from matcher import load_config, load_participants, propose
from matcher.decisions import load_decisions, parse_decisions
from matcher.errors import IntakeError
from matcher.proposal import Decision
from matcher.schema import MentorType

SAMPLE = Path(__file__).resolve().parents[1] / "sample_data"


def _row(mentee: str, mentor: str, kind: str, decision: str) -> dict[str, str]:
    return {"mentee_email": mentee, "mentor_email": mentor, "mentor_type": kind,
            "decision": decision}  # fmt: skip


def test_valid_rows_are_case_insensitive_and_normalised() -> None:
    rows = [
        _row(" Ana@X.org ", "BO@x.org", " Generational", "Lock"),
        _row("a@x.org", "c@x.org", "expertise", "REJECT"),
    ]
    decisions, issues = parse_decisions(rows)
    assert issues == ()
    assert decisions == (
        Decision("ana@x.org", "bo@x.org", MentorType.GENERATIONAL, "lock"),
        Decision("a@x.org", "c@x.org", MentorType.EXPERTISE, "reject"),
    )


def test_every_bad_cell_is_reported_with_row_column_and_fix() -> None:
    decisions, issues = parse_decisions(
        [
            _row("ana@x.org", "bo@x.org", "developmental", "lock"),
            {},
            _row("", "not-an-email", "mentoring", "approve"),
        ],
        first_row=5,
    )
    assert len(decisions) == 1
    assert [(i.row, i.column) for i in issues] == [
        (7, "decision"),
        (7, "mentee_email"),
        (7, "mentor_email"),
        (7, "mentor_type"),
    ]
    by_column = {i.column: i.message for i in issues}
    assert "write lock" in by_column["decision"] and "reject" in by_column["decision"]
    assert "empty" in by_column["mentee_email"]
    assert "developmental, sponsorship, generational, expertise" in by_column["mentor_type"]


def test_repeats_are_dropped_and_contradictions_are_errors() -> None:
    lock = _row("ana@x.org", "bo@x.org", "sponsorship", "lock")
    decisions, issues = parse_decisions(
        [lock, lock, _row("ANA@x.org", "bo@x.org", "sponsorship", "reject")]
    )
    assert len(decisions) == 1 and decisions[0].action == "lock"
    assert [(i.row, i.column) for i in issues] == [(4, "decision")]
    assert "row 2 already says lock" in issues[0].message


def test_load_from_an_excel_export(tmp_path: Path) -> None:
    path = tmp_path / "decisions.csv"
    header = "\ufeffMentee e-mail;Mentor e-mail;Mentor type;Decision\r\n"
    text = header + "a@x.org;b@x.org;expertise;lock\r\n"
    path.write_text(text, encoding="utf-8")
    assert load_decisions(path) == (Decision("a@x.org", "b@x.org", MentorType.EXPERTISE, "lock"),)


def test_load_reports_missing_columns_and_bad_rows(tmp_path: Path) -> None:
    with pytest.raises(IntakeError) as missing:
        load_decisions(b"mentee_email,mentor_email,type\na@x.org,b@x.org,expertise\n")
    assert [(i.row, i.column) for i in missing.value.issues] == [
        (1, "mentor_type"),
        (1, "decision"),
    ]
    with pytest.raises(IntakeError) as bad:
        load_decisions(b"mentee_email,mentor_email,mentor_type,decision\na@x.org,b@x.org,x,lock\n")
    assert [(i.row, i.column, i.value) for i in bad.value.issues] == [(2, "mentor_type", "x")]
    with pytest.raises(IntakeError, match="no such file"):
        load_decisions(tmp_path / "missing.csv")


def test_never_keeps_the_two_apart_for_every_type_and_reject_only_for_its_own() -> None:
    people = load_participants(SAMPLE / "participants.csv").participants
    config = load_config(SAMPLE / "program.toml")
    mia, tamsin = "mia.hoffmann@loomworks.example", "tamsin.kapoor@loomworks.example"
    (decision,) = parse_decisions([_row(mia, tamsin, "generational", "never")])[0]
    assert decision.action == "never"

    def between(action: str) -> list[str]:
        decisions = [Decision(mia, tamsin, MentorType.GENERATIONAL, action)]
        found = propose(people, config, decisions)
        pairs = found.matches[found.matches.mentee_email == mia]
        return pairs[pairs.mentor_email == tamsin].mentor_type.tolist()

    assert between("reject") == ["developmental"]
    assert between("never") == []
