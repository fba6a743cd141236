"""A monitoring test measured only after therapy began reads as a missing baseline.

The trial saw "Protocol monitoring gap: Testosterone, total — not measured" for a
patient whose testosterone had been measured, but only once therapy had started.
"""

from __future__ import annotations

from eval_chart import Chart


def _gap(chart: Chart, analyte: str):
    return next(
        f
        for f in chart.evaluate().findings
        if f.rule_id == "protocol_monitoring_gap" and f.marker == analyte
    )


def test_a_result_after_the_start_is_no_baseline_not_unmeasured(kb):
    chart = Chart(kb)
    chart.trt(start=100)
    # Drawn inside the 13-26 week check after starting, so the missed baseline is the
    # only gap (an info one; a check still due would lead the finding).
    chart.lab("testosterone_total", 520, days_ago=5)
    finding = _gap(chart, "testosterone_total")
    assert finding.status == "no_baseline"
    assert finding.status.replace("_", " ") == "no baseline"  # as the findings list shows it
    assert "no baseline result from the 90 days before therapy began on" in (finding.clinician_text)
    assert f"(first result {chart.day(5).isoformat()}, after therapy began)" in (
        finding.clinician_text
    )


def test_never_measured_stays_not_measured(kb):
    chart = Chart(kb)
    chart.trt(start=100)
    finding = _gap(chart, "testosterone_total")
    assert finding.status == "not_measured"
    assert "first result" not in finding.clinician_text
