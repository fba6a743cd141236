"""Turn a rule's outcome into a ``Finding``: texts filled in, trace assembled.

Both are worked out when a caller first reads them (``deferred_finding``): what
they are built from is taken when the finding is made, so they read the same
whenever they are read.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from typing import NamedTuple

from app.core.evaluation.deferred import Later, Once
from app.core.evaluation.findings import (
    ActiveComponent,
    Finding,
    Trace,
    TraceRange,
    TraceRegimen,
    TraceValue,
    deferred_finding,
)
from app.core.evaluation.judgement import compare, range_position
from app.core.evaluation.nodes import Not
from app.core.evaluation.nodes_results import Limit
from app.core.evaluation.patient import PatientData
from app.core.evaluation.points import Point
from app.core.evaluation.rules_model import InputSpec, Rule
from app.core.evaluation.run import RuleRun, unusable_because
from app.core.evaluation.texts import format_age, join_words, render
from app.core.formatting import converted_text

Lookup = Callable[[str, str | None], str]
# The three texts (clinician, patient, next step), each finished or a ``Later``; or a
# function giving all three on first read.
Texts = tuple[str | Later, str | Later, str | Later] | Callable[[], tuple[str, str, str]]


class RunState(NamedTuple):
    """What a rule's placeholders read of its run, as it stood at one moment.

    A text rendered later (on first read) must read what it would have read
    when the finding was made: escalation steps judged after the main text add
    ranges and bands.
    """

    inputs: Mapping[str, InputSpec]
    ranges: tuple[TraceRange, ...]
    bands: dict[str, tuple[str, ...]]
    allow_stale: bool = False


def run_state(run: RuleRun) -> RunState:
    return RunState(run.inputs, tuple(run.ranges), dict(run.bands), run.allow_stale)


_RANGE_KINDS = ("lab_range", "kb_range", "threshold", "target", "limit")


def subject_fingerprint(rule: Rule, subject: str) -> str:
    """Fingerprint of one subject (nutrient, analyte) of a many-subject rule."""
    text = f"{rule.fingerprint}|{subject}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def marker_label(data: PatientData, key: str) -> str:
    """Display name of a nutrient or analyte key."""
    if key in data.kb.nutrients:
        return data.kb.nutrients[key].name
    if key in data.kb.analytes:
        return data.kb.analytes[key].name
    return key.replace("_", " ")


def component_label(data: PatientData, component: ActiveComponent) -> str:
    substance = data.kb.substances.get(component.substance)
    return substance.name if substance else component.substance.replace("_", " ")


def value_text(data: PatientData, run: RunState, name: str, field: str | None) -> str:
    """One input placeholder: ``{zinc}``, ``{zinc.value}``, ``{zinc.age}``, ..."""
    resolved = data.resolve(run.inputs[name])
    point = resolved.point
    if point is None:
        return "not measured"
    day = point.collected_at.date().isoformat()
    also = converted_in_canonical(data, point)
    if field is None:  # ``1 nmol/L (0.2472 µg/L, 2026-10-26)``: one pair of brackets
        return _result(data, point, f"{also}, {day}" if also else day)
    if field == "value":
        return _result(data, point, also)
    if field == "date":
        return day
    if field == "age":
        return format_age(resolved.age_days or 0)
    if field == "timing":
        timing = data.timing_of(resolved.analyte, point)
        return timing.describe() if timing else "no injectable depot on record"
    if field == "reference":
        return reference_text(data, point)
    if field == "change":
        found = [r.change for r in run.ranges if r.name == name and r.change]
        return found[0] if found else "(no earlier result compared)"
    if field == "status":
        words = run.bands.get(name, ())
        labels = [data.kb.statuses.get(w, (w, ""))[0].lower() for w in words]
        return " or ".join(labels) or "not classified"
    for entry in run.ranges:
        if entry.name == name and entry.kind in _RANGE_KINDS:
            return range_text(entry, data, run.inputs[name].analyte)
    return "no range applied"


def reference_text(data: PatientData, point: Point) -> str:
    """Where a result lies against its reference range, worded for a rule text.

    ``inside the lab's reference range (1.70-2.20 mg/dL)``; without a range on the
    report, the knowledge base's default and its label. A rule that also applies a
    stricter guideline cut-off says with this whether the lab would call it normal.
    """
    obs = point.observation
    if obs is not None and (obs.ref_low is not None or obs.ref_high is not None):
        low, high, unit, value = obs.ref_low, obs.ref_high, point.unit, point.value
        whose, why = "the lab's reference range", ""
    else:
        default = data.default_range(point.analyte)
        if (
            point.canonical is None
            or default is None
            or (default.low is None and default.high is None)
        ):
            return "not placed against a reference range (none on the report or on file)"
        low, high, unit, value = default.low, default.high, default.unit, point.canonical
        label = default.label
        if label[1:2].islower():  # "Commonly cited adult interval", not "ARUP interval"
            label = label[0].lower() + label[1:]
        whose, why = "the default reference range", f": {label}; the report gave none"
    where = range_position(value, point.comparator, low, high)
    side = next((s for s in ("below", "above", "within") if where[s] is True), None)
    if side is None:
        return f"not placeable against {whose} ({bounds_of(data, point.analyte, low, high, unit)})"
    word = "inside" if side == "within" else side
    return f"{word} {whose} ({bounds_of(data, point.analyte, low, high, unit)}{why})"


def bounds_of(
    data: PatientData, analyte: str, low: float | None, high: float | None, unit: str
) -> str:
    """``1.82-2.31 mg/dL``, ``≥30 ng/mL``: bounds with the analyte's usual decimals."""
    kb = data.kb
    if low is not None and high is not None:
        bounds = f"{kb.number_text(analyte, low, unit)}-{kb.number_text(analyte, high, unit)}"
    elif low is not None:
        bounds = f"≥{kb.number_text(analyte, low, unit)}"
    else:
        bounds = f"≤{kb.number_text(analyte, high or 0.0, unit)}"
    return f"{bounds} {data.unit_label(unit)}".strip()


