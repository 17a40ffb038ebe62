"""Reading attendance lists as providers have them: a CSV file from a spreadsheet, or numbers pasted in a box.

Liberal on purpose (pure functions, no I/O): the header row is optional, the separator may be `;` (Dutch
spreadsheets), `,` or a tab, cells may be quoted, and the file may be UTF-8 (with or without BOM) or Windows-1252.
Nothing is judged here: every non-empty row goes to the accreditation service as typed, which answers per row
(recorded, duplicate, or rejected with a reason), so a mistyped number is reported, never silently dropped.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from typing import Final

FIELD_LIMIT: Final = csv.field_size_limit()
"""The csv module's limit on one cell (characters); a longer one makes the whole file unreadable."""

_NUMBER_HEADERS: Final = ("registratienummer", "registratie", "nummer", "registration", "number", "lklr")
_HOURS_HEADERS: Final = ("uren", "uur", "hours", "hour", "studiebelasting")
_PASTE_SEPARATORS: Final = re.compile(r"[\s,;]+")


class UnreadableCsv(ValueError):
    """The file cannot be read as CSV at `line`: `code` is `field_too_large` (a cell over the parser's field limit,
    usually an unclosed quote swallowing the rest of the file) or `unreadable` (a NUL byte and the like: not a
    text file). Only the whole file can be refused then; no row of it is posted."""

    def __init__(self, code: str, line: int) -> None:
        super().__init__(f"{code} at line {line}")
        self.code = code
        self.line = line


@dataclass(frozen=True)
class UploadRow:
    """One row as typed: the registration number and, when given, the hours (text; the service parses it)."""

    registration_number: str
    hours: str | None = None


def decode(content: bytes) -> str:
    """The file's text: UTF-8 (a BOM is dropped), else Windows-1252 (older Excel exports)."""
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return content.decode("cp1252", errors="replace")


def _separator(text: str) -> str:
    """`;`, tab or `,`: whichever the first non-empty line has most of (`,` when it has none)."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    counts = {separator: first.count(separator) for separator in (";", "\t", ",")}
    best = max(counts, key=lambda separator: counts[separator])
    return best if counts[best] else ","


def _is_header(cells: list[str]) -> bool:
    return bool(cells) and not any(character.isdigit() for character in cells[0])


def _column(header: list[str], names: tuple[str, ...]) -> int | None:
    for index, cell in enumerate(header):
        lowered = cell.strip().lower()
        if any(name in lowered for name in names):
            return index
    return None


def parse_csv(text: str) -> list[UploadRow]:
    """Rows of a CSV text: the number in the first column (or the column a header names), the hours in the second
    (or the column headed `uren`/`hours`), if any. Empty lines are skipped; a header row is recognised by a first
    cell without digits. Raises UnreadableCsv for a file the csv module cannot read."""
    reader = csv.reader(io.StringIO(text), delimiter=_separator(text))
    try:
        rows = [[cell.strip() for cell in row] for row in reader]
    except csv.Error as exc:
        # The csv module says what went wrong only in its message ("field larger than field limit (131072)").
        code = "field_too_large" if "field limit" in str(exc) else "unreadable"
        raise UnreadableCsv(code, reader.line_num) from exc
    rows = [row for row in rows if any(row)]
    number_column, hours_column = 0, 1
    if rows and _is_header(rows[0]):
        header = rows.pop(0)
        found_number = _column(header, _NUMBER_HEADERS)
        number_column = found_number if found_number is not None else 0
        found_hours = _column(header, _HOURS_HEADERS)
        hours_column = found_hours if found_hours is not None else (1 if number_column == 0 else 0)
    parsed = []
    for row in rows:
        number = row[number_column] if number_column < len(row) else ""
        hours = row[hours_column] if hours_column < len(row) and hours_column != number_column else ""
        parsed.append(UploadRow(number, hours or None))
    return parsed


def parse_pasted(text: str) -> list[UploadRow]:
    """Registration numbers pasted as a list: separated by new lines, spaces, commas or semicolons (full
    attendance for each; hours come with a CSV file)."""
    return [UploadRow(number) for number in _PASTE_SEPARATORS.split(text) if number]
