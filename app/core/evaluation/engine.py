"""``evaluate``: the pure function from a patient's records to findings.

Same inputs, same output: no clock, no database, no globals besides a cache of
compiled rule packs keyed by knowledge base. The screen, the PDF and the CLI all
print what this returns.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

from app.core.evaluation.findings import (
    SEVERITIES,
    Evaluation,
    Finding,
    Suppression,
    severity_rank,
)
from app.core.evaluation.limits import evaluate_upper_limits
from app.core.evaluation.monitoring import evaluate_monitoring
from app.core.evaluation.patient import PatientData
from app.core.evaluation.prepared import Prepared, prepare
from app.core.evaluation.regimen import RegimenIndex, active_components, detect_protocols
from app.core.evaluation.rulebook import load_rules
from app.core.evaluation.rules_model import Rule, RulePack
from app.core.evaluation.stack import summarise_stack
from app.core.evaluation.suppression import apply_suppressions
from app.core.evaluation.timing import DepotTiming
from app.core.knowledge import KnowledgeBase
from app.core.models import Observation, Patient, RegimenItem


@dataclass(frozen=True)
class EvaluationOptions:
    """Choices a clinic can make without editing rules.

    Attributes:
        guidelines: Threshold guideline per analyte key, e.g.
            ``{"vitamin_d_25oh": "es_2024"}``; unlisted analytes use the KB default.
        rules: A compiled rule pack to use instead of the bundled rules.toml.
        include_checks: Also return rules that ran without firing (for "why not?").
    """

    guidelines: Mapping[str, str] = field(default_factory=dict)
    rules: RulePack | None = None
    include_checks: bool = True


_RANKS = {severity: severity_rank(severity) for severity in SEVERITIES}
_CACHE_LOCK = threading.Lock()
_PROFILES_KEPT = 50_000  # applicability profiles remembered per rule pack (a few KB each)
_PACKS: dict[int, tuple[KnowledgeBase, RulePack, Prepared]] = {}
# (id of the full pack, rule ids) -> (full pack, subset, KB, look-ups); the full pack
# is kept in the entry so its id cannot be reused.
_SUBSETS: dict[tuple[int, frozenset], tuple[RulePack, RulePack, KnowledgeBase, Prepared]] = {}
_SUBSETS_KEPT = 16


def rules_for(kb: KnowledgeBase, path: str | Path | None = None) -> RulePack:
    """The bundled (or given) rule pack compiled against ``kb``; cached per KB object."""
    return _prepared_for(kb, None, path)[0]


def rules_subset(kb: KnowledgeBase, rule_ids: Iterable[str]) -> RulePack:
    """The bundled pack narrowed to ``rule_ids`` (a worklist's rules); cached.

    Rules do not read each other, so each kept rule gives exactly the findings it
    gives in the whole pack; gates, messages and derive windows are the pack's own.

    Raises:
        KeyError: If a rule id is not in the pack.
    """
    wanted = frozenset(rule_ids)
    full = rules_for(kb)
    with _CACHE_LOCK:
        key = (id(full), wanted)
        cached = _SUBSETS.get(key)
        if cached is not None and cached[0] is full:
            return cached[1]
    unknown = wanted - {rule.id for rule in full.rules}
    if unknown:
        raise KeyError(", ".join(sorted(unknown)))
    subset = replace(full, rules=tuple(rule for rule in full.rules if rule.id in wanted))
    ready = prepare(kb, subset)
    with _CACHE_LOCK:
        if len(_SUBSETS) >= _SUBSETS_KEPT:
            _SUBSETS.pop(next(iter(_SUBSETS)))
        _SUBSETS[key] = (full, subset, kb, ready)
    return subset


def _prepared_for(
    kb: KnowledgeBase, pack: RulePack | None, path: str | Path | None = None
) -> tuple[RulePack, Prepared]:
    if pack is not None:
        # The bundled pack or a subset of it, passed explicitly: its shared look-ups.
        bundled = _PACKS.get(id(kb))
        if bundled is not None and bundled[0] is kb and bundled[1] is pack:
            return pack, bundled[2]
        for _full, subset, subset_kb, ready in list(_SUBSETS.values()):
            if subset is pack and subset_kb is kb:
                return pack, ready
        return pack, prepare(kb, pack)
    with _CACHE_LOCK:
        cached = _PACKS.get(id(kb))
        # The KB object is kept in the cache entry, so its id cannot be reused.
        if cached is not None and cached[0] is kb and path is None:
            return cached[1], cached[2]
        loaded = load_rules(kb, path)
        ready = prepare(kb, loaded)
        if path is None:
            _PACKS[id(kb)] = (kb, loaded, ready)
        return loaded, ready


def depots_for(kb: KnowledgeBase, analyte: str) -> Mapping[str, DepotTiming]:
    """Depot timing facts for the substances that drive ``analyte`` (for charts, PDF).

    Pass the result to ``draw_timing(regimen, depots, collected_at)``; it is empty
    for analytes no injectable depot drives.
    """
    return _prepared_for(kb, None)[1].depots.get(analyte, {})


def evaluate(
    patient: Patient,
    regimen: Iterable[RegimenItem],
    observations: Iterable[Observation],
    kb: KnowledgeBase,
    as_of: date,
    suppressions: Iterable[Suppression] = (),
    *,
    options: EvaluationOptions | None = None,
) -> Evaluation:
    """Evaluate every rule for one patient as of one date.

    Args:
        patient: The patient (sex at birth and date of birth are used).
        regimen: All regimen rows (past ones too: dose chains and baselines).
        observations: All results; excluded ones and those after ``as_of`` are
            ignored.
        kb: The knowledge base.
        as_of: The evaluation date.
        suppressions: Per-patient suppressions; a matching finding is returned
            marked suppressed.
        options: Guideline choices, an alternative rule pack, check output.

    Returns:
        The evaluation: protocols, components, stack, findings and checks.

    Raises:
        ValueError: If ``options.guidelines`` names a guideline the KB lacks.
    """
    opts = options or EvaluationOptions()
    _check_guidelines(kb, opts.guidelines)
    pack, ready = _prepared_for(kb, opts.rules)
    data = patient_data(patient, regimen, observations, kb, as_of, opts)
    components, protocols, stack = data.components, data.protocols, data.stack
    found: list[Finding] = []
    checks: list[Finding] = []
    skipped: list[tuple[str, str]] = []
    # Applicability depends on a few facts many patients share: decide it once for each.
    profile = (data.sex, data.age, bool(components), protocols, data.active_keys)
    plan = ready.applicability.get(profile)
    if plan is None:
        plan = _plan(pack, ready, data)
        if len(ready.applicability) < _PROFILES_KEPT:
            ready.applicability[profile] = plan
    for rule, step, not_applicable in plan:
        if rule is None:
            skipped.extend(not_applicable)
            continue
        if step is not None:  # a condition rule (most): one result, no list to build
            result = step(data)
            if result is None:
                continue
            if type(result) is str:
                skipped.append((rule.id, result))
            else:
                (found if result.fired else checks).append(result)
            continue
        for result in _run(rule, data):
            if result is None:
                continue
            if type(result) is str:
                skipped.append((rule.id, result))
            else:
                (found if result.fired else checks).append(result)
    order = ready.rule_order
    found.sort(key=lambda f: (-_RANKS[f.severity], order[f.rule_id]))
    return Evaluation(
        as_of=as_of,
        kb_version=kb.version,
        rules_version=pack.version,
        patient_id=patient.id,
        protocols=protocols,
        components=components,
        stack=stack,
        findings=apply_suppressions(found, suppressions),
        checks=tuple(checks) if opts.include_checks else (),
        not_applicable=tuple(skipped),
    )


def patient_data(
    patient: Patient,
    regimen: Iterable[RegimenItem],
    observations: Iterable[Observation],
    kb: KnowledgeBase,
    as_of: date,
    options: EvaluationOptions,
) -> PatientData:
    """What every rule of one evaluation reads: results, regimen, protocols, stack."""
    pack, ready = _prepared_for(kb, options.rules)
    index = RegimenIndex.build(regimen)
    components = active_components(index, as_of, ready.roles_of, ready.kinds)
    protocols = detect_protocols(ready.shapes, components, patient.sex_at_birth)
    stack = summarise_stack(index, kb, as_of, patient.age_on(as_of), ready.unit_factors)
    return PatientData(
        patient, index, observations, kb, pack, as_of, components, stack, protocols,
        options.guidelines, ready.depots, ready.thresholds, options.include_checks,
        ready.unit_factors,
    )  # fmt: skip


def _check_guidelines(kb: KnowledgeBase, guidelines: Mapping[str, str]) -> None:
    """Refuse a guideline choice the KB cannot honour, rather than judge nothing."""
    for analyte, name in guidelines.items():
        known = kb.analytes.get(analyte)
        if known is None or name not in known.guidelines:
            offered = ", ".join(known.guidelines) if known else "none (unknown analyte)"
            raise ValueError(f"no guideline {name!r} for {analyte!r}; the KB offers: {offered}")


def _run(rule: Rule, data: PatientData) -> list[Finding | str | None]:
    """An upper-limit or monitoring rule's findings (condition rules run as steps)."""
    if rule.kind == "upper_limit":
        return list(evaluate_upper_limits(data, rule))
    return list(evaluate_monitoring(data, rule))


def _plan(pack: RulePack, ready: Prepared, data: PatientData) -> tuple:
    """The pack for one applicability profile, in order: ``(rule, its step or None,
    ())`` for a rule that applies, ``(None, None, reasons)`` for a run of rules that do
    not, ``reasons`` their ``(rule id, why not)`` pairs."""
    plan: list = []
    for rule, step in zip(pack.rules, ready.steps, strict=True):
        reason = _not_applicable(rule, data)
        if not reason:
            plan.append((rule, step, ()))
        elif plan and plan[-1][0] is None:
            plan[-1] = (None, None, (*plan[-1][2], (rule.id, reason)))
        else:
            plan.append((None, None, ((rule.id, reason),)))
    return tuple(plan)


def _not_applicable(rule: Rule, data: PatientData) -> str:
    """Why a rule does not apply to this patient today ("" when it does)."""
    applies = rule.applies_to
    if applies.sex and data.sex not in applies.sex:
        return f"sex at birth is {data.sex}"
    if applies.age_min is not None and data.age < applies.age_min:
        return f"age {data.age} is under {applies.age_min:g}"
    if applies.age_max is not None and data.age >= applies.age_max:
        return f"age {data.age} is {applies.age_max:g} or over"
    if applies.everyone or (applies.any_hormone and data.components):
        return ""
    if applies.protocols and set(applies.protocols) & set(data.protocols):
        return ""
    if not data.active_keys.isdisjoint(applies.roles) or not data.active_keys.isdisjoint(
        applies.substances
    ):
        return ""
    return "no matching protocol component is active"
