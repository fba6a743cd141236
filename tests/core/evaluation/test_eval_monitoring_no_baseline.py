"""A baseline missed for good reads as information, not as a test to order.

Review (/tmp/r2 test_probe): haematocrit first drawn 70 days into TRT came out at
warning (via severity_overrides), with "Consider ordering the missing test" and a
handout saying the check "is due or overdue"; a baseline cannot be drawn once therapy
has begun. It is now info, the next step uses the first on-therapy result as the
reference, and the patient reads that no result from before treatment is on file.
"""

from __future__ import annotations

import pytest
from eval_chart import Chart


def _gap(chart: Chart, analyte: str):
    return next(
        f
        for f in chart.evaluate().findings
        if f.rule_id == "protocol_monitoring_gap" and f.marker == analyte
    )


@pytest.mark.parametrize("analyte", ["hematocrit", "psa", "testosterone_total"])
def test_no_baseline_is_info_with_nothing_to_order(kb, analyte):
    chart = Chart(kb)
    chart.trt(start=100)
    chart.lab("hematocrit", 46, days_ago=5)
    chart.lab("testosterone_total", 520, days_ago=5)
    chart.lab("psa", 0.8, days_ago=5)
    finding = _gap(chart, analyte)
    assert finding.status == "no_baseline"
    assert finding.severity == "info"
    assert "ordering the missing test" not in finding.next_step
    assert "first on-therapy result as the reference" in finding.next_step
    assert finding.patient_text.startswith("No result from before treatment is on file")
    assert "due or overdue" not in finding.patient_text


def test_a_never_measured_baseline_keeps_its_severity_and_texts(kb):
    chart = Chart(kb)
    chart.trt(start=100)
    finding = _gap(chart, "hematocrit")
    assert finding.status == "not_measured"
    assert finding.severity == "warning"
    assert "Consider ordering the missing test" in finding.next_step
    assert "is due or overdue" in finding.patient_text
