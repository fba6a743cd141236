"""The flowsheet: the same ``TrendSeries`` as the chart, as a table.

Analytes are rows and collection dates columns (oldest left); the names' column
is at most ``NAME_COLUMN_MAX`` pixels wide, a longer name elided (whole on hover). A cell shows the
value as the lab reported it (``<0.1`` stays ``<0.1``), in the chart's status
colour; an excluded result is grey and struck through. Several results of one
analyte on one day share a cell.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QFont

from app.core.series import AnalyteSeries, SeriesPoint, TrendSeries
from app.core.units import normalise_unit
from app.ui.item_roles import (
    ALIGNMENT,
    DISPLAY,
    FONT,
    FOREGROUND,
    HORIZONTAL,
    RIGHT_ALIGNED,
    TOOLTIP,
    VERTICAL,
)
from app.ui.table_model import Index, RowsTableModel
from app.ui.trend_colours import EXCLUDED_COLOUR, status_colour

OBSERVATION_ROLE = Qt.UserRole
# The analyte-name column's widest: names past it are elided (whole on hover). Its
# ~400 px names left room for two or three dates.
NAME_COLUMN_MAX = 220


class FlowsheetModel(RowsTableModel):
    """Rows: ``AnalyteSeries``; columns: the days any shown analyte has a result."""

    def __init__(
        self,
        format_value: Callable[[str, float, str], str] | None = None,
        unit_label: Callable[[str], str] = str,
        parent=None,
    ):
        super().__init__(parent)
        self._format = format_value or (lambda key, value, unit=None: f"{value:.4g}")
        self._unit = unit_label
        self._rows: list[AnalyteSeries] = []
        self.days: list[date] = []
        self._cells: dict[tuple[int, int], list[SeriesPoint]] = {}
        self._brushes: dict[str, QBrush] = {}
        self._struck = QFont()
        self._struck.setStrikeOut(True)

    def set_series(self, series: TrendSeries | None) -> None:
        self.beginResetModel()
        self._rows = list(series.analytes) if series else []
        self.days = sorted({p.collected_at.date() for a in self._rows for p in a.points})
        column_of = {day: i for i, day in enumerate(self.days)}
        self._cells = {}
        for row, lane in enumerate(self._rows):
            for point in lane.points:
                cell = (row, column_of[point.collected_at.date()])
                self._cells.setdefault(cell, []).append(point)
        self.endResetModel()

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.days)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = DISPLAY):
        if role == TOOLTIP and orientation == VERTICAL:
            # The whole name, as the column may elide it.
            return self.headerData(section, orientation, DISPLAY)
        if role != DISPLAY:
            return None
        if orientation == HORIZONTAL and 0 <= section < len(self.days):
            return self.days[section].isoformat()
        if orientation == VERTICAL and 0 <= section < len(self._rows):
            lane = self._rows[section]
            return f"{lane.label} [{self._unit(lane.unit)}]"
        return None

    def points_at(self, row: int, column: int) -> list[SeriesPoint]:
        return self._cells.get((row, column), [])

    def lane_at(self, row: int) -> AnalyteSeries:
        return self._rows[row]

    def data(self, index: Index, role: int = DISPLAY):
        if not self._valid(index) or not 0 <= index.column() < len(self.days):
            return None
        points = self.points_at(index.row(), index.column())
        if not points:
            return None
        lane = self._rows[index.row()]
        if role == DISPLAY:
            return "; ".join(self._text(lane, p) for p in points)
        last = points[-1]
        if role == FOREGROUND:
            colour = EXCLUDED_COLOUR if last.excluded else status_colour(last.status)
            return self._brush(colour)
        if role == FONT and all(p.excluded for p in points):
            return self._struck
        if role == TOOLTIP:
            return "\n\n".join(self._tooltip(lane, p) for p in points)
        if role == OBSERVATION_ROLE:
            return last.observation_id
        if role == ALIGNMENT:
            return RIGHT_ALIGNED
        return None

    def _brush(self, colour: str) -> QBrush:
        if colour not in self._brushes:
            self._brushes[colour] = QBrush(QColor(colour))
        return self._brushes[colour]

    def _text(self, lane: AnalyteSeries, point: SeriesPoint) -> str:
        """The value as reported; its unit too when it is not the row's unit."""
        if lane.derived or point.observation_id is None:
            return f"{point.comparator or ''}{self._format(lane.key, point.value, lane.unit)}"
        text = point.raw_value
        if point.unit_reported and normalise_unit(point.unit_reported) != normalise_unit(lane.unit):
            text = f"{text} {self._unit(point.unit_reported)}"
        return text

    def _tooltip(self, lane: AnalyteSeries, point: SeriesPoint) -> str:
        shown = f"{point.comparator or ''}{self._format(lane.key, point.value, lane.unit)}"
        lines = [
            f"{point.collected_at:%Y-%m-%d %H:%M}  {lane.label}: {shown} {self._unit(lane.unit)}",
            f"Reported: {point.raw_value} {self._unit(point.unit_reported)}".rstrip(),
            f"Lab: {point.lab or '—'}  ·  flag: {point.flag or '—'}  ·  status: {point.status}",
        ]
        if point.excluded:
            lines.append(f"Excluded: {point.note}")
        elif point.note:
            lines.append(point.note)
        return "\n".join(lines)
