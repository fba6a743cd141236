"""Results of one patient, newest first, as a thin Qt table model."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor

from app.core.models import Observation
from app.ui.table_model import Index, RowsTableModel

COL_DATE = 0
COL_ANALYTE = 1
COL_RESULT = 2
COL_UNIT = 3
COL_CANONICAL = 4
COL_FLAG = 5
COL_LAB = 6
COL_SOURCE = 7
COL_NOTE = 8
HEADERS = ("Collected", "Analyte", "Result", "Unit", "Converted", "Flag", "Lab", "Source", "Note")


class ObservationTableModel(RowsTableModel):
    HEADERS = HEADERS

    def __init__(
        self,
        analyte_label: Callable[[str], str],
        unit_label: Callable[[str], str] = str,
        parent=None,
    ):
        super().__init__(parent)
        self._label = analyte_label
        self._unit = unit_label
        self._rows: list[Observation] = []
        self._grey = QBrush(QColor("#888888"))
        self._red = QBrush(QColor("#b00020"))

    def set_rows(self, rows: list[Observation]) -> None:
        self.beginResetModel()
        self._rows = sorted(rows, key=lambda o: (o.collected_at, o.id or 0), reverse=True)
        self.endResetModel()

    def observation_at(self, row: int) -> Observation:
        return self._rows[row]

    def data(self, index: Index, role: int = Qt.DisplayRole):
        if not index.isValid() or not (0 <= index.row() < len(self._rows)):
            return None
        obs = self._rows[index.row()]
        column = index.column()
        if role == Qt.DisplayRole:
            return self._text(obs, column)
        if role == Qt.ForegroundRole:
            if obs.excluded:
                return self._grey
            if column == COL_FLAG and obs.flag:
                return self._red
        unconverted = obs.value_canonical is None and obs.value is not None
        if role == Qt.ToolTipRole and column == COL_CANONICAL and unconverted:
            return "Unit not recognised: kept as reported, not converted."
        if role == Qt.UserRole:
            return obs.id
        return None

    def _text(self, obs: Observation, column: int) -> str:
        if column == COL_DATE:
            return obs.collected_at.strftime("%Y-%m-%d %H:%M")
        if column == COL_ANALYTE:
            return self._label(obs.analyte_key)
        if column == COL_RESULT:
            return obs.raw_value
        if column == COL_UNIT:
            return self._unit(obs.unit)
        if column == COL_CANONICAL:
            if obs.value_canonical is None:
                return "not converted" if obs.value is not None else ""
            if obs.unit_canonical == obs.unit:
                return ""  # reported in the canonical unit already
            shown = f"{obs.comparator or ''}{obs.value_canonical:.4g}"
            return f"{shown} {self._unit(obs.unit_canonical)}"
        if column == COL_FLAG:
            return obs.flag
        if column == COL_LAB:
            return obs.lab
        if column == COL_SOURCE:
            return obs.source
        if column == COL_NOTE:
            if obs.excluded:
                return f"excluded: {obs.excluded_reason}"
            return obs.note
        return ""
