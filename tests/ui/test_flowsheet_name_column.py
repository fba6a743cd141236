"""The flowsheet's analyte names take at most a capped column, so dates have the room.

With every analyte ticked the names' column was ~400 px ('Testosterone/estradiol
ratio (T ng/dL / E2 pg/mL) [ratio]'), leaving room for two or three dates.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from PySide6.QtCore import Qt

from app.ui.flowsheet import NAME_COLUMN_MAX
from app.ui.trends_panel import TrendsPanel

LONG = ("testosterone_total", "estradiol")


def test_name_column_is_capped_and_names_are_whole_on_hover(qtbot, service, patient):
    for week in range(12):
        when = datetime(2026, 1, 5, 8) + timedelta(weeks=week)
        service.record_result(patient.id, "testosterone_total", "600", "ng/dL", when)
        service.record_result(patient.id, "estradiol", "30", "pg/mL", when)
    panel = TrendsPanel(service)
    qtbot.addWidget(panel)
    panel.resize(960, 730)
    panel.show()
    qtbot.waitExposed(panel)
    panel.show_patient(patient.id)
    panel._check_keys(panel.available_keys())  # the ratios have the longest names
    panel.refresh()
    panel.tabs.setCurrentIndex(1)
    qtbot.wait(10)
    table = panel.flowsheet
    model = table.model()
    names = [model.headerData(r, Qt.Vertical) for r in range(model.rowCount())]
    widest = max(table.verticalHeader().fontMetrics().horizontalAdvance(n) for n in names)
    assert widest > NAME_COLUMN_MAX  # a name that would have widened the column
    assert table.verticalHeader().width() <= NAME_COLUMN_MAX
    # At least four dates stand beside the names in the Trends tab's width (three before).
    assert table.viewport().width() // table.horizontalHeader().defaultSectionSize() >= 4
    for row, name in enumerate(names):
        assert model.headerData(row, Qt.Vertical, Qt.ToolTipRole) == name
