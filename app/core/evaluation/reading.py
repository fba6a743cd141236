"""What a clinic-wide evaluation must read: analytes, and how much of each history.

A patient's file holds years of results, but the rules read little of it: the
latest result of each input (fresh or stale), the one before it for a trend,
results near the therapy start for a baseline, results of the last year for a
derived value's anchor and partners. ``reading_plan`` works this out from the
rule pack and the KB, so the store can read a whole clinic without the history
nobody looks at. A trend's previous result and a baseline can lie anywhere in the
past, so those analytes are read whole. ``PatientData`` checks every history
question against what was read and raises ``HistoryNotHeld`` rather than answer
from a partial history.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, fields
from datetime import date, timedelta

from app.core.evaluation.nodes import Node
from app.core.evaluation.nodes_results import RiseFromBaseline, Trend
from app.core.evaluation.rules_model import Rule, RulePack
from app.core.knowledge import KnowledgeBase

# Besides the newest result (all of them, when several share its collection time),
# how far back an analyte's history is read: not at all, or from a day, or whole.
LATEST_ONLY = None
WHOLE_HISTORY = date.min


@dataclass(frozen=True)
class ReadingPlan:
    """Per measured analyte, the part of each patient's history the rules can use.

    Attributes:
        as_of: The evaluation date (later results are not read).
        analytes: Analyte key -> the day from which every result is read, besides
            the newest (``LATEST_ONLY``: the newest alone; ``WHOLE_HISTORY``).
    """

    as_of: date
    analytes: Mapping[str, date | None]


def reading_plan(kb: KnowledgeBase, pack: RulePack, as_of: date) -> ReadingPlan:
    """The analytes and history windows a clinic-wide run of ``pack`` needs."""
    plan: dict[str, date | None] = {}
    # A derived value is tried on anchor draws back to the longest derived window,
    # each paired with partners drawn within the definition's days apart.
    derived_since = {
        key: as_of - timedelta(days=pack.derive_window_days + definition.max_days_apart)
        for key, definition in kb.derived.definitions.items()
    }

    def need(analyte: str, since: date | None) -> None:
        definition = kb.derived.definitions.get(analyte)
        if definition is not None:
            for item in definition.inputs:
                need(item.analyte, derived_since[analyte])
            return
        known = plan.get(analyte)
        plan[analyte] = since if known is None else min(known, since or known)

    for rule in pack.rules:
        history = _history_inputs(rule.condition, [step.condition for step in rule.escalate])
        for name, spec in rule.inputs.items():
            need(spec.analyte, WHOLE_HISTORY if name in history else LATEST_ONLY)
        if rule.kind == "monitoring":
            # A baseline is looked for while the therapy is young: results from the
            # baseline window before the oldest start still reported, onwards.
            days = rule.params["baseline_report_days"] + rule.params["baseline_window_days"]
            for protocol in kb.protocols.values():
                for item in protocol.monitoring:
                    for analyte in item.analytes:
                        baseline = item.when == "baseline"
                        need(analyte, as_of - timedelta(days=days) if baseline else LATEST_ONLY)
    for name in {rule.gate.name for rule in pack.rules if rule.gate is not None}:
        need(pack.gates[name].input.analyte, LATEST_ONLY)
    return ReadingPlan(as_of, plan)


def analytes_read(kb: KnowledgeBase, rule: Rule) -> frozenset[str]:
    """The measured analytes a rule's findings rest on: its inputs and marker (a derived
    value through its sources), and for a monitoring rule every test a protocol schedules."""
    keys = {spec.analyte for spec in rule.inputs.values()} | {rule.marker}
    for key in list(keys):
        definition = kb.derived.definitions.get(key)
        if definition is not None:
            keys |= {item.analyte for item in definition.inputs}
    if rule.kind == "monitoring":
        keys |= {
            analyte
            for protocol in kb.protocols.values()
            for item in protocol.monitoring
            for analyte in item.analytes
        }
    return frozenset(key for key in keys if key in kb.analytes)


def _history_inputs(condition: Node | None, more: list[Node]) -> set[str]:
    """Inputs whose older results a condition reads: trends (the previous one), baselines."""
    return {
        node.name
        for root in [condition, *more]
        for node in _walk(root)
        if isinstance(node, RiseFromBaseline | Trend)
    }


def _walk(node: Node | None) -> Iterator[Node]:
    """Every node of a condition tree (children found through the dataclass fields)."""
    if node is None:
        return
    yield node
    for item in fields(node):  # type: ignore[arg-type]
        value = getattr(node, item.name)
        if isinstance(value, Node):
            yield from _walk(value)
        elif isinstance(value, tuple):
            for child in value:
                if isinstance(child, Node):
                    yield from _walk(child)
