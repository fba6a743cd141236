"""Rows of an import preview, coloured by what committing would do with them."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor

from app.services.importing import DUPLICATE, NEW, UNKNOWN_ANALYTE, UNMATCHED_PATIENT
from app.ui.table_model import Index, RowsTableModel

HEADERS = ("Line", "Status", "Patient", "Analyte", "Result", "Unit", "Range", "Collected", "Lab")
_COLOURS = {
    NEW: None,
    DUPLICATE: QColor("#eeeeee"),
    UNMATCHED_PATIENT: QColor("#fff1c2"),
    UNKNOWN_ANALYTE: QColor("#ffd9d9"),
    "rejected": QColor("#ffb3b3"),
}


class ImportPreviewTableModel(RowsTableModel):
    """Read rows and rejected rows of one file, in file order."""

    HEADERS = HEADERS

    def __init__(self, analyte_label, parent=None):
        super().__init__(parent)
        self._label = analyte_label
        self._rows: list[tuple] = []
        self._brushes = {k: QBrush(v) for k, v in _COLOURS.items() if v is not None}

    def set_preview(self, preview) -> None:
        self.beginResetModel()
        rows = []
        for raw, status, key in zip(
            preview.parsed.rows, preview.statuses, preview.analyte_keys, strict=True
        ):
            who = raw.mrn or raw.source_patient_id or f"{raw.family_name}, {raw.given_name}"
            analyte = self._label(key) if key else raw.analyte_text or raw.loinc
            collected = raw.collected_at.strftime("%Y-%m-%d %H:%M") if raw.collected_at else ""
            rows.append(
                (
                    raw.line,
                    status,
                    who,
                    analyte,
                    raw.raw_value,
                    raw.unit,
                    raw.ref_text,
                    collected,
                    raw.lab,
                )
            )
        for problem in preview.parsed.problems:
            rows.append(
                (problem.line, "rejected", "", problem.column, problem.reason, "", "", "", "")
            )
        rows.sort(key=lambda r: r[0])
        self._rows = rows
        self.endResetModel()

    def status_at(self, row: int) -> str:
        return self._rows[row][1]

    def data(self, index: Index, role: int = Qt.DisplayRole):
        if not index.isValid() or not (0 <= index.row() < len(self._rows)):
            return None
        row = self._rows[index.row()]
        if role == Qt.DisplayRole:
            value = row[index.column()]
            return str(value) if value is not None else ""
        if role == Qt.BackgroundRole:
            return self._brushes.get(row[1])
        if role == Qt.ToolTipRole and row[1] == "rejected":
            return row[4]
        return None
