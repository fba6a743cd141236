"""The inputs a finding used read in the unit its limits are written in, on screen, in
the PDF and on the command line (one text for all three)."""

from __future__ import annotations

from datetime import date, datetime

from app.services.findings import FindingsService
from app.services.reports import ReportService
from app.ui.findings_panel import detail_html
from tests.conftest import cypionate


def _b6_finding(service, patient):
    service.add_regimen_item(
        cypionate(patient.id)
    )  # fmt: skip
    service.record_result(patient.id, "vitamin_b6_plp", "4", "nmol/L", datetime(2026, 5, 2, 8))
    evaluation = FindingsService(service).evaluate(patient.id, date(2026, 6, 1))
    return next(f for f in evaluation.findings if f.rule_id == "b6_on_testosterone")


def test_a_used_input_shows_its_canonical_value_beside_the_reported_one(service, patient):
    finding = _b6_finding(service, patient)
    (used,) = [v for v in finding.trace.values if v.analyte == "vitamin_b6_plp"]
    text = service.trace_value_text(used)
    # 4 nmol/L / 4.046 = 0.9886 µg/L, the unit of the deficiency limits, shown with the
    # decimals those limits are written with (3.4 and 5.1 µg/L): KnowledgeBase.number_text.
    assert text.startswith("4 nmol/L (1.0 µg/L) on 2026-05-02")  # as reported: "4"
    assert "(1.0 µg/L)" in detail_html(finding, service)


def test_the_pdf_block_uses_the_same_text(service, patient):
    finding = _b6_finding(service, patient)
    block = ReportService(service)._block(finding)
    assert any("(1.0 µg/L) on 2026-05-02" in line for line in block.trace_lines)
