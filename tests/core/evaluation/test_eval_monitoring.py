"""Monitoring gaps: one finding per protocol and test, saying every schedule it misses."""

from __future__ import annotations

from eval_chart import Chart


def _gaps(chart: Chart) -> dict[str, object]:
    found = [f for f in chart.evaluate().findings if f.rule_id == "protocol_monitoring_gap"]
    markers = [f.marker for f in found]
    assert len(markers) == len(set(markers)), markers  # one finding per test
    return {f.marker: f for f in found}


def test_a_test_due_after_the_start_and_after_a_dose_change_is_one_finding(kb):
    # TRT began 45 weeks ago, the dose changed 15 weeks ago; total T was drawn only in
    # week 6. Both the 13-26-week check after starting and the one after the dose change
    # are open: one total-T finding names both.
    chart = Chart(kb)
    start = chart.trt(start=45 * 7)
    chart.change_dose(start, 140, days_ago=15 * 7)
    chart.lab("testosterone_total", 520, days_ago=39 * 7)
    chart.lab("hematocrit", 47, days_ago=10)
    chart.lab("psa", 1.1, days_ago=10)
    total = _gaps(chart)["testosterone_total"]
    text = total.clinician_text
    assert text.startswith(
        "Male testosterone therapy (TRT) monitoring: Testosterone, total: none since starting"
    )  # the overdue check leads; the missed baseline and the check now due follow
    assert "no baseline result" in text
    assert "since the dose change 15 weeks ago" in text and "; also " in text
    # The result of week 6 is named: it came before the window it was due in.
    assert f"the last, on {chart.day(39 * 7).isoformat()}, came before it" in text
    schedules = {r.label for r in total.trace.ranges}
    assert schedules == {
        "at baseline, before therapy",
        "13-26 weeks after starting therapy",
        "13-26 weeks after a dose change",
    }
    assert total.severity == "consider"  # the overdue check after starting leads


def test_a_one_point_window_reads_as_one_week(kb):
    # The 12-month check (weeks 52-52): 'due 52 weeks after it', not '52-52 weeks'.
    chart = Chart(kb)
    chart.trt(start=54 * 7)
    chart.lab("testosterone_total", 520, days_ago=40 * 7)
    chart.lab("hematocrit", 47, days_ago=40 * 7)
    chart.lab("psa", 1.1, days_ago=40 * 7)
    text = _gaps(chart)["hematocrit"].clinician_text
    assert "due 52 weeks after it" in text and "52-52" not in text


def test_a_thyroid_patients_gap_cites_the_thyroid_schedule_not_es_2018(kb):
    # Review: the rule's own citations (es_2018_testosterone) joined every gap, so a
    # thyroid patient's TSH gap cited the Endocrine Society testosterone guideline.
    chart = Chart(kb, sex="female", age=50)
    chart.on("levothyroxine", 75, "ug", 1, route="oral", start=800)
    chart.lab("tsh", 2.1, days_ago=500)
    tsh = _gaps(chart)["tsh"]
    assert "monitoring: Thyroid-stimulating hormone: last result 16 months ago" in (
        tsh.clinician_text
    )
    assert tsh.citations == ("ata_2014_hypothyroidism",)
    assert "es_2018_testosterone" not in tsh.citations
    # A TRT patient's gap still cites the testosterone schedule's own source.
    trt = Chart(kb)
    trt.trt(start=45 * 7)
    assert "es_2018_testosterone" in _gaps(trt)["testosterone_total"].citations
