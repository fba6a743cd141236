"""Trend charts in the clinician summary: same series as the screen, censored marks, stable bytes."""

from __future__ import annotations

import io
from datetime import date, datetime

import pytest
from pypdf import PdfReader
from reportlab.graphics.shapes import Circle, Group, Polygon, PolyLine, Rect, String

from app.core.chart_palette import EXCLUDED_COLOUR
from app.core.models import RegimenItem
from app.reports import render_pdf
from app.reports.charts import TrendChart, chart_drawings, trend_chart_flowables
from app.services.reports import ReportService
from tests.conftest import make_patient

NOW = datetime(2026, 11, 23, 9, 30)


@pytest.fixture
def trt_patient(service):
    patient = service.create_patient(make_patient())
    service.add_regimen_item(
        RegimenItem(
            None, patient.id, "hormone", "testosterone_cypionate", 140.0, "mg", "IM", 7.0,
            date(2025, 6, 2),
        )
    )  # fmt: skip
    for day, total, estradiol in (
        (datetime(2025, 5, 20, 8), "310", "22"),
        (datetime(2025, 9, 1, 8), "640", "35"),
        (datetime(2026, 2, 2, 8), "720", "<5"),
        (datetime(2026, 10, 1, 8), "580", "28"),
    ):
        service.record_result(patient.id, "testosterone_total", total, "ng/dL", day)
        service.record_result(patient.id, "estradiol", estradiol, "pg/mL", day)
    service.record_result(patient.id, "hematocrit", "55.2", "%", datetime(2026, 10, 1, 8))
    return patient


@pytest.fixture
def reports(service):
    return ReportService(service, now=lambda: NOW)


def _shapes(node):
    for item in node.getContents():
        if isinstance(item, Group):
            yield from _shapes(item)
        else:
            yield item


def _charts(data, width=500.0) -> dict[str, TrendChart]:
    return {f.series.key: f for f in chart_drawings(trend_chart_flowables(data, width))}


def test_summary_charts_findings_inputs_then_safety_labs_then_the_preset_byte_identical(
    service, trt_patient, reports
):
    data = reports.build(trt_patient.id, "summary")
    [series] = data.chart_series
    read = [
        v.analyte
        for f in reports._findings.evaluate(trt_patient.id).visible
        for v in f.trace.values
        if v.analyte and v.value is not None
    ]
    keys = [a.key for a in series.analytes]
    assert keys[: len(set(read))] == list(dict.fromkeys(read))
    # TRT's scheduled safety labs, PSA too although none is on file (its chart says so);
    # the preset adds estradiol, which has results, and not zinc, which has none.
    assert {"hematocrit", "psa", "testosterone_total", "estradiol"} <= set(keys)
    assert "zinc" not in keys and not series.analyte("psa").points
    assert series.regimen_lanes and series.end == date(2026, 11, 23)
    pdf = render_pdf(data)
    assert pdf == render_pdf(data)
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).split())
    assert "Trends" in text
    for analyte in series.analytes:
        assert f"{analyte.label} ({analyte.unit})" in text
    assert "Protocol" in text and "140 mg IM weekly" in text


def test_censored_result_is_an_open_triangle_at_its_limit_and_off_the_line(trt_patient, reports):
    data = reports.build(trt_patient.id, "summary")
    chart = _charts(data)["estradiol"]
    scale = chart.scale
    shapes = list(_shapes(chart))
    triangles = [s for s in shapes if isinstance(s, Polygon) and len(s.points) == 6]
    [triangle] = triangles
    assert triangle.fillColor is None  # open
    xs, ys = triangle.points[0::2], triangle.points[1::2]
    limit_y = scale.y(5.0)
    assert (min(ys) + max(ys)) / 2 == pytest.approx(limit_y)
    assert (min(xs) + max(xs)) / 2 == pytest.approx(scale.x(date(2026, 2, 2)))
    # the trend line joins the three uncensored results only
    [line] = [s for s in shapes if isinstance(s, PolyLine)]
    assert len(line.points) == 6 and pytest.approx(limit_y) not in line.points[1::2]
    circles = [s for s in shapes if isinstance(s, Circle)]
    assert len(circles) == 3


def test_bands_are_shaded_and_labelled(trt_patient, reports):
    data = reports.build(trt_patient.id, "summary")
    chart = _charts(data)["testosterone_total"]
    analyte = chart.series
    reference, target = analyte.band("reference"), analyte.band("target")
    assert reference is not None and target is not None
    shapes = list(_shapes(chart))
    rects = [s for s in shapes if isinstance(s, Rect)]
    for band in (reference, target):
        low, high = chart.scale.y(band.low), chart.scale.y(band.high)
        assert any(
            r.y == pytest.approx(low) and r.height == pytest.approx(high - low) for r in rects
        )
    texts = [s.text for s in shapes if isinstance(s, String)]
    assert any(t.startswith("Reference range") for t in texts)
    assert any(t.startswith("Target") for t in texts)


def test_excluded_result_is_faded_and_off_the_line(service, trt_patient, reports):
    obs = next(
        o
        for o in service.observations(trt_patient.id)
        if o.analyte_key == "testosterone_total" and o.raw_value == "720"
    )
    service.exclude_result(obs.id, "haemolysed")
    chart = _charts(reports.build(trt_patient.id, "summary"))["testosterone_total"]
    shapes = list(_shapes(chart))
    y = chart.scale.y(720.0)
    [line] = [s for s in shapes if isinstance(s, PolyLine)]
    assert pytest.approx(y) not in line.points[1::2]
    [faded] = [s for s in shapes if isinstance(s, Circle) and s.cy == pytest.approx(y)]
    assert faded.fillColor.hexval() == "0x" + EXCLUDED_COLOUR[1:]  # as on screen


def test_protocol_lane_labels_each_dose_step(service, trt_patient, reports):
    data = reports.build(trt_patient.id, "summary")
    lane = trend_chart_flowables(data, 500.0)[1]  # under the key, above the charts
    texts = [s.text for s in _shapes(lane) if isinstance(s, String)]
    assert "Protocol" in texts and "140 mg IM weekly" in texts


def test_handout_has_no_charts(trt_patient, reports):
    data = reports.build(trt_patient.id, "handout")
    assert data.chart_series == () and trend_chart_flowables(data, 500.0) == []


def test_print_uses_the_screens_colours_for_status_and_bands():
    """Low blue, in range green, high red, and the same band tints as the Trends tab."""
    from app.core.chart_palette import BAND_COLOURS, STATUS_COLOURS, over_white
    from app.reports import charts
    from app.ui.trend_bands import REFERENCE_BRUSH, TARGET_BRUSH

    for status, hex_text in STATUS_COLOURS.items():
        assert charts.STATUS[status].hexval() == "0x" + hex_text[1:]
    for fill, brush in (
        (charts.REFERENCE_FILL, REFERENCE_BRUSH),
        (charts.TARGET_FILL, TARGET_BRUSH),
    ):
        assert brush.name() in BAND_COLOURS.values()
        assert fill.hexval() == "0x" + over_white(brush.name(), brush.alphaF())[1:]
    assert over_white("#000000", 0.5) == "#808080" and over_white("#3c6ed2", 0) == "#ffffff"
