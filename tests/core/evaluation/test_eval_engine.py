"""The engine as a whole: purity, the trace, ranges used, dates, protocols and options."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from eval_chart import AS_OF, Chart, outcome

from app.core.evaluation import SEVERITIES, severity_rank


def trt_chart(kb) -> Chart:
    chart = Chart(kb)
    chart.gel()
    chart.ai()
    chart.lab("zinc", 62, days_ago=12)
    chart.lab("estradiol", 60, days_ago=12)
    chart.lab("hematocrit", 55.5, days_ago=12)
    return chart


def test_evaluate_is_pure(kb):
    chart = trt_chart(kb)
    regimen = list(chart.regimen)
    observations = list(chart.observations)
    first = chart.evaluate()
    second = chart.evaluate()
    assert first == second
    assert chart.regimen == regimen and chart.observations == observations


def test_evaluation_header(kb):
    result = trt_chart(kb).evaluate()
    assert result.as_of == AS_OF
    assert result.kb_version == kb.version
    assert result.rules_version
    assert result.patient_id == 7
    assert result.protocols == ("male_trt",)
    assert {c.substance for c in result.components} == {"testosterone_gel", "anastrozole"}
    assert [severity_rank(f.severity) for f in result.findings] == sorted(
        (severity_rank(f.severity) for f in result.findings), reverse=True
    )
    assert result.findings[0].severity == SEVERITIES[-1]  # haematocrit 55.5% is urgent


def test_trace_records_values_ranges_and_versions(kb):
    chart = trt_chart(kb)
    result = chart.evaluate()
    finding = next(f for f in result.findings if f.rule_id == "zinc_estradiol_high_on_trt")
    trace = finding.trace
    assert (trace.rule_id, trace.rule_version, trace.kb_version) == (finding.rule_id, 3, kb.version)
    assert trace.rules_version == result.rules_version and trace.as_of == AS_OF
    e2 = next(v for v in trace.values if v.name == "e2")
    source = next(o for o in chart.observations if o.analyte_key == "estradiol")
    assert (e2.observation_id, e2.value, e2.unit, e2.comparator) == (source.id, 60, "pg/mL", None)
    assert e2.collected_at == source.collected_at and e2.age_days == 12 and e2.state == "used"
    kb_range = next(r for r in trace.ranges if r.name == "e2")
    assert kb_range.kind == "kb_range" and (kb_range.low, kb_range.high) == (10.0, 42.0)
    assert kb_range.source == "arup_estradiol_ms"
    threshold = next(r for r in trace.ranges if r.name == "zinc")
    assert threshold.kind == "threshold" and "Hotz 2003" in threshold.label
    assert threshold.source == "hotz_2003_zinc" and threshold.outcome == "low"
    assert {r.substance for r in trace.regimen} == {"testosterone_gel"}
    assert trace.condition == "(e2 above reference range and zinc status in deficient/insufficient)"


def test_lab_printed_range_wins_and_the_trace_says_so(kb):
    chart = Chart(kb)
    chart.on("levothyroxine", 75, "ug", 1)
    chart.lab("selenium", 100, ref=(110, 165))
    finding = next(
        f for f in chart.evaluate().findings if f.rule_id == "selenium_on_thyroid_hormone"
    )
    used = next(r for r in finding.trace.ranges if r.name == "se")
    assert used.kind == "lab_range" and (used.low, used.high) == (110, 165)
    assert used.source == "Test Lab"
    # Without the printed range the KB default (ARUP 23-190) applies and 100 is within.
    plain = Chart(kb)
    plain.on("levothyroxine", 75, "ug", 1)
    plain.lab("selenium", 100)
    assert outcome(plain.evaluate(), "selenium_on_thyroid_hormone").kind == "check"


def test_lab_range_in_the_reported_unit(kb):
    chart = Chart(kb)
    chart.gel()
    chart.lab("estradiol", 200, "pmol/L", ref=(40, 160))  # 200 pmol/L = 54.5 pg/mL
    chart.lab("zinc", 62)
    finding = next(
        f for f in chart.evaluate().findings if f.rule_id == "zinc_estradiol_high_on_trt"
    )
    used = next(r for r in finding.trace.ranges if r.name == "e2")
    assert used.kind == "lab_range" and used.unit == "pmol/L"


def test_results_after_the_evaluation_date_are_ignored(kb):
    chart = Chart(kb)
    chart.gel()
    chart.lab("hematocrit", 56, days_ago=-5)  # five days in the future
    assert outcome(chart.evaluate(), "hematocrit_above_54_on_trt").kind == "silent"


def test_evaluating_in_the_past(kb):
    chart = Chart(kb)
    chart.gel()
    chart.lab("hematocrit", 56, days_ago=100)
    chart.lab("hematocrit", 47, days_ago=10)
    assert outcome(chart.evaluate(), "hematocrit_above_54_on_trt").kind == "check"
    chart.as_of = date.fromordinal(AS_OF.toordinal() - 50)
    assert outcome(chart.evaluate(), "hematocrit_above_54_on_trt").kind == "finding"


def test_excluded_and_non_numeric_results_are_ignored(kb):
    chart = Chart(kb)
    chart.gel()
    chart.lab("hematocrit", 47, days_ago=40)
    chart.lab("hematocrit", 58, days_ago=10, excluded="clotted sample")
    chart.lab("hematocrit", None, days_ago=5)  # QNS: no value
    assert outcome(chart.evaluate(), "hematocrit_above_54_on_trt").kind == "check"


def test_stale_finding_says_how_old(kb):
    chart = Chart(kb)
    chart.gel()
    chart.ai()
    chart.lab("zinc", 62, days_ago=500)
    finding = outcome(chart.evaluate(), "zinc_on_aromatase_inhibitor").finding
    assert finding.status == "stale"
    assert "16 months old" in finding.clinician_text
    assert finding.next_step.startswith("Consider repeating")


def test_not_measured_names_the_test_to_order(kb):
    chart = Chart(kb)
    chart.gel()
    finding = outcome(chart.evaluate(), "magnesium_on_testosterone").finding
    assert finding.status == "not_measured"
    assert finding.next_step == "Consider ordering Magnesium, serum."
    assert finding.patient_text


def test_unconvertible_unit_is_never_guessed(kb):
    chart = Chart(kb)
    chart.gel()
    chart.lab("vitamin_d_25oh", 60, "mg/dL")
    finding = outcome(chart.evaluate(), "vitamin_d_status").finding
    assert finding.status == "indeterminate"
    value = next(v for v in finding.trace.values if v.name == "vitd")
    assert value.state == "unconvertible" and value.value_canonical is None


def test_no_regimen_only_everyone_rules_apply(kb):
    chart = Chart(kb)
    chart.lab("vitamin_d_25oh", 95)
    result = chart.evaluate()
    assert result.protocols == () and result.components == ()
    assert [f.rule_id for f in result.findings] == ["vitamin_d_high"]
    reasons = dict(result.not_applicable)
    assert reasons["zinc_on_aromatase_inhibitor"] == "no matching protocol component is active"


def test_sex_and_age_filters(kb):
    young = Chart(kb, age=16)
    young.gel()
    young.lab("hematocrit", 56)
    reasons = dict(young.evaluate().not_applicable)
    assert reasons["hematocrit_above_54_on_trt"].startswith("age 16")
    woman = Chart(kb, sex="female")
    woman.on("testosterone_cream", 5, "mg", 1, route="transdermal")
    woman.lab("psa", 5.0)
    assert dict(woman.evaluate().not_applicable)["psa_rise_on_trt"] == "sex at birth is female"


def test_protocol_detection(kb):
    woman = Chart(kb, sex="female", age=55)
    woman.on("testosterone_cream", 5, "mg", 1, route="transdermal")
    woman.on("micronized_progesterone", 100, "mg", 1)
    assert woman.evaluate().protocols == ("female_low_dose_testosterone",)
    thyroid = Chart(kb)
    thyroid.on("levothyroxine", 75, "ug", 1)
    assert thyroid.evaluate().protocols == ("thyroid_replacement",)
    serm = Chart(kb)
    serm.on("enclomiphene", 12.5, "mg", 1)
    assert serm.evaluate().protocols == ("male_serm",)
    stopped = Chart(kb)
    stopped.on("testosterone_gel", 50, "mg", 1, start=400, stop=100)
    assert stopped.evaluate().protocols == ()


def test_checks_can_be_left_out(kb):
    chart = trt_chart(kb)
    full = chart.evaluate()
    lean = chart.evaluate(include_checks=False)
    assert full.checks and not lean.checks
    assert [f.rule_id for f in full.findings] == [f.rule_id for f in lean.findings]


def test_unknown_analyte_keys_do_not_break_evaluation(kb):
    chart = trt_chart(kb)
    chart.observations.append(replace(chart.observations[0], id=999, analyte_key="not_in_kb"))
    assert chart.evaluate().findings


def test_components_and_stack_summary(kb):
    chart = Chart(kb)
    first = chart.trt(100, every=7, start=400)
    chart.change_dose(first, 140, days_ago=63)
    chart.on("zinc", 15, "mg", 1)
    chart.on("zinc", 30, "mg", 2)
    result = chart.evaluate()
    component = result.components[0]
    assert component.therapy_start == chart.day(400)
    assert component.last_change == chart.day(63)
    assert component.dose == 140
    zinc = next(entry for entry in result.stack if entry.nutrient == "zinc")
    assert zinc.daily_amount == 30.0 and zinc.unit == "mg" and zinc.upper_limit == 40.0
    assert len(zinc.item_ids) == 2


def test_unknown_guideline_choice_is_refused(kb):
    chart = Chart(kb)
    chart.gel()
    with pytest.raises(ValueError, match="iom_2011"):
        chart.evaluate(guidelines={"vitamin_d_25oh": "endocrine_society_2024"})
