"""Shared gates: conditions that make other rules' results uninterpretable.

A gate (e.g. hs-CRP above 3 mg/L) is evaluated once per patient and cached. A
rule that uses it turns its fired and/or not-fired outcome into
``indeterminate`` while the gate is active, and notes the gate's state in the
trace either way (including "no recent hs-CRP: inflammation not excluded").
"""

from __future__ import annotations

from app.core.evaluation.build import point_text
from app.core.evaluation.judgement import Tri
from app.core.evaluation.nodes import Node
from app.core.evaluation.nodes_results import Limit
from app.core.evaluation.patient import PatientData
from app.core.evaluation.rules_model import Applicability
from app.core.evaluation.run import RuleRun
from app.core.evaluation.texts import render


def gate_active(data: PatientData, name: str) -> Tri:
    """Whether a named gate is active (True, False, or None: cannot say); cached."""
    cached = data.gate_cache.get(name)
    if cached is None:
        gate = data.pack.gates[name]
        run = RuleRun(data, {"value": gate.input}, Applicability())
        cached = data.gate_cache[name] = (gate.condition.evaluate(run), None)
    return cached[0]


def gate_state(data: PatientData, name: str) -> tuple[Tri, str]:
    """``(active, note)`` for a named gate; cached on the patient data. The note (for a
    finding's texts and trace) is written only when asked for."""
    answer = gate_active(data, name)
    cached = data.gate_cache[name]
    if cached[1] is not None:
        return cached
    gate = data.pack.gates[name]
    resolved = data.resolve(gate.input)
    shown = "not measured"
    if resolved.point is not None:
        point = resolved.point
        shown = f"{point_text(data, point)} on {point.collected_at.date().isoformat()}"
    values = {"value": shown, "limit": _clear_side(data, gate.condition), "days": ""}
    values["days"] = f"{gate.input.freshness_days:g}"
    if answer is True:
        note = render(gate.note, lambda n, _f: values.get(n, ""))
    elif answer is False:
        note = render(gate.clear_note, lambda n, _f: values.get(n, ""))
    else:
        note = render(gate.unknown_note, lambda n, _f: values.get(n, ""))
    data.gate_cache[name] = (answer, note)
    return answer, note


# The side of a cut-off on which a gate stays clear: "above 3" is clear "at most 3".
_CLEAR_SIDE = {">": "at most", ">=": "below", "<": "at least", "<=": "above"}


def _clear_side(data: PatientData, condition: Node) -> str:
    """``at most 3 mg/L``: where a result must lie for the gate to stay clear."""
    if isinstance(condition, Limit):
        # A limit's unit is already the display label ("mg/L").
        return f"{_CLEAR_SIDE[condition.operator]} {condition.shown:g} {condition.unit}".strip()
    return f"not {condition.describe()}"
