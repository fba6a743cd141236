"""On screen, as in print, a protocol's one-sided target is an action limit: a dashed
dark-red line at its bound with readable words, not a shaded blue 'Target' band
(PSA's urology referral above 4 ng/mL, haematocrit 'at most 54 %')."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

import app.reports.charts as printed
from app.core import series as core_series
from app.core.chart_palette import LIMIT_COLOUR
from app.ui.trend_bands import TARGET_BRUSH, BandRect
from app.ui.trend_key import chart_key_html
from app.ui.trends_panel import TrendsPanel
from tests.ui.test_trends_panel import trt_patient  # noqa: F401  (fixture)


@pytest.fixture
def panel(qtbot, service, trt_patient):  # noqa: F811
    widget = TrendsPanel(service)
    qtbot.addWidget(widget)
    widget.resize(1200, 900)
    widget.show_patient(trt_patient.id)
    widget.set_years(None)
    return widget


def _target_bands(items) -> list:
    view = items["plot"].getViewBox()
    return [
        item
        for item in view.addedItems
        if isinstance(item, BandRect) and item.brush().color() == TARGET_BRUSH
    ]


@pytest.mark.parametrize(
    ("key", "bound", "caption"),
    [
        ("psa", 4.0, "Action limit: Urology referral if confirmed PSA above 4.0 ng/mL"),
        ("hematocrit", 54.0, "Action limit: Haematocrit at most 54%"),
    ],
)
def test_a_one_sided_protocol_target_is_a_dashed_line_with_its_words(panel, key, bound, caption):
    items = panel.chart.lanes[key]
    assert "target" not in items and not _target_bands(items)
    line = items["limit"]
    assert line.angle == 0 and line.value() == pytest.approx(bound)
    assert line.pen.style() == Qt.DashLine
    assert line.pen.color() == QColor(LIMIT_COLOUR)
    label = items["limit_label"]
    assert label.textItem.toPlainText() == caption
    # The words sit on the line, inside the dates and values shown.
    (x_low, x_high), (y_low, y_high) = items["plot"].getViewBox().viewRange()
    assert x_low < label.pos().x() < x_high and label.pos().y() == pytest.approx(bound)
    assert y_low < bound < y_high
    # Hovering gives the whole limit and its readable source.
    tip = label.toolTip()
    assert tip.startswith("Action limit: " + caption.removeprefix("Action limit: ")[:30])
    assert "Target" not in tip and "Source: " in tip


def test_a_two_sided_target_stays_a_band(panel):
    items = panel.chart.lanes["testosterone_total"]
    assert items["target"].getRegion() == pytest.approx((350, 600))
    assert "limit" not in items


def test_screen_and_print_use_one_rule():
    assert printed.is_limit is core_series.is_limit


def test_the_key_explains_the_dashed_line():
    html = chart_key_html()
    assert LIMIT_COLOUR in html and "action&nbsp;limit" in html


def test_band_and_limit_labels_follow_the_dates_in_view(qtbot, panel):
    # Placed once at the opening dates, they left the screen when zoomed into the end.
    for key in ("testosterone_total", "psa"):
        items = panel.chart.lanes[key]
        view = items["plot"].getViewBox()
        left, right = view.viewRange()[0]
        view.setXRange(right - (right - left) * 0.2, right, padding=0)
        qtbot.wait(10)
        low, high = view.viewRange()[0]
        for label in items["band_labels"]:
            assert low <= label.pos().x() <= high, (key, label.toPlainText())
