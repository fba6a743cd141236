"""Trend chart lanes: built as they scroll into view, dose changes on lab lanes, dense lanes."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from app.core.models import Observation
from app.core.series import build_trend_series
from app.ui.trend_chart import ZOOM_HINT, TrendChart, timestamp
from app.ui.trend_markers import MAX_MARKERS_IN_VIEW
from app.ui.trends_panel import TrendsPanel
from tests.conftest import make_patient
from tests.ui.test_trends_panel import trt_patient  # noqa: F401  (fixture)

PATIENT = make_patient(id=1)


def _series(kb, key, count, *, hours=24):
    unit = kb.analyte(key).canonical_unit
    start = datetime(2020, 1, 1, 8)
    rows = [
        Observation(
            i + 1, 1, key, start + timedelta(hours=hours * i), "1", 10.0 + i % 7, None, unit,
            10.0 + i % 7, unit, lab="Lab",
        )
        for i in range(count)
    ]  # fmt: skip
    return build_trend_series(kb, PATIENT, [], rows, [key])


def test_dose_changes_are_marked_on_every_lab_lane(qtbot, service, trt_patient):  # noqa: F811
    panel = TrendsPanel(service)
    qtbot.addWidget(panel)
    panel.show_patient(trt_patient.id)
    panel.set_years(None)
    chart = panel.chart
    protocol_lines = sorted(m.value() for _, m in chart.regimen["markers"])
    assert timestamp(date(2025, 9, 1)) in protocol_lines
    for key in chart.lanes:
        lab_lines = sorted(m.value() for _, m in chart.lanes[key]["dose_changes"])
        assert lab_lines == protocol_lines, key
    _, marker = chart.lanes["testosterone_total"]["dose_changes"][-1]
    assert "100 -> 140" in marker.toolTip()


def test_only_lanes_in_view_are_built_until_scrolled_to(qtbot, service, trt_patient):  # noqa: F811
    panel = TrendsPanel(service)
    qtbot.addWidget(panel)
    panel.resize(1200, 500)
    panel.show()
    qtbot.waitExposed(panel)
    panel.show_patient(trt_patient.id)
    panel.set_years(None)
    chart = panel.chart
    built = [key for key in chart.lanes if key in chart.lanes.built]
    assert built and len(built) < len(chart.lanes)
    last = list(chart.lanes)[-1]
    assert last not in chart.lanes.built
    bar = panel.scroll.verticalScrollBar()
    bar.setValue(bar.maximum())
    assert last in chart.lanes.built  # built by the scroll, before the next paint
    assert chart.lanes[last]["plot"].getViewBox().viewRange()[0] == pytest.approx(
        chart.lanes[built[0]]["plot"].getViewBox().viewRange()[0]
    )


def test_export_draws_every_lane(qtbot, service, trt_patient, tmp_path):  # noqa: F811
    panel = TrendsPanel(service)
    qtbot.addWidget(panel)
    panel.resize(1200, 400)
    panel.show()
    panel.show_patient(trt_patient.id)
    panel.export(str(tmp_path / "all.png"))
    assert set(panel.chart.lanes.built) == set(panel.chart.lanes)
    assert panel.chart.regimen["bars"]


def test_every_line_is_clipped_to_view_and_peak_downsampled(qtbot, kb):
    chart = TrendChart()
    qtbot.addWidget(chart)
    chart.draw(_series(kb, "testosterone_total", 50))
    line = chart.lanes["testosterone_total"]["line"]
    assert line.opts["clipToView"] is True
    assert line.opts["autoDownsample"] is True
    assert line.opts["downsampleMethod"] == "peak"


def test_dense_lane_shows_markers_only_when_zoomed_in(qtbot, kb):
    count = MAX_MARKERS_IN_VIEW * 2
    chart = TrendChart()
    qtbot.addWidget(chart)
    chart.resize(1000, 400)
    chart.draw(_series(kb, "testosterone_total", count))
    lane = chart.lanes["testosterone_total"]
    xs, _ = lane["line"].getOriginalDataset()
    assert len(xs) == count  # the line keeps every result; pyqtgraph thins what it draws
    # Whole range in view: too many markers to tell apart, the title says to zoom in.
    assert len(lane["points"].points()) == 0
    assert lane["plot"].titleLabel.text.endswith(ZOOM_HINT)
    # Zoom to 30 days: only those results get markers, with their tooltips and clicks.
    first = timestamp(datetime(2021, 3, 1))
    lane["plot"].getViewBox().setXRange(first, first + 30 * 86400, padding=0)
    shown = [spot.data() for spot in lane["points"].points()]
    assert 25 <= len(shown) <= 35
    assert all(datetime(2021, 2, 1) <= p.collected_at <= datetime(2021, 4, 15) for p in shown)
    assert "zoom in" not in lane["plot"].titleLabel.text


def test_a_lane_below_the_marker_limit_keeps_every_marker(qtbot, kb):
    chart = TrendChart()
    qtbot.addWidget(chart)
    chart.resize(1000, 400)
    chart.draw(_series(kb, "testosterone_total", 500))
    lane = chart.lanes["testosterone_total"]
    assert lane["markers"].clip is False
    assert len(lane["points"].points()) == 500
    # Not clipped to the view: zooming in keeps every marker in the scatter.
    first = timestamp(datetime(2020, 3, 1))
    lane["plot"].getViewBox().setXRange(first, first + 30 * 86400, padding=0)
    assert len(lane["points"].points()) == 500
    # One shared pen and brush per status: pyqtgraph renders one symbol image each.
    assert len({id(spot.brush()) for spot in lane["points"].points()}) <= 4


def test_key_names_bands_markers_and_change_lines(qtbot, service):
    panel = TrendsPanel(service)
    qtbot.addWidget(panel)
    text = panel.key.text().replace("&nbsp;", " ")  # entries are joined by non-breaking spaces
    for words in ("reference range", "protocol target", "censored", "excluded", "dose change"):
        assert words in text
