"""Validating participant rows: the one path for CSV files and intake forms."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matcher.cohort import encode
from matcher.csv_io import CONTROL_CHARACTERS, neutralize_cell, read_rows, to_csv_bytes
from matcher.errors import IntakeError
from matcher.intake import (
    COLUMNS,
    PICK_COLUMNS,
    IntakeResult,
    ignored_columns,
    load_participants,
    parse_participants,
)
from matcher.limits import COLUMN_LIMITS
from matcher.schema import Generation, MeetingMode, MentorType, Participant, Role
from tests.strategies import (
    CSV_TOKENS,
    HAZARD_ROWS,
    INTAKE_ROW,
    VALID_FORM_CELLS,
    VALID_FORM_ROWS,
)

DATA = Path(__file__).parent / "data"

MENTEE = {"email": "ann@x.org", "name": "Ann", "role": "mentee", "seeks": "developmental"}
MENTOR = {"email": "max@x.org", "name": "Max", "role": "mentor", "offers": "developmental"}


def mentee(**cells: str) -> dict[str, str]:
    return {**MENTEE, **cells}


def mentor(**cells: str) -> dict[str, str]:
    return {**MENTOR, **cells}


def issues_of(*rows: dict[str, str], columns=None) -> list[tuple[int, str, str, str, str]]:
    """(row, column, value, message, severity) of every issue, for compact assertions."""
    result = parse_participants(rows, columns=columns)
    return [(i.row, i.column, i.value, i.message, i.severity) for i in result.issues]


def one_issue(*rows: dict[str, str], columns=None):
    (issue,) = parse_participants(rows, columns=columns).issues
    return issue


def person(row: dict[str, str]) -> Participant:
    result = parse_participants([row])
    assert result.ok, result.issues
    (participant,) = result.participants
    return participant


# ---------------------------------------------------------------- a worked example
def test_fixture_file_reads_into_exact_participants():
    result = load_participants(DATA / "participants.csv")

    (timestamp,) = result.issues
    assert (timestamp.row, timestamp.column, timestamp.severity) == (0, "Timestamp", "warning")
    ana, bo, carl = result.participants
    assert ana == Participant(
        email="ana.lopez@example.org",
        name="Ana López",
        role=Role.MENTEE,
        seeks=(MentorType.DEVELOPMENTAL, MentorType.SPONSORSHIP),
        id="0012",
        department="Finance",
        manager_email="carl@example.org",
        level=2,
        generation=Generation.MILLENNIAL,
        goals=("Negotiation", "Public speaking"),
        languages=("English", "Spanish"),
        timezone="Europe/Madrid",
        utc_offset_minutes=60,
        meeting_mode=MeetingMode.REMOTE,
        notes="Wants to move to Strategy, next year",
    )
    assert (bo.email, bo.name, bo.id, bo.offers) == (
        "bo@example.org",
        "NA",
        "bo@example.org",
        (MentorType.EXPERTISE, MentorType.SPONSORSHIP),
    )
    assert (bo.expertise, bo.capacity, bo.utc_offset_minutes) == (("Python", "SQL"), 2, -300)
    assert (bo.meeting_mode, bo.previous_partners) == (
        MeetingMode.IN_PERSON,
        ("ana.lopez@example.org",),
    )
    assert (carl.role, carl.capacity, carl.generation, carl.languages) == (
        Role.BOTH,
        0,
        Generation.BOOMER,
        ("English", "german"),
    )
    assert (carl.meeting_mode, carl.utc_offset_minutes) == (MeetingMode.EITHER, 60)
    assert [p.row for p in result.participants] == [2, 3, 4]


def test_defaults_for_optional_columns():
    max_ = person(MENTOR)

    assert (max_.id, max_.capacity, max_.meeting_mode) == ("max@x.org", 1, MeetingMode.EITHER)
    assert (max_.level, max_.generation, max_.timezone, max_.utc_offset_minutes) == (
        None,
        None,
        "",
        None,
    )


def test_na_name_and_leading_zero_id_survive_a_csv_file():
    data = b"email,name,role,seeks,id\r\nna@x.org,NA,mentee,expertise,0012\r\n"

    (participant,) = load_participants(data).participants

    assert (participant.name, participant.id) == ("NA", "0012")


def test_email_is_lower_cased_and_name_and_notes_kept_as_written():
    participant = person(mentee(email="  Ann.Lee@X.ORG ", name=" Ann  LEE ", notes=" Hi  there "))

    assert (participant.email, participant.name, participant.notes) == (
        "ann.lee@x.org",
        "Ann  LEE",
        "Hi  there",
    )


@pytest.mark.parametrize(
    ("cell", "tags"),
    [
        ("Python; SQL", ("Python", "SQL")),
        ("Python, SQL", ("Python", "SQL")),
        ("Python|SQL", ("Python", "SQL")),
        ("Python, R; SQL", ("Python, R", "SQL")),  # with a ';' only ';' separates
        ("  Data   Science ;data science;;", ("Data Science",)),
        ("sql; Go", ("Go", "sql")),
        (" ; , ", ()),
    ],
)
def test_list_cells_split_tidy_sort_and_deduplicate(cell, tags):
    assert person(mentee(goals=cell)).goals == tags


def test_compared_text_columns_keep_their_spelling_and_compare_normalised():
    participant = person(mentee(department=" Finance  Ops", location="BERLIN", organization="ACME"))
    other = person(mentee(email="b@x.org", department="finance ops", location="Berlin"))

    assert (participant.department, participant.location, participant.organization) == (
        "Finance Ops",
        "BERLIN",
        "ACME",
    )
    cohort = encode([participant, other])
    assert cohort.department[0] == cohort.department[1]
    assert cohort.location[0] == cohort.location[1]


@pytest.mark.parametrize(
    ("cell", "generation"),
    [
        ("gen_x", Generation.GEN_X),
        ("Gen X", Generation.GEN_X),
        ("genx", Generation.GEN_X),
        ("Generation X", Generation.GEN_X),
        ("millennials", Generation.MILLENNIAL),
        ("Gen Y", Generation.MILLENNIAL),
        ("gen z", Generation.GEN_Z),
        ("baby boomer", Generation.BOOMER),
        ("Boomers", Generation.BOOMER),
    ],
)
def test_generation_spellings(cell, generation):
    assert person(mentee(generation=cell)).generation == generation


@pytest.mark.parametrize(
    ("cell", "mode"),
    [
        ("in person", MeetingMode.IN_PERSON),
        ("In-Person", MeetingMode.IN_PERSON),
        ("in_person", MeetingMode.IN_PERSON),
        ("Remote", MeetingMode.REMOTE),
        ("hybrid", MeetingMode.EITHER),
        ("either", MeetingMode.EITHER),
        ("", MeetingMode.EITHER),
    ],
)
def test_meeting_mode_spellings(cell, mode):
    assert person(mentee(meeting_mode=cell)).meeting_mode == mode


@pytest.mark.parametrize(
    ("cell", "stored", "minutes"),
    [
        ("Europe/Berlin", "Europe/Berlin", 60),
        ("europe/berlin", "Europe/Berlin", 60),
        ("America/New_York", "America/New_York", -300),  # January: standard time
        ("Asia/Kolkata", "Asia/Kolkata", 330),
        ("Australia/Sydney", "Australia/Sydney", 660),  # January: daylight saving time
        ("UTC", "UTC", 0),
        ("GMT", "GMT", 0),
        ("UTC+2", "UTC+2", 120),
        ("utc-05:30", "utc-05:30", -330),
        ("+01:00", "+01:00", 60),
        ("GMT+0545", "GMT+0545", 345),
    ],
)
def test_timezones_store_text_and_offset_at_a_fixed_instant(cell, stored, minutes):
    participant = person(mentee(timezone=cell))

    assert (participant.timezone, participant.utc_offset_minutes) == (stored, minutes)


def test_whole_numbers_accept_excel_decimals_and_zero():
    participant = person(mentor(level="3.0", capacity="0"))

    assert (participant.level, participant.capacity) == (3, 0)


def test_blank_rows_are_skipped_but_counted_for_row_numbers():
    rows = [MENTEE, {"email": " ", "name": ""}, mentor(role="boss")]

    assert [(i.row, i.column) for i in parse_participants(rows).issues] == [(4, "role")]


def test_participants_are_sorted_by_email_and_keep_their_row():
    rows = [mentor(email="zed@x.org"), MENTEE, mentor(email="bea@x.org")]

    result = parse_participants(rows, first_row=10)

    assert [(p.email, p.row) for p in result.participants] == [
        ("ann@x.org", 11),
        ("bea@x.org", 12),
        ("zed@x.org", 10),
    ]


# ---------------------------------------------------------------- one issue per bad input
def test_missing_required_columns_are_row_zero_errors_and_accept_no_one():
    result = parse_participants([{"email": "a@x.org"}], columns=["email", "seeks"])

    assert [(i.row, i.column, i.message) for i in result.issues] == [
        (0, "name", "required column 'name' is missing: add a column headed 'name'"),
        (0, "role", "required column 'role' is missing: add a column headed 'role'"),
    ]
    assert result.participants == ()


def test_every_unknown_column_is_a_warning_naming_the_closest_known_one():
    columns = ["email", "name", "role", "seeks", "sekks", "favourite_colour"]

    assert issues_of(mentee(), columns=columns) == [
        (
            0,
            "favourite_colour",
            "",
            "unknown column, ignored: it is not one of the participant columns "
            "(fine for extra data; otherwise rename the header)",
            "warning",
        ),
        (
            0,
            "sekks",
            "",
            "unknown column, ignored; did you mean 'seeks'? Rename the header",
            "warning",
        ),
    ]
    assert ignored_columns(columns) == ("sekks", "favourite_colour")


def test_tags_and_languages_keep_their_spelling_once_per_normalised_value():
    data = (
        b"email,name,role,seeks,goals,languages\r\n"
        b"ana@x.org,Ana,mentee,developmental,Public  Speaking; public speaking,"
        b"English;german;ENGLISH\r\n"
    )

    (ana,) = load_participants(data).participants

    assert (ana.goals, ana.languages) == (("Public Speaking",), ("English", "german"))


def test_an_ignored_column_is_named_as_its_header_is_written():
    data = (
        b"E-mail;Name;First name;Role;Seeks;Favourite colour;SEKKS\r\n"
        b"ana@x.org;Ana Lopez;Ana;mentee;developmental;blue;\r\n"
    )

    issues = load_participants(data).issues

    assert [(i.column, i.message) for i in issues] == [
        (
            "Favourite colour",
            "unknown column, ignored: it is not one of the participant columns "
            "(fine for extra data; otherwise rename the header)",
        ),
        ("First name", "ignored: the file has a 'name' column, which is used instead"),
        ("SEKKS", "unknown column, ignored; did you mean 'seeks'? Rename the header"),
    ]


def test_first_and_last_name_columns_make_the_name():
    data = b"E-mail;First name;Last name;Role;Seeks\r\nana@x.org;Ana;Lopez;mentee;developmental\r\n"

    result = load_participants(data)

    assert [p.name for p in result.participants] == ["Ana Lopez"]
    (issue,) = result.issues
    assert (issue.row, issue.column, issue.severity) == (0, "name", "warning")
    assert issue.message == (
        "no 'name' column: each person's name is made of 'First name' and 'Last name', "
        "joined with a space"
    )


def test_first_and_last_name_are_ignored_beside_a_name_column():
    columns = ["email", "name", "first_name", "role", "seeks"]

    assert issues_of(mentee(first_name="Bea"), columns=columns) == [
        (
            0,
            "first_name",
            "",
            "ignored: the file has a 'name' column, which is used instead",
            "warning",
        )
    ]
    assert person(mentee(first_name="Bea")).name == MENTEE["name"]


def test_a_file_with_a_header_and_no_people_is_an_error():
    for data in (b"email,name,role\r\n", b"email,name,role\r\n,,\r\n\r\n"):
        with pytest.raises(IntakeError) as excinfo:
            load_participants(data)
        (issue,) = excinfo.value.issues
        assert (issue.row, issue.severity) == (0, "error")
        assert issue.message.startswith("the file has a header row but no people below it")


def test_known_rows_are_checked_against_but_not_reported():
    known = [mentor(email="boss@x.org", manager_email="ann@x.org"), mentee(email="dup@x.org")]
    rows = [mentee(email="ann@x.org", manager_email="boss@x.org"), mentee(email="dup@x.org")]

    result = parse_participants(rows, others=known)

    assert [(i.row, i.column, i.message.split(";")[0]) for i in result.issues] == [
        (2, "manager_email", "reporting chain loops: ann@x.org -> boss@x.org -> ann@x.org"),
        (3, "email", "same e-mail as row 5"),
    ]
    assert result.participants == ()


KEEP_ONE = "keep one, like name@example.org"


@pytest.mark.parametrize(
    ("cell", "message"),
    [
        ("", "e-mail is empty: every person needs one; fill it in"),
        ("ann at x.org", "an e-mail cannot contain spaces: write it like name@example.org"),
        ("ann@@x.org", "an e-mail needs exactly one @: write it like name@example.org"),
        ("ann@x", "this is not a valid e-mail address: write it like name@example.org"),
        ("ann.@x..org", "this is not a valid e-mail address: write it like name@example.org"),
        ("<ann@x.org>", "this is not a valid e-mail address: write it like name@example.org"),
        ("ann@x.org; bo@x.org", f"only one e-mail fits in this column: {KEEP_ONE}"),
        ("ann|bo@x.org", f"only one e-mail fits in this column: {KEEP_ONE}"),
    ],
)
def test_bad_email(cell, message):
    issue = one_issue(mentee(email=cell))

    assert (issue.row, issue.column, issue.value, issue.message) == (2, "email", cell, message)


def test_duplicate_emails_name_each_other_case_insensitively():
    rows = [mentee(email="Ann@X.org"), MENTOR, mentee(email="ann@x.org ", name="Ann again")]

    result = parse_participants(rows)

    assert [(i.row, i.column, i.message.split(";")[0]) for i in result.issues] == [
        (2, "email", "same e-mail as row 4"),
        (4, "email", "same e-mail as row 2"),
    ]
    assert [p.email for p in result.participants] == ["max@x.org"]


def test_duplicate_ids():
    rows = [mentee(id="007"), mentor(id="007")]

    assert [
        (i.row, i.column, i.message.split(";")[0]) for i in parse_participants(rows).issues
    ] == [
        (2, "id", "same id as row 3"),
        (3, "id", "same id as row 2"),
    ]


@pytest.mark.parametrize(
    ("cell", "message"),
    [
        ("", "role is empty: write mentee, mentor or both"),
        ("mentr", "unknown role 'mentr'; did you mean 'mentor'? (write mentee, mentor or both)"),
        ("mentee & mentor", "is 15 characters long; the limit is 10: write mentee, mentor or both"),
        ("boss", "unknown role 'boss' (write mentee, mentor or both)"),
    ],
)
def test_bad_role(cell, message):
    issue = one_issue(mentee(role=cell))

    assert (issue.row, issue.column, issue.message) == (2, "role", message)


def test_unknown_mentor_type_suggests_the_closest():
    issue = one_issue(mentor(offers="developmental; Sponsor"))

    assert (issue.row, issue.column, issue.value) == (2, "offers", "developmental; Sponsor")
    assert issue.message.startswith("unknown mentor type 'Sponsor'; did you mean 'sponsorship'?")
    assert "valid types: developmental, sponsorship, generational, expertise" in issue.message


def test_mentor_types_are_case_insensitive_sorted_and_deduplicated():
    participant = person(mentee(seeks="Sponsorship, developmental,SPONSORSHIP", level="2"))

    assert participant.seeks == (MentorType.DEVELOPMENTAL, MentorType.SPONSORSHIP)


@pytest.mark.parametrize("column", ["capacity", "level"])
@pytest.mark.parametrize("cell", ["-1", "2.5", "two", "1e3", "100001"])
def test_capacity_and_level_must_be_whole_numbers(column, cell):
    issue = one_issue(mentor(**{column: cell}))

    assert (issue.row, issue.column, issue.value) == (2, column, cell)
    assert issue.message.startswith(f"{column} must be a whole number from 0 to 100000")


def test_mentee_without_seeks_and_mentor_without_offers():
    rows = [mentee(seeks=""), mentor(offers=" ; "), mentee(email="b@x.org", role="both")]

    assert [
        (i.row, i.column, i.message.split(":")[0]) for i in parse_participants(rows).issues
    ] == [
        (2, "seeks", "role is 'mentee' but no mentor type is sought"),
        (3, "offers", "role is 'mentor' but no mentor type is offered"),
        (4, "offers", "role is 'both' but no mentor type is offered"),
    ]


def test_offers_of_a_mentee_only_are_ignored_with_a_warning():
    result = parse_participants([mentee(offers="expertise", expertise="python")])

    (issue,) = result.issues
    assert (issue.row, issue.column, issue.severity) == (2, "offers", "warning")
    assert issue.message == "ignored: role is 'mentee'; set role to 'both' to also be a mentor"
    assert result.participants[0].offers == ()


def test_seeks_of_a_mentor_only_are_ignored_with_a_warning():
    result = parse_participants([mentor(seeks="generational")])

    (issue,) = result.issues
    assert (issue.column, issue.severity) == ("seeks", "warning")
    assert "set role to 'both' to also be a mentee" in issue.message
    assert result.participants[0].seeks == ()


def test_own_manager_exclude_and_previous_partner_are_errors():
    row = mentee(manager_email="ANN@x.org", exclude="ann@x.org", previous_partners="ann@x.org")

    assert issues_of(row) == [
        (2, "exclude", "ann@x.org", "lists the person's own e-mail: remove it", "error"),
        (
            2,
            "manager_email",
            "ann@x.org",
            "a person cannot be their own manager: write their manager's e-mail or leave it empty",
            "error",
        ),
        (2, "previous_partners", "ann@x.org", "lists the person's own e-mail: remove it", "error"),
    ]


def test_reporting_chain_loop_is_an_error_on_each_person_in_it():
    rows = [
        mentee(email="a@x.org", manager_email="b@x.org"),
        mentor(email="b@x.org", manager_email="c@x.org"),
        mentor(email="c@x.org", manager_email="a@x.org"),
        mentee(email="d@x.org", manager_email="a@x.org"),  # reports into the loop: not in it
    ]

    result = parse_participants(rows)

    assert [(i.row, i.column, i.message) for i in result.issues] == [
        (
            2,
            "manager_email",
            "reporting chain loops: a@x.org -> b@x.org -> c@x.org -> a@x.org; "
            "correct the manager_email of one of them",
        ),
        (
            3,
            "manager_email",
            "reporting chain loops: b@x.org -> c@x.org -> a@x.org -> b@x.org; "
            "correct the manager_email of one of them",
        ),
        (
            4,
            "manager_email",
            "reporting chain loops: c@x.org -> a@x.org -> b@x.org -> c@x.org; "
            "correct the manager_email of one of them",
        ),
    ]
    assert [p.email for p in result.participants] == ["d@x.org"]


def test_two_person_loop():
    rows = [mentee(manager_email="max@x.org"), mentor(manager_email="ann@x.org")]

    messages = [i.message.split(";")[0] for i in parse_participants(rows).issues]

    assert messages == [
        "reporting chain loops: ann@x.org -> max@x.org -> ann@x.org",
        "reporting chain loops: max@x.org -> ann@x.org -> max@x.org",
    ]


def test_long_loop_messages_name_the_first_people_and_the_count():
    rows = [mentee(email=f"p{i}@x.org", manager_email=f"p{(i + 1) % 9}@x.org") for i in range(9)]

    issue = parse_participants(rows).issues[0]

    assert issue.message.startswith(
        "reporting chain loops: p0@x.org -> p1@x.org -> p2@x.org -> p3@x.org -> p4@x.org "
        "-> ... (9 people in all) -> p0@x.org;"
    )


def test_references_to_people_outside_the_file_are_warnings():
    rows = [
        mentee(
            manager_email="boss@x.org", exclude="max@x.org; ex@x.org", previous_partners="old@x.org"
        ),
        MENTOR,
    ]

    result = parse_participants(rows)

    assert [(i.row, i.column, i.value, i.severity) for i in result.issues] == [
        (2, "exclude", "ex@x.org", "warning"),
        (2, "manager_email", "boss@x.org", "warning"),
        (2, "previous_partners", "old@x.org", "warning"),
    ]
    assert "boss@x.org is not in this file: fine if they are not in the program" in (
        result.issues[1].message
    )
    assert len(result.participants) == 2


LIST_FIX = "write e-mails like name@example.org separated by ;"


@pytest.mark.parametrize(
    ("column", "cell", "message"),
    [
        (
            "manager_email",
            "Max Power",
            "an e-mail cannot contain spaces: write it like name@example.org",
        ),
        (
            "manager_email",
            "max@x.org; b@x.org",
            "only one e-mail fits in this column: keep one, like name@example.org",
        ),
        ("exclude", "max@x.org; bob", f"not an e-mail address: 'bob'; {LIST_FIX}"),
        (
            "previous_partners",
            "bob, max@x, max@x.org",
            f"not an e-mail address: 'bob', 'max@x'; {LIST_FIX}",
        ),
    ],
)
def test_malformed_emails_in_reference_columns_are_errors(column, cell, message):
    issue = one_issue(mentee(**{column: cell}), MENTOR)

    assert (issue.row, issue.column, issue.value, issue.message, issue.severity) == (
        2,
        column,
        cell,
        message,
        "error",
    )


@pytest.mark.parametrize(
    ("column", "cell", "message"),
    [
        (
            "generation",
            "genq",
            "unknown generation 'genq'; did you mean 'gen_z'? "
            "(write boomer, gen_x, millennial or gen_z, or leave it empty)",
        ),
        (
            "meeting_mode",
            "teleport",
            "unknown meeting mode 'teleport' "
            "(write remote, in_person or either, or leave it empty)",
        ),
        (
            "timezone",
            "Europe/Berln",
            "unknown time zone 'Europe/Berln'; did you mean 'Europe/Berlin'? "
            "(write an IANA name like Europe/Berlin or an offset like UTC+02:00)",
        ),
        ("timezone", "UTC+15", "offset 'UTC+15' is out of range: use UTC-14:00 to UTC+14:00"),
        ("timezone", "+01:75", "offset '+01:75' is out of range: use UTC-14:00 to UTC+14:00"),
    ],
)
def test_unknown_generation_meeting_mode_and_timezone(column, cell, message):
    issue = one_issue(mentee(**{column: cell}))

    assert (issue.row, issue.column, issue.value, issue.message) == (2, column, cell, message)


@pytest.mark.parametrize(
    ("column", "cell", "code"),
    [
        ("name", "Ann\x00", "U+0000"),
        ("notes", "bell\x07", "U+0007"),
        ("timestamp", "\x1b[2J", "U+001B"),
    ],
)
def test_control_characters_in_any_cell_are_errors(column, cell, code):
    issue = one_issue(mentee(**{column: cell}))

    assert (issue.row, issue.column, issue.value, issue.severity) == (2, column, cell, "error")
    assert f"contains the control character {code}" in issue.message


def test_tabs_and_line_breaks_are_fine_in_notes():
    assert person(mentee(notes="Goals:\r\n\t- lead")).notes == "Goals:\r\n\t- lead"


@pytest.mark.parametrize(
    ("column", "limit"),
    [("name", 200), ("department", 200), ("goals", 2000), ("notes", 5000), ("admin_notes", 5000)],
)
def test_cells_over_the_length_limit_are_errors(column, limit):
    assert parse_participants([mentee(**{column: "x" * limit})]).ok

    issue = one_issue(mentee(**{column: "x" * (limit + 1)}))

    assert (issue.row, issue.column) == (2, column)
    assert issue.message == f"is {limit + 1} characters long; the limit is {limit}: shorten it"
    assert len(issue.value) == 80


def test_every_column_has_one_length_limit():
    assert set(COLUMN_LIMITS) == {*COLUMNS, *PICK_COLUMNS}


def test_a_limit_counts_the_text_as_it_is_stored():
    """Lower-casing lengthens some letters ("ß" -> "ss"): the stored text must still fit."""
    issue = one_issue(mentee(goals="ß" * 1001))

    assert (issue.column, issue.message) == (
        "goals",
        "is 2002 characters long; the limit is 2000: shorten it",
    )
    assert person(mentee(department="ß" * 200)).department == "ß" * 200


@pytest.mark.parametrize(
    ("row", "column"),
    [
        (mentee(seeks="sponsorship"), "level"),
        (mentor(offers="sponsorship"), "level"),
        (mentee(seeks="generational"), "generation"),
        (mentor(offers="generational"), "generation"),
        (mentee(seeks="expertise"), "expertise_wanted"),
        (mentor(offers="expertise"), "expertise"),
    ],
)
def test_types_without_what_they_need_are_warnings(row, column):
    result = parse_participants([row])

    (issue,) = result.issues
    assert (issue.row, issue.column, issue.severity) == (2, column, "warning")
    assert "cannot be matched for" in issue.message
    assert result.participants


def test_level_zero_is_enough_for_sponsorship():
    assert parse_participants([mentee(seeks="sponsorship", level="0")]).issues == ()


def test_every_problem_in_a_row_is_reported_not_only_the_first():
    row = {"email": "bad", "name": "", "role": "mentr", "capacity": "x", "timezone": "Mars/Base"}

    assert [i.column for i in parse_participants([row]).issues] == [
        "capacity",
        "email",
        "name",
        "role",
        "timezone",
    ]


# ---------------------------------------------------------------- results and loading
def test_intake_result_properties():
    result = parse_participants(
        [mentee(role="x"), mentor(email="b@x.org", manager_email="z@x.org")]
    )

    assert isinstance(result, IntakeResult)
    assert [i.column for i in result.errors] == ["role"]
    assert [i.column for i in result.warnings] == ["manager_email"]
    assert not result.ok
    assert result.invalid_rows == frozenset({2})


def test_load_raises_every_error_and_skip_invalid_keeps_the_good_rows():
    data = (
        b"email,name,role,seeks,offers\r\n"
        b"ann@x.org,Ann,mentee,developmental,\r\n"
        b"bad,Bo,mentor,,developmental\r\n"
        b"cy@x.org,Cy,mentr,,developmental\r\n"
    )

    with pytest.raises(IntakeError) as excinfo:
        load_participants(data)
    result = load_participants(data, skip_invalid=True)

    assert [(i.row, i.column) for i in excinfo.value.issues] == [(3, "email"), (4, "role")]
    assert "2 problems in the participant data" in str(excinfo.value)
    assert [p.email for p in result.participants] == ["ann@x.org"]
    assert result.invalid_rows == frozenset({3, 4})


def test_load_accepts_path_bytes_table_and_rows_alike():
    path = DATA / "participants.csv"
    expected = load_participants(path).participants

    assert load_participants(str(path)).participants == expected
    assert load_participants(path.read_bytes()).participants == expected
    assert load_participants(read_rows(path)).participants == expected
    assert load_participants(iter(read_rows(path).rows)).participants == expected


def test_file_level_problems_raise_even_with_skip_invalid():
    with pytest.raises(IntakeError, match="appears twice"):
        load_participants(b"email,Email\r\na@x.org,b@x.org\r\n", skip_invalid=True)


def test_row_numbers_follow_the_spreadsheet_after_a_sep_line_and_blank_rows():
    data = (
        b"sep=,\r\n"  # hidden by Excel
        b"email,name,role,seeks\r\n"
        b"ann@x.org,Ann,mentee,developmental\r\n"
        b",,,\r\n"
        b"bo,Bo,mentee,x\r\n"
    )

    result = load_participants(data, skip_invalid=True)

    assert [(i.row, i.column) for i in result.issues] == [(4, "email"), (4, "seeks")]


def test_web_form_values_of_none_count_as_empty():
    result = parse_participants([{**MENTOR, "capacity": None, "level": None}], first_row=1)

    assert result.ok
    assert result.participants[0].capacity == 1


# ---------------------------------------------------------------- properties
@settings(max_examples=150, deadline=None)
@given(st.lists(INTAKE_ROW, max_size=6), st.integers(-3, 10**6))
def test_parse_participants_never_raises(rows, first_row):
    result = parse_participants(rows, first_row=first_row, columns=list(rows[0]) if rows else None)

    assert all(p.row not in result.invalid_rows for p in result.participants)
    assert list(result.issues) == sorted(result.issues)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(CSV_TOKENS, max_size=60).map("".join), st.sampled_from(["utf-8", "utf-16", "cp1252"])
)
def test_csv_like_files_never_raise_anything_but_intake_error(text, encoding):
    data = text.encode(encoding, errors="replace")
    try:
        result = load_participants(data, skip_invalid=True)
    except IntakeError as error:
        assert error.issues
    else:
        assert {p.row for p in result.participants}.isdisjoint(result.invalid_rows)


@settings(max_examples=100, deadline=None)
@given(VALID_FORM_ROWS, st.randoms(use_true_random=False))
def test_shuffled_rows_give_the_same_participants(rows, rng: random.Random):
    shuffled = rows[:]
    rng.shuffle(shuffled)

    assert parse_participants(rows).participants == parse_participants(shuffled).participants


@settings(max_examples=50, deadline=None)
@given(VALID_FORM_ROWS.filter(len))
def test_a_csv_file_and_form_rows_give_the_same_result(rows):
    frame = pd.DataFrame(rows, columns=list(VALID_FORM_CELLS), dtype=object)
    # writing neutralises formula-like text ("=1+1" -> "'=1+1"), so the file holds that text
    form_rows = [{k: neutralize_cell(v) for k, v in row.items()} for row in rows]

    from_file = load_participants(to_csv_bytes(frame), skip_invalid=True)

    assert from_file == parse_participants(form_rows)


#: The columns whose limit counts the case-folded text (see ``matcher.intake``), among
#: those of ``HAZARD_ROWS``.
CASE_FOLDED = frozenset({"goals", "strengths", "expertise_wanted", "expertise", "languages"})
#: Columns of a fixed vocabulary, or of numbers: "zzz", like every other cell of
#: ``HAZARD_ROWS`` but the empty one, is an error there.
WORDS_ONLY = frozenset(
    {"role", "seeks", "offers", "level", "capacity", "generation", "meeting_mode", "timezone"}
    | {"priority"}
)
CELL_PROBLEM = re.compile(r"contains the control character |is \d+ characters long; the limit")


def _cell_problem(column: str, cell: str) -> bool:
    """Whether a cell has a control character or is longer than its column's limit."""
    stored = cell.casefold() if column in CASE_FOLDED else cell
    limit = COLUMN_LIMITS.get(column)
    return bool(CONTROL_CHARACTERS.search(cell)) or (limit is not None and len(stored) > limit)


