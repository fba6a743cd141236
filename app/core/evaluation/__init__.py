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
"""

from app.core.evaluation.engine import (
    EvaluationOptions,
    depots_for,
    evaluate,
    rules_for,
    rules_subset,
)
from app.core.evaluation.errors import RuleError
from app.core.evaluation.findings import (
    EVIDENCE_GRADES,
    SEVERITIES,
    STATUSES,
    ActiveComponent,
    Evaluation,
    Finding,
    StackEntry,
    Suppression,
    Trace,
    TraceRange,
    TraceRegimen,
    TraceValue,
    severity_rank,
)
from app.core.evaluation.judgement import compare, possible_bands, result_interval
from app.core.evaluation.prepared import depot_timings
from app.core.evaluation.rulebook import default_rules_path, load_rules
from app.core.evaluation.rules_model import Rule, RulePack
from app.core.evaluation.suppression import apply_suppressions, suppression_for
from app.core.evaluation.timing import DepotTiming, DrawTiming, draw_timing

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
