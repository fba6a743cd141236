"""Per-knowledge-base look-ups computed once and shared by every evaluation.

Protocol shapes for detection, roles and kinds by substance, and the depot
timing facts for each analyte an injectable depot drives. Building these once
keeps ``evaluate`` cheap enough for a whole clinic at a time.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from app.core.evaluation.condition_rules import Step, condition_step
from app.core.evaluation.regimen import ProtocolShape
from app.core.evaluation.rules_model import RulePack
from app.core.evaluation.timing import DepotTiming
from app.core.evaluation.verdicts import QuickRule, compile_quick
from app.core.knowledge import KnowledgeBase


@dataclass(frozen=True)
class Prepared:
    """Look-ups derived from one KB and one rule pack.

    Attributes:
        roles_of: KB roles by substance key.
        kinds: KB regimen kind by substance key.
        shapes: Protocol templates reduced to what detection needs.
        depots: Analyte key -> depot timing facts by substance key.
        thresholds: Cache of threshold-set look-ups and their trace labels.
    """

    roles_of: Mapping[str, tuple[str, ...]]
    kinds: Mapping[str, str]
    shapes: tuple[ProtocolShape, ...]
    depots: Mapping[str, Mapping[str, DepotTiming]]
    # Filled on first use and shared by every evaluation with this KB and pack:
    # (analyte, guideline, sex, context) -> (threshold set or None, trace label).
    thresholds: dict = field(default_factory=dict)
    # (analyte, unit as reported) -> KB UnitFactor, or the UnitNotConvertible raised; also
    # the pack's other memos, under keys of their own: ("label", unit) -> display unit,
    # ("derived", key) -> the KB narrowed to one derived value, ("status_map",) -> band
    # words to finding statuses, ("range", analyte, sex, age) -> default reference range,
    # ("scale", nutrient, unit, target unit) -> intake conversion factor,
    # ("derived analytes",) -> the keys of the KB's derived analytes.
    unit_factors: dict = field(default_factory=dict)
    # (sex, age, any hormone, protocols, active keys) -> the rules that apply and why the
    # others do not, in pack order (``engine._plan``).
    applicability: dict = field(default_factory=dict)
    # Rule id -> position in the pack (findings of equal severity keep pack order).
    rule_order: Mapping[str, int] = field(default_factory=dict)
    # Each rule's quick answers, in pack order (None for rules without them).
    quick: tuple[QuickRule | None, ...] = ()
    # Each condition rule as one function of the patient data, in pack order (None for
    # the other kinds).
    steps: tuple[Step | None, ...] = ()


def depot_timings(
    kb: KnowledgeBase,
    roles: tuple[str, ...],
    trough_fraction: float,
    mid_from_fraction: float,
    mid_to_fraction: float,
) -> dict[str, DepotTiming]:
    """Timing facts of every injectable depot substance with one of ``roles``."""
    found = {}
    for key, substance in kb.substances.items():
        kinetics = substance.kinetics
        if not substance.injectable_depot or kinetics is None or substance.role not in roles:
            continue
        found[key] = DepotTiming(
            substance=key,
            peak_start_day=kinetics.peak_days_min,
            peak_end_day=kinetics.peak_days_max,
            trough_fraction=trough_fraction,
            mid_from_fraction=mid_from_fraction,
            mid_to_fraction=mid_to_fraction,
            source=kinetics.citation,
        )
    return found


def prepare(kb: KnowledgeBase, pack: RulePack) -> Prepared:
    """Build the shared look-ups."""
    shapes = tuple(
        ProtocolShape(
            key=key,
            sex=protocol.sex,
            required=tuple(c.substances for c in protocol.components if c.required),
            optional=tuple(c.substances for c in protocol.components if not c.required),
        )
        for key, protocol in kb.protocols.items()
    )
    quick = compile_quick(pack.rules)
    depots = {
        analyte: MappingProxyType(
            depot_timings(
                kb,
                roles,
                pack.timing.trough_fraction,
                pack.timing.mid_from_fraction,
                pack.timing.mid_to_fraction,
            )
        )
        for analyte, roles in pack.timing.analytes.items()
    }
    return Prepared(
        roles_of=MappingProxyType({k: (s.role,) for k, s in kb.substances.items()}),
        kinds=MappingProxyType({k: s.kind for k, s in kb.substances.items()}),
        shapes=shapes,
        depots=MappingProxyType(depots),
        rule_order=MappingProxyType({rule.id: n for n, rule in enumerate(pack.rules)}),
        quick=quick,
        steps=tuple(
            condition_step(rule, answers) if rule.kind == "condition" else None
            for rule, answers in zip(pack.rules, quick, strict=True)
        ),
    )
