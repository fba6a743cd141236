"""The protocol lane stays in view beside the lab lanes, every row whole, labels legible.

A patient on testosterone since before the range shown, with anastrozole started and
changed soon after: the lane used to sit below eight lab lanes (scrolled away from
total testosterone), its second row was cut off, the first label began off screen
("…ne cypionate") and the two anastrozole labels were printed over each other.
"""

from __future__ import annotations

from datetime import date, datetime

import pytest
from PySide6.QtCore import QPoint, QPointF, QRect

from app.core.models import RegimenItem
from app.core.validation import DoseChange
from app.ui.trend_chart import timestamp
from app.ui.trend_protocol import BAR_BRUSHES
from app.ui.trends_panel import TrendsPanel
from tests.conftest import make_patient

RESULTS = {
    "testosterone_total": ("ng/dL", (660, 605, 645, 505, 620)),
    "shbg": ("nmol/L", (31, 33, 39, 29, 32)),
    "estradiol": ("pg/mL", (25, 24, 24, 23, 23)),
    "hematocrit": ("%", (49.5, 49.0, 48.8, 50.6, 49.2)),
    "psa": ("ng/mL", (1.2, 1.3, 1.0, 1.1, 0.9)),
    "zinc": ("ug/dL", (49, 52, 54, 51, 54)),
    "magnesium_serum": ("mg/dL", (1.84, 1.85, 1.82, 1.80, 1.87)),
}
DAYS = (
    date(2024, 4, 20),
    date(2025, 1, 25),
    date(2025, 5, 10),
    date(2025, 10, 1),
    date(2026, 8, 1),
)


@pytest.fixture
def becker(service):
    patient = service.create_patient(make_patient(date_of_birth=date(1993, 8, 3)))
    service.add_regimen_item(
        RegimenItem(
            None, patient.id, "hormone", "testosterone_cypionate", 180.0, "mg", "IM", 7.0,
            date(2023, 6, 1),
        )
    )  # fmt: skip
    anastrozole = service.add_regimen_item(
        RegimenItem(
            None, patient.id, "medication", "anastrozole", 0.325, "mg", "oral", 7.0,
            date(2024, 3, 1),
        )
    )  # fmt: skip
    service.change_dose(DoseChange(anastrozole.id, 0.45, "mg", 7.0, date(2024, 5, 1)))
    for key, (unit, values) in RESULTS.items():
        for day, value in zip(DAYS, values, strict=True):
            service.record_result(
                patient.id, key, str(value), unit, datetime.combine(day, datetime.min.time())
            )
    return patient


def _panel(qtbot, service, patient) -> TrendsPanel:
    panel = TrendsPanel(service)
    qtbot.addWidget(panel)
    panel.resize(960, 700)
    panel.show()
    qtbot.waitExposed(panel)
    panel.show_patient(patient.id)
    protocol = panel.chart.protocol
    qtbot.waitUntil(
        lambda: (
            protocol.isVisible() and panel.scroll.viewportMargins().bottom() == protocol.height()
        )
    )
    qtbot.wait(10)
    return panel


def _on_screen(panel: TrendsPanel, widget) -> QRect:
    """The part of ``widget`` the user sees inside the panel (clipped by the scroll area)."""
    rect = QRect(widget.mapTo(panel, QPoint(0, 0)), widget.size())
    if widget is panel.chart:
        viewport = panel.scroll.viewport()
        rect = rect.intersected(QRect(viewport.mapTo(panel, QPoint(0, 0)), viewport.size()))
    return rect.intersected(panel.rect())


def _lane_on_screen(panel: TrendsPanel, key: str) -> QRect:
    lane = panel.chart.lanes[key]["plot"]
    box = panel.chart.mapFromScene(lane.sceneBoundingRect()).boundingRect()
    rect = QRect(panel.chart.mapTo(panel, box.topLeft()), box.size())
    return rect.intersected(_on_screen(panel, panel.chart))


