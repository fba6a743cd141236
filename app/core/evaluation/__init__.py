"""The evaluation engine: which micronutrient gaps stand in the way of a protocol.

Usage::

    from app.core.knowledge import load_knowledge
    from app.core.evaluation import evaluate

    kb = load_knowledge()
    result = evaluate(patient, regimen, observations, kb, as_of=date.today())
    for finding in result.visible:
        print(finding.severity, finding.title, finding.next_step)

Rules live in ``resources/knowledge/rules.toml``; ``load_rules`` validates them.
Nothing here imports Qt, SQL or reportlab.

The names below load their modules on first use: the clinic-wide read imports
``held`` and ``reading`` at start-up, and importing them must not load the whole
engine (about a tenth of a cold start).
"""

from __future__ import annotations

import importlib

_HOMES = {
    "EvaluationOptions": "app.core.evaluation.engine",
    "depots_for": "app.core.evaluation.engine",
    "evaluate": "app.core.evaluation.engine",
    "rules_for": "app.core.evaluation.engine",
    "rules_subset": "app.core.evaluation.engine",
    "RuleError": "app.core.evaluation.errors",
    "ActiveComponent": "app.core.evaluation.findings",
    "EVIDENCE_GRADES": "app.core.evaluation.findings",
    "Evaluation": "app.core.evaluation.findings",
    "Finding": "app.core.evaluation.findings",
    "SEVERITIES": "app.core.evaluation.findings",
    "STATUSES": "app.core.evaluation.findings",
    "StackEntry": "app.core.evaluation.findings",
    "Suppression": "app.core.evaluation.findings",
    "Trace": "app.core.evaluation.findings",
    "TraceRange": "app.core.evaluation.findings",
    "TraceRegimen": "app.core.evaluation.findings",
    "TraceValue": "app.core.evaluation.findings",
    "severity_rank": "app.core.evaluation.findings",
    "compare": "app.core.evaluation.judgement",
    "possible_bands": "app.core.evaluation.judgement",
    "result_interval": "app.core.evaluation.judgement",
    "depot_timings": "app.core.evaluation.prepared",
    "default_rules_path": "app.core.evaluation.rulebook",
    "load_rules": "app.core.evaluation.rulebook",
    "Rule": "app.core.evaluation.rules_model",
    "RulePack": "app.core.evaluation.rules_model",
    "apply_suppressions": "app.core.evaluation.suppression",
    "suppression_for": "app.core.evaluation.suppression",
    "DepotTiming": "app.core.evaluation.timing",
    "DrawTiming": "app.core.evaluation.timing",
    "draw_timing": "app.core.evaluation.timing",
}

__all__ = [
    "EVIDENCE_GRADES",
    "SEVERITIES",
    "STATUSES",
    "ActiveComponent",
    "DepotTiming",
    "DrawTiming",
    "Evaluation",
    "EvaluationOptions",
    "Finding",
    "Rule",
    "RuleError",
    "RulePack",
    "StackEntry",
    "Suppression",
    "Trace",
    "TraceRange",
    "TraceRegimen",
    "TraceValue",
    "apply_suppressions",
    "compare",
    "default_rules_path",
    "depot_timings",
    "depots_for",
    "draw_timing",
    "evaluate",
    "load_rules",
    "possible_bands",
    "result_interval",
    "rules_for",
    "rules_subset",
    "severity_rank",
    "suppression_for",
]


def __getattr__(name: str):
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value  # the next lookup is a plain module attribute
    return value
