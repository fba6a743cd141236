"""Records and exceptions shared by the lab-file readers.

A reader turns bytes into a :class:`ParsedFile`: the rows it could read
(:class:`RawResult`), the rows it could not (:class:`RowProblem`), and what it found
out about the file on the way (encoding, delimiter, layout, column roles). Whole-file
refusals are exceptions so no caller can mistake a refused file for an empty one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

__all__ = [
    "DATE_ORDERS",
    "LAYOUTS",
    "ROLES",
    "FileRejected",
    "ImportCancelled",
    "NeedsDateOrder",
    "ParsedFile",
    "RawResult",
    "ReadOptions",
    "RowProblem",
]

#: Accepted values of :attr:`ReadOptions.date_order`.
DATE_ORDERS = ("dmy", "mdy", "ymd")

#: Values of :attr:`ParsedFile.layout`.
LAYOUTS = ("long", "wide", "date_columns", "hl7v2", "fhir")

#: Column roles a CSV header can play (keys of :attr:`ParsedFile.columns`).
ROLES = (
    "mrn",
    "source_patient_id",
    "sample_id",
    "patient_name",
    "family_name",
    "given_name",
    "date_of_birth",
    "sex",
    "analyte",
    "loinc",
    "code",
    "value",
    "value_type",
    "unit",
    "ref_range",
    "ref_low",
    "ref_high",
    "flag",
    "collected_at",
    "collected_time",
    "lab",
    "note",
)


class FileRejected(Exception):
    """The whole file cannot be read; ``str(exc)`` is one sentence for the user."""


class ImportCancelled(Exception):
    """The caller's ``is_cancelled`` returned true while the file was being read."""


class NeedsDateOrder(Exception):
    """The file's dates can be read two ways; ask the user and read again.

    Attributes:
        samples: A few date texts from the file that show the ambiguity.
        conflicting: True when some dates prove day-first and others month-first.
    """

    def __init__(self, samples: list[str], conflicting: bool = False) -> None:
        self.samples = list(samples)
        self.conflicting = conflicting
        if conflicting:
            message = (
                "The dates in this file disagree about whether the day or the month comes "
                f"first (for example {', '.join(self.samples[:3])}); choose the date order."
            )
        else:
            message = (
                "Every date in this file could be day/month or month/day "
                f"(for example {', '.join(self.samples[:3])}); choose the date order."
            )
        super().__init__(message)


@dataclass(slots=True)
class ReadOptions:
    """What the caller knows about a file, or what the user chose after a first try.

    Attributes:
        max_bytes: Files larger than this are refused (the user is asked to split them).
        date_order: ``'dmy'``, ``'mdy'`` or ``'ymd'`` for files whose dates are ambiguous.
        today: The date after which collection dates count as future (default: today).
        column_map: Role → header overrides (a role mapped to ``''`` is unset).
        analyte_columns: Headers to read as analytes in a wide file.
        layout: Force ``'long'``, ``'wide'`` or ``'date_columns'`` for a CSV file.
        delimiter: Force the CSV delimiter.
        decimal_mark: Force ``'.'`` or ``','``.
        encoding: Force a text encoding (a Python codec name).
        header_line: Force the 1-based physical line of the CSV header.
        default_collected_at: Collection time for files that have no date at all.
        second_process: Read a long CSV with a second process (:mod:`.csv_split`; the
            same result, sooner when a core is free): None decides by the file's size
            and whether a core looks free; True always (tests), False never.
    """

    max_bytes: int = 256 * 1024 * 1024
    date_order: str | None = None
    today: date | None = None
    column_map: dict[str, str] | None = None
    analyte_columns: tuple[str, ...] | None = None
    layout: str | None = None
    delimiter: str | None = None
    decimal_mark: str | None = None
    encoding: str | None = None
    header_line: int | None = None
    default_collected_at: datetime | None = None
    second_process: bool | None = None


@dataclass(slots=True)
class RawResult:
    """One result read from a file, before analyte matching and unit conversion.

    Text fields are as written (stripped). ``collected_at`` is the wall-clock time as
    written in the file; a UTC offset, when given, is dropped rather than converted,
    so the time matches the printed report.
    """

    line: int
    mrn: str = ""
    source_patient_id: str = ""
    family_name: str = ""
    given_name: str = ""
    date_of_birth: date | None = None
    sex: str = ""
    analyte_text: str = ""
    loinc: str = ""
    local_code: str = ""
    raw_value: str = ""
    value: float | None = None
    comparator: str | None = None
    flag: str = ""
    non_result: str = ""
    unit: str = ""
    unit_scale_note: str = ""
    ref_low: float | None = None
    ref_high: float | None = None
    ref_text: str = ""
    collected_at: datetime | None = None
    lab: str = ""
    note: str = ""
    # Last, so readers that know no sample pass the other fields unchanged. A sample id
    # names a tube, not a person: it groups rows, it never matches a patient.
    sample_id: str = ""


@dataclass(frozen=True, slots=True)
class RowProblem:
    """A row (or segment, or resource) that was not read, and why.

    Attributes:
        line: 1-based physical line in the file where the row starts.
        column: Header, HL7 field (``'OBX-5'``) or FHIR element; ``''`` for the whole row.
        reason: One sentence for the user.
        test: For a value that could not be read, the row's test as written (name,
            LOINC, local code), so an importer can leave out, not reject, a test the
            clinic does not track (an EHR's text answers to questionnaires); else ().
    """

    line: int
    column: str
    reason: str
    test: tuple[str, str, str] = ()


def _no_rows() -> Sequence[RawResult]:
    from .result_rows import ResultRows  # it builds RawResult objects: import when used

    return ResultRows()


@dataclass(slots=True)
class ParsedFile:
    """Everything a reader found in one file.

    Attributes:
        format: ``'csv'``, ``'hl7v2'`` or ``'fhir'``.
        encoding: Codec the text was decoded with (``'utf-8-sig'``, ``'cp1252'``...).
        line_ending: ``'CRLF'``, ``'LF'``, ``'CR'``, ``'mixed'`` or ``''``.
        layout: One of :data:`LAYOUTS`.
        rows: Results read without problems, duplicates removed; a compact
            :class:`~app.core.labfiles.result_rows.ResultRows` once reading is done.
        problems: Rows not read, sorted by line.
        delimiter: CSV delimiter, ``''`` for other formats.
        decimal_mark: ``'.'`` or ``','``.
        date_order: The order used for day/month dates, or ``None`` when none was needed.
        header_line: 1-based line of the CSV header (0 when there is none).
        headers: The CSV header cells as written.
        columns: Role → header for the roles found (see :data:`ROLES`).
        analyte_columns: Headers read as analytes (wide layout) or dates (date columns).
        fingerprint: Stable hash of the normalised headers, for choosing import profiles.
        notes: File-level observations worth showing the user (scale factors...).
    """

    format: str
    encoding: str
    line_ending: str
    layout: str
    rows: Sequence[RawResult] = field(default_factory=_no_rows)
    problems: list[RowProblem] = field(default_factory=list)
    delimiter: str = ""
    decimal_mark: str = "."
    date_order: str | None = None
    header_line: int = 0
    headers: list[str] = field(default_factory=list)
    columns: dict[str, str] = field(default_factory=dict)
    analyte_columns: list[str] = field(default_factory=list)
    fingerprint: str = ""
    notes: list[str] = field(default_factory=list)
