"""Reading real spreadsheet exports into text rows, and writing spreadsheet-safe CSV."""

from __future__ import annotations

import codecs
import io
import math

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matcher.csv_io import (
    RowTable,
    canonical_column,
    neutralize_cell,
    read_rows,
    to_csv_bytes,
    write_csv,
)
from matcher.errors import IntakeError
from matcher.intake import load_participants
from tests.strategies import CELL_TEXT, CSVISH

HEADER = ["email", "name", "role", "seeks"]
PEOPLE = [
    ["jose@example.org", "José Müller", "mentee", "developmental"],
    ["na@example.org", "NA", "mentee", "expertise"],
]


def csv_text(rows: list[list[str]], delimiter: str = ",") -> str:
    return "".join(delimiter.join(row) + "\r\n" for row in rows)


def only_issue(excinfo: pytest.ExceptionInfo[IntakeError]):
    (issue,) = excinfo.value.issues
    return issue


# ---------------------------------------------------------------- encodings and delimiters
@pytest.mark.parametrize(
    ("encoded", "delimiter"),
    [
        (lambda text: text.encode("utf-8"), ","),
        (lambda text: codecs.BOM_UTF8 + text.encode("utf-8"), ","),
        (lambda text: text.encode("utf-16"), "\t"),  # Excel "Unicode text": UTF-16 + BOM, tabs
        (lambda text: codecs.BOM_UTF16_BE + text.encode("utf-16-be"), "\t"),
        (lambda text: text.encode("cp1252"), ";"),  # European Excel "CSV" on Windows
    ],
    ids=["utf8", "utf8-bom", "utf16le-excel", "utf16be", "cp1252"],
)
def test_every_export_encoding_reads_accents_exactly(encoded, delimiter):
    table = read_rows(encoded(csv_text([HEADER, *PEOPLE], delimiter)))

    assert table.columns == tuple(HEADER)
    assert [row["name"] for row in table.rows] == ["José Müller", "NA"]


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_each_delimiter_is_sniffed(delimiter):
    table = read_rows(csv_text([HEADER, *PEOPLE], delimiter).encode())

    assert table.columns == tuple(HEADER)
    assert table.rows[0] == dict(zip(HEADER, PEOPLE[0], strict=True))


@pytest.mark.parametrize(
    ("text", "seeks"),
    [
        (
            "email,name,role,seeks\r\na@x.org,A,mentee,developmental;sponsorship\r\n",
            "developmental;sponsorship",
        ),
        (
            'email;name;role;seeks\r\na@x.org;A;mentee;"developmental, expertise"\r\n',
            "developmental, expertise",
        ),
        (
            "email;name;role;seeks\r\na@x.org;A;mentee;developmental, expertise\r\n",
            "developmental, expertise",
        ),
        (
            "email\tname\trole\tseeks\r\na@x.org\tA\tmentee\tdevelopmental;expertise\r\n",
            "developmental;expertise",
        ),
    ],
    ids=["semicolons-in-comma-file", "quoted-commas", "bare-commas-in-semicolon-file", "tabs"],
)
def test_list_separators_inside_cells_do_not_confuse_the_delimiter(text, seeks):
    table = read_rows(text.encode())

    assert table.columns == ("email", "name", "role", "seeks")
    assert table.rows[0]["seeks"] == seeks


def test_excel_sep_line_sets_the_delimiter_and_is_not_a_row():
    table = read_rows(b"sep=;\r\nemail;name\r\na@x.org;Ana, Lopez\r\n")

    assert table.columns == ("email", "name")
    assert table.rows[0]["name"] == "Ana, Lopez"
    assert table.first_row == 2  # Excel hides the sep= line


# ---------------------------------------------------------------- headers and cells
@pytest.mark.parametrize(
    ("header", "canonical"),
    [
        ("Email", "email"),
        (" EMAIL ", "email"),
        ("E-mail", "email"),
        ("Email Address", "email"),
        ("Manager Email", "manager_email"),
        ("manager-e-mail", "manager_email"),
        ("Previous  Partners", "previous_partners"),
        ("Time Zone", "timezone"),
        ("Meeting_Mode", "meeting_mode"),
        ("Language", "languages"),
    ],
)
def test_headers_are_case_space_and_hyphen_insensitive(header, canonical):
    assert canonical_column(header) == canonical


