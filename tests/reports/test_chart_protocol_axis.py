"""The printed protocol lane has a date axis of its own, on the charts' dates.

It spans the page while the analyte charts under it are half as wide, so its dose
steps did not line up with any chart's dates and it had no dates at all.
"""

from __future__ import annotations

from reportlab.graphics.shapes import Line, Rect, String

from app.reports.chart_scale import chart_span, date_ticks
from app.reports.charts import chart_drawings, trend_chart_flowables
from tests.reports.test_charts import _shapes, reports, trt_patient  # noqa: F401  (fixtures)


def test_protocol_lane_prints_the_charts_dates_under_its_bars(service, trt_patient, reports):  # noqa: F811
    data = reports.build(trt_patient.id, "summary")
    flowables = trend_chart_flowables(data, 500.0)
    lane = flowables[1]  # under the key, above the charts
    chart = chart_drawings(flowables)[0]
    shapes = list(_shapes(lane))
    bars = [s for s in shapes if isinstance(s, Rect)]
    texts = {s.text: s for s in shapes if isinstance(s, String)}
    series = next(s for s in data.chart_series if s.regimen_lanes)
    ticks = date_ticks(*chart_span(series))
    assert ticks
    # The same dates the charts print, each under every bar of the lane.
    chart_texts = {s.text for s in _shapes(chart) if isinstance(s, String)}
    lowest = min(bar.y for bar in bars)
    for _day, text in ticks:
        assert text in texts and text in chart_texts, text
        assert texts[text].y < lowest
    # Each label stands at its date on the lane's own scale: a dose step starting on
    # a tick's date starts at that tick.
    first, last = chart_span(series)
    axis = next(s for s in shapes if isinstance(s, Line) and s.y1 == s.y2 and s.y1 < lowest + 0.1)
    for day, text in ticks:
        x = axis.x1 + (axis.x2 - axis.x1) * (day - first).days / (last - first).days
        assert abs(texts[text].x - x) < 0.01
