"""Sentences and sources that hold for one sex or protocol reach only those patients.

The vitamin D finding told women and thyroid patients "In men, low vitamin D is
associated with lower testosterone"; "Symptoms persist" cited the Endocrine Society's
male guideline (ES 2018) for women on low-dose testosterone.
"""

from __future__ import annotations

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
