"""Summary charts as a reader sees them: clean unit labels, notes inside the page, a full key."""

from __future__ import annotations

import io
from datetime import date, datetime

import pytest
from pypdf import PdfReader
from reportlab.graphics.shapes import Group, String
from reportlab.pdfbase.pdfmetrics import stringWidth

from app.core.report_data import ReportData
from app.core.series import AnalyteSeries, SeriesPoint, TrendSeries
from app.reports import render_pdf
from app.reports.charts import analyte_chart, chart_drawings, trend_chart_flowables
from app.reports.fonts import register_fonts
from app.reports.render import MARGIN

NOTE = "Calculated from Testosterone, total, Sex hormone-binding globulin, Albumin"


def _point(day: date, value: float, status: str) -> SeriesPoint:
    return SeriesPoint(
        collected_at=datetime(day.year, day.month, day.day, 8),
        value=value,
        raw_value=f"{value:g}",
        comparator=None,
        censored=False,
        excluded=False,
        flag="",
        lab="Test Lab",
        unit_reported="",
        status=status,
        observation_id=None,
    )


def _analyte(key, label, unit, values, status="unknown", **extra) -> AnalyteSeries:
    days = (date(2025, 1, 10), date(2025, 9, 10), date(2026, 6, 10))
    points = tuple(_point(d, v, status) for d, v in zip(days, values, strict=True))
    return AnalyteSeries(key=key, label=label, unit=unit, points=points, bands=(), **extra)


BMD = _analyte(
    "bmd_tscore", "Bone density T-score", "{T-score}", (-1.8, -1.9, -2.1), unit_label="T-score"
)
FREE_T = _analyte(
    "free_testosterone_calc",
    "Testosterone, free (calculated, Vermeulen)",
    "pg/mL",
    (3.6, 3.2, 5.1),
    derived=True,
    inputs_note=NOTE,
)
ZINC = _analyte("zinc", "Zinc, serum", "ug/dL", (70, 80, 95), status="normal", unit_label="µg/dL")


def _series(*analytes) -> TrendSeries:
    return TrendSeries(
        patient_id=1, analytes=analytes, regimen_lanes=(), start=date(2024, 11, 23),
        end=date(2026, 11, 23),
    )  # fmt: skip


def _data(*analytes, paper="A4") -> ReportData:
    return ReportData(
        kind="summary", title="Clinician summary", subject="Test", clinic_name="Test clinic",
        clinic_address="", paper=paper, patient_name="Case, Test", mrn="T-1",
        date_of_birth="1970-01-02", sex_at_birth="female", age="56", generated_at="2026-11-23",
        generated_by="demo", kb_version="k", rules_version="r", as_of="2026-11-23",
        chart_series=(_series(*analytes),),
    )  # fmt: skip


def _strings(drawing):
    def walk(node):
        for item in node.getContents():
            if isinstance(item, Group):
                yield from walk(item)
            elif isinstance(item, String):
                yield item

    return list(walk(drawing))


def _span(item: String) -> tuple[float, float]:
    width = stringWidth(item.text, item.fontName, item.fontSize)
    start = {"start": item.x, "middle": item.x - width / 2, "end": item.x - width}
    return start[item.textAnchor], start[item.textAnchor] + width


def _titles(data: ReportData, width: float = 480.0) -> list[str]:
    charts = chart_drawings(trend_chart_flowables(data, width))
    return [max(_strings(c), key=lambda s: s.y).text for c in charts]


def test_chart_titles_print_the_units_display_label_not_its_code():
    """The bone density chart read 'Bone density T-score ({T-score})'."""
    register_fonts()
    assert _titles(_data(BMD, ZINC)) == ["Bone density T-score (T-score)", "Zinc, serum (µg/dL)"]
    pdf = render_pdf(_data(BMD))
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "(T-score)" in text and "{T-score}" not in text


@pytest.mark.parametrize("width", [480.0, 300.0])
def test_a_charts_note_is_whole_and_inside_the_chart_at_any_width(width):
    """'Calculated from ...' ran past the page edge; where the title leaves it no room it
    wraps under the title, whole, instead of running on or being cut."""
    register_fonts()
    chart = analyte_chart(_series(FREE_T), FREE_T, width)
    strings = _strings(chart)
    for item in strings:
        left, right = _span(item)
        assert -0.01 <= left and right <= width + 0.01, (item.text, left, right, width)
    noted = " ".join(s.text for s in strings if s.fontSize == 6.5 and s.x in (0, width))
    assert noted == NOTE
    assert chart.scale.y1 < chart.height - 13 or width == 480.0  # the plot makes room


def test_chart_text_ends_at_the_right_margin_of_the_page():
    """The drawing was as wide as the frame but started 6 pt in (the frame's padding),
    so its right-aligned note ended 6 pt past the margin the header and footer rules
    end at."""
    register_fonts()
    for paper in ("A4", "Letter"):
        reader = PdfReader(io.BytesIO(render_pdf(_data(FREE_T, paper=paper))))
        rights = []
        for page in reader.pages:
            edge = float(page.mediabox.width) - MARGIN

            def visit(text, cm, tm, font, size, edge=edge, rights=rights):
                if NOTE[:20] in text:
                    x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
                    name = str(font["/BaseFont"]).split("+")[-1].lstrip("/")
                    rights.append((x + stringWidth(text.strip(), name, size), edge))

            page.extract_text(visitor_text=visit)
        assert rights, paper
        assert all(right <= edge + 0.01 for right, edge in rights), (paper, rights)


def _key(data: ReportData, width: float = 480.0) -> list[String]:
    return _strings(trend_chart_flowables(data, width)[0])


def test_the_key_names_dark_grey_when_results_no_range_judged_are_drawn():
    """Free T and T-scores draw dark grey; the key said what blue, green and red mean only."""
    register_fonts()
    assert "not judged (no range)" in [s.text for s in _key(_data(FREE_T, ZINC))]
    assert "not judged (no range)" not in [s.text for s in _key(_data(ZINC))]


@pytest.mark.parametrize("width", [480.0, 250.0])
def test_the_key_wraps_inside_its_width(width):
    register_fonts()
    key = trend_chart_flowables(_data(FREE_T), width)[0]
    for item in _key(_data(FREE_T), width):
        left, right = _span(item)
        assert right <= width + 0.01, (item.text, right)
    assert key.height >= 5 * 2.83 * (2 if width < 400 else 1)
