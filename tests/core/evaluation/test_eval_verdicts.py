"""The quick pass answers exactly as a rule's full run: same answers, causes, outcomes."""

from __future__ import annotations

from dataclasses import fields

from eval_chart import Chart
from eval_random import drug, lab, random_chart
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.core.evaluation import EvaluationOptions, rules_for
from app.core.evaluation.condition_rules import evaluate_condition_rule
from app.core.evaluation.engine import _prepared_for, patient_data
from app.core.evaluation.findings import Finding
from app.core.evaluation.run import RuleRun


def _data(chart: Chart, include_checks: bool):  # noqa: ANN202 - PatientData
    options = EvaluationOptions(include_checks=include_checks)
    return patient_data(
        chart.patient, chart.regimen, chart.observations, chart.kb, chart.as_of, options
    )


def _fields(outcome) -> object:  # noqa: ANN001
    """A finding field by field (texts and trace worked out), or the outcome as it is."""
    if isinstance(outcome, Finding):
        return {f.name: getattr(outcome, f.name) for f in fields(Finding)}
    return outcome


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    sex=st.sampled_from(["male", "female", "unknown"]),
    age=st.integers(16, 85),
    drugs=st.lists(drug, max_size=5),
    labs=st.lists(lab, max_size=30),
    include_checks=st.booleans(),
)
def test_quick_pass_matches_full_run(kb, sex, age, drugs, labs, include_checks):
    chart = random_chart(kb, sex, age, drugs, labs)
    pack = rules_for(kb)
    quick_rules = _prepared_for(kb, pack)[1].quick
    quick_data = _data(chart, include_checks)
    for rule, quick in zip(pack.rules, quick_rules, strict=True):
        if quick is None:
            assert rule.kind != "condition" or rule.condition is None
            continue
        # The compiled answers equal the tree walk's, causes included.
        for allow_stale, compiled in ((False, quick.answer), (True, quick.stale)):
            run = RuleRun(quick_data, rule.inputs, rule.applies_to, allow_stale)
            walked = (rule.condition.evaluate(run), tuple(run.causes))
            assert compiled(quick_data, quick_data.answers) == walked, (rule.id, allow_stale)
        # The rule's outcome is the same with the quick pass as without it, on fresh data.
        with_quick = evaluate_condition_rule(quick_data, rule, quick)
        in_full = evaluate_condition_rule(_data(chart, include_checks), rule)
        assert _fields(with_quick) == _fields(in_full), rule.id