@settings(max_examples=150, deadline=None)
@given(HAZARD_ROWS)
def test_each_row_among_others_reads_as_alone_and_every_bad_cell_is_named(extras):
    """The rows of a file are checked column by column, each distinct text once, and a
    row with a cell that may be bad is read alone: whichever way, a row's issues and its
    participant are those of the row read by itself, and every bad cell is named."""
    rows = [mentee(email=f"p{k}@x.org", **cells) for k, cells in enumerate(extras)]

    result = parse_participants(rows)

    alone = [parse_participants([row], first_row=k + 2) for k, row in enumerate(rows)]
    for k, one in enumerate(alone):
        assert tuple(i for i in result.issues if i.row == k + 2) == one.issues
    assert result.participants == tuple(p for one in alone for p in one.participants)
    found = {(i.row, i.column) for i in result.errors if CELL_PROBLEM.match(i.message)}
    expected = {
        (k + 2, column)
        for k, cells in enumerate(extras)
        for column, cell in cells.items()
        if _cell_problem(column, cell)
    }
    assert found == expected
    not_words = {
        (k + 2, column)
        for k, cells in enumerate(extras)
        for column, cell in cells.items()
        if column in WORDS_ONLY and cell.strip()
    }
    assert not_words <= {(i.row, i.column) for i in result.errors}
