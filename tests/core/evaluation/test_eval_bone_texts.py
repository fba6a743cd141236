"""A falling bone density reads to its size: the band the latest scan is in, both scans.

DEMO-000037: T-score -0.6 -> -0.9 (both WHO normal) was a warning advising a bone-health
referral, its text sent the reader to the trace for the earlier scan, and the trace
showed "-0.6 – -0.9 T-score", which reads like a range.
"""

from __future__ import annotations

import pytest
from eval_chart import Chart

from app.core.formatting import trace_range_text


def _falling(kb, before: float, after: float):
    chart = Chart(kb, sex="female", age=58)
    chart.on("estradiol", 0.05, "mg", 3.5, start=900, route="transdermal")
    chart.lab("bmd_tscore", before, days_ago=560)
    chart.lab("bmd_tscore", after, days_ago=40)
    return next(f for f in chart.evaluate().findings if f.rule_id == "bone_density_falling")


def test_a_fall_within_the_normal_band_is_a_consideration_without_a_referral(kb):
    finding = _falling(kb, -0.6, -0.9)
    assert finding.severity == "consider"
    text = finding.clinician_text
    assert "has fallen from -0.6 T-score on 2025-05-12 to -0.9 T-score on 2026-10-14" in text
    assert "the latest scan is in the normal band" in text
    assert "see the trace" not in text
    assert "referral" not in text
    assert "referral if the latest scan is below the normal band" in finding.next_step


@pytest.mark.parametrize(
    ("after", "band"), [(-1.4, "low bone mass (osteopenia)"), (-2.7, "osteoporosis")]
)
def test_a_fall_into_a_low_band_is_a_warning_with_the_referral(kb, after, band):
    finding = _falling(kb, -0.9, after)
    assert finding.severity == "warning"
    assert f"the latest scan is in the {band} band" in finding.clinician_text
    assert "consider a bone-health referral" in finding.clinician_text


def test_the_trace_shows_the_earlier_and_the_later_scan_not_a_range(kb):
    finding = _falling(kb, -0.6, -0.9)
    trend = next(r for r in finding.trace.ranges if r.kind == "trend")
    shown = trace_range_text(trend, kb.unit_label)
    assert shown == (
        "fall of at least 0.3 T-score on the result before: "
        "from -0.6 T-score on 2025-05-12 to -0.9 T-score on 2026-10-14"
    )
    assert "–" not in shown


def test_the_who_bands_read_as_the_logic_classifies(kb):
    # The logic puts -2.5 in osteoporosis (high_inclusive); the text said "<-2.5".
    assert kb.thresholds("bmd_tscore").classify(-2.5).status == "osteoporosis"
    finding = _falling(kb, -0.6, -0.9)
    threshold = next(r for r in finding.trace.ranges if r.kind == "threshold")
    assert "osteoporosis ≤-2.5; low bone mass (osteopenia) >-2.5 to <-1.0; normal ≥-1.0" in (
        threshold.label
    )
    assert "osteoporosis ≤-2.5" in finding.clinician_text


def _rule(chart: Chart, rule_id: str):
    return next(f for f in chart.evaluate().findings if f.rule_id == rule_id)


def test_the_causes_named_are_the_ones_the_data_does_not_rule_out(kb):
    # Review: "vitamin D (40 ng/mL)" was offered as a possible cause while adequate, and
    # "low estradiol (e.g. on an aromatase inhibitor)" for a woman on estradiol at 84 pg/mL.
    chart = Chart(kb, sex="female", age=58)
    chart.on("estradiol", 0.05, "mg", 3.5, start=900, route="transdermal")
    chart.lab("bmd_tscore", -0.6, days_ago=560)
    chart.lab("bmd_tscore", -0.9, days_ago=40)
    chart.lab("vitamin_d_25oh", 40, days_ago=40)
    chart.lab("estradiol", 84, days_ago=40)
    text = _rule(chart, "bone_density_falling").clinician_text
    assert "Vitamin D 40 ng/mL is adequate, so not a likely cause." in text
    assert "vitamin D (40 ng/mL)" not in text
    assert "low estradiol" not in text
    assert "a fall may reflect calcium, magnesium or other nutrient gaps" in text


def test_a_low_vitamin_d_and_a_low_estradiol_are_named_as_possible_causes(kb):
    chart = Chart(kb, sex="male", age=40)
    chart.trt(start=900)
    chart.ai(start=800)
    chart.lab("bmd_tscore", -0.6, days_ago=560)
    chart.lab("bmd_tscore", -1.0, days_ago=40)
    chart.lab("vitamin_d_25oh", 15, days_ago=40)
    chart.lab("estradiol", 6, days_ago=40, ref=(10, 42))
    text = _rule(chart, "bone_density_falling_z_score_ages").clinician_text
    assert "Vitamin D 15 ng/mL" in text and "is deficient: a possible cause." in text
    assert (
        "is below the lab's reference range (10.0-42.0 pg/mL): low estradiol (e.g. on an "
        "aromatase inhibitor) may contribute." in text
    )
    assert "adequate" not in text


def _fall_of(kb, sex: str, age: int, rule_id: str, vitamin_d: float | None):
    chart = Chart(kb, sex=sex, age=age)
    if sex == "female":
        chart.on("estradiol", 0.05, "mg", 3.5, start=900, route="transdermal")
    else:
        chart.trt(start=900)
    chart.lab("bmd_tscore", -0.6, days_ago=560)
    chart.lab("bmd_tscore", -0.9, days_ago=40)
    chart.lab("estradiol", 84.0, days_ago=40)  # no range on the report or on file
    if vitamin_d is not None:
        chart.lab("vitamin_d_25oh", vitamin_d, days_ago=40)
    return next(f for f in chart.evaluate().findings if f.rule_id == rule_id)


@pytest.mark.parametrize(
    ("sex", "age", "rule_id"),
    [("female", 58, "bone_density_falling"), ("male", 40, "bone_density_falling_z_score_ages")],
)
@pytest.mark.parametrize("vitamin_d", [40.0, None])
def test_the_causes_read_right_whether_or_not_results_follow(kb, sex, age, rule_id, vitamin_d):
    # New-user trial (DEMO-000010, -000037): "... or the results that follow where they
    # are out of range" where no result followed.
    text = _fall_of(kb, sex, age, rule_id, vitamin_d).clinician_text
    assert "the results that follow" not in text
    assert "inflammation, or a vitamin D or estradiol level out of range." in text
    assert "low estradiol" not in text  # 84 pg/mL cannot be placed: not offered as low
    if vitamin_d is not None:
        assert "Vitamin D 40 ng/mL is adequate, so not a likely cause." in text
