"""Injection timing: trough, peak, mid-interval and early draws on depot testosterone."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from eval_chart import Chart, days_ago_for

from app.core.evaluation import DepotTiming, depot_timings, draw_timing
from app.core.models import RegimenItem

# Peak window days 2-5 as in substances.toml (testosterone cypionate kinetics); mid-interval
# 40-60% of the interval and trough in the last 15%, as in rules.toml [timing].
CYP = {
    "testosterone_cypionate": DepotTiming("testosterone_cypionate", 2, 5, 0.15, 0.4, 0.6, "test")
}
START = date(2026, 1, 5)  # a Monday


def row(
    item_id=1,
    dose=100.0,
    every=7.0,
    start=START,
    stop=None,
    previous=None,
    substance="testosterone_cypionate",
):
    return RegimenItem(
        item_id, 7, "hormone", substance, dose, "mg", "IM", every, start, stop, previous_id=previous
    )


def drawn(day: date, hour: int = 8) -> datetime:
    return datetime.combine(day, datetime.min.time()).replace(hour=hour)


@pytest.mark.parametrize(
    ("day", "days_since", "phase"),
    [
        (date(2026, 1, 6), 1, "early"),
        (date(2026, 1, 7), 2, "peak"),
        # Midway between weekly injections (lab-facts §6.1) is the draw the target refers
        # to, although days 3-5 lie inside the single-dose peak window.
        (date(2026, 1, 8), 3, "mid"),
        (date(2026, 1, 9), 4, "mid"),
        (date(2026, 1, 10), 5, "late"),  # 5/7 = 0.71: past mid-interval (40-60%)
        (date(2026, 1, 11), 6, "trough"),  # 6/7 = 0.86: the last 15% of the interval
        (date(2026, 1, 12), 7, "trough"),  # injection day: drawn before the dose
    ],
)
def test_weekly(day, days_since, phase):
    timing = draw_timing([row()], CYP, drawn(day))
    assert timing.phase == phase
    assert timing.days_since == days_since
    assert timing.interval_days == 7


def test_injection_day_is_flagged_and_counts_the_previous_dose():
    timing = draw_timing([row()], CYP, drawn(date(2026, 1, 12)))
    assert timing.on_injection_day
    assert timing.last_injection == date(2026, 1, 5)
    assert timing.next_due == date(2026, 1, 12)
    assert "injection day" in timing.describe()


@pytest.mark.parametrize(
    ("offset", "phase"),
    [
        (1, "early"),
        (3, "peak"),
        (5, "peak"),
        (6, "mid"),
        (8, "mid"),
        (11, "late"),  # 11/14 = 0.79: after mid-interval (40-60%), before the trough
        (12, "trough"),
        (13, "trough"),
    ],
)
def test_biweekly(offset, phase):
    day = date.fromordinal(START.toordinal() + 28 + offset)
    timing = draw_timing([row(every=14)], CYP, drawn(day))
    assert timing.phase == phase
    assert timing.days_since == offset
    assert timing.last_injection == date.fromordinal(START.toordinal() + 28)


def test_after_a_dose_change_the_new_schedule_counts():
    # Weekly from 5 Jan; changed on Thursday 19 Feb to a new weekly row (new injection day).
    old = row(1, 100, 7, START, stop=date(2026, 2, 19))
    new = row(2, 140, 7, date(2026, 2, 19), previous=1)
    timing = draw_timing([old, new], CYP, drawn(date(2026, 2, 23)))
    assert timing.regimen_item_id == 2
    assert timing.last_injection == date(2026, 2, 19)
    assert timing.days_since == 4
    assert timing.phase == "mid"
    assert timing.dose == 140


def test_dose_change_to_biweekly_interval():
    old = row(1, 100, 7, START, stop=date(2026, 3, 2))
    new = row(2, 200, 14, date(2026, 3, 2), previous=1)
    timing = draw_timing([old, new], CYP, drawn(date(2026, 3, 14)))
    assert (timing.interval_days, timing.days_since, timing.phase) == (14, 12, "trough")


def test_draw_on_the_day_of_the_change_uses_the_old_row():
    # The new row's first dose is given after the draw, so the old Monday dose counts.
    old = row(1, 100, 7, START, stop=date(2026, 2, 19))
    new = row(2, 140, 7, date(2026, 2, 19), previous=1)
    timing = draw_timing([old, new], CYP, drawn(date(2026, 2, 19)))
    assert timing.regimen_item_id == 1
    assert timing.last_injection == date(2026, 2, 16)
    assert (timing.days_since, timing.phase) == (3, "mid")


def test_twice_weekly_fractional_interval():
    timing = draw_timing([row(every=3.5)], CYP, drawn(date(2026, 1, 8)))
    assert timing.days_since == 3.0  # injections at day 0 and day 3.5
    assert timing.phase == "trough"  # 3.0 >= 0.85 x 3.5


def test_after_injections_stopped():
    stopped = row(stop=date(2026, 2, 2))
    timing = draw_timing([stopped], CYP, drawn(date(2026, 3, 20)))
    assert timing.phase == "after_stop"
    assert timing.overdue_days > 0


def test_no_injection_before_the_draw():
    assert draw_timing([row(start=date(2026, 2, 1))], CYP, drawn(date(2026, 1, 20))) is None
    assert draw_timing([row()], CYP, drawn(START)) is None


def test_non_depot_rows_are_ignored():
    gel = row(substance="testosterone_gel", every=1)
    assert draw_timing([gel], CYP, drawn(date(2026, 1, 20))) is None


def test_kb_depots_give_the_peak_window(kb):
    depots = depot_timings(kb, ("androgen",), 0.15, 0.4, 0.6)
    assert set(depots) == {"testosterone_cypionate", "testosterone_enanthate"}
    assert (
        depots["testosterone_cypionate"].peak_start_day,
        depots["testosterone_cypionate"].peak_end_day,
    ) == (2, 5)


def test_finding_trace_carries_the_timing(kb):
    chart = Chart(kb)
    chart.trt(100, every=14, start=400)
    chart.lab("testosterone_total", 750, days_ago=days_ago_for(3))
    result = chart.evaluate()
    finding = next(f for f in result.findings if f.rule_id == "testosterone_above_target_on_trt")
    value = next(v for v in finding.trace.values if v.name == "tt")
    assert value.timing is not None and value.timing.phase == "peak"
    assert any("Injection timing" in note for note in finding.trace.notes)


def test_depots_for_charts(kb):
    from app.core.evaluation import depots_for

    depots = depots_for(kb, "testosterone_total")
    assert set(depots) == {"testosterone_cypionate", "testosterone_enanthate"}
    assert depots["testosterone_cypionate"].trough_fraction == 0.15
    assert depots["testosterone_cypionate"].mid_from_fraction == 0.4
    assert depots_for(kb, "zinc") == {}
    timing = draw_timing([row(every=14)], depots, drawn(date(2026, 2, 10)))
    assert timing.phase == "mid"


@pytest.mark.parametrize("substance", ["testosterone_cypionate", "testosterone_enanthate"])
def test_kb_windows_put_the_weekly_midpoint_mid_interval(kb, substance):
    from app.core.evaluation import depots_for

    depots = depots_for(kb, "testosterone_total")
    weekly = row(every=7, substance=substance)
    phases = [
        draw_timing([weekly], depots, drawn(date(2026, 1, 5 + day))).phase for day in range(1, 8)
    ]
    assert phases == ["early", "peak", "mid", "mid", "late", "trough", "trough"]


@pytest.mark.parametrize("days_since", [3, 4])  # day 5 is late (test_eval_timing_phases)
def test_high_testosterone_midway_on_weekly_injections_is_read_against_the_target(kb, days_since):
    # DEMO-000015: 629 ng/dL on day 5 of a weekly cypionate interval read "near peak"
    # and was played down to info; midway is the level the ES 2018 target refers to.
    chart = Chart(kb)
    chart.trt(100, every=7, start=400)
    chart.lab("testosterone_total", 629, days_ago=days_ago_for(days_since, every=7))
    finding = next(
        f for f in chart.evaluate().findings if f.rule_id == "testosterone_above_target_on_trt"
    )
    assert finding.severity == "consider"
    assert "near the injection peak" not in finding.clinician_text
    assert "high value at peak is expected" not in finding.clinician_text
    assert f"Drawn mid-interval: day {days_since} of a 7-day interval" in finding.clinician_text
    assert "the timing the target refers to" in finding.clinician_text


def _finding(chart, rule_id):
    return next(f for f in chart.evaluate().findings if f.rule_id == rule_id)


@pytest.mark.parametrize(
    ("value", "days_since", "rule_id", "reads"),
    [
        # DEMO-000008: 697 ng/dL on day 2 of a weekly interval.
        (697, 2, "testosterone_above_target_on_trt", "Drawn near peak: day 2 of a 7-day interval"),
        (768, 6, "testosterone_above_target_on_trt", "Drawn at trough: day 6 of a 7-day interval"),
        (250, 2, "testosterone_below_target_on_trt", "Drawn near peak: day 2 of a 7-day interval"),
        (250, 6, "testosterone_below_target_on_trt", "Drawn at trough: day 6 of a 7-day interval"),
    ],
)
def test_peak_and_trough_notes_name_the_phase_once(kb, value, days_since, rule_id, reads):
    chart = Chart(kb)
    chart.trt(100, every=7, start=400)
    chart.lab("testosterone_total", value, days_ago=days_ago_for(days_since, every=7))
    text = _finding(chart, rule_id).clinician_text
    assert reads in text
    assert "(near peak:" not in text and "(trough:" not in text
    phase = "peak" if days_since == 2 else "trough"
    assert text.count(phase) <= 2  # the phase once; a reading of it at most once more
    assert "drawn near the injection peak" not in text and "It was a trough level" not in text


def test_no_rule_names_the_phase_before_its_timing_placeholder(kb):
    # The placeholder ({tt.timing}) names the phase ('near peak: day 2 of ...'); a note
    # saying 'drawn near the injection peak ({tt.timing})' says it twice.
    import re

    from app.core.evaluation import load_rules

    for rule in load_rules(kb).rules:
        for phase, adjust in rule.timing.items():
            before = re.split(r"\{\w+\.timing\}", adjust.note)[0].lower()
            for word in ("peak", "trough", "mid-interval", "early", "stopped"):
                assert word not in before, (rule.id, phase, adjust.note)