def _result(data: PatientData, point: Point, also: str) -> str:
    """``1 nmol/L (0.25 µg/L)``: the number with the analyte's usual decimals, as the
    trace and the worklist show it (``KnowledgeBase.number_text``); a 0-10 symptom
    score reads ``4/10``."""
    number = data.kb.number_text(point.analyte, point.value, point.unit)
    if point.unit == "{score}":
        shown = f"{point.comparator or ''}{number}/10"
    else:
        shown = f"{point.comparator or ''}{number} {data.unit_label(point.unit)}".strip()
    return f"{shown} ({also})" if also else shown


def converted_in_canonical(data: PatientData, point: Point) -> str:
    """A result reported in another unit, in the canonical unit that every threshold,
    default range, target and rule cut-off is written in (``0.2472 µg/L``); empty when
    it was reported in that unit. The canonical value is the knowledge base's conversion,
    shown with the analyte's usual decimals."""
    canonical = data.unit_label(point.unit_canonical) if point.unit_canonical else ""
    text = converted_text(point.comparator, point.canonical, canonical, data.unit_label(point.unit))
    if not text or point.canonical is None:
        return text
    number = data.kb.number_text(point.analyte, point.canonical, point.unit_canonical)
    return f"{point.comparator or ''}{number} {canonical}"


def point_text(data: PatientData, point: Point) -> str:
    """``1 nmol/L (0.2472 µg/L)``: as reported, and in the canonical unit when that differs."""
    return _result(data, point, converted_in_canonical(data, point))


def range_text(entry: TraceRange, data: PatientData, analyte: str = "") -> str:
    """``60-120 µg/dL, lab's range`` style text for a range used (a target: its bounds)."""
    if entry.kind in ("threshold", "limit"):
        return entry.label
    bounds = bounds_of(data, analyte, entry.low, entry.high, entry.unit)
    # A target reads "within the target (350-600 ng/dL)", never "(... (target))".
    where = {"lab_range": "lab's range", "kb_range": "default range"}.get(entry.kind)
    return f"{bounds}, {where}" if where else bounds


