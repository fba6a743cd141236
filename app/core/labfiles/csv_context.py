"""What the CSV row loops share: column indexes, caches, patient and date helpers.

A missing role points at an empty cell appended to every row, so the loops can read
``row[index]`` without asking whether the column exists.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime

from app.core.person_names import split_full_name

from .columns import scale_note
from .model import FileRejected, RowProblem
from .result_rows import PendingDates, ResultRows
from .values import looks_like_formula, parse_number, parse_reference_range
from .values import parse_value_text as _parse_value

__all__ = [
    "DEFER",
    "LOINC_CODE",
    "SEX",
    "CsvContext",
    "WideColumn",
    "csv_rejected",
    "duplicate_reason",
    "formula_scan",
    "parse_cell",
    "text_lines",
]

LOINC_CODE = re.compile(r"^\d{1,7}-\d$")
#: Marks a date text that can only be read once the file's day/month order is known.
DEFER = object()
SEX = {"m": "male", "male": "male", "f": "female", "female": "female", "u": "unknown"}
_FORMULA_FIRST = frozenset("=+-@\uff1d\uff0b\uff0d\uff20")
_PATIENT_ROLES = (
    "mrn",
    "source_patient_id",
    "sample_id",
    "patient_name",
    "family_name",
    "given_name",
)
_TEXT_ROLES = _PATIENT_ROLES + ("analyte", "unit", "lab", "note", "code", "loinc")


def formula_scan(text: str, delimiter: str) -> bool:
    """Return False only when no cell of ``text`` can start a spreadsheet formula.

    This is a cheap gate run once per file so the row loops can skip per-cell formula
    checks in the files (nearly all) that have none. It may say True for a file without
    formulas (then the rows are checked one by one), never False for one with them.
    Each search starts with a literal pair such as ``",-"``, which the regex engine
    finds quickly; negative numbers never match.
    """
    if any(c in text for c in "=@\uff1d\uff20"):
        return True
    signs = [c for c in "+-\uff0b\uff0d" if c in text]
    for prefix in (delimiter, "\n", "\r", '"', " ", "\t"):
        if prefix in text:
            for sign in signs:
                if re.search(re.escape(prefix + sign) + "[ \t]*[A-Za-z(@=]", text):
                    return True
    return looks_like_formula(text[:200].lstrip('\ufeff"'))


def parse_cell(cell: str, decimal_mark: str) -> tuple[float | None, str | None, str, str, str]:
    """Parse a result cell into ``(value, comparator, flag, unit, non_result)``.

    Raises:
        ValueError: Like :func:`~app.core.labfiles.values.parse_value_text`.
    """
    parsed = _parse_value(cell, decimal_mark)
    return parsed.value, parsed.comparator, parsed.flag, parsed.unit, parsed.non_result


@dataclass(slots=True)
class WideColumn:
    """One column read as results: its index, analyte name, header unit, unit column."""

    index: int
    name: str
    unit: str
    unit_index: int


@dataclass(slots=True)
class CsvContext:
    """What the row loops need to know about the file, and what they produce."""

    headers: list[str]
    roles: dict[str, int]
    decimal_mark: str
    header_units: list[str]
    total_lines: int
    default_collected_at: datetime | None
    check_formulas: bool = True
    min_width: int = 0
    tomorrow: datetime = datetime.max
    rows: ResultRows = field(default_factory=ResultRows)
    pending: PendingDates = field(default_factory=PendingDates)
    problems: list[RowProblem] = field(default_factory=list)
    seen: dict[tuple, int] = field(default_factory=dict)
    #: Collection-date texts read so far: the datetime, a problem sentence or ``DEFER``.
    collected: dict[str, object] = field(default_factory=dict)
    names: dict[str, tuple[str, str]] = field(default_factory=dict)
    ranges: dict[str, tuple[float | None, float | None]] = field(default_factory=dict)
    scales: dict[str, str] = field(default_factory=dict)

    def first_look(self, text: str) -> datetime | str | object:
        """Read an ISO date now (the day/month order cannot matter); defer anything else.

        Returns:
            The datetime; a problem sentence for a future ISO date; or :data:`DEFER`.
        """
        if len(text) >= 10 and text[4] == "-":
            try:
                when = datetime.fromisoformat(text)
            except ValueError:
                return DEFER
            if when.tzinfo is not None:
                when = when.replace(tzinfo=None)
            if when >= self.tomorrow:
                return f"The date {when:%Y-%m-%d} is in the future."
            return when
        return DEFER

    def index(self, role: str) -> int:
        """Column of ``role``, or the index of the empty cell appended to every row."""
        return self.roles.get(role, len(self.headers))

    def split_name(self, text: str) -> tuple[str, str]:
        """Split a full name (``'Doe, Jane'``, ``'Jane Doe'``, ``'DOE^JANE'``) into family, given."""
        cached = self.names.get(text)
        if cached is None:
            cached = self.names[text] = split_full_name(text)
        return cached

    def ref_range(self, text: str) -> tuple[float | None, float | None]:
        """Parse a reference range once per distinct text."""
        cached = self.ranges.get(text)
        if cached is None:
            cached = self.ranges[text] = parse_reference_range(text, self.decimal_mark)
        return cached

    def scale(self, unit: str) -> str:
        """Describe a factor in ``unit`` once per distinct unit."""
        cached = self.scales.get(unit)
        if cached is None:
            cached = self.scales[unit] = scale_note(unit)
        return cached

    def bound(self, text: str) -> float | None:
        """Parse a separate low or high bound cell; ``None`` when blank or unreadable."""
        text = text.strip()
        if not text:
            return None
        try:
            return parse_number(text.lstrip("<>=\u2264\u2265 "), self.decimal_mark)
        except ValueError:
            return None

    def formula_cell(self, row: list[str], line: int) -> bool:
        """Record a problem and return True when a text cell of ``row`` is a formula."""
        for role in _TEXT_ROLES:
            index = self.roles.get(role)
            cell = row[index].lstrip() if index is not None else ""
            if cell[:1] in _FORMULA_FIRST and looks_like_formula(cell):
                self.problems.append(
                    RowProblem(
                        line,
                        self.headers[index],
                        f"{cell.strip()!r} looks like a spreadsheet formula; the row was not read.",
                    )
                )
                return True
        return False

    def patient(self, row: list[str]) -> tuple[str, str, str, str, str]:
        """Return ``(mrn, source_patient_id, family, given, sex)`` from a padded row."""
        family = row[self.index("family_name")].strip()
        given = row[self.index("given_name")].strip()
        if not family and not given and "patient_name" in self.roles:
            family, given = self.split_name(row[self.roles["patient_name"]])
        sex = row[self.index("sex")].strip()
        return (
            row[self.index("mrn")].strip(),
            row[self.index("source_patient_id")].strip(),
            family,
            given,
            SEX.get(sex.lower(), sex.lower()),
        )

    def collected_text(self, row: list[str]) -> str:
        """Collection date text, with a separate time column joined when the date has none."""
        text = row[self.index("collected_at")].strip()
        if text and "collected_time" in self.roles and ":" not in text:
            time = row[self.roles["collected_time"]].strip()
            if time:
                text = f"{text} {time}"
        return text

    def ragged(self, row: list[str], line: int) -> list[str] | None:
        """Return the row padded for lookups, or ``None`` (blank or ragged, problem recorded)."""
        width = len(self.headers)
        n = len(row)
        if not any(c.strip() for c in row):
            return None  # blank lines and ",,,," padding rows carry nothing
        if n != width:
            if n > width and not any(c.strip() for c in row[width:]):
                del row[width:]
            elif self.min_width <= n < width:
                # The header ends with empty cells (a trailing delimiter) this row lacks.
                row.extend([""] * (width - n))
            else:
                self.problems.append(
                    RowProblem(line, "", f"This row has {n} fields but the header has {width}.")
                )
                return None
        row.append("")
        return row

    def duplicate_of(self, key: tuple, line: int) -> bool:
        """Record a problem and return True when ``key`` was already read on another row."""
        first = self.seen.get(key)
        if first is None:
            self.seen[key] = line
            return False
        self.problems.append(RowProblem(line, "", duplicate_reason(first)))
        return True


def csv_rejected(line: int, error: Exception) -> FileRejected:
    """The refusal of a file ``csv.reader`` stopped reading at ``line``."""
    return FileRejected(
        f"Line {line} could not be read as CSV ({error}); check for an unbalanced quote."
    )


def duplicate_reason(first_line: int) -> str:
    """The problem of a row that repeats the row read on ``first_line``."""
    return f"This row is a duplicate of line {first_line}."


def text_lines(text: str, line_ending: str) -> Iterator[str]:
    """The text's lines with their endings, as ``csv.reader`` wants them.

    ``io.StringIO`` would copy a 75 MB file into a buffer of four bytes a character
    (about 220 MB more at the peak of a million-row import); slicing the text line by
    line holds one line at a time and is as fast. Files with a bare CR (old Mac line
    ends, or a mix: ``line_ending`` as :func:`~.sniff.line_ending_of` names it) still
    go through ``StringIO``, whose newline handling splits on a bare CR.
    """
    if line_ending not in ("LF", "CRLF", ""):
        yield from io.StringIO(text, newline="")
        return
    find = text.find
    start, end = 0, len(text)
    while start < end:
        stop = find("\n", start) + 1 or end
        yield text[start:stop]
        start = stop
