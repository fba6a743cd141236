"""``evaluate`` on held results: same findings, and a refusal rather than a guess.

A clinic-wide read hands the engine ``HeldResults`` (usable results grouped by
analyte, maybe without their older history). With every result held the findings
equal those from ``Observation`` records; when a rule needs results that were left
unread, ``HistoryNotHeld`` is raised so the caller reads the patient whole.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict
from datetime import date, timedelta

import pytest
from eval_chart import Chart

from app.core.evaluation import EvaluationOptions, evaluate, rules_for
from app.core.evaluation.held import HeldResult, HeldResults, HistoryNotHeld
from app.core.evaluation.reading import WHOLE_HISTORY, reading_plan


def _held(chart: Chart, keep_only: dict[str, int] | None = None, read=None) -> HeldResults:
    """The chart's usable results as held results; ``keep_only`` keeps the newest N."""
    grouped = defaultdict(list)
    for obs in sorted(chart.observations, key=lambda o: (o.collected_at, o.id)):
        if obs.excluded_reason or obs.value is None or obs.collected_at.date() > chart.as_of:
            continue
        grouped[obs.analyte_key].append(
            HeldResult(
                obs.id,
                obs.patient_id,
                obs.analyte_key,
                obs.collected_at,
                obs.value,
                obs.comparator,
                obs.unit,
                obs.value_canonical,
                obs.unit_canonical,
                obs.lab,
                obs.ref_low,
                obs.ref_high,
                obs.ref_text,
            )  # fmt: skip
        )
    complete_from: dict[str, date] = {}
    for analyte, newest in (keep_only or {}).items():
        rows = grouped[analyte]
        if len(rows) > newest:
            grouped[analyte] = rows[-newest:]
            complete_from[analyte] = rows[-newest].collected_at.date() + timedelta(days=1)
    return HeldResults(
        read if read is not None else set(chart.kb.analytes), dict(grouped), complete_from
    )


def _findings(chart: Chart, observations) -> list[dict]:  # noqa: ANN001
    evaluation = evaluate(
        chart.patient, chart.regimen, observations, chart.kb, chart.as_of,
        options=EvaluationOptions(include_checks=False),
    )  # fmt: skip
    return [asdict(f) for f in evaluation.findings]


def _psa_rise_in_year_one(kb) -> Chart:  # noqa: ANN001
    chart = Chart(kb)
    chart.trt(start=200)
    chart.lab("psa", 0.8, days_ago=210)
    chart.lab("psa", 2.5, days_ago=10)
    chart.lab("testosterone_total", 650, days_ago=10)
    chart.lab("shbg", 30, days_ago=10)
    chart.lab("hematocrit", 47, days_ago=10)
    return chart


def test_every_result_held_gives_the_same_findings(kb):
    chart = _psa_rise_in_year_one(kb)
    expected = _findings(chart, chart.observations)
    assert any(f["rule_id"] == "psa_rise_on_trt" for f in expected)
    assert _findings(chart, _held(chart)) == expected


def test_a_baseline_left_unread_is_refused_not_guessed(kb):
    chart = _psa_rise_in_year_one(kb)
    with pytest.raises(HistoryNotHeld):
        _findings(chart, _held(chart, keep_only={"psa": 1}))


def test_an_analyte_left_out_of_the_read_is_refused(kb):
    chart = _psa_rise_in_year_one(kb)
    with pytest.raises(HistoryNotHeld):
        _findings(chart, _held(chart, read={"psa"}))


def test_the_plan_reads_baseline_analytes_whole_and_derived_inputs_for_a_year(kb):
    plan = reading_plan(kb, rules_for(kb), date(2026, 11, 23))
    assert plan.analytes["psa"] == WHOLE_HISTORY
    # Calculated free testosterone: anchors back to the derive window, partners too.
    assert plan.analytes["testosterone_total"] <= date(2025, 11, 23)
    assert plan.analytes["shbg"] <= date(2025, 11, 23)
    assert "coq10" in plan.analytes and plan.analytes["coq10"] is None


def test_the_bundled_pack_passed_explicitly_shares_its_lookups(kb):
    from app.core.evaluation import rules_subset
    from app.core.evaluation.engine import _prepared_for

    # A clinic-wide run passes the pack it planned its read with; the per-pack caches
    # (thresholds, unit factors, applicability) must not be rebuilt for every patient.
    shared = _prepared_for(kb, None)[1]
    assert _prepared_for(kb, rules_for(kb))[1] is shared
    subset = rules_subset(kb, ["vitamin_d_status"])
    assert _prepared_for(kb, subset)[1] is _prepared_for(kb, subset)[1]
