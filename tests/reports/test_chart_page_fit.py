"""Summary charts as a reader sees them: clean unit labels, notes inside the page, a full key."""

from __future__ import annotations

import io
from datetime import date, datetime

from pypdf import PdfReader
from reportlab.graphics.shapes import Group, String

from app.core.report_data import ReportData
from app.core.series import AnalyteSeries, SeriesPoint, TrendSeries
from app.reports import render_pdf
from app.reports.charts import TrendChart, trend_chart_flowables
from app.reports.fonts import register_fonts

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


BMD = _analyte("bmd_tscore", "Bone density T-score", "{T-score}", (-1.8, -1.9, -2.1))
FREE_T = _analyte(
    "free_testosterone_calc",
    "Testosterone, free (calculated, Vermeulen)",
    "pg/mL",
    (3.6, 3.2, 5.1),
    derived=True,
    inputs_note=NOTE,
)
ZINC = _analyte("zinc", "Zinc, serum", "ug/dL", (70, 80, 95), status="normal")


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


def _titles(data: ReportData, width: float = 480.0) -> list[str]:
    charts = [f for f in trend_chart_flowables(data, width) if isinstance(f, TrendChart)]
    return [max(_strings(c), key=lambda s: s.y).text for c in charts]


def test_chart_titles_print_the_units_display_label_not_its_code():
    """The bone density chart read 'Bone density T-score ({T-score})'."""
    register_fonts()
    assert _titles(_data(BMD, ZINC)) == ["Bone density T-score (T-score)", "Zinc, serum (µg/dL)"]
    pdf = render_pdf(_data(BMD))
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "(T-score)" in text and "{T-score}" not in text