def rule_lookup(
    data: PatientData, rule: Rule, run: RunState, components: Sequence[ActiveComponent]
) -> Lookup:
    """The placeholder filler for a condition rule's texts."""

    def lookup(name: str, field: str | None) -> str:
        if name in run.inputs:
            return value_text(data, run, name, field)
        if name == "components":
            return join_words([component_label(data, c) for c in components]) or "the protocol"
        if name == "marker":
            return marker_label(data, rule.marker)
        if name == "met":
            return met_text(data, rule, run)
        return "{" + name + "}"

    return lookup


def _limits(node: object) -> list[Limit]:
    """The fixed cut-offs (``at_least = 6``...) a condition asks to hold, in order.

    A cut-off under ``not`` is one the condition asks *not* to hold, so it is left out.
    """
    if isinstance(node, Limit):
        return [node]
    if isinstance(node, Not):
        return []
    return [leaf for child in getattr(node, "children", ()) for leaf in _limits(child)]


def met_text(data: PatientData, rule: Rule, run: RunState) -> str:
    """``{met}``: the results that meet the rule's own cut-offs, named, with value and date.

    ``fatigue 7/10 (2026-09-28) and low libido 6/10 (2026-09-28)``: only inputs whose
    ``above``/``below``/``at_least``/``at_most`` leaf holds for a usable result, so a rule
    that fires on either of two scores never names the one under its cut-off (or one
    too old to count). Judged here, not read from the trace, because ``any`` stops at
    the first leaf that holds.
    """
    named: list[str] = []
    for leaf in _limits(rule.condition):
        if leaf.name not in run.inputs:
            continue
        found = data.resolve(run.inputs[leaf.name])
        if unusable_because(found, run.allow_stale) is not None:
            continue
        point = found.point
        if compare(point.canonical, point.comparator, leaf.operator, leaf.limit) is not True:
            continue
        label = data.kb.analytes[point.analyte].short_name or marker_label(data, point.analyte)
        if label[1:2].islower():  # "low libido", never "tSH"
            label = label[0].lower() + label[1:]
        text = f"{label} {value_text(data, run, leaf.name, None)}"
        if text not in named:
            named.append(text)
    return join_words(named) or "no result at its cut-off"


def trace_values(
    data: PatientData, inputs: dict[str, InputSpec] | object
) -> tuple[TraceValue, ...]:
    """A ``TraceValue`` for every declared input, used or not.

    Each is kept per patient by the input spec (equal specs of a pack are one
    object), so the traces of rules reading the same input share it (a worklist
    reads the values of every finding's trace).
    """
    kept = data.trace_values
    values = []
    for name, spec in inputs.items():  # type: ignore[attr-defined]
        known = kept.get(id(spec))
        if known is None or known[0] is not spec or known[1].name != name:
            known = kept[id(spec)] = (spec, _trace_value(data, name, spec))
        values.append(known[1])
    return tuple(values)


def _trace_value(data: PatientData, name: str, spec: InputSpec) -> TraceValue:
    resolved = data.resolve(spec)
    point = resolved.point
    if point is None:
        return TraceValue(name, spec.analyte, "missing")
    state = resolved.state
    if state == "used" and point.canonical is None:
        state = "unconvertible"
    obs = point.observation
    return TraceValue(
        name=name,
        analyte=spec.analyte,
        state=state,
        observation_id=obs.id if obs is not None else None,
        collected_at=point.collected_at,
        value=point.value,
        comparator=point.comparator,
        unit=point.unit,
        value_canonical=point.canonical,
        unit_canonical=point.unit_canonical,
        age_days=resolved.age_days,
        source_ids=point.source_ids,
        timing=data.timing_of(spec.analyte, point),
        note=point.convert_error,
    )


