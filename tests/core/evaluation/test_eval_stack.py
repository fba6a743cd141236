"""The supplement stack: daily sums per nutrient, unit conversion, upper limits."""

from __future__ import annotations

import pytest
from eval_chart import Chart

from app.core.evaluation.regimen import RegimenIndex
from app.core.evaluation.stack import convert_amount, summarise_stack


def stack_of(chart: Chart, age: int = 45):
    return {
        e.nutrient: e
        for e in summarise_stack(RegimenIndex.build(chart.regimen), chart.kb, chart.as_of, age)
    }


@pytest.mark.parametrize(
    ("nutrient", "amount", "unit", "target", "expected"),
    [
        ("vitamin_d", 100, "ug", "IU", 4000.0),  # KB: 1 ug = 40 IU
        ("vitamin_d", 2000, "IU", "ug", 50.0),
        ("vitamin_d", 0.1, "mg", "IU", 4000.0),  # via the metric prefix, then the KB identity
        ("zinc", 0.05, "g", "mg", 50.0),
        ("selenium", 200, "mcg", "ug", 200.0),  # spelling folded by normalise_unit
        ("vitamin_a", 10000, "IU", "ug{RAE}", 3000.0),  # KB: 1 IU = 0.3 ug RAE
        ("zinc", 5, "IU", "mg", None),  # no sourced path: never guessed
        ("vitamin_d", 4, "mL", "IU", None),
    ],
)
def test_convert_amount(kb, nutrient, amount, unit, target, expected):
    converted = convert_amount(kb.nutrients[nutrient], amount, unit, target)
    if expected is None:
        assert converted is None
    else:
        assert converted == pytest.approx(expected)


def test_daily_sum_uses_dose_over_interval(kb):
    chart = Chart(kb)
    chart.on("vitamin_d3", 50000, "IU", 7)
    chart.on("vitamin_d3", 25, "ug", 1)
    entry = stack_of(chart)["vitamin_d"]
    assert entry.daily_amount == pytest.approx(50000 / 7 + 1000)
    assert entry.unit == "IU" and entry.upper_limit == 4000


def test_stopped_and_future_rows_are_not_counted(kb):
    chart = Chart(kb)
    chart.on("zinc", 30, "mg", 1, start=300, stop=10)
    chart.on("zinc", 30, "mg", 1, start=-5)
    chart.on("zinc", 15, "mg", 1)
    assert stack_of(chart)["zinc"].daily_amount == 15


def test_rows_without_interval_are_listed_not_guessed(kb):
    chart = Chart(kb)
    chart.on("magnesium", 400, "mg", None)
    entry = stack_of(chart)["magnesium"]
    assert entry.daily_amount == 0 and entry.unconverted == (entry.unconverted[0],)


def test_upper_limit_by_age(kb):
    chart = Chart(kb)
    chart.on("calcium", 2200, "mg", 1)
    assert stack_of(chart, age=45)["calcium"].upper_limit == 2500
    assert stack_of(chart, age=60)["calcium"].upper_limit == 2000


def test_nutrients_without_upper_limit_are_summed_in_their_dose_unit(kb):
    chart = Chart(kb)
    chart.on("vitamin_k2", 100, "ug", 1)
    entry = stack_of(chart)["vitamin_k2"]
    assert entry.upper_limit is None and entry.unit == "ug" and entry.daily_amount == 100


def test_upper_limit_finding_for_older_patient(kb):
    chart = Chart(kb, age=60)
    chart.on("calcium", 1200, "mg", 0.5)  # twice daily: 2400 mg/day
    over = [f for f in chart.evaluate().findings if f.rule_id == "supplement_upper_limit"]
    assert [f.marker for f in over] == ["calcium"]
    assert "2400 mg/day" in over[0].clinician_text and "2000 mg/day" in over[0].clinician_text
    assert over[0].trace.ranges[0].kind == "upper_limit"
