"""Find a CSV file's delimiter, header row and decimal mark from its first lines.

Lab exports put a title or "Printed on" lines above the header, pad those lines with
empty fields, and use ``;`` with decimal commas where Excel is set up for Europe. The
sniffer reads the first lines with each candidate delimiter and keeps the one that
splits the lines most consistently.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from dataclasses import dataclass

from .model import FileRejected, ReadOptions

__all__ = ["CsvShape", "sniff_csv"]

_DELIMITERS = (",", ";", "\t", "|")
_SAMPLE_CHARS = 256 * 1024
_SAMPLE_ROWS = 200
_NUMBER = re.compile(r"^\s*[-+<>]?\s*\d+(?:[.,]\d+)?\s*$")
_COMMA_EVIDENCE = re.compile(r"^(?:\d{1,3}(?:\.\d{3})+|\d+),\d+$")
_POINT_EVIDENCE = re.compile(r"^(?:\d{1,3}(?:,\d{3})+|\d+)\.\d+$")
# Exactly one separator followed by three digits: a thousands group or a decimal.
_GROUPED = re.compile(r"^[1-9]\d{0,2}[.,]\d{3}$")


@dataclass(frozen=True, slots=True)
class CsvShape:
    """What the sniffer found.

    Attributes:
        delimiter: The field separator.
        header_row: 0-based index of the header among the rows ``csv.reader`` yields.
        header_line: 1-based physical line of the header.
        headers: The header cells, stripped (empty ones kept: they often head unit columns).
        decimal_mark: ``'.'`` or ``','``.
        sample: The first non-blank data rows, for deciding the layout.
    """

    delimiter: str
    header_row: int
    header_line: int
    headers: list[str]
    decimal_mark: str
    sample: list[list[str]]


def _sample_rows(sample: str, delimiter: str) -> list[tuple[int, list[str]]]:
    """Return ``(start line, row)`` for the first rows of ``sample``."""
    reader = csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter)
    rows: list[tuple[int, list[str]]] = []
    last = 0
    try:
        for row in reader:
            rows.append((last + 1, row))
            last = reader.line_num
            if len(rows) >= _SAMPLE_ROWS:
                break
    except csv.Error:
        pass
    return rows


def _trimmed_len(row: list[str]) -> int:
    """Field count ignoring trailing empty fields (a trailing delimiter is common)."""
    n = len(row)
    while n and not row[n - 1].strip():
        n -= 1
    return n


def _score(rows: list[tuple[int, list[str]]]) -> tuple[float, int]:
    """Score a delimiter: share of lines with the commonest field count, then that count."""
    counts = [_trimmed_len(r) for _, r in rows if any(c.strip() for c in r)]
    multi = [c for c in counts if c > 1]
    if not multi:
        return 0.0, 1
    mode, freq = max(Counter(multi).items(), key=lambda kv: (kv[1], kv[0]))
    return freq / len(counts), mode


def _is_header(row: list[str], width: int, following: list[list[str]]) -> bool:
    """Return True when ``row`` reads as column names above the data."""
    cells = [c.strip() for c in row]
    filled = [c for c in cells if c]
    if len(filled) < 2 or _trimmed_len(row) < max(2, width // 2):
        return False
    if any(_NUMBER.match(c) for c in filled):
        return False
    if following:
        widths = sorted(sum(1 for c in r if c.strip()) for r in following)
        if len(filled) < 0.5 * widths[len(widths) // 2]:
            # A padded preamble line such as "Patient:,Doe,,,,,".
            return False
    return True


def sniff_csv(text: str, options: ReadOptions) -> CsvShape:
    """Find delimiter, header row and decimal mark.

    Raises:
        FileRejected: When every line is one column, or no header row is found.
    """
    sample = text[:_SAMPLE_CHARS]
    if len(text) > _SAMPLE_CHARS:
        # Cut at a line end so the last sampled row is whole.
        cut = max(sample.rfind("\n"), sample.rfind("\r"))
        sample = sample[:cut] if cut > 0 else sample
    candidates = (options.delimiter,) if options.delimiter else _DELIMITERS
    best: tuple[tuple[float, int], str, list[tuple[int, list[str]]]] | None = None
    for delimiter in candidates:
        rows = _sample_rows(sample, delimiter)
        score = _score(rows)
        if best is None or score > best[0]:
            best = (score, delimiter, rows)
    assert best is not None
    (_, width), delimiter, rows = best
    if width < 2:
        raise FileRejected(
            "Every line of this file is a single column; it does not use a comma, semicolon, "
            "tab or | between fields."
        )
    header_index = _find_header(rows, width, options)
    header_line, header_row = rows[header_index]
    headers = [c.strip() for c in header_row]
    data = [r for _, r in rows[header_index + 1 :]]
    data = [r for r in data if any(c.strip() for c in r)]
    if not data:
        raise FileRejected("The file has a header row but no data rows.")
    decimal_mark = options.decimal_mark or _decimal_mark(delimiter, data)
    return CsvShape(delimiter, header_index, header_line, headers, decimal_mark, data)


def _find_header(rows: list[tuple[int, list[str]]], width: int, options: ReadOptions) -> int:
    """Return the index of the header among the sampled rows."""
    if options.header_line:
        for index, (line, _) in enumerate(rows):
            if line == options.header_line:
                return index
        raise FileRejected(f"Line {options.header_line} is not among the first lines of the file.")
    for index, (_, row) in enumerate(rows):
        following = [r for _, r in rows[index + 1 : index + 21] if any(c.strip() for c in r)]
        if _is_header(row, width, following):
            return index
    raise FileRejected(
        "No header row was found: the first lines hold no row of column names above the data."
    )


def _decimal_mark(delimiter: str, data: list[list[str]]) -> str:
    """Choose ``','`` when the numbers in a non-comma-delimited file use decimal commas.

    ``0,5`` and ``1.250,5`` prove a decimal comma, ``0.5`` and ``1,250.5`` a decimal point.
    ``1,250`` alone proves nothing (1.25 or 1250): when only such numbers exist, a
    ``;``-delimited file is read with a decimal comma, since that is why spreadsheets
    pick ``;``, and any other file with a decimal point.
    """
    if delimiter == ",":
        return "."
    comma = point = grouped = 0
    for row in data:
        for cell in row:
            cell = cell.strip().lstrip("<>=+- ")
            if _GROUPED.match(cell):
                grouped += 1
            elif _COMMA_EVIDENCE.match(cell):
                comma += 1
            elif _POINT_EVIDENCE.match(cell):
                point += 1
    if comma or point:
        return "," if comma > point else "."
    return "," if grouped and delimiter == ";" else "."
