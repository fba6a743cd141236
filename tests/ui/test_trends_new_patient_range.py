"""A patient with a week of results opens on their data, not on three empty years.

Trial: every point sat in the last few pixels of a 3-year axis and the protocol
lane's labels printed over each other ("Tes|Estr").
"""

from __future__ import annotations

from datetime import datetime, timedelta

from PySide6.QtCore import QPointF

from app.core.models import RegimenItem
from app.core.validation import DoseChange
from app.ui.trend_chart import timestamp
from app.ui.trends_panel import TrendsPanel
from tests.conftest import TODAY, make_patient

DAY = 86400


def _new_patient(service):
    patient = service.create_patient(make_patient(mrn="R-200"))
    cypionate = service.add_regimen_item(
        RegimenItem(
            None, patient.id, "hormone", "testosterone_cypionate", 100.0, "mg", "IM", 7.0,
            TODAY - timedelta(days=12),
        )
    )  # fmt: skip
    service.change_dose(DoseChange(cypionate.id, 120.0, "mg", 7.0, TODAY - timedelta(days=5)))
    service.add_regimen_item(
        RegimenItem(
            None, patient.id, "medication", "anastrozole", 0.5, "mg", "oral", 7.0,
            TODAY - timedelta(days=6),
        )
    )  # fmt: skip
    for days_ago, total, estradiol, zinc in ((7, "610", "<5", "55"), (2, "640", "<5", "58")):
        when = datetime.combine(TODAY - timedelta(days=days_ago), datetime.min.time())
        service.record_result(patient.id, "testosterone_total", total, "ng/dL", when)
        service.record_result(patient.id, "estradiol", estradiol, "pg/mL", when)
        service.record_result(patient.id, "zinc", zinc, "ug/dL", when)
    return patient


def test_a_new_patient_opens_on_their_week_with_padding_and_labels_apart(qtbot, service):
    patient = _new_patient(service)
    panel = TrendsPanel(service)
    qtbot.addWidget(panel)
    panel.resize(960, 700)
    panel.show()
    qtbot.waitExposed(panel)
    panel.show_patient(patient.id)
    qtbot.wait(10)
    assert panel.years == 3.0  # the range button stays; the axis fits the data in it
    lane = panel.chart.lanes["testosterone_total"]
    view = lane["plot"].getViewBox()
    left, right = view.viewRange()[0]
    first_dose = timestamp(TODAY - timedelta(days=12))
    # Everything the patient has is in view, with room either side, on weeks not years.
    assert left < first_dose and right > timestamp(TODAY)
    assert 14 * DAY <= right - left <= 30 * DAY
    xs = [view.mapViewToScene(QPointF(spot.pos().x(), 0)).x() for spot in lane["points"].points()]
    box = view.sceneBoundingRect()
    assert len(xs) == 2
    assert xs[1] - xs[0] > box.width() * 0.15  # five days apart, not on top of each other
    assert all(box.left() + 10 < x < box.right() - 10 for x in xs)
    # The protocol lane shows the same dates, each label whole or cleanly cut, none
    # over another.
    protocol = panel.chart.protocol
    assert protocol.lane.getViewBox().viewRange()[0] == view.viewRange()[0]
    shown = []
    for _step, label in panel.chart.regimen["labels"]:
        text = label.shown_text()
        assert text, label.full_text  # a week-wide step has room for its label
        assert text == label.full_text or label.full_text.startswith(text.rstrip("…"))
        shown.append((text, label.sceneBoundingRect()))
    assert shown[0][0].startswith("Testosterone cypionate 100 mg")
    for number, (text, rect) in enumerate(shown):
        for other, other_rect in shown[number + 1 :]:
            assert not rect.intersects(other_rect), f"{text!r} prints over {other!r}"
    # The reference band's label sits inside the dates shown.
    label_x = lane["reference_label"].pos().x()
    assert left <= label_x <= right


def test_a_long_history_still_opens_on_the_range_chosen(qtbot, service):
    patient = _new_patient(service)
    for years_ago in (5, 2):
        when = datetime.combine(TODAY - timedelta(days=365 * years_ago), datetime.min.time())
        service.record_result(patient.id, "testosterone_total", "500", "ng/dL", when)
    panel = TrendsPanel(service)
    qtbot.addWidget(panel)
    panel.show_patient(patient.id)
    view = panel.chart.lanes["testosterone_total"]["plot"].getViewBox()
    left, right = view.viewRange()[0]
    # Three years chosen, results two years back: the axis runs from those to today.
    assert left < timestamp(TODAY - timedelta(days=365 * 2)) < left + 60 * DAY
    assert timestamp(TODAY) < right < timestamp(TODAY) + 60 * DAY
    panel.set_years(None)
    left, _ = panel.chart.lanes["testosterone_total"]["plot"].getViewBox().viewRange()[0]
    assert left < timestamp(TODAY - timedelta(days=365 * 5)) < left + 120 * DAY
