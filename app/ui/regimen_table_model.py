"""Regimen rows (current doses first, then history) as a thin Qt table model."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from PySide6.QtGui import QBrush, QColor

from app.core.formatting import interval_text
from app.core.models import RegimenItem
from app.ui.item_roles import DISPLAY, FOREGROUND, USER
from app.ui.table_model import Index, RowsTableModel

COL_SUBSTANCE = 0
COL_KIND = 1
COL_DOSE = 2
COL_ROUTE = 3
COL_SCHEDULE = 4
COL_START = 5
COL_STOP = 6
COL_NOTE = 7
HEADERS = ("Substance", "Kind", "Dose", "Route", "Schedule", "Start", "Stop", "Note")


def order_for_display(
    items: list[RegimenItem], today: date, kind: Callable[[RegimenItem], str] | None = None
) -> list[RegimenItem]:
    """Current items first (hormones first, by start), then stopped ones, latest first."""
    kind = kind or (lambda item: item.kind)
    current = sorted(
        (i for i in items if i.active_on(today) or i.start_date > today),
        key=lambda i: (kind(i) != "hormone", i.start_date),
    )
    history = sorted(
        (i for i in items if i not in current),
        key=lambda i: i.stop_date or i.start_date,
        reverse=True,
    )
    return current + history


class RegimenTableModel(RowsTableModel):
    HEADERS = HEADERS

    def __init__(
        self,
        label: Callable[[RegimenItem], str] | None = None,
        parent=None,
        *,
        kind: Callable[[RegimenItem], str] | None = None,
    ):
        """``label`` and ``kind`` name a row as the knowledge base does (else as stored)."""
        super().__init__(parent)
        self._label = label or (lambda item: item.label)
        self._kind = kind or (lambda item: item.kind)
        self._rows: list[RegimenItem] = []
        self._today = date.today()
        self._grey = QBrush(QColor("#777777"))

    def set_rows(self, items: list[RegimenItem], today: date) -> None:
        self.beginResetModel()
        self._today = today
        self._rows = order_for_display(items, today, self._kind)
        self.endResetModel()

    def item_at(self, row: int) -> RegimenItem:
        return self._rows[row]

    def is_current(self, row: int) -> bool:
        item = self._rows[row]
        return item.stop_date is None or item.stop_date > self._today

    def data(self, index: Index, role: int = DISPLAY):
        if not index.isValid() or not (0 <= index.row() < len(self._rows)):
            return None
        item = self._rows[index.row()]
        if role == DISPLAY:
            return self._text(item, index.column())
        if role == FOREGROUND and not self.is_current(index.row()):
            return self._grey
        if role == USER:
            return item.id
        return None

    def _text(self, item: RegimenItem, column: int) -> str:
        if column == COL_SUBSTANCE:
            return self._label(item)
        if column == COL_KIND:
            return self._kind(item)
        if column == COL_DOSE:
            return f"{item.dose:g} {item.dose_unit}" if item.dose is not None else ""
        if column == COL_ROUTE:
            return item.route
        if column == COL_SCHEDULE:
            return interval_text(item.interval_days)
        if column == COL_START:
            return item.start_date.isoformat()
        if column == COL_STOP:
            return item.stop_date.isoformat() if item.stop_date else ""
        if column == COL_NOTE:
            reason = f"stopped: {item.stop_reason}" if item.stop_reason else ""
            return "; ".join(x for x in (reason, item.note) if x)
        return ""
