"""The clinician summary charts what its findings discuss and the protocol's safety labs,
several small charts to a page."""

from __future__ import annotations

import io
from datetime import date, datetime

import pytest
from pypdf import PdfReader

from app.core.models import RegimenItem
from app.reports import render_pdf
from app.reports.charts import ChartRow, chart_drawings, trend_chart_flowables
from app.services.reports import ReportService
from tests.conftest import make_patient

NOW = datetime(2026, 11, 23, 9, 30)
TITLES = {
    "zinc": "Zinc, serum (µg/dL)",
    "magnesium_serum": "Magnesium, serum (mg/dL)",
    "vitamin_d_25oh": "25-hydroxyvitamin D, total (D2+D3) (ng/mL)",
    "hematocrit": "Hematocrit (%)",
    "psa": "Prostate-specific antigen (ng/mL)",
}


@pytest.fixture
def patient(service):
    """DEMO-000015's shape: TRT with anastrozole; zinc, magnesium and vitamin D low."""
    patient = service.create_patient(make_patient())
    for kind, substance, dose, unit, route, every in (
        ("hormone", "testosterone_cypionate", 180.0, "mg", "IM", 7.0),
        ("medication", "anastrozole", 0.45, "mg", "oral", 7.0),
    ):
        service.add_regimen_item(
            RegimenItem(
                None, patient.id, kind, substance, dose, unit, route, every, date(2024, 4, 25)
            )
        )  # fmt: skip
    for month in (2, 6, 10):
        day = datetime(2026, month, 1, 8)
        for key, value, unit in (
            ("testosterone_total", "640", "ng/dL"),
            ("estradiol", "24", "pg/mL"),
            ("shbg", "32", "nmol/L"),
            ("albumin", "4.5", "g/dL"),
            ("zinc", "54", "ug/dL"),
            ("magnesium_serum", "1.87", "mg/dL"),
            ("vitamin_d_25oh", "23", "ng/mL"),
            ("hematocrit", "49", "%"),
            ("psa", "1.1", "ng/mL"),
        ):
            service.record_result(patient.id, key, value, unit, day)
    return patient


def test_the_summary_charts_the_findings_analytes_and_the_safety_labs(service, patient):
    reports = ReportService(service, now=lambda: NOW)
    data = reports.build(patient.id, "summary")
    fired = {b.rule_id for b in data.findings}
    assert {"zinc_on_aromatase_inhibitor", "magnesium_on_testosterone", "vitamin_d_status"} <= fired
    [series] = data.chart_series
    charted = [a.key for a in series.analytes]
    for key in TITLES:
        assert key in charted, key
    # What the findings read comes before the safety labs and the preset's filling.
    assert charted.index("vitamin_d_25oh") < charted.index("psa") < charted.index("estradiol")

    pages = [
        " ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(render_pdf(data))).pages
    ]
    text = " ".join(pages)
    for title in TITLES.values():
        assert title in text, title
    # Several small charts share a page (one to a page would need ten pages).
    titles = [a.label for a in series.analytes]
    assert max(sum(f"{label} (" in page for label in titles) for page in pages) >= 6


def test_charts_stand_two_to_a_row_inside_the_page_width(service, patient):
    data = ReportService(service, now=lambda: NOW).build(patient.id, "summary")
    flowables = trend_chart_flowables(data, 493.0)
    rows = [f for f in flowables if isinstance(f, ChartRow)]
    assert rows and all(len(row.charts) == 2 for row in rows[:-1])
    for row in rows:
        right = sum(chart.width for chart in row.charts) + row.gap * (len(row.charts) - 1)
        assert right <= 493.0 + 0.01
    assert len(chart_drawings(flowables)) == len(data.chart_series[0].analytes)
