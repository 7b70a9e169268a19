"""Reading people's spreadsheet exports into rows of text, and writing spreadsheet-safe CSV.

This is the only module of the core that touches files. Reading accepts what real exports
contain: UTF-8 with or without a byte-order mark, Excel's "Unicode text" (UTF-16 with a BOM,
tab separated), and Windows-1252 as a fallback; the delimiter (``,`` ``;`` or tab) is
sniffed. Every cell is read as text, so a person named ``NA`` and an id ``0012`` stay as
written, however long (the limits of :mod:`matcher.limits` are the validator's). A stray
NUL byte in an otherwise text file is kept in its cell, for the validator to name its row
and column. Anything that cannot be read raises :class:`~matcher.errors.IntakeError`
listing every problem with its row, column and fix; it never raises a bare traceback.

Writing (:func:`to_csv_bytes`, :func:`write_csv`) produces UTF-8 with a BOM (so Excel shows
accents right), RFC 4180 quoting and ``\\r\\n`` line ends, and neutralises every text cell
that a spreadsheet would run as a formula (:func:`neutralize_cell`).
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import IO

import pandas as pd

from matcher.errors import IntakeError, Issue

DELIMITERS = ",;\t"
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
"""Characters that no cell or header of a spreadsheet export holds unless it is corrupt."""
FORMULA_PREFIXES: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r", "\n")
SAVE_AS_CSV = "save the sheet as 'CSV UTF-8' (in Excel: File > Save As > CSV UTF-8)"

# Header spellings that mean a canonical column, after canonicalisation (see _canonical).
_ALIASES: dict[str, str] = {
    "e_mail": "email",
    "email_address": "email",
    "e_mail_address": "email",
    "full_name": "name",
    "manager_e_mail": "manager_email",
    "manager_email_address": "manager_email",
    "time_zone": "timezone",
    "language": "languages",
    "firstname": "first_name",
    "first": "first_name",
    "given_name": "first_name",
    "forename": "first_name",
    "lastname": "last_name",
    "last": "last_name",
    "surname": "last_name",
    "family_name": "last_name",
}
_SEPARATORS = re.compile(r"[\s\-]+")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_SNIFF_CHARS = 4096  # csv.Sniffer is quadratic on quote-heavy text: keep the sample small
#: The csv module's longest cell (process-wide; its default, 131,072, would report a long
#: cell as a broken quote without its column). Every call sets the same value.
_CSV_FIELD_LIMIT = 2**31 - 1
#: More NUL characters than one in this many makes a file binary (UTF-16 without its
#: byte-order mark has one in two); fewer are stray bytes in cells, named by the validator.
_BINARY_NUL_SHARE = 10
_BINARY_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"PK\x03\x04", "an Excel workbook (.xlsx) or another zip file"),
    (b"\xd0\xcf\x11\xe0", "an old Excel workbook (.xls)"),
    (b"%PDF", "a PDF document"),
)


@dataclass(frozen=True)
class RowTable:
    """The cells of a CSV file as text, keyed by canonical column name.

    Parameters
    ----------
    columns
        Canonical header names in file order (``"E-mail"`` becomes ``"email"``).
    raw_columns
        The same headers as written in the file.
    rows
        One mapping per spreadsheet row below the header: canonical column -> cell text
        (``""`` for an empty or missing cell). A blank row between people is kept as a row
        of empty cells so that every row keeps the number a spreadsheet shows for it;
        :func:`matcher.intake.parse_participants` skips blank rows.
    first_row
        Spreadsheet row number of ``rows[0]`` (the header is the row before it).
    encoding
        How the file's text was encoded: ``"UTF-8"``, ``"UTF-8 with BOM"``, ``"UTF-16"``
        or ``"Windows-1252"``.
    delimiter
        The character between cells: ``","``, ``";"`` or tab.
    """

    columns: tuple[str, ...]
    raw_columns: tuple[str, ...]
    rows: tuple[dict[str, str], ...]
    first_row: int = 2
    encoding: str = "UTF-8"
    delimiter: str = ","


def canonical_column(header: str) -> str:
    """Return the canonical name of a header: case-, space- and hyphen-insensitive.

    Examples
    --------
    >>> [canonical_column(h) for h in ["E-mail", " Email ", "Manager  Email", "Time zone"]]
    ['email', 'email', 'manager_email', 'timezone']
    """
    name = _SEPARATORS.sub("_", header.strip().casefold()).strip("_")
    return _ALIASES.get(name, name)


def read_rows(source: str | os.PathLike[str] | bytes) -> RowTable:
    """Read a CSV export (a path, or the file's bytes) into a :class:`RowTable` of text.

    Parameters
    ----------
    source
        Path of the file, or its raw bytes (e.g. an upload).

    Returns
    -------
    RowTable
        Canonical headers and every row's cells as text; Excel's trailing empty columns
        and blank rows at the end are dropped.

    Raises
    ------
    IntakeError
        When the file is missing, empty, binary, in an unknown encoding, or has duplicate
        headers, headers with control characters, unnamed columns with values, rows with
        more cells than headers or broken quotes; every problem is listed with its row
        and a fix.

    Examples
    --------
    >>> table = read_rows(b"E-mail;Name;Role\\r\\nna@example.org;NA;mentee\\r\\n")
    >>> table.columns, table.rows[0]["name"], table.first_row
    (('email', 'name', 'role'), 'NA', 2)
    >>> table.encoding, table.delimiter
    ('UTF-8', ';')
    """
    text, encoding = _decode(_read_bytes(source))
    delimiter, text, skipped = _choose_delimiter(text)
    records = _parse_records(text, delimiter, skipped)
    return replace(_table_from_records(records), encoding=encoding, delimiter=delimiter)


#: Encodings a spreadsheet export may be in, as (codec, byte offsets to read it from):
#: UTF-16 is also read one byte in, in case its BOM is missing or the text is misaligned.
_ANY_ENCODING: tuple[tuple[str, tuple[int, ...]], ...] = (
    ("utf-8", (0,)),
    ("cp1252", (0,)),
    ("utf-16-le", (0, 1)),
    ("utf-16-be", (0, 1)),
)


def mentions(data: bytes, text: str) -> bool:
    """True when a file's bytes hold ``text`` (case-insensitive) in any encoding an export
    may be in: UTF-8, Windows-1252, UTF-16 either way round, with or without a BOM.

    Unlike :func:`read_rows` this never refuses a file, so a damaged or binary-looking
    upload is searched too.

    Examples
    --------
    >>> data = "email\\tname\\r\\nANA@example.org\\tAna\\r\\n".encode("utf-16")
    >>> mentions(data, "ana@example.org"), mentions(data, "bo@example.org")
    (True, False)
    """
    wanted = text.casefold()
    return any(
        wanted in data[start:].decode(codec, errors="ignore").casefold()
        for codec, starts in _ANY_ENCODING
        for start in starts
    )


def neutralize_cell(text: str) -> str:
    """Make a text cell safe to open in a spreadsheet (OWASP CSV injection).

    A cell starting with ``=``, ``+``, ``-``, ``@``, tab, CR or LF would run as a formula
    in Excel or LibreOffice; it is prefixed with a single quote, which spreadsheets show
    as plain text. This applies to text only, so the text ``"-5"`` becomes ``"'-5"``
    while a real number -5 is left alone by :func:`to_csv_bytes`.

    Examples
    --------
    >>> neutralize_cell("=HYPERLINK(\\"http://evil\\")")
    '\\'=HYPERLINK("http://evil")'
    >>> neutralize_cell("Ana"), neutralize_cell("-5")
    ('Ana', "'-5")
    """
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def to_csv_bytes(frame: pd.DataFrame) -> bytes:
    """Encode a table as spreadsheet-safe CSV: UTF-8 with BOM, RFC 4180, ``\\r\\n``.

    Every text cell and header goes through :func:`neutralize_cell`; numeric, boolean
    and date columns are written as values. Missing values are written as empty cells.

    Examples
    --------
    >>> frame = pd.DataFrame({"name": ["=1+1", "Ana, Lopez"], "score": [-5, 80]})
    >>> to_csv_bytes(frame)
    b'\\xef\\xbb\\xbfname,score\\r\\n\\'=1+1,-5\\r\\n"Ana, Lopez",80\\r\\n'
    """
    safe = frame.rename(columns=lambda c: neutralize_cell(str(c)))
    for position in range(safe.shape[1]):
        column = safe.iloc[:, position]
        if not _is_value_dtype(column.dtype):
            safe.isetitem(position, column.map(_neutralize_if_text, na_action="ignore"))
    text = safe.to_csv(index=False, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    return codecs.BOM_UTF8 + text.encode("utf-8")


def write_csv(frame: pd.DataFrame, path_or_buffer: str | os.PathLike[str] | IO) -> None:
    """Write :func:`to_csv_bytes` of ``frame`` to a path, a binary buffer or a text buffer.

    Examples
    --------
    >>> buffer = io.BytesIO()
    >>> write_csv(pd.DataFrame({"email": ["@ana"]}), buffer)
    >>> buffer.getvalue()
    b"\\xef\\xbb\\xbfemail\\r\\n'@ana\\r\\n"
    """
    data = to_csv_bytes(frame)
    if isinstance(path_or_buffer, str | os.PathLike):
        Path(path_or_buffer).write_bytes(data)
    elif isinstance(path_or_buffer, io.TextIOBase):
        path_or_buffer.write(data.decode("utf-8"))
    else:
        path_or_buffer.write(data)


def _is_value_dtype(dtype: object) -> bool:
    """True for numeric, boolean and datetime columns, whose cells are not text."""
    types = pd.api.types
    return types.is_numeric_dtype(dtype) or types.is_datetime64_any_dtype(dtype)


def _neutralize_if_text(value: object) -> object:
    return neutralize_cell(value) if isinstance(value, str) else value


def _file_issue(value: str, message: str) -> IntakeError:
    return IntakeError([Issue(0, "", value[:80], message)])


def _read_bytes(source: str | os.PathLike[str] | bytes) -> bytes:
    if isinstance(source, bytes | bytearray | memoryview):
        return bytes(source)
    try:
        return Path(source).read_bytes()
    except FileNotFoundError:
        raise _file_issue(str(source), "no such file: check the path") from None
    except IsADirectoryError:
        raise _file_issue(str(source), "this is a folder, not a file: give the CSV file") from None
    except (OSError, ValueError) as exc:
        raise _file_issue(str(source), f"cannot open the file ({exc}): check the path") from None


def _decode(data: bytes) -> tuple[str, str]:
    """Decode UTF-16 (with BOM), UTF-8 (with or without BOM) or else Windows-1252.

    Returns the text and the name of its encoding.
    """
    for magic, what in _BINARY_MAGIC:
        if data.startswith(magic):
            raise _file_issue("", f"this is {what}, not a CSV file: {SAVE_AS_CSV}")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            text, encoding = data.decode("utf-16"), "UTF-16"
        except UnicodeDecodeError:
            raise _file_issue(
                "", f"the file says it is UTF-16 but is damaged or cut short: {SAVE_AS_CSV}"
            ) from None
    else:
        body = data.removeprefix(codecs.BOM_UTF8)
        encoding = "UTF-8 with BOM" if len(body) < len(data) else "UTF-8"
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            try:
                text, encoding = body.decode("cp1252"), "Windows-1252"
            except UnicodeDecodeError:
                raise _file_issue(
                    "", f"the file's text encoding is not UTF-8 or Windows-1252: {SAVE_AS_CSV}"
                ) from None
    if text.count("\x00") * _BINARY_NUL_SHARE > len(text):
        raise _file_issue(
            "", f"the file contains binary data (NUL bytes), so it is not a CSV: {SAVE_AS_CSV}"
        )
    if not text.strip():
        raise _file_issue("", "the file is empty: export the sheet with its header row")
    return text, encoding


def _choose_delimiter(text: str) -> tuple[str, str, int]:
    """Return (delimiter, text without an Excel ``sep=`` line, number of lines skipped).

    Excel hides its ``sep=`` line, so it does not count as a spreadsheet row.

    ``csv.Sniffer`` (limited to ``,`` ``;`` and tab) decides when its answer splits the
    header line; otherwise the delimiter that splits the header into the most cells wins
    (a comma when none does).
    """
    first_line, _, rest = text.partition("\n")
    first_line = first_line.rstrip("\r")
    if (
        len(first_line) == 5
        and first_line.casefold().startswith("sep=")
        and first_line[4] in DELIMITERS
    ):
        return first_line[4], rest, 1
    header = _first_filled_line(text)
    widths = {d: _cell_count(header, d) for d in DELIMITERS}
    try:
        sniffed = csv.Sniffer().sniff(text[:_SNIFF_CHARS], delimiters=DELIMITERS).delimiter
    except csv.Error:
        sniffed = ""
    if sniffed and widths[sniffed] > 1:
        return sniffed, text, 0
    return max(DELIMITERS, key=lambda d: widths[d]), text, 0


def _first_filled_line(text: str) -> str:
    """The first line of ``text`` with more than spaces in it (``""`` when none has)."""
    start = 0
    for match in _LINE_BREAK.finditer(text):
        if text[start : match.start()].strip():
            return text[start : match.start()]
        start = match.end()
    return text[start:] if text[start:].strip() else ""


def _cell_count(line: str, delimiter: str) -> int:
    try:
        return len(next(csv.reader([line], delimiter=delimiter), []))
    except csv.Error:
        return 0


def _parse_records(text: str, delimiter: str, skipped: int) -> list[list[str]]:
    """Split text into records; one record is one spreadsheet row (quoted cells may span lines).

    A file the csv module refuses is read again record by record, to name where."""
    csv.field_size_limit(_CSV_FIELD_LIMIT)
    try:
        return list(_csv_reader(text, delimiter))
    except csv.Error:
        pass
    reader = _csv_reader(text, delimiter)
    records: list[list[str]] = []
    while True:
        start_line = reader.line_num + 1
        try:
            record = next(reader)
        except StopIteration:
            return records
        except csv.Error as exc:
            row = len(records) + 1
            raise IntakeError(
                [Issue(row, "", "", _quote_problem(str(exc), start_line + skipped))]
            ) from None
        records.append(record)


def _csv_reader(text: str, delimiter: str) -> Iterator[list[str]]:
    return csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)


def _quote_problem(error: str, line: int) -> str:
    if "expected after" in error:
        what = 'a quoted cell has text after its closing quote (")'
    else:
        what = 'a quote (") opened here is never closed'
    return (
        f"{what} (from line {line} of the file): put the whole cell in quotes and write "
        f'every quote inside it twice (""), or remove the stray quote'
    )


def _blank(cells: Sequence[str]) -> bool:
    return all(not cell.strip() for cell in cells)


def _excel_column(index: int) -> str:
    """Spreadsheet letter of a 0-based column index: 0 -> A, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(ord("A") + rem) + letters
    return letters


def _table_from_records(records: list[list[str]]) -> RowTable:
    """Locate the header, drop empty columns and trailing blank rows, and check the shape."""
    start = next((i for i, record in enumerate(records) if not _blank(record)), None)
    if start is None:
        raise _file_issue("", "the file has no header row: export the sheet with its header row")
    header = records[start]
    body = records[start + 1 :]
    while body and _blank(body[-1]):
        body.pop()
    header_row = start + 1
    first_row = header_row + 1
    width = len(header)
    keep = [
        i
        for i, name in enumerate(header)
        if name.strip() or any(i < len(cells) and cells[i].strip() for cells in body)
    ]
    issues = _header_issues(header, keep, body, header_row, first_row)
    issues += _ragged_issues(body, width, first_row)
    if issues:
        raise IntakeError(sorted(issues))
    columns = tuple(canonical_column(header[i]) for i in keep)
    rows = _row_dicts(columns, keep, body)
    return RowTable(columns, tuple(header[i] for i in keep), rows, first_row)


def _row_dicts(
    columns: tuple[str, ...], keep: list[int], body: list[list[str]]
) -> tuple[dict[str, str], ...]:
    """Each record's cells at the ``keep`` positions under their ``columns`` (``""`` for a
    cell a short record lacks)."""
    width = len(keep)
    if keep == list(range(width)):  # no column dropped before the last kept one
        pad = [""] * width
        return tuple(
            dict(zip(columns, cells if len(cells) >= width else cells + pad, strict=False))
            for cells in body
        )
    return tuple(
        {name: cells[i] if i < len(cells) else "" for name, i in zip(columns, keep, strict=True)}
        for cells in body
    )


def _header_issues(
    header: list[str], keep: list[int], body: list[list[str]], header_row: int, first_row: int
) -> list[Issue]:
    issues: list[Issue] = []
    seen: dict[str, int] = {}
    for i in keep:
        raw = header[i]
        if not raw.strip():
            row = next(
                n for n, cells in enumerate(body, first_row) if i < len(cells) and cells[i].strip()
            )
            issues.append(
                Issue(
                    header_row,
                    "",
                    "",
                    f"spreadsheet column {_excel_column(i)} has no header but row {row} has a "
                    "value in it: give the column a header or delete its values",
                )
            )
            continue
        name = canonical_column(raw)
        if match := CONTROL_CHARACTERS.search(raw):
            issues.append(
                Issue(
                    header_row,
                    name,
                    raw[:80],
                    f"the header of spreadsheet column {_excel_column(i)} contains the control "
                    f"character U+{ord(match[0]):04X}, usually from a corrupt export: retype it",
                )
            )
        if name in seen:
            first = seen[name]
            issues.append(
                Issue(
                    header_row,
                    name,
                    raw,
                    f"column {name!r} appears twice (spreadsheet columns {_excel_column(first)} "
                    f"{header[first]!r} and {_excel_column(i)} {raw!r}): rename or delete one",
                )
            )
        else:
            seen[name] = i
    return issues


def _ragged_issues(body: list[list[str]], width: int, first_row: int) -> list[Issue]:
    issues = []
    for row, cells in enumerate(body, first_row):
        extra = cells[width:]
        if extra and not _blank(extra):
            issues.append(
                Issue(
                    row,
                    "",
                    ", ".join(extra)[:80],
                    f"this row has {len(cells)} cells but the header has {width} columns, "
                    "usually because a value contains the delimiter: put that value in quotes, "
                    f"or delete the cells from spreadsheet column {_excel_column(width)} on",
                )
            )
    return issues
