"""The Trends tab's analyte checklist shows long names whole at the pane's width."""

from __future__ import annotations

from datetime import datetime

from app.ui.trends_panel import TrendsPanel
from tests.conftest import make_patient

LONG = "free_testosterone_calc"  # "Testosterone, free (calculated, Vermeulen)"


def test_long_analyte_names_wrap_without_a_horizontal_scroll_bar(qtbot, service):
    patient = service.create_patient(make_patient())
    when = datetime(2026, 6, 1, 8)
    service.record_result(patient.id, "testosterone_total", "610", "ng/dL", when)
    service.record_result(patient.id, "shbg", "30", "nmol/L", when)
    panel = TrendsPanel(service)
    qtbot.addWidget(panel)
    panel.resize(1000, 700)
    panel.show()
    panel.show_patient(patient.id)
    qtbot.waitExposed(panel)

    checklist = panel.checklist
    items = [checklist.item(i) for i in range(checklist.count())]
    [long_item] = [i for i in items if i.text() == service.analyte_label(LONG)]
    assert len(long_item.text()) > 40
    viewport = checklist.viewport().width()
    assert viewport < checklist.fontMetrics().horizontalAdvance(long_item.text()) + 30
    qtbot.wait(50)  # the list lays its items out after the event loop runs
    assert not checklist.horizontalScrollBar().isVisible()
    # Every row fits the visible width (the long name takes a second line instead).
    for item in items:
        assert checklist.visualItemRect(item).right() < viewport, item.text()
    assert (
        checklist.visualItemRect(long_item).height() > checklist.visualItemRect(items[0]).height()
    )
    assert long_item.toolTip() == long_item.text()
