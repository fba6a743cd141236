"""``{met}``: a symptom rule names only the scores that meet its own cut-off.

New-user trial (DEMO-000013): "Symptoms persist with testosterone on target" read
"fatigue 4/10 or low libido 6/10 persists", though 4/10 is under the rule's "at least
6/10" cut-off. The finding now names the scores at or above the cut-off, and only those.
"""

from __future__ import annotations

from eval_chart import Chart

RULE = "symptoms_persist_labs_on_target"


def _chart(kb, fatigue: float | None, libido: float | None, fatigue_days: int = 10) -> Chart:
    chart = Chart(kb)
    chart.gel()
    chart.lab("testosterone_total", 500, days_ago=10)
    if fatigue is not None:
        chart.lab("symptom_fatigue", fatigue, days_ago=fatigue_days)
    if libido is not None:
        chart.lab("symptom_libido", libido, days_ago=10)
    return chart


def _text(chart: Chart) -> str:
    return next(f for f in chart.evaluate().findings if f.rule_id == RULE).clinician_text


def test_a_score_under_the_cut_off_is_not_said_to_persist(kb):
    text = _text(_chart(kb, fatigue=4, libido=6))
    assert "but symptoms persist at a score of at least 6/10: low libido 6/10 (" in text
    assert "fatigue" not in text.lower().split("consider causes")[0]
    assert "4/10" not in text


def test_both_scores_at_the_cut_off_are_both_named(kb):
    text = _text(_chart(kb, fatigue=7, libido=6))
    assert "at least 6/10: fatigue 7/10 (" in text
    assert ") and low libido 6/10 (" in text


def test_a_score_too_old_to_count_is_not_named(kb):
    text = _text(_chart(kb, fatigue=8, libido=6, fatigue_days=200))
    assert "at least 6/10: low libido 6/10 (" in text
    assert "8/10" not in text