def trace_regimen(components: Sequence[ActiveComponent]) -> tuple[TraceRegimen, ...]:
    return tuple(
        TraceRegimen(
            item_id=c.item_id,
            substance=c.substance,
            kind=c.kind,
            dose=c.dose,
            dose_unit=c.dose_unit,
            route=c.route,
            interval_days=c.interval_days,
            start_date=c.last_change or c.therapy_start,
            stop_date=None,
            roles=c.roles,
        )
        for c in components
    )


def make_finding(
    data: PatientData,
    rule: Rule,
    *,
    status: str,
    severity: str,
    fired: bool,
    texts: Texts,
    components: Sequence[ActiveComponent],
    run: RuleRun | None = None,
    notes: Sequence[str] = (),
    marker: str | None = None,
    fingerprint: str | None = None,
    values: tuple[TraceValue, ...] | None = None,
    ranges: Sequence[TraceRange] = (),
    citations: Sequence[str] = (),
    evidence_grade: str | None = None,
    in_full: Once | None = None,
) -> Finding:
    """Assemble a finding; its trace (and ``texts``, when a function) on first read.

    ``in_full`` (a condition rule's finding in outline): its parts 3 and 4 are the
    trace's ranges and notes, worked out when first read (``outlined_finding``).
    """
    used_ranges: tuple | Later
    all_notes: tuple | Later
    if in_full is not None:
        used_ranges, all_notes = Later(in_full, 3), Later(in_full, 4)
    else:
        # Taken now: the run's lists are the rule's working state, not the finding's.
        used_ranges = tuple(run.ranges if run else ()) + tuple(ranges)
        all_notes = tuple(run.notes if run else ()) + tuple(notes)
    if values is None:
        data.ensure_inputs_held(rule.inputs.values())  # the trace resolves them: cannot fail
    components = tuple(components)
    pack_version, kb_version, as_of = data.pack.version, data.kb.version, data.as_of
    for_sex = rule.by_sex.get(data.sex or "")
    if for_sex is not None:  # the sources of what the rule says for this sex only
        citations = (*citations, *for_sex.citations)

    def trace() -> Trace:
        return Trace(
            rule_id=rule.id,
            rule_version=rule.version,
            rules_version=pack_version,
            kb_version=kb_version,
            as_of=as_of,
            condition=rule.describe(),
            values=values if values is not None else trace_values(data, rule.inputs),
            ranges=used_ranges,
            regimen=trace_regimen(components),
            notes=all_notes,
        )

    return deferred_finding(
        texts,
        trace,
        rule_id=rule.id,
        rule_version=rule.version,
        title=rule.title,
        marker=marker or rule.marker,
        status=status,
        severity=severity,
        components=tuple([c.substance for c in components]),
        evidence_grade=evidence_grade or rule.evidence_grade,
        citations=tuple(dict.fromkeys([*rule.citations, *citations])),
        fingerprint=fingerprint or rule.fingerprint,
        fired=fired,
    )


def outlined_finding(
    data: PatientData,
    rule: Rule,
    *,
    status: str,
    severity: str,
    components: Sequence[ActiveComponent],
    in_full: Callable[[], Finding],
    next_step: str | None = None,
    citations: Sequence[str] = (),
    evidence_grade: str | None = None,
) -> Finding:
    """A condition rule's fired finding in outline: status, severity and components
    given now; texts, next step (unless given) and the trace's ranges and notes are
    those of ``in_full()``, the rule run in full, worked out when first read."""

    def parts() -> tuple:
        finding = in_full()
        trace = finding.trace
        return (finding.clinician_text, finding.patient_text, finding.next_step) + (
            trace.ranges,
            trace.notes,
        )

    full = Once(parts)
    return make_finding(
        data,
        rule,
        status=status,
        severity=severity,
        fired=True,
        texts=(Later(full, 0), Later(full, 1), Later(full, 2) if next_step is None else next_step),
        components=components,
        in_full=full,
        citations=citations,
        evidence_grade=evidence_grade,
    )


def fill(template: str, lookup: Lookup) -> str:
    """Render a template with a lookup (thin wrapper for readability)."""
    return render(template, lookup)
