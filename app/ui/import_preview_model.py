"""Rows of an import preview, coloured by what committing would do with them."""

from __future__ import annotations

from array import array
from collections.abc import Sequence

from PySide6.QtGui import QBrush, QColor

from app.core.labfiles import ResultRows
from app.services.importing import (
    DUPLICATE,
    NEW,
    REJECTED,
    UNKNOWN_ANALYTE,
    UNMATCHED_PATIENT,
    UNTRACKED_ANALYTE,
)
from app.ui.item_roles import BACKGROUND, DISPLAY, TOOLTIP
from app.ui.table_model import Index, RowsTableModel

HEADERS = (
    "Line",
    "Status",
    "Patient",
    "Analyte",
    "Result",
    "Unit",
    "Range",
    "Collected",
    "Lab",
    "Problem",
)
# Widest each column opens (pixels): a long patient id or test name is cut, its whole
# text in the tooltip, so every column up to Problem (which takes the rest, at least
# PROBLEM_MIN_WIDTH) fits the preview of a 1200-px-wide wizard without scrolling.
COLUMN_CAPS = {
    "Line": 40,
    "Status": 84,
    "Patient": 104,
    "Analyte": 112,
    "Result": 56,
    "Unit": 56,
    "Range": 64,
    "Collected": 116,
    "Lab": 64,
}
# Columns of free text, narrowed further (to SHRINK_FLOOR) when the preview is too
# narrow for Problem to keep PROBLEM_MIN_WIDTH.
SHRINKABLE = ("Patient", "Analyte", "Range", "Lab", "Status")
SHRINK_FLOOR = 48
PROBLEM_MIN_WIDTH = 110


