"""Sentences and sources that hold for one sex or protocol reach only those patients.

The vitamin D finding told women and thyroid patients "In men, low vitamin D is
associated with lower testosterone"; "Symptoms persist" cited the Endocrine Society's
male guideline (ES 2018) for women on low-dose testosterone.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from eval_chart import Chart

MEN_ONLY = "In men, low vitamin D is associated with lower testosterone"


def _finding(chart: Chart, rule_id: str):
    return next(f for f in chart.evaluate().findings if f.rule_id == rule_id)


def _vitamin_d(kb, sex: str, substance: str, unit: str = "mg", route: str = "oral"):
    chart = Chart(kb, sex=sex, age=50)
    chart.on(substance, 1, unit, 1, route=route)
    chart.lab("vitamin_d_25oh", 18)
    return _finding(chart, "vitamin_d_status")


@pytest.mark.parametrize(
    ("sex", "substance"),
    [("female", "testosterone_cream"), ("female", "levothyroxine"), ("male", "levothyroxine")],
)
def test_the_testosterone_sentence_is_not_told_where_it_does_not_fit(kb, sex, substance):
    finding = _vitamin_d(kb, sex, substance)
    assert MEN_ONLY not in finding.clinician_text
    assert "calcium absorption and bone on any hormone protocol" in finding.clinician_text


def test_men_on_testosterone_still_read_the_testosterone_sentence(kb):
    finding = _vitamin_d(kb, "male", "testosterone_cypionate", route="IM")
    assert MEN_ONLY in finding.clinician_text
    assert finding.severity == "warning"  # deficient: the note does not lower it


def _symptoms(kb, sex: str):
    chart = Chart(kb, sex=sex, age=50)
    if sex == "female":
        chart.on("testosterone_cream", 5, "mg", 1, route="transdermal")
        chart.lab("testosterone_total", 39)
    else:
        chart.gel()
        chart.lab("testosterone_total", 480)
    chart.lab("symptom_fatigue", 7)
    return _finding(chart, "symptoms_persist_labs_on_target")


def test_symptoms_persist_in_women_cites_the_womens_consensus_not_es_2018(kb):
    finding = _symptoms(kb, "female")
    assert "es_2018_testosterone" not in finding.citations
    assert "global_consensus_2019_women" in finding.citations
    assert "Global Consensus (2019)" in finding.clinician_text
    assert "ES 2018" not in finding.clinician_text


def test_symptoms_persist_in_men_cites_es_2018(kb):
    finding = _symptoms(kb, "male")
    assert "es_2018_testosterone" in finding.citations
    assert "global_consensus_2019_women" not in finding.citations
    assert "Global Consensus" not in finding.clinician_text


def test_testosterone_above_the_womens_target_cites_the_womens_consensus(kb):
    chart = Chart(kb, sex="female", age=50)
    chart.on("testosterone_cream", 5, "mg", 1, route="transdermal")
    chart.lab("testosterone_total", 80)
    finding = _finding(chart, "testosterone_above_target_on_trt")
    assert finding.citations == ("global_consensus_2019_women",)


# -- next steps that fit the patient (sex, and injections or not) ----------------------


def test_symptoms_persist_in_women_does_not_ask_for_free_testosterone_first(kb):
    # The women's sentence says the Global Consensus prefers total T; the finding then
    # listed free testosterone first and its next step began "Review free testosterone".
    finding = _symptoms(kb, "female")
    assert "Review free testosterone" not in finding.next_step
    assert "In women follow total testosterone, not free testosterone" in finding.next_step
    assert finding.next_step.startswith("Review TSH, ferritin, vitamin D, B12 and magnesium")
    assert "prefers total to free testosterone" in finding.clinician_text
    assert "Consider causes the total T does not show: free testosterone" not in (
        finding.clinician_text
    )
    assert "global_consensus_2019_women" in finding.citations


def test_symptoms_persist_in_men_still_reviews_free_testosterone(kb):
    finding = _symptoms(kb, "male")
    assert finding.next_step.startswith("Review free testosterone and SHBG")
    assert "calculated free testosterone" in finding.clinician_text


def _target(kb, sex: str, substance: str, value: float, rule_id: str):
    chart = Chart(kb, sex=sex, age=50)
    if substance == "testosterone_cypionate":
        chart.trt(100, every=7)
    elif substance == "testosterone_gel":
        chart.gel()
    else:
        chart.on(substance, 5, "mg", 1, route="transdermal")
    chart.lab("testosterone_total", value, days_ago=10)
    return _finding(chart, rule_id)


@pytest.mark.parametrize(
    ("rule_id", "value"),
    [("testosterone_above_target_on_trt", 80), ("testosterone_below_target_on_trt", 5)],
)
def test_a_woman_on_cream_is_not_told_to_repeat_mid_interval(kb, rule_id, value):
    finding = _target(kb, "female", "testosterone_cream", value, rule_id)
    assert "mid-interval" not in finding.next_step
    assert "haematocrit" not in finding.next_step
    assert "free testosterone" not in finding.next_step
    assert "repeat total testosterone" in finding.next_step
    assert "premenopausal" in finding.next_step
    assert finding.citations == ("global_consensus_2019_women",)


@pytest.mark.parametrize(
    ("rule_id", "value"),
    [("testosterone_above_target_on_trt", 800), ("testosterone_below_target_on_trt", 250)],
)
def test_a_man_on_gel_is_not_told_to_repeat_mid_interval(kb, rule_id, value):
    finding = _target(kb, "male", "testosterone_gel", value, rule_id)
    assert "mid-interval" not in finding.next_step
    assert "time since the last application" in finding.next_step


@pytest.mark.parametrize(
    ("rule_id", "value"),
    [("testosterone_above_target_on_trt", 800), ("testosterone_below_target_on_trt", 250)],
)
def test_a_man_on_injections_still_repeats_mid_interval(kb, rule_id, value):
    finding = _target(kb, "male", "testosterone_cypionate", value, rule_id)
    assert "repeat total testosterone mid-interval" in finding.next_step


def test_a_clinic_wide_run_gives_the_same_next_step(kb):
    # A worklist evaluates in outline (checks not kept); the next step must still fit.
    chart = Chart(kb, sex="female", age=50)
    chart.on("testosterone_cream", 5, "mg", 1, route="transdermal")
    chart.lab("testosterone_total", 80, days_ago=10)
    full = _finding(chart, "testosterone_above_target_on_trt")
    outline = next(
        f
        for f in chart.evaluate(include_checks=False).findings
        if f.rule_id == "testosterone_above_target_on_trt"
    )
    assert outline.next_step == full.next_step
    assert outline.citations == full.citations


RULE = """
[[rules]]
id = "x_next"
version = 1
title = "X"
marker = "testosterone_total"
applies_to = { roles = ["androgen"] }
inputs.tt = { analyte = "testosterone_total" }
condition = { input = "tt", target = "above" }
status = "high"
severity = "consider"
clinician_text = "T {tt}."
patient_text = "T."
next_step = "Repeat total testosterone."
rationale = "R."
patient_rationale = "R."
evidence_grade = "guideline"
citations = ["es_2018_testosterone"]
"""


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        ('{ text = "Repeat it." }', "next_steps[0]: needs sex, depot or routes"),
        ('{ sex = "other", text = "Repeat it." }', "next_steps[0].sex must be"),
        ('{ depot = "yes", text = "Repeat it." }', "next_steps[0].depot must be true or false"),
        ('{ routes = ["nasal"], text = "Repeat it." }', "next_steps[0].routes: unknown route"),
        ('{ sex = "female" }', "next_steps[0].text is required"),
        ('{ sex = "female", text = "Repeat {tt}." }', "next_steps[0].text takes no placeholders"),
        ('{ sex = "female", text = "Give 5 mg." }', "next_steps[0].text must not contain a dose"),
        ('{ sex = "female", text = "R.", citations = ["nope"] }', "unknown citation 'nope'"),
        ('{ sex = "female", text = "R.", when = 1 }', "unknown field 'when'"),
    ],
)
def test_the_loader_checks_next_steps(kb, tmp_path, entry, problem):
    from app.core.evaluation import load_rules
    from app.core.evaluation.errors import RuleError
    from app.core.evaluation.rulebook import default_rules_path

    text = Path(default_rules_path()).read_text(encoding="utf-8")
    text += RULE + f"next_steps = [{entry}]\n"
    path = tmp_path / "rules.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RuleError) as raised:
        load_rules(kb, path)
    assert problem in str(raised.value)
