"""What an import would do and did: the preview, the result, profiles, the problem report."""

from __future__ import annotations

from dataclasses import dataclass, field

from app.core.importing import FilePatient
from app.core.labfiles import ParsedFile, ReadOptions, RowProblem
from app.store.imports import BatchRecord

NEW = "new"
DUPLICATE = "duplicate"
UNMATCHED_PATIENT = "unmatched patient"
UNKNOWN_ANALYTE = "unknown analyte"
# A test the clinic said it does not track (remembered): left out, counted, not asked about.
UNTRACKED_ANALYTE = "not tracked"
REJECTED = "rejected"


@dataclass
class ImportPreview:
    """What committing would do, row by row, before anything is written."""

    file_name: str
    sha256: str
    size_bytes: int
    parsed: ParsedFile
    profile_name: str = ""
    statuses: list[str] = field(default_factory=list)
    analyte_keys: list[str | None] = field(default_factory=list)
    patient_ids: list[int | None] = field(default_factory=list)
    unknown_analytes: dict[str, list[int]] = field(default_factory=dict)
    # Tests the clinic does not track (mapping text -> lines), left out of the batch.
    untracked_analytes: dict[str, list[int]] = field(default_factory=dict)
    unmatched_patients: dict[FilePatient, list[int]] = field(default_factory=dict)
    patient_notes: dict[FilePatient, str] = field(default_factory=dict)
    # File patients the user assigned to a clinic patient (id), and their rows' lines.
    assigned_to: dict[FilePatient, int] = field(default_factory=dict)
    assigned_lines: dict[FilePatient, list[int]] = field(default_factory=dict)
    unrecognised_units: dict[tuple[str, str], int] = field(default_factory=dict)
    already_imported: list[BatchRecord] = field(default_factory=list)
    # Rows read well but impossible for their patient or analyte (a negative
    # concentration, a draw before birth): row index -> why; never written.
    row_problems: dict[int, RowProblem] = field(default_factory=dict)
    # Problems of the reader with a value of a test the clinic does not track: left out
    # (counted with the untracked rows), not rejected.
    untracked_problems: list[RowProblem] = field(default_factory=list)

    def count(self, status: str) -> int:
        return self.statuses.count(status)

    @property
    def rejected(self) -> list[RowProblem]:
        """Every row not imported for a problem: unreadable ones and impossible ones."""
        problems = self.parsed.problems
        if self.untracked_problems:
            left_out = set(map(id, self.untracked_problems))
            problems = [p for p in problems if id(p) not in left_out]
        if not self.row_problems:
            return problems
        return sorted([*problems, *self.row_problems.values()], key=lambda p: p.line)

    def summary(self) -> dict[str, int]:
        return {
            "rows_read": len(self.statuses) + len(self.parsed.problems),
            "new": self.count(NEW),
            "duplicates": self.count(DUPLICATE),
            "unmatched_patient_rows": self.count(UNMATCHED_PATIENT),
            "unknown_analyte_rows": self.count(UNKNOWN_ANALYTE),
            "untracked_analyte_rows": self.count(UNTRACKED_ANALYTE) + len(self.untracked_problems),
            "rejected": len(self.rejected),
            "unrecognised_unit_rows": sum(self.unrecognised_units.values()),
            "assigned_rows": sum(map(len, self.assigned_lines.values())),
        }


class NothingToImport(Exception):
    """Every row is already recorded, rejected or left out: no batch is made."""


@dataclass(frozen=True)
class ImportResult:
    batch_id: int
    imported: int
    duplicates: int
    rejected: int
    skipped: int
    patients_created: int
    stored_path: str
    #: Results written with a number in a unit the knowledge base cannot convert.
    unconverted: int = 0


def problems_report(problems: list[RowProblem]) -> str:
    """Rejected rows as text a clinic can save: line, column, reason."""
    lines = ["line\tcolumn\treason"]
    lines.extend(f"{p.line}\t{p.column}\t{p.reason}" for p in problems)
    return "\n".join(lines)


def profile_settings(options: ReadOptions, parsed: ParsedFile) -> dict:
    """What a saved import profile remembers about one source's files."""
    return {
        "date_order": parsed.date_order or options.date_order,
        "delimiter": parsed.delimiter,
        "decimal_mark": parsed.decimal_mark,
        "encoding": parsed.encoding,
        "layout": parsed.layout,
        "column_map": dict(parsed.columns),
    }


def apply_profile(options: ReadOptions, settings: dict) -> None:
    """Fill the read options a profile remembers, leaving what the user chose alone."""
    for name in ("date_order", "delimiter", "decimal_mark", "encoding", "layout"):
        if settings.get(name) and getattr(options, name) is None:
            setattr(options, name, settings[name])
    if settings.get("column_map") and options.column_map is None:
        options.column_map = dict(settings["column_map"])
