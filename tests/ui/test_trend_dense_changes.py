"""Dense change lines stay legible and the protocol lane leaves room for the lab lanes.

The heavy patient: a second lab every few weeks printed "lab changed" labels over each
other, 40 dose changes three days apart were a hatched block on every lab lane, and
six protocol rows took 40 % of a 1400 x 860 window, leaving two lab lanes in view.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from app.core.models import Observation, RegimenItem
from app.core.series import build_trend_series
from app.core.validation import DoseChange
from app.ui.trend_chart import LANE_HEIGHT, TrendChart
from app.ui.trend_protocol import MAX_SHOWN_ROWS
from app.ui.trends_panel import TrendsPanel
from tests.conftest import make_patient

SUBSTANCES = (
    ("hormone", "testosterone_cypionate", 100.0, "mg", "IM", 7.0),
    ("medication", "anastrozole", 0.5, "mg", "oral", 7.0),
    ("supplement", "zinc", 25.0, "mg", "oral", 1.0),
    ("supplement", "magnesium", 200.0, "mg", "oral", 1.0),
    ("supplement", "boron", 6.0, "mg", "oral", 1.0),
    ("supplement", "vitamin_d3", 2000.0, "IU", "oral", 1.0),
)


def _boxes_overlap(boxes) -> list:
    return [(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1 :] if a.intersects(b)]


def test_lab_changed_labels_never_print_over_each_other(qtbot, kb):
    unit = kb.analyte("testosterone_total").canonical_unit
    start = datetime(2016, 1, 4, 8)
    rows = []
    for i in range(520):
        # A second lab for a few weeks at a time, twelve times over ten years.
        lab = "Other Lab" if 300 <= i < 360 and (i // 5) % 2 else "Heavy Lab"
        rows.append(
            Observation(
                i + 1, 1, "testosterone_total", start + timedelta(weeks=i), "600", 600.0, None,
                unit, 600.0, unit, lab=lab,
            )
        )  # fmt: skip
    series = build_trend_series(kb, make_patient(id=1), [], rows, ["testosterone_total"])
    chart = TrendChart()
    qtbot.addWidget(chart)
    chart.resize(900, 400)
    chart.show()
    qtbot.waitExposed(chart)
    chart.draw(series)
    lane = chart.lanes["testosterone_total"]
    assert len(lane["changes"]) >= 10

    def shown():
        # Labels of lines in view (the view clips the others away).
        low, high = lane["plot"].getViewBox().viewRange()[0]
        return [
            m.label
            for _, _, m in lane["changes"]
            if m.label.isVisible() and low <= m.value() <= high
        ]

    labels = shown()
    assert labels and not _boxes_overlap([label.sceneBoundingRect() for label in labels])
    # One label stands for the whole cluster, and names every change on hover.
    crowded = next(label for label in labels if "×" in label.textItem.toPlainText())
    assert crowded.toolTip().count("lab changed") >= 2
    # Zoomed in on the cluster: more labels, still apart.
    first = lane["changes"][0][1]
    view = lane["plot"].getViewBox()
    begin = datetime.combine(first.date(), datetime.min.time()).timestamp()
    view.setXRange(begin - 86400 * 20, begin + 86400 * 200, padding=0)
    qtbot.wait(10)  # the view maps its items anew when it next paints
    assert len(shown()) > len(labels)
    assert not _boxes_overlap([label.sceneBoundingRect() for label in shown()])


@pytest.fixture
def busy(service):
    patient = service.create_patient(make_patient(date_of_birth=date(1986, 1, 19)))
    first = None
    for kind, substance, dose, unit, route, every in SUBSTANCES:
        item = service.add_regimen_item(
            RegimenItem(None, patient.id, kind, substance, dose, unit, route, every,
                        date(2025, 8, 1))
        )  # fmt: skip
        first = first or item
    current = first
    for k in range(40):  # forty dose changes, three days apart
        current = service.change_dose(
            DoseChange(current.id, 60.0 + (k % 6) * 10, "mg", 7.0, date(2026, 1, 5) + timedelta(days=3 * k))
        )  # fmt: skip
    for key, unit, value in (
        ("testosterone_total", "ng/dL", "600"),
        ("estradiol", "pg/mL", "30"),
        ("hematocrit", "%", "47"),
        ("shbg", "nmol/L", "30"),
    ):
        for week in range(0, 60, 2):
            when = datetime(2025, 7, 7, 8) + timedelta(weeks=week)
            service.record_result(patient.id, key, value, unit, when)
    return patient


@pytest.fixture
def panel(qtbot, service, busy):
    # The Trends tab's share of a 1400 x 860 main window.
    widget = TrendsPanel(service)
    qtbot.addWidget(widget)
    widget.resize(960, 730)
    widget.show()
    qtbot.waitExposed(widget)
    widget.show_patient(busy.id)
    widget._check_keys(["testosterone_total", "estradiol", "hematocrit", "shbg"])
    widget.refresh()
    protocol = widget.chart.protocol
    qtbot.waitUntil(lambda: widget.scroll.viewportMargins().bottom() == protocol.height())
    qtbot.wait(10)
    return widget


def test_protocol_lane_is_capped_so_lab_lanes_keep_the_room(panel):
    protocol = panel.chart.protocol
    assert len(protocol.items["bars"]) == 6
    viewport = panel.scroll.viewport().height()
    assert viewport >= 2.5 * LANE_HEIGHT, (viewport, protocol.height())
    assert protocol.height() <= 0.25 * (viewport + protocol.height())
    # Rows past the cap scroll into view; the rows shown are whole.
    assert len(protocol.shown_rows()) == MAX_SHOWN_ROWS
    assert protocol.row_bar.isVisible()
    protocol.row_bar.setValue(protocol.row_bar.maximum())
    assert protocol.shown_rows()[-1] == protocol.items["bars"][-1][0].label


def test_forty_dose_changes_share_one_span_not_a_hatched_block(panel):
    for key in ("testosterone_total", "estradiol"):
        items = panel.chart.lanes[key]
        view = items["plot"].getViewBox()
        shown = sorted(m.value() for _, m in items["dose_changes"] if m.isVisible())
        scale = view.width() / (view.viewRange()[0][1] - view.viewRange()[0][0])
        pixels = [x * scale for x in shown]
        close = [b - a for a, b in zip(pixels, pixels[1:], strict=False) if b - a < 3]
        assert len(close) <= 1, close  # a span's two edges at most
        assert len(shown) <= 8
        group = max(items["dose_clusters"].groups, key=len)
        assert len(group) >= 40
        assert group[0].line.toolTip().startswith(f"{len(group)} dose changes:")
    protocol = panel.chart.protocol
    shown = [m for _, m in protocol.items["markers"] if m.isVisible()]
    assert len(shown) <= 8


def test_the_dose_change_span_covers_protocol_rows_scrolled_into_view(qtbot, service):
    # The span's height was set from the rows in view when grouped; scrolling the rows of
    # a long protocol (or exporting them all) does not group anew, and rows far below
    # had no span (found in review: nine or more substances).
    from app.ui.trend_changes import ClusterSpan

    patient = service.create_patient(make_patient(date_of_birth=date(1980, 3, 2)))
    first = service.add_regimen_item(
        RegimenItem(None, patient.id, "hormone", "testosterone_cypionate", 100.0, "mg", "IM",
                    7.0, date(2025, 8, 1))
    )  # fmt: skip
    extra = ("zinc", "copper", "magnesium", "vitamin_d3", "vitamin_k2", "boron", "selenium",
             "iodine", "vitamin_b6", "vitamin_c", "calcium", "omega_3", "coq10", "folate")  # fmt: skip
    for substance in extra:
        service.add_regimen_item(
            RegimenItem(None, patient.id, "supplement", substance, 1.0, "mg", "oral", 1.0,
                        date(2025, 8, 1))
        )  # fmt: skip
    current = first
    for k in range(12):  # close dose changes: one span
        current = service.change_dose(
            DoseChange(current.id, 100.0 + (k % 2) * 20, "mg", 7.0, date(2026, 1, 5) + timedelta(days=2 * k))
        )  # fmt: skip
    service.record_result(patient.id, "testosterone_total", "600", "ng/dL", datetime(2026, 3, 2, 8))
    widget = TrendsPanel(service)
    qtbot.addWidget(widget)
    widget.resize(960, 730)
    widget.show()
    qtbot.waitExposed(widget)
    widget.show_patient(patient.id)
    qtbot.wait(10)
    protocol = widget.chart.protocol
    view = protocol.lane.getViewBox()
    spans = [i for i in view.allChildren() if isinstance(i, ClusterSpan) and i.isVisible()]
    assert spans, "no dose-change span in the protocol lane"
    protocol.row_bar.setValue(protocol.row_bar.maximum())
    qtbot.wait(10)
    low, high = view.viewRange()[1]
    for span in spans:
        assert span.rect().top() <= low and span.rect().bottom() >= high, (span.rect(), low, high)
