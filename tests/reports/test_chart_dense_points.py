"""Printed trends mark results as densely as they can be told apart, by the screen's
rule (core.marker_density): years of weekly results were a solid blob of circles over
the line and the bands; now the line shows them and only low and high results keep a
marker, and the chart says so."""

from __future__ import annotations

from datetime import datetime, timedelta

from reportlab.graphics.shapes import Circle, Group, String

from app.core.marker_density import FLAGGED_ONLY, FULL, SMALL, marker_tier
from app.reports.charts import POINT_RADIUS, chart_drawings, trend_chart_flowables
from app.reports.fonts import register_fonts
from app.services.reports import ReportService
from tests.conftest import TODAY, make_patient

NOW = datetime(2026, 11, 23, 9, 30)


def _walk(node):
    for item in node.getContents():
        if isinstance(item, Group):
            yield from _walk(item)
        else:
            yield item


def _total_t_chart(service, weeks: int):
    patient = service.create_patient(make_patient(mrn=f"W-{weeks}"))
    start = datetime.combine(TODAY, datetime.min.time()) - timedelta(weeks=weeks)
    for week in range(weeks):
        value = "180" if week % 25 == 0 else "600"  # a low result now and then
        service.record_result(
            patient.id, "testosterone_total", value, "ng/dL", start + timedelta(weeks=week)
        )
    data = ReportService(service, now=lambda: NOW).build(patient.id, "summary")
    register_fonts()
    charts = {c.series.key: c for c in chart_drawings(trend_chart_flowables(data, 493.0))}
    return charts["testosterone_total"]


def test_the_tiers_by_spacing():
    assert marker_tier(100, 1, 8, 2) == FULL  # nothing to crowd
    assert marker_tier(0, 50, 8, 2) == FULL  # not laid out yet
    assert marker_tier(400, 50, 8, 2) == FULL
    assert marker_tier(400, 100, 8, 2) == SMALL
    assert marker_tier(400, 300, 8, 2) == FLAGGED_ONLY


def test_two_years_of_weekly_results_mark_only_the_low_ones(service):
    chart = _total_t_chart(service, weeks=104)
    circles = [c for c in _walk(chart) if isinstance(c, Circle)]
    assert len(circles) == 5  # the low results of weeks 0, 25, 50, 75 and 100
    texts = " ".join(s.text for s in _walk(chart) if isinstance(s, String))
    assert "results too close to mark each" in texts


def test_a_few_results_keep_full_size_markers(service):
    chart = _total_t_chart(service, weeks=8)
    circles = [c for c in _walk(chart) if isinstance(c, Circle)]
    assert len(circles) == 8 and all(c.r == POINT_RADIUS for c in circles)


def test_a_year_of_weekly_results_is_marked_smaller(service):
    chart = _total_t_chart(service, weeks=52)
    circles = [c for c in _walk(chart) if isinstance(c, Circle)]
    assert len(circles) == 52 and all(c.r < POINT_RADIUS for c in circles)
