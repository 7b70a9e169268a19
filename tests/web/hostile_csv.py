"""Hypothesis strategies for hostile CSV files, shared by the core and the web tests.

A file is built from a header and rows of hostile cells (formula prefixes, HTML, NUL
bytes, right-to-left and zero-width characters, huge cells, ``NA``/``None`` names, ids with
leading zeros), joined by a random delimiter and line ending, sometimes with unbalanced
quotes, ragged rows or Excel's trailing empty columns, and encoded in a random encoding
(or left as raw bytes).
"""

from __future__ import annotations

from hypothesis import strategies as st

from matcher.intake import COLUMNS

ENCODINGS = ("utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "cp1252", "latin-1")
DELIMITERS = (",", ";", "\t", "|", ":", " ")
LINE_ENDINGS = ("\n", "\r\n", "\r")

#: Cells an attacker or a broken spreadsheet would send.
NASTY_CELLS = (
    "",
    " ",
    "NA",
    "None",
    "null",
    "N/A",
    "#N/A",
    "0007",
    "007e3",
    '=HYPERLINK("http://evil.example","x")',
    "+1+1",
    "-2",
    "@SUM(A1)",
    "\t=1",
    "\r=1",
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "\u202eevil\u202c",
    "a\u200bb\u200c\u200d\ufeff",
    "\x00",
    "a\x00b",
    '"',
    '""',
    'a"b',
    "mentee",
    "mentor",
    "both",
    "developmental;expertise",
    "sponsorship",
    "ana@example.org",
    "ANA@EXAMPLE.ORG",
    "bo@example.org",
    "not an e-mail",
    "3",
    "-1",
    "99999999999999999999",
    "1e309",
    "nan",
    "inf",
    "Europe/Paris",
    "UTC+14",
    "remote",
    "Gen Z",
    "a;b;;c",
    "x" * 300,
)

_header = st.lists(
    st.one_of(st.sampled_from((*COLUMNS, "", "E-mail", " Name ", "ROLE")), st.text(max_size=8)),
    min_size=0,
    max_size=12,
)
_cell = st.one_of(st.sampled_from(NASTY_CELLS), st.text(max_size=12))
#: A valid file that :func:`hostile_csv` mutates a cell of, so that some files import.
VALID_HEADER = ["email", "name", "role", "seeks", "offers", "capacity", "id"]
VALID_ROWS = [
    ["ana@example.org", "Ana", "mentee", "developmental", "", "", "007"],
    ["bo@example.org", "Bo", "mentor", "", "developmental", "2", "0008"],
]


@st.composite
def hostile_csv(draw: st.DrawFn, *, huge: bool = False) -> bytes:
    """Draw the bytes of one hostile CSV file (``huge`` allows a cell of a megabyte)."""
    if draw(st.integers(0, 19)) == 0:
        return draw(st.binary(max_size=200))
    if draw(st.booleans()):
        header, rows = list(VALID_HEADER), [list(r) for r in VALID_ROWS]
        row = draw(st.integers(0, len(rows)))
        (rows[row - 1] if row else header)[draw(st.integers(0, 6))] = draw(_cell)
    else:
        header = draw(_header)
        rows = draw(st.lists(st.lists(_cell, max_size=len(header) + 2), max_size=6))
    if huge and rows and rows[0]:
        rows[0][0] = "y" * draw(st.sampled_from((70_000, 1_100_000)))
    delimiter = draw(st.sampled_from(DELIMITERS))
    quote_all = draw(st.booleans())
    trailing = delimiter * draw(st.integers(0, 3))

    def line(cells: list[str]) -> str:
        if quote_all:
            cells = ['"' + c.replace('"', '""') + '"' for c in cells]
        return delimiter.join(cells) + trailing

    text = draw(st.sampled_from(LINE_ENDINGS)).join(line(r) for r in [header, *rows])
    if draw(st.integers(0, 9)) == 0:
        cut = draw(st.integers(0, len(text)))
        text = text[:cut] + '"' + text[cut:]
    encoding = draw(st.sampled_from(ENCODINGS))
    return text.encode(encoding, errors="replace")
