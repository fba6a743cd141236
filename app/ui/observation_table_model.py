"""Results of one patient, newest first, as a thin Qt table model.

Each row is a ``ResultLine``: the result, the range it is read against (the lab's,
else the knowledge base's default in the result's unit, marked *) and its L/H flag
(the lab's, else worked out against that range, marked *).

A long history runs to thousands of rows and the view asks ``data()`` for a cell
many times (each paint, each sizing pass), so a row's texts are worked out once,
the first time the view asks for any of them, and kept until the rows are set again.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtGui import QBrush, QColor

from app.core.models import Observation
from app.core.result_range import ResultLine
from app.ui.converted_value import converted_value_text
from app.ui.item_roles import DISPLAY, FOREGROUND, TOOLTIP, USER
from app.ui.table_model import Index, RowsTableModel

COL_DATE = 0
COL_ANALYTE = 1
COL_RESULT = 2
COL_UNIT = 3
COL_RANGE = 4
COL_FLAG = 5
COL_CANONICAL = 6
COL_LAB = 7
COL_SOURCE = 8
COL_NOTE = 9
HEADERS = (
    "Collected",
    "Analyte",
    "Result",
    "Unit",
    "Range",
    "Flag",
    "Converted",
    "Lab",
    "Source",
    "Note",
)
KB_RANGE_TIP = (
    "The knowledge base's default range for the patient's sex and age, in the result's "
    "unit: the lab printed none."
)
COMPUTED_FLAG_TIP = "Worked out against the range shown: the lab sent no flag."


class ObservationTableModel(RowsTableModel):
    HEADERS = HEADERS

    def __init__(
        self,
        analyte_label: Callable[[str], str],
        unit_label: Callable[[str], str] = str,
        parent=None,
        format_value: Callable[[str, float], str] | None = None,
    ):
        super().__init__(parent)
        self._label = analyte_label
        self._unit = unit_label
        # The analyte's usual decimals (0.70 mg/dL, not 0.7018); else four digits.
        self._format = format_value or (lambda _key, value: f"{value:.4g}")
        self._rows: list[ResultLine] = []
        self._texts: list[tuple[str, ...] | None] = []
        self._grey = QBrush(QColor("#888888"))
        self._red = QBrush(QColor("#b00020"))

    def set_rows(self, rows: list[ResultLine]) -> None:
        self.beginResetModel()
        self._rows = sorted(
            rows,
            key=lambda line: (line.observation.collected_at, line.observation.id or 0),
            reverse=True,
        )
        self._texts = [None] * len(self._rows)
        self.endResetModel()

    def observation_at(self, row: int) -> Observation:
        return self._rows[row].observation

    def line_at(self, row: int) -> ResultLine:
        return self._rows[row]

    def data(self, index: Index, role: int = DISPLAY):
        row = index.row()
        if not index.isValid() or not 0 <= row < len(self._rows):
            return None
        if role == DISPLAY:
            texts = self._texts[row]
            if texts is None:
                line = self._rows[row]
                texts = self._texts[row] = tuple(self._text(line, c) for c in range(len(HEADERS)))
            return texts[index.column()]
        line = self._rows[row]
        obs = line.observation
        column = index.column()
        if role == FOREGROUND:
            if obs.excluded:
                return self._grey
            if column in (COL_FLAG, COL_RESULT) and line.flag:
                return self._red
        if role == TOOLTIP:
            return self._tip(line, column)
        if role == USER:
            return obs.id
        return None

    @staticmethod
    def _tip(line: ResultLine, column: int) -> str | None:
        obs = line.observation
        if column == COL_CANONICAL and obs.value_canonical is None and obs.value is not None:
            return "Unit not recognised: kept as reported, not converted."
        if column == COL_RANGE and line.range is not None and line.range.from_kb:
            return KB_RANGE_TIP
        if column == COL_FLAG and line.flag_computed:
            return COMPUTED_FLAG_TIP
        return None

    def _text(self, line: ResultLine, column: int) -> str:
        obs = line.observation
        if column == COL_RANGE:
            if line.range is None:
                return ""
            return f"{line.range.text} *" if line.range.from_kb else line.range.text
        if column == COL_FLAG:
            return f"{line.flag} *" if line.flag_computed else line.flag
        if column == COL_DATE:
            return obs.collected_at.strftime("%Y-%m-%d %H:%M")
        if column == COL_ANALYTE:
            return self._label(obs.analyte_key)
        if column == COL_RESULT:
            return obs.raw_value
        if column == COL_UNIT:
            return self._unit(obs.unit)
        if column == COL_CANONICAL:
            return converted_value_text(obs, self._format, self._unit)
        if column == COL_LAB:
            return obs.lab
        if column == COL_SOURCE:
            return obs.source
        if column == COL_NOTE:
            if obs.excluded:
                return f"excluded: {obs.excluded_reason}"
            return obs.note
        return ""
