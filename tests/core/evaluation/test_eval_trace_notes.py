"""Trace notes read as a clinician reads them: words and numbers, never internal ids.

A finding's trace read "Gate 'inflammation' not active: C-reactive protein, high
sensitivity 2.4 mg/L on 2026-12-01." and a monitoring note "...: after_dose_change
weeks 4-6 (...)".
"""

from __future__ import annotations

import re
from datetime import date

from eval_chart import Chart


def _zinc_on_ai(kb, crp: float | None = None) -> Chart:
    chart = Chart(kb, sex="male", age=50)
    chart.trt()
    chart.ai()
    chart.lab("zinc", 54, days_ago=6)
    chart.lab("albumin", 4.5, days_ago=6)
    if crp is not None:
        chart.lab("hs_crp", crp, days_ago=6)
    return chart


def _notes(chart: Chart, rule_id: str) -> list[str]:
    result = chart.evaluate()
    finding = next(f for f in (*result.findings, *result.checks) if f.rule_id == rule_id)
    return list(finding.trace.notes)


def test_a_clear_gate_says_there_is_no_sign_of_inflammation(kb):
    notes = _notes(_zinc_on_ai(kb, 2.4), "zinc_on_aromatase_inhibitor")
    day = Chart(kb).as_of.toordinal() - 6
    on = date.fromordinal(day).isoformat()
    assert (
        f"No sign of inflammation to skew the reading: hs-CRP 2.4 mg/L on {on} "
        "(at most 3 mg/L)." in notes
    ), notes
    assert not any("Gate" in n or "'inflammation'" in n for n in notes), notes


def test_an_unknown_gate_says_inflammation_is_not_excluded(kb):
    notes = _notes(_zinc_on_ai(kb), "zinc_on_aromatase_inhibitor")
    assert (
        "Inflammation not excluded: no usable hs-CRP from the last 60 days (not measured)." in notes
    ), notes


def test_an_active_gate_reads_as_its_note(kb):
    chart = _zinc_on_ai(kb, 8.0)
    notes = _notes(chart, "zinc_on_aromatase_inhibitor")
    assert any(n.startswith("hs-CRP 8.0 mg/L on ") and "is above 3 mg/L" in n for n in notes)
    assert not any("Gate" in n for n in notes), notes


def test_a_monitoring_note_names_the_schedule_in_words(kb):
    chart = Chart(kb, sex="female", age=50)
    old = chart.on("levothyroxine", 50, "ug", 1, start=400)
    chart.change_dose(old, 75, days_ago=112)
    chart.lab("tsh", 2.1, days_ago=200)
    result = chart.evaluate()
    finding = next(
        f for f in result.findings if f.rule_id == "protocol_monitoring_gap" and f.marker == "tsh"
    )
    texts = [*finding.trace.notes, *(r.label for r in finding.trace.ranges)]
    assert not any("after_dose_change" in t for t in texts), texts
    assert any("4-6 weeks after a dose change" in t for t in texts), texts


def test_no_trace_note_carries_an_id(kb):
    # Any snake_case word (gate, schedule, rule or analyte key) in a demo-like chart.
    chart = _zinc_on_ai(kb)
    result = chart.evaluate()
    for finding in (*result.findings, *result.checks):
        for note in finding.trace.notes:
            assert not re.search(r"\b[a-z]+_[a-z_]+\b", note), (finding.rule_id, note)


def test_a_dose_raise_note_reads_in_words(kb):
    chart = Chart(kb, sex="male", age=50)
    chart.trt(100, every=7, start=400)
    first = chart.ai(0.5, every=3.5, start=300)
    chart.change_dose(first, 1, days_ago=60)
    chart.lab("estradiol", 55, days_ago=5)
    chart.lab("zinc", 60, days_ago=5)
    result = chart.evaluate()
    notes = [n for f in (*result.findings, *result.checks) for n in f.trace.notes]
    raised = [n for n in notes if "dose raised" in n]
    assert raised, notes
    assert all(n.startswith("Anastrozole: dose raised on ") for n in raised), raised
    assert all(n.endswith("from 0.5 mg 2x/week to 1 mg 2x/week") for n in raised), raised


# -- ranges a trace applies, as trace_range_text shows them ---------------------------


def _ranges(chart: Chart, rule_id: str) -> list[str]:
    from app.core.formatting import trace_range_text

    result = chart.evaluate()
    finding = next(f for f in (*result.findings, *result.checks) if f.rule_id == rule_id)
    return [trace_range_text(r, chart.kb.unit_label) for r in finding.trace.ranges]


def test_the_haematocrit_limit_reads_above_54_once(kb):
    chart = Chart(kb, sex="male", age=50)
    chart.trt()
    chart.lab("hematocrit", 55.1, days_ago=5)
    assert _ranges(chart, "hematocrit_above_54_on_trt") == ["above 54%"]


def test_a_symptom_score_limit_reads_out_of_ten(kb):
    chart = Chart(kb, sex="male", age=50)
    chart.gel()
    chart.lab("testosterone_total", 480)
    chart.lab("symptom_fatigue", 7)
    shown = _ranges(chart, "symptoms_persist_labs_on_target")
    assert "at least 6/10" in shown, shown
    assert not any("score (0-10)" in s or ">=" in s for s in shown), shown


def test_a_symptom_score_in_the_trace_values_reads_out_of_ten(kb):
    from app.core.formatting import used_value_text

    chart = Chart(kb, sex="male", age=50)
    chart.gel()
    chart.lab("testosterone_total", 480)
    chart.lab("symptom_fatigue", 7)
    result = chart.evaluate()
    finding = next(f for f in result.findings if f.rule_id == "symptoms_persist_labs_on_target")
    fatigue = next(v for v in finding.trace.values if v.name == "fatigue")
    assert used_value_text(fatigue, kb).startswith("7/10 on ")


def test_an_upper_intake_level_reads_once(kb):
    chart = Chart(kb, sex="female", age=50)
    chart.on("magnesium", 500, "mg", 1, kind="supplement")
    shown = _ranges(chart, "supplement_upper_limit")
    assert shown == ["Adult tolerable upper intake level: at most 350 mg/day"], shown
