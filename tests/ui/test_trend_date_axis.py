"""The Trends tab's date axis names a short span's days with their month ("13 Nov"), not
bare day numbers ("13 18 23"), and a long span's years and months."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from PySide6.QtGui import QImage, QPainter

from app.core.models import RegimenItem
from app.ui.trends_panel import TrendsPanel
from tests.conftest import TODAY, make_patient

DAY_MONTH = re.compile(r"^[1-9]\d? (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)$")
MONTH_YEAR = re.compile(r"^(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4}$")


def _patient_with_results(service, days: list[date]):
    patient = service.create_patient(make_patient(mrn=f"D-{len(days)}-{days[0]:%y%m%d}"))
    service.add_regimen_item(
        RegimenItem(
            None, patient.id, "hormone", "testosterone_cypionate", 100.0, "mg", "IM", 7.0,
            days[0],
        )
    )  # fmt: skip
    for day in days:
        when = datetime.combine(day, datetime.min.time())
        service.record_result(patient.id, "testosterone_total", "600", "ng/dL", when)
    return patient


def _drawn_dates(qtbot, service, patient, width: int = 1200, rects: bool = False) -> list:
    """The date labels the first lane's axis draws, as on screen (with their boxes)."""
    panel = TrendsPanel(service)
    qtbot.addWidget(panel)
    panel.resize(width, 700)
    panel.show()
    qtbot.waitExposed(panel)
    panel.show_patient(patient.id)
    panel.set_years(None)
    axis = panel.chart.lanes["testosterone_total"]["plot"].getAxis("bottom")
    image = QImage(10, 10, QImage.Format_ARGB32)
    painter = QPainter(image)
    try:
        _, _, texts = axis.generateDrawSpecs(painter)
    finally:
        painter.end()
    return [(rect, text) for rect, _, text in texts] if rects else [t for _, _, t in texts]


def test_a_week_of_results_shows_days_with_their_month(qtbot, service):
    patient = _patient_with_results(service, [TODAY - timedelta(days=7), TODAY - timedelta(2)])
    labels = _drawn_dates(qtbot, service, patient)
    assert len(labels) >= 4, labels
    assert all(DAY_MONTH.match(text) for text in labels), labels
    assert {"16 Nov", "17 Nov"} & set(labels), labels


def test_a_month_start_in_view_carries_its_year(qtbot, service):
    days = [date(2026, 10, 20), date(2026, 11, 3)]
    labels = _drawn_dates(qtbot, service, _patient_with_results(service, days))
    assert "Nov 2026" in labels, labels
    assert all(DAY_MONTH.match(t) or MONTH_YEAR.match(t) for t in labels), labels


def test_years_of_results_show_years(qtbot, service):
    days = [date(2023, 3, 1) + timedelta(days=120 * n) for n in range(9)]
    labels = _drawn_dates(qtbot, service, _patient_with_results(service, days))
    assert {"2024", "2025", "2026"} <= set(labels), labels
    assert not [text for text in labels if re.fullmatch(r"\d{1,2}", text)], labels


def test_labels_on_a_narrow_lane_never_print_over_each_other(qtbot, service):
    # "3 Nov", two days after "Nov 2026", printed over it on a 700 px window.
    days = [date(2026, 10, 20), date(2026, 10, 27), date(2026, 11, 3)]
    patient = _patient_with_results(service, days)
    drawn = _drawn_dates(qtbot, service, patient, width=700, rects=True)
    assert "Nov 2026" in [text for _, text in drawn]
    for i, (rect, text) in enumerate(drawn):
        for other, other_text in drawn[i + 1 :]:
            assert not rect.intersects(other), (text, other_text)