def fitted_widths(widths: list[int], room: int) -> list[int]:
    """Column widths (all but Problem) capped, then narrowed so Problem keeps its room.

    ``widths`` are the contents' widths, in ``HEADERS`` order without Problem; ``room``
    is the table's visible width (0 when not laid out yet: the caps only).
    """
    out = [min(w, COLUMN_CAPS.get(h, w)) for h, w in zip(HEADERS, widths, strict=False)]
    excess = sum(out) + PROBLEM_MIN_WIDTH - room if room > 0 else 0
    while excess > 0:
        give = [i for i, h in enumerate(HEADERS[: len(out)]) if h in SHRINKABLE]
        give = [i for i in give if out[i] > SHRINK_FLOOR]
        if not give:
            break
        share = max(1, excess // len(give))
        for i in give:
            cut = min(share, out[i] - SHRINK_FLOOR, excess)
            out[i] -= cut
            excess -= cut
    return out


_COLOURS = {
    NEW: None,
    DUPLICATE: QColor("#eeeeee"),
    UNMATCHED_PATIENT: QColor("#fff1c2"),
    UNKNOWN_ANALYTE: QColor("#ffd9d9"),
    UNTRACKED_ANALYTE: QColor("#eeeeee"),
    REJECTED: QColor("#ffb3b3"),
}


class ImportPreviewTableModel(RowsTableModel):
    """Read rows and rejected rows of one file, in file order.

    A file may hold a million rows, so the cells are built when the view asks for
    them; the model keeps only the order of rows and problems (one integer each).
    """

    HEADERS = HEADERS

    def __init__(
        self,
        analyte_label,  # noqa: ANN001
        parent=None,  # noqa: ANN001
        patient_label=None,  # noqa: ANN001
        unit_refusal=None,  # noqa: ANN001
    ):
        super().__init__(parent)
        self._label = analyte_label
        # A matched row names the clinic's patient (the file may name them by an id only).
        self._patient_label = patient_label
        self._patients: dict[int, str] = {}
        # Why a unit is kept as reported (analyte key, unit -> text), asked once each.
        self._unit_refusal = unit_refusal
        self._unit_notes: dict[tuple[str, str], str] = {}
        self._preview = None
        self._read = ResultRows()
        self._rows = array("q")  # row index, or -1 - problem index
        self._cached: tuple[int, tuple] = (-1, ())
        self._untracked: set[int] = set()  # ids of problems left out as not tracked
        self._brushes = {k: QBrush(v) for k, v in _COLOURS.items() if v is not None}

    def set_preview(self, preview) -> None:
        self.beginResetModel()
        self._preview = preview
        self._read = ResultRows.of(preview.parsed.rows)
        self._rows = _file_order(self._read.lines, [p.line for p in preview.parsed.problems])
        self._cached = (-1, ())
        self._unit_notes = {}
        self._untracked = set(map(id, preview.untracked_problems))
        self.endResetModel()

    def status_at(self, row: int) -> str:
        entry = self._rows[row]
        if entry >= 0:
            return self._preview.statuses[entry]
        problem = self._preview.parsed.problems[-1 - entry]
        return UNTRACKED_ANALYTE if id(problem) in self._untracked else REJECTED

    def _cells(self, row: int) -> tuple:
        if self._cached[0] == row:
            return self._cached[1]
        entry = self._rows[row]
        preview = self._preview
        if entry < 0:
            problem = preview.parsed.problems[-1 - entry]
            where = f"{problem.column}: " if problem.column else ""
            if id(problem) in self._untracked:  # a text answer to a test not tracked
                test = problem.test[0] or problem.test[2] or problem.test[1]
                cells = (problem.line, UNTRACKED_ANALYTE, "", test, "", "", "", "", "", "")
            else:
                cells = (problem.line, REJECTED, "", "", "", "", "", "", "", where + problem.reason)
        else:
            raw = self._read[entry]
            key = preview.analyte_keys[entry]
            who = self._clinic_patient(preview.patient_ids[entry])
            if not who:
                who = raw.mrn or raw.source_patient_id or f"{raw.family_name}, {raw.given_name}"
            if who == ", ":
                who = f"sample {raw.sample_id}" if raw.sample_id else ""
            analyte = self._label(key) if key else raw.analyte_text or raw.loinc
            collected = raw.collected_at.strftime("%Y-%m-%d %H:%M") if raw.collected_at else ""
            cells = (
                raw.line,
                preview.statuses[entry],
                who,
                analyte,
                raw.raw_value,
                raw.unit,
                raw.ref_text,
                collected,
                raw.lab,
                problem.reason
                if (problem := preview.row_problems.get(entry))
                else self._unit_note(key, raw.unit, raw.value),
            )
        self._cached = (row, cells)
        return cells

    def data(self, index: Index, role: int = DISPLAY):
        if not index.isValid() or not (0 <= index.row() < len(self._rows)):
            return None
        if role == DISPLAY:
            value = self._cells(index.row())[index.column()]
            return str(value) if value is not None else ""
        if role == BACKGROUND:
            return self._brushes.get(self.status_at(index.row()))
        if role == TOOLTIP:
            # The cell's whole text (a capped column cuts it), then why, if anything is wrong.
            cells = self._cells(index.row())
            value = cells[index.column()]
            text = str(value) if value not in (None, "") else ""
            why = cells[-1] if index.column() != len(cells) - 1 else ""
            return "\n".join(t for t in (text, why) if t) or None
        return None

    def _unit_note(self, key: str | None, unit: str, value: float | None) -> str:
        """Why a number's unit is kept as reported, as the counts line counts it; else ""."""
        preview = self._preview
        if key is None or value is None or (key, unit) not in preview.unrecognised_units:
            return ""
        note = self._unit_notes.get((key, unit))
        if note is None:
            why = self._unit_refusal(key, unit) if self._unit_refusal else ""
            note = f"Unit {unit!r} kept as reported, not converted" + (f": {why}" if why else ".")
            self._unit_notes[(key, unit)] = note
        return note

    def _clinic_patient(self, patient_id: int | None) -> str:
        """``Family, Given (MRN)`` of a matched clinic patient, looked up once each."""
        if patient_id is None or self._patient_label is None:
            return ""
        label = self._patients.get(patient_id)
        if label is None:
            label = self._patients[patient_id] = self._patient_label(patient_id)
        return label


def _file_order(row_lines: Sequence[int], problem_lines: list[int]) -> array:
    """Rows and problems merged by line (rows first on a tie), as indexes into each."""
    if all(a <= b for a, b in zip(row_lines, row_lines[1:], strict=False)) and all(
        a <= b for a, b in zip(problem_lines, problem_lines[1:], strict=False)
    ):
        # The usual case: both already in file order, so merge instead of sorting.
        order = array("q")
        p, problems = 0, len(problem_lines)
        for i, line in enumerate(row_lines):
            while p < problems and problem_lines[p] < line:
                order.append(-1 - p)
                p += 1
            order.append(i)
        order.extend(-1 - k for k in range(p, problems))
        return order
    entries = [(line, 0, i) for i, line in enumerate(row_lines)]
    entries += [(line, 1, i) for i, line in enumerate(problem_lines)]
    entries.sort()
    return array("q", (i if kind == 0 else -1 - i for _, kind, i in entries))
