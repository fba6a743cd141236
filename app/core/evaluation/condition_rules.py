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
    bounds_of,
    make_finding,
    outlined_finding,
    rule_lookup,
    run_state,
    trace_values,
)
from app.core.evaluation.condition_unknown import unknown_finding, unknown_severity
from app.core.evaluation.deferred import Later, Once
from app.core.evaluation.findings import Finding, severity_rank
from app.core.evaluation.gates import gate_active, gate_state
from app.core.evaluation.judgement import range_position
from app.core.evaluation.next_steps import next_step_for
from app.core.evaluation.patient import PatientData
from app.core.evaluation.rules_model import DraftTarget, Rule, TimingAdjust
from app.core.evaluation.run import RuleRun, applicable_components, protocol_target
from app.core.evaluation.texts import render
from app.core.evaluation.timing import DrawTiming
from app.core.evaluation.verdicts import QuickRule

_NO_HISTORY = ("no_previous", "no_target")
_MISSING = ("missing", "no_baseline")
_UNLESS_STALE_FIRES = object()  # ``_silence``: it depends on the older results
_STALE_SILENCE = "silent: results out of date, and the older values would not apply"
_SILENCES_KEPT = 512  # distinct causes remembered per rule

# One condition rule made ready for one pack: patient data -> a finding or check, why
# the rule stays silent, or None (a check the evaluation does not keep).
Step = Callable[[PatientData], "Finding | str | None"]


def evaluate_condition_rule(
    data: PatientData, rule: Rule, quick: QuickRule | None = None
) -> Finding | str | None:
    """Run one condition rule: a finding or check, or why it stays silent.

    ``quick`` (the rule's compiled answers) settles the outcomes that build
    nothing without running the rule in full. Returns None for a check when the
    evaluation does not collect checks. The engine runs ``condition_step``'s
    step, made once per pack, instead.
    """
    return condition_step(rule, quick)(data)


def condition_step(rule: Rule, quick: QuickRule | None) -> Step:
    """The rule as one function of the patient data, its look-ups done once.

    In order: silent when none of the rule's results is on file, or a required input
    is not fresh; then the quick pass (``verdicts``) settles a false condition (a
    check) or an unknown one that keeps the rule silent; a rule it cannot settle
    runs in full, or in outline when checks are not kept (``_outlined``).
    """
    unmeasured = rule.result_analytes if rule.silent_without_results else ()
    not_measured = f"silent: not measured ({', '.join(unmeasured)})"
    requires = tuple((name, rule.inputs[name]) for name in rule.requires)
    answer = quick.answer if quick is not None else None
    gate = rule.gate
    gate_masks_check = gate is not None and "not_fired" in gate.masks
    silences: dict[tuple, str | object] = {}  # causes -> ``_silence``'s answer

    def step(data: PatientData) -> Finding | str | None:
        # Most patients have one of the results on file (a set test); else ask each
        # analyte, derived ones by their sources.
        if (
            unmeasured
            and data.on_file.isdisjoint(unmeasured)
            and not any(map(data.has_results, unmeasured))
        ):
            return not_measured
        for name, spec in requires:
            state = data.resolve(spec).state
            if state != "used":
                return f"silent: required input {name!r} is {state}"
        if answer is None:
            return _in_full(data, rule)
        value, causes = answer(data, data.answers)
        if value is False and not data.include_checks:
            if not gate_masks_check or gate_active(data, gate.name) is not True:
                return None  # a check, and a clinic-wide run keeps none: nothing to build
        elif value is None:
            silence = silences.get(causes)
            if silence is None:
                if len(silences) >= _SILENCES_KEPT:
                    silences.clear()
                silence = silences[causes] = _silence(rule, causes)
            if silence is _UNLESS_STALE_FIRES:
                fires = quick.stale(data, data.answers)[0] is True
                silence = "" if fires else _STALE_SILENCE
            if silence:
                return silence
        if data.include_checks:
            return _in_full(data, rule)
        return _outlined(data, rule, quick)

    return step


