"""The summary's chart code is split by concept: the protocol lane draws in its own
module, on the dates the analyte charts use (one ``chart_span``), and no module of
``app/reports`` grows far past the ~400-line guideline."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

from reportlab.graphics.shapes import Drawing, String

import app.reports as reports_package
import app.reports.chart_protocol as chart_protocol
import app.reports.charts as charts
from app.core.models import RegimenItem
from app.reports.chart_scale import chart_span
from app.reports.fonts import register_fonts
from app.services.reports import ReportService
from tests.conftest import TODAY, make_patient

MAX_LINES = 450


def test_the_protocol_lane_is_its_own_module():
    assert charts.protocol_lane is chart_protocol.protocol_lane
    assert chart_protocol.protocol_lane.__module__ == "app.reports.chart_protocol"
    source = Path(charts.__file__).read_text()
    assert "def protocol_lane" not in source and "STEP_FILLS" not in source


def test_no_reports_module_is_far_past_the_size_guideline():
    for path in Path(reports_package.__file__).parent.glob("*.py"):
        assert len(path.read_text().splitlines()) <= MAX_LINES, path.name


def test_the_printed_protocol_lane_uses_the_charts_dates(service):
    register_fonts()
    patient = service.create_patient(make_patient(mrn="LANE-1"))
    service.add_regimen_item(
        RegimenItem(
            None, patient.id, "hormone", "testosterone_cypionate", 100.0, "mg", "IM", 7.0,
            TODAY - timedelta(days=12),
        )
    )  # fmt: skip
    when = datetime.combine(TODAY - timedelta(days=3), datetime.min.time())
    service.record_result(patient.id, "testosterone_total", "610", "ng/dL", when)
    data = ReportService(service, now=lambda: datetime(2026, 11, 23, 9)).build(
        patient.id, "summary"
    )
    flowables = charts.trend_chart_flowables(data, 493.0)
    lane = next(
        f
        for f in flowables
        if isinstance(f, Drawing)
        and any(isinstance(s, String) and s.text == "Protocol" for s in f.getContents())
    )
    texts = [s.text for s in lane.getContents() if isinstance(s, String)]
    assert "Testosterone cypionate" in texts and "100 mg IM weekly" in texts
    chart = charts.chart_drawings(flowables)[0]
    series = next(s for s in data.chart_series if s.analytes)
    assert (chart.scale.start, chart.scale.end) == chart_span(series)
    assert chart.scale.end - chart.scale.start < timedelta(days=30)
    assert chart.scale.start <= date(2026, 11, 11)
