"""The summary's charts span the patient's data, as the Trends tab does
(``core.series.data_span``): a new patient with a week of results gets an axis of
days named with their month ('16 Nov'), not three empty years with every result in
the last few points."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

import pytest
from reportlab.graphics.shapes import Circle, Group, String

from app.core.models import RegimenItem
from app.reports.charts import chart_drawings, trend_chart_flowables
from app.reports.fonts import register_fonts
from app.services.reports import ReportService
from tests.conftest import TODAY, make_patient

NOW = datetime(2026, 11, 23, 9, 30)
DAY_MONTH = re.compile(r"^\d{1,2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)$")


def _walk(node):
    for item in node.getContents():
        if isinstance(item, Group):
            yield from _walk(item)
        else:
            yield item


def _charts(data):
    register_fonts()
    return {c.series.key: c for c in chart_drawings(trend_chart_flowables(data, 493.0))}


def _date_labels(chart) -> list[str]:
    """The texts under the plot's bottom edge (the date axis)."""
    return [s.text for s in _walk(chart) if isinstance(s, String) and s.y < chart.scale.y0 - 2]


@pytest.fixture
def new_patient(service):
    patient = service.create_patient(make_patient(mrn="NEW-7"))
    service.add_regimen_item(
        RegimenItem(
            None, patient.id, "hormone", "testosterone_cypionate", 100.0, "mg", "IM", 7.0,
            TODAY - timedelta(days=12),
        )
    )  # fmt: skip
    for days_ago, total, hct, psa in ((7, "610", "49", "0.8"), (2, "640", "55", "4.4")):
        when = datetime.combine(TODAY - timedelta(days=days_ago), datetime.min.time())
        service.record_result(patient.id, "testosterone_total", total, "ng/dL", when)
        service.record_result(patient.id, "hematocrit", hct, "%", when)
        service.record_result(patient.id, "psa", psa, "ng/mL", when)
    return patient


def test_a_week_of_results_is_charted_over_weeks_with_day_and_month(service, new_patient):
    data = ReportService(service, now=lambda: NOW).build(new_patient.id, "summary")
    charts = _charts(data)
    assert {"testosterone_total", "hematocrit", "psa"} <= set(charts)
    for key, chart in charts.items():
        if not chart.series.points:
            continue
        scale = chart.scale
        # Two weeks or a little more around the 12 days the patient has, not 3 years.
        assert 14 <= (scale.end - scale.start).days <= 21, key
        assert scale.start <= TODAY - timedelta(days=12) and scale.end >= TODAY, key
        # The two results stand apart across the plot, not in its last few points.
        xs = sorted({round(c.cx, 1) for c in _walk(chart) if isinstance(c, Circle)})
        assert xs[-1] - xs[0] > 0.25 * (scale.x1 - scale.x0), key
        labels = _date_labels(chart)
        assert len(labels) >= 4 and all(DAY_MONTH.match(text) for text in labels), labels
        assert "16 Nov" in labels or "17 Nov" in labels, labels


def test_years_of_results_still_read_as_years(service):
    patient = service.create_patient(make_patient(mrn="OLD-1"))
    for year in (2024, 2025, 2026):
        service.record_result(
            patient.id, "testosterone_total", "600", "ng/dL", datetime(year, 3, 1, 8)
        )
    data = ReportService(service, now=lambda: NOW).build(patient.id, "summary")
    chart = _charts(data)["testosterone_total"]
    assert chart.scale.start <= date(2024, 3, 1) and chart.scale.end >= date(2026, 3, 1)
    assert chart.scale.end < date(2026, 6, 1)  # the data's end, not the window's (today)
    # Two years on a half-width chart: January and July, each named with its year.
    assert {"Jan 2025", "Jan 2026"} <= set(_date_labels(chart))
