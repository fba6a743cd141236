"""Shared gates: conditions that make other rules' results uninterpretable.

A gate (e.g. hs-CRP above 3 mg/L) is evaluated once per patient and cached. A
rule that uses it turns its fired and/or not-fired outcome into
``indeterminate`` while the gate is active, and notes the gate's state in the
trace either way (including "no recent hs-CRP: inflammation not excluded").
"""

from __future__ import annotations

from app.core.evaluation.build import marker_label, point_text
from app.core.evaluation.judgement import Tri
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
    label = marker_label(data, gate.input.analyte)
    shown = "not measured"
    if resolved.point is not None:
        point = resolved.point
        shown = f"{point_text(data, point)} on {point.collected_at.date().isoformat()}"
    if answer is True:
        note = f"Gate '{name}' active: " + render(gate.note, lambda _n, _f: shown)
    elif answer is False:
        note = f"Gate '{name}' not active: {label} {shown}."
    else:
        note = (
            f"Gate '{name}' unknown: no usable {label} within "
            f"{gate.input.freshness_days} days ({shown}); not excluded."
        )
    data.gate_cache[name] = (answer, note)
    return answer, note
