"""Zinc texts say where zinc lies against the lab's range, and advise a zinc test only
when none is recent.

New-user trial: DEMO-000039's rising-estradiol finding quoted "zinc 98 µg/dL" right after
"low zinc may add to aromatase activity" without saying it is normal, then advised "check
zinc if not recent" though zinc was drawn the same day. DEMO-000015's zinc finding did
not say 54 µg/dL is also below the lab's range (60-120, flagged L in Results).
"""

from __future__ import annotations

from eval_chart import Chart


def _finding(chart: Chart, rule_id: str):
    return next(f for f in chart.evaluate().findings if f.rule_id == rule_id)


def _rising_estradiol(kb, zinc: float | None) -> Chart:
    chart = Chart(kb)
    chart.gel()
    chart.lab("estradiol", 30, days_ago=100)
    chart.lab("estradiol", 55, days_ago=10)
    if zinc is not None:
        chart.lab("zinc", zinc, days_ago=10, ref=(60, 120))
    return chart


def test_a_normal_zinc_is_said_to_be_normal_and_not_to_be_checked_again(kb):
    finding = _finding(_rising_estradiol(kb, 98), "estradiol_rising_on_trt")
    text = finding.clinician_text
    assert (
        "Zinc 98 µg/dL (2026-11-13) is inside the lab's reference range (60-120 µg/dL) and not"
        " low by the IZiNCG cut-off, so not a likely contributor." in text
    )
    assert "low zinc may add" not in text
    assert "zinc" not in finding.next_step.lower()


def test_a_zinc_below_the_labs_range_is_not_called_not_a_likely_contributor(kb):
    # Not low by IZiNCG (74) but below this lab's 80-120: the note contradicted itself.
    chart = Chart(kb)
    chart.gel()
    chart.lab("estradiol", 30, days_ago=100)
    chart.lab("estradiol", 55, days_ago=10)
    chart.lab("zinc", 76, days_ago=10, ref=(80, 120))
    text = _finding(chart, "estradiol_rising_on_trt").clinician_text
    assert "below the lab's reference range (80-120 µg/dL), though not low by the IZiNCG" in text
    assert "not a likely contributor" not in text


def test_a_low_zinc_is_placed_against_the_range_and_the_cut_off(kb):
    text = _finding(_rising_estradiol(kb, 54), "estradiol_rising_on_trt").clinician_text
    assert (
        "Zinc 54 µg/dL (2026-11-13) is below the lab's reference range (60-120 µg/dL) and low"
        in text
    )
    assert "low zinc may add to aromatase activity (mechanistic, source document)." in text


def test_no_recent_zinc_is_the_only_case_that_advises_checking_it(kb):
    finding = _finding(_rising_estradiol(kb, None), "estradiol_rising_on_trt")
    assert "No zinc result in the last year" in finding.clinician_text
    assert "consider checking zinc." in finding.clinician_text


def test_zinc_on_an_aromatase_inhibitor_says_it_is_below_the_labs_range_too(kb):
    chart = Chart(kb)
    chart.trt(start=200)
    chart.ai(start=200)
    chart.lab("zinc", 54, days_ago=5, ref=(60, 120))
    text = _finding(chart, "zinc_on_aromatase_inhibitor").clinician_text
    assert text.startswith(
        "Serum zinc 54 µg/dL (2026-11-18) is below the lab's reference range (60-120 µg/dL);"
        " it is low by the IZiNCG lower cut-off"
    )