def test_raw_headers_are_kept_beside_canonical_ones():
    table = read_rows(b" E-mail ,Full Name,Manager Email\r\na@x.org,Ana,b@x.org\r\n")

    assert table.columns == ("email", "name", "manager_email")
    assert table.raw_columns == (" E-mail ", "Full Name", "Manager Email")
    assert table.rows[0]["manager_email"] == "b@x.org"


def test_cells_are_text_without_na_or_number_guessing():
    table = read_rows(b"id,name,level,notes\r\n0012,NA,3.0,N/A\r\n007,null,,nan\r\n")

    assert table.rows == (
        {"id": "0012", "name": "NA", "level": "3.0", "notes": "N/A"},
        {"id": "007", "name": "null", "level": "", "notes": "nan"},
    )


def test_quoted_cells_keep_delimiters_quotes_and_line_breaks():
    table = read_rows(b'email,notes\r\na@x.org,"Line 1\r\nsaid ""hi"", then left"\r\n')

    assert table.rows[0]["notes"] == 'Line 1\r\nsaid "hi", then left'


def test_excel_trailing_empty_columns_and_rows_are_dropped():
    table = read_rows(b"email,name,,,\r\na@x.org,Ana,,,\r\n,,,,\r\n,,,,\r\n")

    assert table.columns == ("email", "name")
    assert table.rows == ({"email": "a@x.org", "name": "Ana"},)


def test_short_rows_are_padded_with_empty_cells():
    table = read_rows(b"email,name,role\r\na@x.org\r\n")

    assert table.rows == ({"email": "a@x.org", "name": "", "role": ""},)


def test_blank_lines_before_the_header_shift_the_first_row():
    table = read_rows(b"\r\n,,\r\nemail,name\r\na@x.org,Ana\r\n")

    assert table.first_row == 4
    assert table.rows == ({"email": "a@x.org", "name": "Ana"},)


def test_interior_blank_row_is_kept_so_row_numbers_match_the_sheet():
    table = read_rows(b"email,name\r\na@x.org,Ana\r\n,\r\nb@x.org,Bo\r\n")

    assert [row["email"] for row in table.rows] == ["a@x.org", "", "b@x.org"]


def test_header_only_file_has_no_rows():
    assert read_rows(b"email,name,role\r\n") == RowTable(
        ("email", "name", "role"), ("email", "name", "role"), ()
    )


def test_reads_a_path(tmp_path):
    path = tmp_path / "people.csv"
    path.write_bytes(csv_text([HEADER, *PEOPLE]).encode("utf-8-sig"))

    assert read_rows(path).rows[1]["name"] == "NA"
    assert read_rows(str(path)).columns == tuple(HEADER)


# ---------------------------------------------------------------- unreadable files
def test_duplicate_header_names_both_columns():
    with pytest.raises(IntakeError) as excinfo:
        read_rows(b"Email,name,E-mail\r\na@x.org,Ana,b@x.org\r\n")

    issue = only_issue(excinfo)
    assert (issue.row, issue.column) == (1, "email")
    assert "column 'email' appears twice" in issue.message
    assert "A 'Email' and C 'E-mail'" in issue.message
    assert "rename or delete one" in issue.message


def test_ragged_row_names_row_and_the_fix():
    text = b"email,name,role\r\na@x.org,Ana,mentee\r\nb@x.org,Lopez, Bo,mentor\r\n"
    with pytest.raises(IntakeError) as excinfo:
        read_rows(text)

    issue = only_issue(excinfo)
    assert issue.row == 3
    assert issue.value == "mentor"
    assert "4 cells but the header has 3 columns" in issue.message
    assert "put that value in quotes" in issue.message


def test_every_ragged_row_is_reported():
    text = b"email,name\r\na,b,c\r\nd,e\r\nf,g,h\r\n"
    with pytest.raises(IntakeError) as excinfo:
        read_rows(text)

    assert [i.row for i in excinfo.value.issues] == [2, 4]


def test_values_under_a_missing_header_are_reported():
    with pytest.raises(IntakeError) as excinfo:
        read_rows(b"email,,role\r\na@x.org,,mentee\r\nb@x.org,oops,mentor\r\n")

    issue = only_issue(excinfo)
    assert issue.row == 1
    assert "spreadsheet column B has no header but row 3 has a value" in issue.message


def test_empty_middle_column_without_header_is_dropped():
    table = read_rows(b"email,,role\r\na@x.org,,mentee\r\n")

    assert table.columns == ("email", "role")