def _assert_protocol_readable(panel: TrendsPanel) -> None:
    protocol = panel.chart.protocol
    shown = _on_screen(panel, protocol)
    assert protocol.isVisible() and shown.height() == protocol.height(), "protocol lane clipped"
    # Every substance's bar lies inside the lane as drawn on screen (none cut off).
    rows = [lane.label for lane, _ in panel.chart.regimen["bars"]]
    assert rows == ["Testosterone cypionate", "Anastrozole"]
    view = protocol.lane.getViewBox()
    view_box = protocol.mapFromScene(view.sceneBoundingRect()).boundingRect()
    for _, bars in panel.chart.regimen["bars"]:
        box = protocol.mapFromScene(bars.mapRectToScene(bars.boundingRect())).boundingRect()
        assert view_box.top() <= box.top() and box.bottom() <= view_box.bottom() + 1
        assert box.bottom() <= protocol.height()
    # Labels start inside the plot, fit it, show their step's text (whole or elided at
    # the end) and never overlap another label.
    boxes = []
    for _, label in panel.chart.regimen["labels"]:
        text = label.shown_text()
        if not text:
            continue
        assert text == label.full_text or (
            text.endswith("…") and label.full_text.startswith(text[:-1])
        ), text
        box = protocol.mapFromScene(label.sceneBoundingRect()).boundingRect()
        assert view_box.left() - 1 <= box.left() and box.right() <= view_box.right() + 1, text
        boxes.append((text, box))
    for number, (text, box) in enumerate(boxes):
        for other, other_box in boxes[number + 1 :]:
            assert not box.intersects(other_box), f"{text!r} overlaps {other!r}"
    first = next(label for step, label in panel.chart.regimen["labels"])
    assert first.shown_text().startswith("Testosterone cyp")  # not "…ne cypionate"
    assert any(t.startswith("Anastrozole 0.325 -> 0.45") for t, _ in boxes)


def _same_date_same_x(panel: TrendsPanel, key: str) -> None:
    when = timestamp(date(2025, 6, 1))
    lab = panel.chart.lanes[key]["plot"].getViewBox()
    protocol = panel.chart.protocol.lane.getViewBox()
    xs = []
    for view, widget in ((lab, panel.chart), (protocol, panel.chart.protocol)):
        scene = view.mapViewToScene(QPointF(when, 0))
        xs.append(widget.mapTo(panel, widget.mapFromScene(scene)).x())
    assert abs(xs[0] - xs[1]) <= 1, xs


def test_protocol_lane_stays_in_view_with_the_labs_every_row_readable(qtbot, service, becker):
    panel = _panel(qtbot, service, becker)
    assert len(panel.chart.lanes) == 8
    first = list(panel.chart.lanes)[0]
    assert first == "testosterone_total"
    # Top: total testosterone and the protocol on screen together.
    assert _lane_on_screen(panel, first).height() > 100
    _assert_protocol_readable(panel)
    _same_date_same_x(panel, first)
    # Bottom: the last lab lane is whole above the protocol, which is still whole.
    bar = panel.scroll.verticalScrollBar()
    bar.setValue(bar.maximum())
    qtbot.wait(10)
    last = list(panel.chart.lanes)[-1]
    lane = panel.chart.lanes[last]["plot"]
    assert _lane_on_screen(panel, last).height() >= round(lane.sceneBoundingRect().height())
    _assert_protocol_readable(panel)
    _same_date_same_x(panel, last)
    # Panning a lab lane moves the protocol's dates with it, and its labels refit.
    view = lane.getViewBox()
    low, high = view.viewRange()[0]
    view.setXRange(low + 200 * 86400, high + 200 * 86400, padding=0)
    qtbot.waitUntil(
        lambda: (
            panel.chart.protocol.lane.getViewBox().viewRange()[0]
            == pytest.approx(view.viewRange()[0])
        )
    )
    _assert_protocol_readable(panel)
    _same_date_same_x(panel, last)


def test_one_lane_protocol_labels_do_not_print_over_each_other(qtbot, service, becker):
    panel = _panel(qtbot, service, becker)
    panel._check_keys(["testosterone_total"])
    panel.refresh()
    qtbot.wait(10)
    assert list(panel.chart.lanes) == ["testosterone_total"]
    _assert_protocol_readable(panel)
    _same_date_same_x(panel, "testosterone_total")


def test_export_shows_every_protocol_row_under_the_labs(qtbot, service, becker, tmp_path):
    from PySide6.QtGui import QImage

    panel = _panel(qtbot, service, becker)
    panel.export(str(tmp_path / "chart.png"))
    image = QImage(str(tmp_path / "chart.png"))
    height = panel.chart.height() + panel.chart.protocol.height()
    assert image.height() == height and image.width() == panel.chart.width()
    # Both rows' bars are in the picture, under the lab lanes.
    strip = [
        image.pixelColor(x, y)
        for x in range(0, image.width(), 3)
        for y in range(panel.chart.height(), image.height(), 2)
    ]
    for brush in (BAR_BRUSHES["hormone"], BAR_BRUSHES["medication"]):
        alpha = brush.alphaF()
        blended = [
            round(255 + (c - 255) * alpha) for c in (brush.red(), brush.green(), brush.blue())
        ]
        assert any(
            max(abs(a - b) for a, b in zip((c.red(), c.green(), c.blue()), blended, strict=True))
            < 10
            for c in strip
        ), brush.name()
