"""Injection phases over whole intervals: mid-interval is 40-60 %, never earlier.

Review: day 6 of a 28-day interval read "mid-interval, the timing the target refers to"
(past the 2-5 day peak window, the 40 % floor was skipped) and day 23 of 28 read
mid-interval too (no upper end). Now mid is 40-60 % of the interval (rules.toml
[timing]), "late" runs from 60 % to the trough, and a draw after the peak window but
before 40 % is "post_peak".
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from eval_chart import Chart, days_ago_for

from app.core.evaluation import depots_for, draw_timing
from app.core.models import RegimenItem

START = date(2026, 1, 5)

# interval (days) -> phase of each draw, by days since the last injection.
EXPECTED = {
    7: {1: "early", 2: "peak", 3: "mid", 4: "mid", 5: "late", 6: "trough", 7: "trough"},
    3.5: {1: "early", 1.5: "mid", 2: "mid", 2.5: "late", 3: "trough"},
    10: {1: "early", 2: "peak", 3: "peak", 4: "mid", 5: "mid", 6: "late", 8: "late", 9: "trough"},
    14: {2: "peak", 5: "peak", 6: "mid", 8: "mid", 9: "late", 11: "late", 12: "trough"},
    28: {
        2: "peak",
        5: "peak",
        6: "post_peak",
        11: "post_peak",
        12: "mid",
        16: "mid",
        17: "late",
        23: "late",
        24: "trough",
        28: "trough",
    },
}
CASES = [(every, day, phase) for every, days in EXPECTED.items() for day, phase in days.items()]


@pytest.mark.parametrize(("every", "days_since", "phase"), CASES)
def test_phase_by_share_of_the_interval(kb, every, days_since, phase):
    depots = depots_for(kb, "testosterone_total")
    item = RegimenItem(1, 7, "hormone", "testosterone_cypionate", 100.0, "mg", "IM", every, START)
    # The draw ``days_since`` days after a later injection, on a whole day (a 3.5-day
    # schedule has injections on half days).
    k = next(k for k in range(4, 8) if float(k * every + days_since).is_integer())
    drawn = datetime.combine(START, datetime.min.time()) + timedelta(days=k * every + days_since)
    timing = draw_timing([item], depots, drawn)
    assert timing.days_since == days_since
    assert timing.phase == phase


def _above(kb, every: int, days_since: int):
    chart = Chart(kb)
    chart.trt(every=every)
    chart.lab("testosterone_total", 900, days_ago=days_ago_for(days_since, every=every))
    rule = "testosterone_above_target_on_trt"
    return next(f for f in chart.evaluate().findings if f.rule_id == rule)


def test_day_6_of_28_is_not_the_timing_the_target_refers_to(kb):
    text = _above(kb, 28, 6).clinician_text
    assert "Drawn after the peak, before mid-interval: day 6 of a 28-day interval" in text
    assert "reads higher than at mid-interval" in text
    assert "the timing the target refers to" not in text


def test_day_23_of_28_reads_late_and_lower_than_mid_interval(kb):
    text = _above(kb, 28, 23).clinician_text
    assert "Drawn late in the interval, after mid-interval: day 23 of a 28-day interval" in text
    assert "reads lower than at mid-interval" in text
    assert "the timing the target refers to" not in text


def test_day_5_of_a_weekly_interval_is_late(kb):
    text = _above(kb, 7, 5).clinician_text
    assert "Drawn late in the interval, after mid-interval: day 5 of a 7-day interval" in text


def test_an_early_draw_says_it_reads_higher_than_mid_interval(kb):
    # DEMO-000039: 899 ng/dL on day 1 of a 14-day interval carried no timing sentence.
    finding = _above(kb, 14, 1)
    text = finding.clinician_text
    assert "Drawn early (before the usual peak): day 1 of a 14-day interval" in text
    assert "a value then reads higher than at mid-interval" in text
    assert finding.severity == "info"
    chart = Chart(kb)
    chart.trt(every=14)
    chart.lab("testosterone_total", 250, days_ago=days_ago_for(1, every=14))
    below = next(
        f for f in chart.evaluate().findings if f.rule_id == "testosterone_below_target_on_trt"
    )
    assert "so the mid-interval level is likely lower still" in below.clinician_text


def _high_estradiol(kb, every: int, days_since: int):
    chart = Chart(kb)
    chart.trt(every=every)
    drawn = days_ago_for(days_since, every=every)
    chart.lab("estradiol", 60, days_ago=drawn, ref=(10, 42))
    chart.lab("zinc", 55, days_ago=drawn)
    chart.lab("hs_crp", 1.0, days_ago=drawn)
    return next(f for f in chart.evaluate().findings if f.rule_id == "zinc_estradiol_high_on_trt")


def test_estradiol_timing_notes_cover_the_phases_beside_peak(kb):
    # Review: the estradiol rules' timing tables handled peak only.
    post_peak = _high_estradiol(kb, 28, 8)
    assert "Estradiol drawn after the peak, before mid-interval: day 8 of a 28-day" in (
        post_peak.clinician_text
    )
    assert "a value then reads higher than at mid-interval" in post_peak.clinician_text
    assert post_peak.severity == "info"
    late = _high_estradiol(kb, 28, 20).clinician_text
    assert "the mid-interval level is likely higher still" in late
    trough = _high_estradiol(kb, 28, 26).clinician_text
    assert "above the range even at the end of the interval" in trough
