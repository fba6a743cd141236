"""Lab-file parsing: bytes in, parsed rows and row-level problems out (stdlib only).

Use :func:`read_lab_file` for whole files (CSV, HL7 v2, FHIR JSON) and
:func:`parse_value_text` / :func:`parse_reference_range` for single cells typed by hand.
"""

from .model import (
    DATE_ORDERS,
    LAYOUTS,
    ROLES,
    FileRejected,
    ImportCancelled,
    NeedsDateOrder,
    ParsedFile,
    RawResult,
    ReadOptions,
    RowProblem,
)
from .reader import read_lab_file
from .result_rows import ResultRows
from .values import NON_RESULTS, ParsedValue, parse_reference_range, parse_value_text

__all__ = [
    "DATE_ORDERS",
    "LAYOUTS",
    "NON_RESULTS",
    "ROLES",
    "FileRejected",
    "ImportCancelled",
    "NeedsDateOrder",
    "ParsedFile",
    "ParsedValue",
    "RawResult",
    "ReadOptions",
    "ResultRows",
    "RowProblem",
    "parse_reference_range",
    "parse_value_text",
    "read_lab_file",
]