@pytest.mark.parametrize(
    ("text", "row", "fragment"),
    [
        (
            b'email,name\r\na@x.org,"Ana\r\nb@x.org,Bo\r\n',
            2,
            "opened here is never closed (from line 2",
        ),
        (b'email,name\r\na@x.org,Ana\r\nb@x.org,"Bo" Smith\r\n', 3, "text after its closing quote"),
    ],
    ids=["unclosed", "text-after-quote"],
)
def test_broken_quotes_name_the_row(text, row, fragment):
    with pytest.raises(IntakeError) as excinfo:
        read_rows(text)

    issue = only_issue(excinfo)
    assert issue.row == row
    assert fragment in issue.message
    assert '""' in issue.message


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        (b"", "the file is empty"),
        (b" \r\n\r\n", "the file is empty"),
        (codecs.BOM_UTF8, "the file is empty"),
        (b",,,\r\n,,\r\n", "no header row"),
        (b"PK\x03\x04\x14\x00\x06\x00", "Excel workbook (.xlsx)"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1", "old Excel workbook (.xls)"),
        ("email,name\r\na@x.org,Ana\r\n".encode("utf-16-le"), "binary data (NUL bytes)"),
        (b"email,name\r\n\x81\x8d,\xff\xfe\r\n", "not UTF-8 or Windows-1252"),
        (b"\xff\xfee\x00m\x00a", "UTF-16 but is damaged"),
    ],
    ids=[
        "empty",
        "blank",
        "bom-only",
        "only-delimiters",
        "xlsx",
        "xls",
        "utf16-without-bom",
        "encoding",
        "utf16-cut",
    ],
)
def test_unreadable_files_say_how_to_fix_them(data, fragment):
    with pytest.raises(IntakeError) as excinfo:
        read_rows(data)

    issue = only_issue(excinfo)
    assert issue.row == 0
    assert fragment in issue.message


def test_a_nul_byte_in_one_cell_is_named_by_row_and_column():
    data = b"email,name,role,seeks\r\na@x.org,A\x00na,mentee,developmental\r\n"

    assert read_rows(data).rows[0]["name"] == "A\x00na"
    with pytest.raises(IntakeError) as excinfo:
        load_participants(data)
    issue = only_issue(excinfo)
    assert (issue.row, issue.column) == (2, "name")
    assert issue.message.startswith("contains the control character U+0000")


def test_a_header_with_a_control_character_is_named():
    with pytest.raises(IntakeError) as excinfo:
        read_rows(b"email,na\x00me\r\na@x.org,Ana\r\n")

    issue = only_issue(excinfo)
    assert (issue.row, issue.column) == (1, "na\x00me")
    assert issue.message.startswith("the header of spreadsheet column B contains the control")


def test_a_very_long_cell_is_read_and_named_with_its_limit():
    """Longer than the csv module's own limit (131,072): not taken for a broken quote."""
    data = b"email,name,role,seeks\r\na@x.org," + b"x" * 300_000 + b",mentee,developmental\r\n"

    assert len(read_rows(data).rows[0]["name"]) == 300_000
    with pytest.raises(IntakeError) as excinfo:
        load_participants(data)
    issue = only_issue(excinfo)
    assert (issue.row, issue.column) == (2, "name")
    assert issue.message == "is 300000 characters long; the limit is 200: shorten it"


@pytest.mark.parametrize(
    ("data", "encoding", "delimiter"),
    [
        (b"email;name\r\na@x.org;Ana\r\n", "UTF-8", ";"),
        (codecs.BOM_UTF8 + b"email,name\r\na@x.org,Ana\r\n", "UTF-8 with BOM", ","),
        ("email\tname\r\na@x.org\tAnä\r\n".encode("utf-16"), "UTF-16", "\t"),
        ("email,name\r\na@x.org,Anä\r\n".encode("cp1252"), "Windows-1252", ","),
    ],
)
def test_the_table_says_how_the_file_was_read(data, encoding, delimiter):
    table = read_rows(data)

    assert (table.encoding, table.delimiter) == (encoding, delimiter)


def test_binary_files_point_to_csv_utf8():
    with pytest.raises(IntakeError, match="save the sheet as 'CSV UTF-8'"):
        read_rows(b"PK\x03\x04")