def _in_full(data: PatientData, rule: Rule) -> Finding | str | None:
    """The rule run in full: its condition walked with every range and note recorded."""
    run = RuleRun(data, rule.inputs, rule.applies_to)
    answer = rule.condition.evaluate(run) if rule.condition else None
    gate_note = _gate(data, rule, run) if rule.gate is not None else ""
    masked = bool(gate_note) and "not_fired" in rule.gate.masks
    if answer is False and not masked and not data.include_checks:
        return None  # a check, and a clinic-wide run keeps none: nothing to build
    components = run.applicable_components()
    if answer is True:
        if gate_note and "fired" in rule.gate.masks:
            return unknown_finding(
                data, rule, run, components, "indeterminate", [], extra=gate_note
            )
        return _fired(data, rule, run, components)
    if answer is False:
        if masked:
            return unknown_finding(
                data, rule, run, components, "indeterminate", [], extra=gate_note
            )
        return _checked(data, rule, run, components)
    causes = run.causes

    silence = _silence(rule, causes)
    if silence is _UNLESS_STALE_FIRES:
        stale = RuleRun(data, rule.inputs, rule.applies_to, allow_stale=True)
        silence = "" if rule.condition.evaluate(stale) is True else _STALE_SILENCE
    if silence:
        return silence
    status = _unknown_status(rule, {cause for _, cause in causes})
    if status == "stale":
        again = RuleRun(data, rule.inputs, rule.applies_to, allow_stale=True)
        if rule.condition.evaluate(again) is True:
            return unknown_finding(data, rule, again, components, "stale", causes, would_fire=True)
    return unknown_finding(data, rule, run, components, status, causes)


def _outlined(data: PatientData, rule: Rule, quick: QuickRule) -> Finding:
    """The finding of a rule the quick pass could not settle, when checks are not kept:
    its status, severity and components now, its texts and trace from the rule run in
    full (``_in_full``) on first read.

    A clinic-wide run reads the status and severity of every finding, the next step
    and trace values of some (a worklist's), the ranges and texts of few.
    """
    answer, causes = quick.answer(data, data.answers)
    gate = rule.gate
    masking = gate.masks if gate is not None and gate_active(data, gate.name) is True else ()
    next_step, components, citations, draft = None, [], (), None
    if answer is True and "fired" not in masking:
        status = rule.status
        if status is None:  # judged from an input, by a run that records nothing
            run = RuleRun(data, rule.inputs, rule.applies_to, recording=False)
            status = judged_status(data, run, rule.status_from)
        escalated = [step(data, data.answers)[0] is True for step in quick.escalations]
        adjust = _draw_timing(data, rule)[1] if rule.timing_input else None
        draft = draft_target_of(data, rule)
        severity = _capped(_fired_severity(rule, status, escalated, adjust), draft)
        components = applicable_components(data, rule.applies_to)
        chosen = next_step_for(rule, data.sex, components, data.kb.substances)
        next_step = chosen.text if chosen else rule.next_step
        citations = chosen.citations if chosen else ()
    elif answer is not None:  # an answer masked by the active gate
        status, severity = "indeterminate", unknown_severity(rule, would_fire=False)
    else:
        status = _unknown_status(rule, {cause for _, cause in causes})
        would_fire = status == "stale" and quick.stale(data, data.answers)[0] is True
        severity = unknown_severity(rule, would_fire)
    return outlined_finding(
        data,
        rule,
        status=status,
        severity=severity,
        components=components or applicable_components(data, rule.applies_to),
        in_full=lambda: _in_full(data, rule),
        next_step=next_step,
        citations=citations,
        evidence_grade=draft.evidence_grade if draft is not None else None,
    )


def _unknown_status(rule: Rule, kinds: set[str]) -> str:
    """The status of a rule that cannot judge and does not stay silent."""
    if "stale" in kinds:
        return "stale"
    if kinds & set(_MISSING) and rule.when_missing == "report":
        return "not_measured"
    # A result on file that could not be judged (censored, unconvertible, no range...),
    # also where missing results alone would have kept the rule silent: say why.
    return "indeterminate"


