"""The flowsheet: analytes x collection dates, values as reported, chart colours."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from app.services import series as trends
from app.ui.flowsheet import OBSERVATION_ROLE, FlowsheetModel
from app.ui.trend_colours import EXCLUDED_COLOUR, STATUS_COLOURS
from app.ui.trends_panel import TrendsPanel


@pytest.fixture
def pid(service, patient):
    pid = patient.id
    for key, text, unit, when in (
        ("testosterone_total", "420", "ng/dL", datetime(2026, 3, 2, 8)),
        ("testosterone_total", "1500", "ng/dL", datetime(2026, 6, 2, 8)),
        ("testosterone_total", "21", "nmol/L", datetime(2026, 9, 2, 8)),
        ("psa", "<0.1", "ng/mL", datetime(2026, 3, 2, 8)),
        ("psa", "0.9", "ng/mL", datetime(2026, 9, 2, 8)),
    ):
        service.record_result(pid, key, text, unit, when, lab="Quest")
    return pid


@pytest.fixture
def model(service, pid):
    series = trends.series_for(service, pid, ["testosterone_total", "psa"])
    found = FlowsheetModel(service.format_value, service.unit_label)
    found.set_series(series)
    return found


def _cell(model, row, day):
    return model.index(row, model.days.index(day))


def test_model_passes_qtmodeltester(qtmodeltester, model):
    qtmodeltester.check(model, force_py=True)


def test_rows_columns_values_and_colours(model):
    assert model.rowCount() == 2
    assert model.days == [date(2026, 3, 2), date(2026, 6, 2), date(2026, 9, 2)]
    assert model.headerData(0, Qt.Vertical).startswith("Testosterone")
    assert model.headerData(1, Qt.Horizontal) == "2026-06-02"
    high = _cell(model, 0, date(2026, 6, 2))
    assert model.data(high) == "1500"
    assert model.data(high, Qt.ForegroundRole).color() == QColor(STATUS_COLOURS["high"])
    # Reported in another unit than the row's: the unit is shown with the value.
    assert model.data(_cell(model, 0, date(2026, 9, 2))) == "21 nmol/L"
    censored = _cell(model, 1, date(2026, 3, 2))
    assert model.data(censored) == "<0.1"
    normal = _cell(model, 1, date(2026, 9, 2))
    assert model.data(normal, Qt.ForegroundRole).color() == QColor(STATUS_COLOURS["normal"])
    assert model.data(_cell(model, 1, date(2026, 6, 2))) is None  # no PSA that day
    assert "Quest" in model.data(high, Qt.ToolTipRole)


def test_colours_match_the_chart(qtbot, service, pid):
    panel = TrendsPanel(service)
    qtbot.addWidget(panel)
    panel.show_patient(pid)
    panel.set_years(None)
    model = panel.flowsheet_model
    assert panel.tabs.tabText(1) == "Flowsheet"
    assert [lane.key for lane in model._rows] == list(panel.chart.lanes)
    for row, lane in enumerate(model._rows):
        for spot in panel.chart.lanes[lane.key]["points"].points():
            point = spot.data()
            column = model.days.index(point.collected_at.date())
            brush = model.data(model.index(row, column), Qt.ForegroundRole)
            assert brush.color().name() == spot.brush().color().name()


def test_excluded_is_grey_struck_and_opens_the_record(qtbot, service, pid):
    panel = TrendsPanel(service)
    qtbot.addWidget(panel)
    panel.show_patient(pid)
    panel.set_years(None)
    model = panel.flowsheet_model
    row = next(r for r in range(model.rowCount()) if model.lane_at(r).key == "testosterone_total")
    index = _cell(model, row, date(2026, 6, 2))
    observation_id = model.data(index, OBSERVATION_ROLE)
    dialog = panel.open_record(observation_id)
    ask = dialog.ask_exclude()
    ask.reason.setText("drawn on the wrong day")
    ask.save()
    model = panel.flowsheet_model
    index = _cell(model, row, date(2026, 6, 2))
    assert model.data(index) == "1500"
    assert model.data(index, Qt.ForegroundRole).color() == QColor(EXCLUDED_COLOUR)
    assert model.data(index, Qt.FontRole).strikeOut()
    panel._open_cell(index)
    assert panel.record_dialog.observation_id == observation_id
