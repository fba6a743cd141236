"""Chart labels a reader can read: whole, off the plot, and a referral limit drawn as a
line (DEMO-000013/15: the E2 range label struck through by a grid line, the TT target
label over the results, 'Testosterone crea…' in the protocol lane, PSA's urology
referral shaded as a blue 'Target' band with its label cut)."""

from __future__ import annotations

import io
from datetime import date, datetime

import pytest
from pypdf import PdfReader
from reportlab.graphics.shapes import Group, Line, Rect, String
from reportlab.pdfbase.pdfmetrics import stringWidth

from app.core.models import RegimenItem
from app.core.series import RegimenLane, RegimenStep, TrendSeries
from app.reports import render_pdf
from app.reports.chart_scale import chart_span, date_ticks
from app.reports.charts import (
    KEY_INDENT,
    KEY_SIZE,
    LIMIT,
    TARGET_FILL,
    chart_drawings,
    protocol_lane,
    trend_chart_flowables,
)
from app.reports.fonts import register_fonts
from app.services.reports import ReportService
from tests.conftest import make_patient

NOW = datetime(2026, 11, 23, 9, 30)
REFERRAL = "Urology referral if confirmed PSA above 4.0 ng/mL"


@pytest.fixture
def data(service):
    patient = service.create_patient(make_patient())
    service.add_regimen_item(
        RegimenItem(
            None, patient.id, "hormone", "testosterone_cypionate", 180.0, "mg", "IM", 7.0,
            date(2024, 4, 25),
        )
    )  # fmt: skip
    for month in (2, 6, 10):
        day = datetime(2026, month, 1, 8)
        for key, value, unit in (
            ("testosterone_total", "640", "ng/dL"),
            ("estradiol", "24", "pg/mL"),
            ("hematocrit", "49", "%"),
            ("psa", "1.1", "ng/mL"),
        ):
            service.record_result(patient.id, key, value, unit, day)
    return ReportService(service, now=lambda: NOW).build(patient.id, "summary")


def _walk(node):
    for item in node.getContents():
        if isinstance(item, Group):
            yield from _walk(item)
        else:
            yield item


def _strings(drawing) -> list[String]:
    return [s for s in _walk(drawing) if isinstance(s, String)]


def _charts(data):
    register_fonts()
    return {c.series.key: c for c in chart_drawings(trend_chart_flowables(data, 493.0))}


def test_band_labels_are_whole_inside_the_chart_and_above_the_plot(data):
    charts = _charts(data)
    assert {"testosterone_total", "estradiol", "hematocrit", "psa"} <= set(charts)
    for key, chart in charts.items():
        strings = _strings(chart)
        assert not [s.text for s in strings if "…" in s.text], key
        for item in strings:
            width = stringWidth(item.text, item.fontName, item.fontSize)
            left = item.x - {"start": 0, "middle": width / 2, "end": width}[item.textAnchor]
            assert -0.01 <= left and left + width <= chart.width + 0.01, (key, item.text)
        legend = [s for s in strings if s.x == KEY_INDENT and s.fontSize == KEY_SIZE]
        key_text = " ".join(s.text for s in legend)
        for band in chart.series.bands:
            label = band.label.removeprefix("Target: ")
            assert label in key_text, (key, label)
        # The key stands above the plot: no grid line, band edge or result crosses it.
        for item in legend:
            assert item.y > chart.scale.y1 + 2, (key, item.text)


def test_a_referral_limit_is_a_dashed_line_not_a_target_band(data):
    chart = _charts(data)["psa"]
    shapes = list(_walk(chart))
    limit_y = chart.scale.y(4.0)
    dashed = [
        s
        for s in shapes
        if isinstance(s, Line) and s.strokeColor == LIMIT and s.y1 == pytest.approx(limit_y)
    ]
    assert dashed and dashed[0].strokeDashArray
    assert dashed[0].x1 == chart.scale.x0 and dashed[0].x2 == chart.scale.x1
    assert not [s for s in shapes if isinstance(s, Rect) and s.fillColor == TARGET_FILL]
    # Haematocrit's 'at most 54 %' is a limit too; the TT target stays a band.
    hct = _charts(data)["hematocrit"]
    assert any(isinstance(s, Line) and s.strokeColor == LIMIT for s in _walk(hct))
    tt = list(_walk(_charts(data)["testosterone_total"]))
    assert any(isinstance(s, Rect) and s.fillColor == TARGET_FILL for s in tt)


def test_the_printed_trends_read_whole_labels(data):
    pages = PdfReader(io.BytesIO(render_pdf(data))).pages
    text = " ".join(" ".join(p.extract_text() for p in pages).split())
    trends = text[text.index("Trends") : text.index("Findings")]
    assert REFERRAL in trends and "(dashed line at 4)" in trends
    assert "Haematocrit at most 54%; above it reduce the dose or switch preparation" in trends
    assert "Testosterone cypionate" in trends
    assert "…" not in trends


def test_protocol_lane_names_are_whole_and_a_long_one_wraps():
    register_fonts()
    long_name = "Testosterone cream (female low dose), compounded in a lipoderm base"
    lanes = [
        RegimenLane(
            key, name, "hormone", (RegimenStep(date(2025, 1, 1), None, f"{name} 3 mg daily", ""),)
        )
        for key, name in (("progesterone", "Micronized progesterone"), ("tc", long_name))
    ]
    series = TrendSeries(1, (), tuple(lanes), date(2024, 11, 23), date(2026, 11, 23))
    lane = protocol_lane(series, lanes, 493.0)
    texts = [s.text for s in _strings(lane)]
    assert "Micronized progesterone" in texts
    ticks = {text for _day, text in date_ticks(*chart_span(series))}  # the lane's date axis
    named = ("Protocol", "Micronized progesterone", "3 mg daily")
    wrapped = [t for t in texts if t not in named and t not in ticks]
    assert " ".join(wrapped) == long_name