@pytest.mark.parametrize(("name", "fragment"), [("missing.csv", "no such file"), (".", "folder")])
def test_bad_paths_are_intake_errors(tmp_path, name, fragment):
    with pytest.raises(IntakeError, match=fragment):
        read_rows(tmp_path / name)


# ---------------------------------------------------------------- writing
@pytest.mark.parametrize(
    ("text", "safe"),
    [
        ("=SUM(A1:A9)", "'=SUM(A1:A9)"),
        ("+1", "'+1"),
        ("-5", "'-5"),
        ("@cmd", "'@cmd"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("\nx", "'\nx"),
        ("Ana", "Ana"),
        ("a=b", "a=b"),
        ("", ""),
    ],
)
def test_neutralize_cell(text, safe):
    assert neutralize_cell(text) == safe


def test_to_csv_bytes_is_bom_utf8_crlf_minimal_quoting_and_formula_safe():
    frame = pd.DataFrame(
        {
            "name": ["=cmd|' /C calc'!A0", 'José "Pepe", Jr.', None],
            "note": ["-5", "line\nbreak", "@x"],
            "score": [-5.5, 80.0, math.nan],
            "count": [-1, 2, 3],
        }
    )

    data = to_csv_bytes(frame)

    assert data.startswith(codecs.BOM_UTF8)
    assert data.decode("utf-8-sig").split("\r\n") == [
        "name,note,score,count",
        "'=cmd|' /C calc'!A0,'-5,-5.5,-1",
        '"José ""Pepe"", Jr.","line\nbreak",80.0,2',
        ",'@x,,3",
        "",
    ]


def test_header_names_are_neutralised_too():
    assert to_csv_bytes(pd.DataFrame({"=x": [1]})).decode("utf-8-sig") == "'=x\r\n1\r\n"


def test_object_columns_neutralise_text_but_not_numbers():
    frame = pd.DataFrame({"mixed": ["-2", -2, "+x"]}, dtype=object)

    assert to_csv_bytes(frame).decode("utf-8-sig").split("\r\n")[1:4] == ["'-2", "-2", "'+x"]


def test_write_csv_to_path_binary_and_text_buffers(tmp_path):
    frame = pd.DataFrame({"email": ["a@x.org"], "name": ["=Ana"]})
    expected = to_csv_bytes(frame)

    path = tmp_path / "out.csv"
    write_csv(frame, path)
    binary = io.BytesIO()
    write_csv(frame, binary)
    text = io.StringIO()
    write_csv(frame, text)

    assert path.read_bytes() == expected
    assert binary.getvalue() == expected
    assert text.getvalue().encode("utf-8") == expected


def test_write_then_read_round_trips_the_text():
    frame = pd.DataFrame(
        {
            "email": ["a@x.org", "b@x.org"],
            "notes": ['Says "hi";\r\nthen, leaves', "Zoë\tTab"],
            "level": [3, 0],
        }
    )

    table = read_rows(to_csv_bytes(frame))

    assert table.rows == (
        {"email": "a@x.org", "notes": 'Says "hi";\r\nthen, leaves', "level": "3"},
        {"email": "b@x.org", "notes": "Zoë\tTab", "level": "0"},
    )


# ---------------------------------------------------------------- properties
@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(CELL_TEXT, min_size=3, max_size=3), max_size=6))
def test_written_text_reads_back_neutralised(cells):
    frame = pd.DataFrame(
        [[f"r{i}", *row] for i, row in enumerate(cells)],
        columns=["id", "name", "notes", "goals"],
        dtype=object,
    )

    table = read_rows(to_csv_bytes(frame))

    assert table.columns == ("id", "name", "notes", "goals")
    assert [list(row.values()) for row in table.rows] == [
        [neutralize_cell(v) for v in row] for row in frame.itertuples(index=False)
    ]


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300))
def test_garbage_bytes_never_raise_anything_but_intake_error(data):
    try:
        table = read_rows(data)
    except IntakeError as error:
        assert error.issues
    else:
        assert all(isinstance(v, str) for row in table.rows for v in row.values())


@settings(max_examples=300, deadline=None)
@given(CSVISH, st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252"]))
def test_csv_like_text_never_raises_anything_but_intake_error(text, encoding):
    data = text.encode(encoding, errors="replace")
    try:
        table = read_rows(data)
    except IntakeError as error:
        assert error.issues
    else:
        assert len(set(table.columns)) == len(table.columns)
