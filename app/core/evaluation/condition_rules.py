"""Evaluate one ``kind = "condition"`` rule: fired, checked, or why it cannot say.

Outcomes, in order:

* Required inputs (``requires``) without a fresh result: the rule is silent.
* Condition True: a finding (``status`` or the judged status of
  ``status_from``); an active gate that masks "fired" makes it indeterminate.
* Condition False: a check (not fired); a gate masking "not_fired" makes it an
  indeterminate finding instead (e.g. a normal ferritin during inflammation).
* Condition unknown because a result is older than its window: the rule is
  re-run on the old values; if they would fire, a ``stale`` finding says so,
  otherwise a ``stale`` reminder when the rule reports missing data.
* Unknown because a result is missing: ``not_measured`` (or silent when the rule
  says ``when_missing = "silent"``).
* Unknown for any other reason (censored across the cut-off, unit not
  convertible, no range): ``indeterminate``, saying why.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from app.core.evaluation.build import (
    component_label,
    make_finding,
    marker_label,
    rule_lookup,
    run_state,
    trace_values,
)
from app.core.evaluation.deferred import Later, Once
from app.core.evaluation.findings import Finding, severity_rank
from app.core.evaluation.gates import gate_state
from app.core.evaluation.judgement import range_position
from app.core.evaluation.patient import PatientData
from app.core.evaluation.rules_model import Rule
from app.core.evaluation.run import RuleRun
from app.core.evaluation.texts import format_age, join_words, render
from app.core.evaluation.verdicts import QuickRule

_NO_HISTORY = ("no_previous", "no_target")
_MISSING = ("missing", "no_baseline")
_IN_FULL = object()  # ``_settle``: the rule must run in full
_OTHER_CAUSES = {
    "dose_not_comparable": "A dose change could not be compared (different dose units or no interval).",
}


def evaluate_condition_rule(
    data: PatientData, rule: Rule, quick: QuickRule | None = None
) -> Finding | str | None:
    """Run one condition rule: a finding or check, or why it stays silent.

    ``quick`` (the rule's compiled answers) settles the outcomes that build
    nothing without running the rule in full. Returns None for a check when the
    evaluation does not collect checks.
    """
    if rule.silent_without_results and not any(map(data.has_results, rule.result_analytes)):
        return f"silent: not measured ({', '.join(rule.result_analytes)})"
    for name in rule.requires:
        state = data.resolve(rule.inputs[name]).state
        if state != "used":
            return f"silent: required input {name!r} is {state}"
    if quick is not None:
        settled = _settle(data, rule, quick)
        if settled is not _IN_FULL:
            return settled
    run = RuleRun(data, rule.inputs, rule.applies_to)
    answer = rule.condition.evaluate(run) if rule.condition else None
    gate_note = _gate(data, rule, run) if rule.gate is not None else ""
    masked = bool(gate_note) and "not_fired" in rule.gate.masks
    if answer is False and not masked and not data.include_checks:
        return None  # a check, and a clinic-wide run keeps none: nothing to build
    components = run.applicable_components()
    if answer is True:
        if gate_note and "fired" in rule.gate.masks:
            return _unknown(data, rule, run, components, "indeterminate", [], extra=gate_note)
        return _fired(data, rule, run, components)
    if answer is False:
        if masked:
            return _unknown(data, rule, run, components, "indeterminate", [], extra=gate_note)
        return _checked(data, rule, run, components)
    causes = run.causes

    def stale_would_fire() -> bool:
        stale = RuleRun(data, rule.inputs, rule.applies_to, allow_stale=True)
        return rule.condition.evaluate(stale) is True

    silence = _silence(rule, causes, stale_would_fire)
    if silence:
        return silence
    kinds = {cause for _, cause in causes}
    if "stale" in kinds:
        again = RuleRun(data, rule.inputs, rule.applies_to, allow_stale=True)
        if rule.condition.evaluate(again) is True:
            return _unknown(data, rule, again, components, "stale", causes, would_fire=True)
        return _unknown(data, rule, run, components, "stale", causes)
    if kinds & set(_MISSING) and rule.when_missing == "report":
        return _unknown(data, rule, run, components, "not_measured", causes)
    # A result on file that could not be judged (censored, unconvertible, no range...),
    # also where missing results alone would have kept the rule silent: say why.
    return _unknown(data, rule, run, components, "indeterminate", causes)


def _silence(
    rule: Rule, causes: Sequence[tuple[str, str]], stale_would_fire: Callable[[], bool]
) -> str:
    """Why a rule whose condition is unknown stays silent ("": it reports why instead).

    ``stale_would_fire()`` says whether the condition holds on out-of-date results.
    """
    optional = sorted({name for name, _ in causes if name in rule.optional_inputs})
    if optional:
        # An optional input (e.g. a bone scan) decides whether the rule applies at all.
        return f"silent: optional input {', '.join(optional)} not available"
    kinds = {cause for _, cause in causes}
    if kinds and kinds <= set(_NO_HISTORY):
        return f"silent: not enough history ({', '.join(sorted(kinds))})"
    if "stale" in kinds:
        if rule.when_missing == "report" or stale_would_fire():
            return ""
        return "silent: results out of date, and the older values would not apply"
    # Silent when missing, if nothing but missing results kept the rule from judging.
    missing_only = kinds & set(_MISSING) and not kinds - set(_MISSING) - {"stale"}
    if rule.when_missing == "silent" and missing_only:
        missing = sorted({name for name, cause in causes if cause in _MISSING})
        return f"silent: not measured ({', '.join(missing)})"
    return ""


def _settle(data: PatientData, rule: Rule, quick: QuickRule) -> str | None | object:
    """The outcome of a rule that builds nothing (a dropped check, a silence), from its
    quick answer; ``_IN_FULL`` when the rule must run in full (a finding or check).
    """
    answer, causes = quick.answer(data, data.answers)
    if answer is True or (answer is False and data.include_checks):
        return _IN_FULL
    if answer is False:
        gate = rule.gate
        if gate is not None and "not_fired" in gate.masks and gate_state(data, gate.name)[0]:
            return _IN_FULL  # masked by an active gate: an indeterminate finding
        return None
    return _silence(rule, causes, lambda: quick.stale(data, data.answers)[0] is True) or _IN_FULL


def _gate(data: PatientData, rule: Rule, run: RuleRun) -> str:
    """The gate's note when the rule's gate is active, else ""; the trace notes it either way."""
    if rule.gate is None:
        return ""
    state, note = gate_state(data, rule.gate.name)
    run.note(note)
    return note if state is True else ""


def _status(data: PatientData, rule: Rule, run: RuleRun) -> str:
    if rule.status is not None:
        return rule.status
    return judged_status(data, run, rule.status_from)


def judged_status(data: PatientData, run: RuleRun, name: str) -> str:
    """The finding status of one input: guideline bands, else its reference range."""
    resolved = data.resolve(run.inputs[name])
    if resolved.state == "missing":
        return "not_measured"
    if resolved.state == "stale" and not run.allow_stale:
        return "stale"
    if run.has_thresholds(name):
        possible = run.statuses_of(name) or ()
    else:
        used = run.range_of(name)
        if used is None:
            return "indeterminate"
        where = range_position(used.value, used.comparator, used.low, used.high)
        possible = tuple(
            status
            for status, side in (
                ("insufficient", "below"),
                ("adequate", "within"),
                ("high", "above"),
            )
            if where[side] is not False
        )
    if len(possible) == 1:
        return possible[0]
    if possible and all(s in ("deficient", "insufficient") for s in possible):
        # A censored value spanning low bands is reported at the milder one it surely reaches.
        return "insufficient"
    return "indeterminate"


def _fired(data: PatientData, rule: Rule, run: RuleRun, components: list) -> Finding:
    status = _status(data, rule, run)
    severity = rule.severity_by_status.get(status, rule.severity)
    # Texts are rendered on first read. Each piece reads the run as it stood when
    # the engine reached it: judging an escalation step adds ranges and bands.
    pieces = [(rule.clinician_text, run_state(run))]
    notes = []
    for step in rule.escalate:
        if step.condition.evaluate(run) is True:
            if severity_rank(step.severity) > severity_rank(severity):
                severity = step.severity
            if step.note:
                pieces.append((step.note, run_state(run)))
    if rule.timing_input:
        spec = rule.inputs[rule.timing_input]
        timing = data.timing_of(spec.analyte, data.resolve(spec).point)
        if timing is not None:
            notes.append(f"Injection timing: {timing.describe()}")
            adjust = rule.timing.get(timing.phase)
            if adjust is not None:
                severity = adjust.severity or severity
                pieces.append((adjust.note, run_state(run)))

    def texts() -> tuple[str, str]:
        clinician = " ".join(
            render(template, rule_lookup(data, rule, state, components))
            for template, state in pieces
        )
        patient = render(rule.patient_text, rule_lookup(data, rule, pieces[0][1], components))
        return clinician, patient

    once = Once(texts)
    return make_finding(
        data,
        rule,
        status=status,
        severity=severity,
        fired=True,
        # The next step is the rule's own text: a worklist row reads it without the others.
        texts=(Later(once, 0), Later(once, 1), rule.next_step),
        components=components,
        run=run,
        notes=notes,
    )


def _checked(data: PatientData, rule: Rule, run: RuleRun, components: list) -> Finding | None:
    if not data.include_checks:
        return None
    status = "adequate"
    if rule.status_from is not None and data.resolve(rule.inputs[rule.status_from]).state == "used":
        status = judged_status(data, run, rule.status_from)
    return make_finding(
        data,
        rule,
        status=status,
        severity="info",
        fired=False,
        texts=(rule.checked_text, "", ""),
        components=components,
        run=run,
        # "Why not?" needs the results the condition read, not the context inputs.
        values=trace_values(data, {n: rule.inputs[n] for n in rule.condition_inputs}),
    )


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


def _unknown(
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
    severity = rule.severity_unknown
    if would_fire and severity_rank(rule.severity) > severity_rank(severity):
        severity = rule.severity if rule.severity != "urgent" else "warning"

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