def _silence(rule: Rule, causes: Sequence[tuple[str, str]]) -> str | object:
    """Why a rule whose condition is unknown stays silent ("": it reports why instead).

    ``_UNLESS_STALE_FIRES`` when results are out of date and the rule does not report
    them: silent (``_STALE_SILENCE``) unless the condition holds on the older values.
    Depends on the rule and causes alone, so a rule's step keeps its answers.
    """
    optional = sorted({name for name, _ in causes if name in rule.optional_inputs})
    if optional:
        # An optional input (e.g. a bone scan) decides whether the rule applies at all.
        return f"silent: optional input {', '.join(optional)} not available"
    kinds = {cause for _, cause in causes}
    if kinds and kinds <= set(_NO_HISTORY):
        return f"silent: not enough history ({', '.join(sorted(kinds))})"
    if "stale" in kinds:
        return "" if rule.when_missing == "report" else _UNLESS_STALE_FIRES
    # Silent when missing, if nothing but missing results kept the rule from judging.
    missing_only = kinds & set(_MISSING) and not kinds - set(_MISSING) - {"stale"}
    if rule.when_missing == "silent" and missing_only:
        missing = sorted({name for name, cause in causes if cause in _MISSING})
        return f"silent: not measured ({', '.join(missing)})"
    return ""


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
    # Texts are rendered on first read. Each piece reads the run as it stood when
    # the engine reached it: judging an escalation step adds ranges and bands.
    pieces = [(rule.clinician_text, run_state(run))]
    for_sex = rule.by_sex.get(data.sex or "")
    if for_sex is not None and for_sex.note:
        pieces.append((for_sex.note, run_state(run)))
    escalated = []
    patient_template = rule.patient_text
    for step in rule.escalate:
        holds = step.condition.evaluate(run) is True
        escalated.append(holds)
        if holds and step.note:
            pieces.append((step.note, run_state(run)))
        if holds and step.patient_text:  # the last holding step's wording wins
            patient_template = step.patient_text
    timing, adjust = _draw_timing(data, rule)
    notes = []
    if timing is not None:
        notes.append(f"Injection timing: {timing.describe()}")
        if adjust is not None:
            pieces.append((adjust.note, run_state(run)))
    draft = draft_target_of(data, rule)
    if draft is not None:
        pieces.append((draft.note, run_state(run)))
        notes.append(draft_target_trace_note(data, rule))
    severity = _capped(_fired_severity(rule, status, escalated, adjust), draft)

    def texts() -> tuple[str, str]:
        clinician = " ".join(
            render(template, rule_lookup(data, rule, state, components))
            for template, state in pieces
        )
        patient = render(patient_template, rule_lookup(data, rule, pieces[0][1], components))
        return clinician, patient

    once = Once(texts)
    # The next step is the rule's own text (or the one that fits this patient): a
    # worklist row reads it without the others.
    chosen = next_step_for(rule, data.sex, components, data.kb.substances)
    return make_finding(
        data,
        rule,
        status=status,
        severity=severity,
        fired=True,
        texts=(Later(once, 0), Later(once, 1), chosen.text if chosen else rule.next_step),
        components=components,
        run=run,
        notes=notes,
        citations=chosen.citations if chosen else (),
        evidence_grade=draft.evidence_grade if draft is not None else None,
    )


def _draft_band(data: PatientData, rule: Rule):  # noqa: ANN202 - a KB TargetBand or None
    """The draft protocol target band an input of the rule judges by, if any."""
    for spec in rule.inputs.values():
        if spec.target is not None:
            found = protocol_target(data, spec)
            if found is not None and found.draft:
                return found
    return None


def draft_target_of(data: PatientData, rule: Rule) -> DraftTarget | None:
    """The rule's ``draft_target`` when an input it judges against a protocol target
    (``target = ...``) meets a draft target band (numbers awaiting a primary source)."""
    if rule.draft_target is None or _draft_band(data, rule) is None:
        return None
    return rule.draft_target


def draft_target_trace_note(data: PatientData, rule: Rule) -> str:
    """The trace note naming the draft target: ``The protocol target used here,
    Endocrine Society 2018, mid-normal (350-600 ng/dL), is a draft in the knowledge
    base: its limits await a check against the guideline's primary source.``"""
    band = _draft_band(data, rule)
    if band is None:
        return "The protocol target used here is a draft in the knowledge base."
    bounds = bounds_of(data, band.analyte, band.low, band.high, band.unit)
    return (
        f"The protocol target used here, {band.label} ({bounds}), is a draft in the knowledge"
        " base: its limits await a check against the guideline's primary source."
    )


def _capped(severity: str, draft: DraftTarget | None) -> str:
    """At most the draft cap when the target is a draft."""
    if draft is not None and severity_rank(severity) > severity_rank(draft.severity):
        return draft.severity
    return severity


def _fired_severity(
    rule: Rule, status: str, escalated: Sequence[bool], adjust: TimingAdjust | None
) -> str:
    """A fired finding's severity: by status, raised by the escalation steps that hold
    (``escalated``, in step order), then as the draw's injection phase says."""
    severity = rule.severity_by_status.get(status, rule.severity)
    for step, holds in zip(rule.escalate, escalated, strict=True):
        if holds and severity_rank(step.severity) > severity_rank(severity):
            severity = step.severity
    if adjust is not None:
        severity = adjust.severity or severity
    return severity


def _draw_timing(data: PatientData, rule: Rule) -> tuple[DrawTiming | None, TimingAdjust | None]:
    """The injection timing of the rule's timed input, and what its phase changes."""
    if not rule.timing_input:
        return None, None
    spec = rule.inputs[rule.timing_input]
    timing = data.timing_of(spec.analyte, data.resolve(spec).point)
    if timing is None:
        return None, None
    return timing, rule.timing.get(timing.phase)


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
