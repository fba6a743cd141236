"""A condition rule that cannot judge: its ``not_measured``, ``stale`` or
``indeterminate`` finding, saying why and which tests to order.
"""

from __future__ import annotations

from app.core.evaluation.build import component_label, make_finding, marker_label
from app.core.evaluation.findings import Finding, severity_rank
from app.core.evaluation.patient import PatientData
from app.core.evaluation.rules_model import Rule
from app.core.evaluation.run import RuleRun
from app.core.evaluation.texts import format_age, join_words, render

_OTHER_CAUSES = {
    "dose_not_comparable": "A dose change could not be compared (different dose units or no interval).",
}


def _cause_text(data: PatientData, rule: Rule, name: str, cause: str) -> str:
    """One sentence on why an input could not be judged."""
    spec = rule.inputs[name]
    label = marker_label(data, spec.analyte)
    resolved = data.resolve(spec)
    point = resolved.point
    shown = ""
    if point is not None:
        shown = f"{point.comparator or ''}{point.value:g} {data.unit_label(point.unit)}"
    window = format_age(spec.freshness_days)
    if cause == "missing" and spec.analyte in data.kb.derived.definitions:
        needs = join_words([marker_label(data, a) for a in _sources(data, spec.analyte)])
        days = data.kb.derived.definitions[spec.analyte].max_days_apart
        when = "on the same day" if days == 0 else f"within {days} days of each other"
        return f"{label} could not be calculated: it needs {needs} drawn {when}."
    if cause == "missing":
        return f"No {label} result on file."
    if cause == "no_baseline":
        return f"No {label} result from before therapy began to compare with."
    if cause == "stale":
        age = format_age(resolved.age_days or 0)
        return (
            f"The last {label} result ({shown}, {point.collected_at.date().isoformat()}) "
            f"is {age} old; this check uses results from the last {window}."
        )
    if cause == "censored":
        return f"{label} {shown} is a censored result that may lie on either side of the cut-off."
    if cause == "unconvertible":
        reason = point.convert_error if point is not None else ""
        return f"{label} was reported in {point.unit if point else '?'!r}, which cannot be converted: {reason}."
    if cause == "no_range":
        return f"No reference range is available for {label} (none printed, no default)."
    if cause == "no_threshold":
        return f"No threshold set applies to {label} for this patient (sex or context unknown)."
    return f"{label} could not be judged ({cause})."


def _recent(data: PatientData, analyte: str, days: int) -> bool:
    latest = data.latest(analyte)
    return latest is not None and (data.as_of - latest.collected_at.date()).days <= days


def _sources(data: PatientData, analyte: str) -> list[str]:
    """The measured analytes a derived analyte needs (defaults excluded); [] if measured."""
    definition = data.kb.derived.definitions.get(analyte)
    if definition is None:
        return []
    return [item.analyte for item in definition.inputs if not item.use_default]


def _message_lookup(data: PatientData, rule: Rule, components: list, detail: str, tests: str):  # noqa: ANN202
    def lookup(name: str, field: str | None) -> str:
        return {
            "title": rule.title,
            "marker": marker_label(data, rule.marker),
            "detail": detail,
            "tests": tests,
            "rationale": rule.rationale,
            "patient_rationale": rule.patient_rationale,
            "condition": rule.condition_text,
            "components": join_words([component_label(data, c) for c in components]) or "therapy",
        }.get(name, "{" + name + "}")

    return lookup


def unknown_finding(
    data: PatientData,
    rule: Rule,
    run: RuleRun,
    components: list,
    status: str,
    causes: list[tuple[str, str]],
    would_fire: bool = False,
    extra: str = "",
) -> Finding:
    """A not_measured / stale / indeterminate finding with its reasons."""
    analytes = []
    for name, _cause in causes:
        if name in rule.inputs:
            # A calculated value cannot be ordered: name the tests it is calculated from.
            spec = rule.inputs[name]
            sources = _sources(data, spec.analyte)
            if sources:
                # Only the sources without a recent result need ordering.
                analytes.extend(a for a in sources if not _recent(data, a, spec.freshness_days))
            else:
                analytes.append(spec.analyte)
    tests = join_words([marker_label(data, a) for a in dict.fromkeys(analytes)]) or marker_label(
        data, rule.marker
    )
    if extra and rule.gate is not None:
        # Gated: the result itself is fine to repeat, but only once the gate has cleared.
        gate = data.pack.gates[rule.gate.name]
        tests = f"{tests} with {marker_label(data, gate.input.analyte)} once well"
    messages = data.pack.messages
    severity = unknown_severity(rule, would_fire)

    causes = list(causes)  # the run's list is working state; the texts read it later

    def texts() -> tuple[str, str, str]:
        sentences = list(
            dict.fromkeys(
                _cause_text(data, rule, n, c) if n in rule.inputs else _OTHER_CAUSES.get(c, "")
                for n, c in causes
            )
        )
        if extra:
            sentences.append(extra)
        if would_fire:
            sentences.append("On those older results this rule would apply.")
        detail = " ".join(s for s in sentences if s)
        lookup = _message_lookup(data, rule, components, detail, tests)
        return (
            render(messages[status], lookup),
            render(messages[f"patient_{status}"], lookup),
            render(messages[f"next_step_{status}"], lookup),
        )

    return make_finding(
        data,
        rule,
        status=status,
        severity=severity,
        fired=True,
        texts=texts,
        components=components,
        run=run,
    )


def unknown_severity(rule: Rule, would_fire: bool) -> str:
    """An unknown finding's severity: the rule's own when older results would fire it
    (never urgent on old results), else its severity for unknowns."""
    severity = rule.severity_unknown
    if would_fire and severity_rank(rule.severity) > severity_rank(severity):
        severity = rule.severity if rule.severity != "urgent" else "warning"
    return severity
