"""The patient list as a thin Qt table model over ``PatientSummary`` rows."""

from __future__ import annotations

from PySide6.QtGui import QFont

from app.core.models import PatientSummary
from app.ui.item_roles import DISPLAY, FONT, TOOLTIP, USER
from app.ui.table_model import Index, RowsTableModel

COL_NAME = 0
COL_MRN = 1
COL_DOB = 2
COL_SEX = 3
HEADERS = ("Name", "MRN", "Born", "Sex")  # short: the list pane is narrow


class PatientTableModel(RowsTableModel):
    """Rows of patients; ``set_rows()`` replaces them all (a search result)."""

    HEADERS = HEADERS

    def __init__(self, parent=None):
        super().__init__(parent)
        self._rows: list[PatientSummary] = []
        self._text: list[tuple[str, str, str, str]] = []
        self._italic = QFont()
        self._italic.setItalic(True)

    def set_rows(self, rows: list[PatientSummary]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        # The view asks for text many times per paint; build it once per search.
        self._text = [
            (
                p.display_name + (" (archived)" if p.archived else ""),
                p.mrn,
                p.date_of_birth.isoformat(),
                p.sex_at_birth,
            )
            for p in self._rows
        ]
        self.endResetModel()

    def patient_at(self, row: int) -> PatientSummary:
        return self._rows[row]

    def row_of(self, patient_id: int) -> int | None:
        for number, summary in enumerate(self._rows):
            if summary.id == patient_id:
                return number
        return None

    def data(self, index: Index, role: int = DISPLAY):
        if role == DISPLAY:  # the hot path: a tuple lookup
            row = index.row()
            return self._text[row][index.column()] if 0 <= row < len(self._text) else None
        if not index.isValid() or not (0 <= index.row() < len(self._rows)):
            return None
        patient = self._rows[index.row()]
        column = index.column()
        if role == FONT and patient.archived:
            return self._italic
        if role == USER:
            return patient.id
        if role == TOOLTIP and column == COL_NAME:
            return f"{patient.display_name}, born {patient.date_of_birth.isoformat()}"
        return None
