"""Frozen records for nutrients, regimen substances, protocol templates and derived values.

Like ``records``, every clinical number here came from TOML with a citation key, and
items still lacking a primary source carry ``draft=True`` and a note.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

# --- nutrients ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class UpperLimit:
    """Adult tolerable upper intake level (UL) per day, optionally for an age band."""

    amount: float
    unit: str
    basis: str
    citation: str
    age_min: float | None = None
    age_max: float | None = None
    draft: bool = False
    note: str = ""


@dataclass(frozen=True, slots=True)
class SupplementForm:
    """A supplement form and the fraction of its weight that is the nutrient."""

    key: str
    name: str
    elemental_fraction: float | None
    basis: str
    citation: str
    draft: bool = False
    note: str = ""


@dataclass(frozen=True, slots=True)
class UnitEquivalence:
    """A dose-unit identity such as ``1 ug vitamin D3 = 40 IU``."""

    from_unit: str
    to_unit: str
    factor: float
    citation: str
    note: str = ""


@dataclass(frozen=True, slots=True)
class Interaction:
    """A known antagonism or lab effect between a nutrient and another nutrient or substance."""

    with_key: str
    kind: str
    effect: str
    citation: str
    evidence_grade: str
    draft: bool = False
    note: str = ""


@dataclass(frozen=True, slots=True)
class Mechanism:
    """Why a nutrient matters for hormone protocols, as a source document states it."""

    text: str
    citation: str
    evidence_grade: str
    roles: tuple[str, ...] = ()
    analytes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Nutrient:
    """A micronutrient (or supplement compound) the clinic may check or supplement."""

    key: str
    name: str
    related_analytes: tuple[str, ...]
    upper_limits: tuple[UpperLimit, ...]
    no_upper_limit_note: str
    forms: tuple[SupplementForm, ...]
    unit_equivalences: tuple[UnitEquivalence, ...]
    interactions: tuple[Interaction, ...]
    mechanisms: tuple[Mechanism, ...]

    def upper_limit(self, age_years: float | None = None) -> UpperLimit | None:
        """Return the UL for an adult of ``age_years``; None when none is established.

        With an unknown age only an age-independent UL is returned.
        """
        for limit in self.upper_limits:
            if limit.age_min is None and limit.age_max is None:
                return limit
            if age_years is None:
                continue
            if limit.age_min is not None and age_years < limit.age_min:
                continue
            if limit.age_max is not None and age_years >= limit.age_max:
                continue
            return limit
        return None


# --- substances --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DepotKinetics:
    """Timing facts for an injectable depot, used to judge when a level was drawn."""

    peak_days_min: float
    peak_days_max: float
    baseline_days_min: float
    baseline_days_max: float
    sampling: str
    citation: str
    evidence_grade: str


@dataclass(frozen=True, slots=True)
class TypicalDose:
    """A dose seen in guidelines or practice, for recognising a regimen (not advice)."""

    low: float
    high: float
    unit: str
    interval_days: float | None
    route: str
    context: str
    citation: str
    draft: bool = False
    note: str = ""


@dataclass(frozen=True)
class Substance:
    """A regimen vocabulary entry: the key stored in ``RegimenItem.substance``."""

    key: str
    name: str
    kind: str
    role: str
    default_route: str
    routes: tuple[str, ...]
    default_unit: str
    nutrient: str = ""
    injectable_depot: bool = False
    kinetics: DepotKinetics | None = None
    steady_state_weeks: float | None = None
    steady_state_citation: str = ""
    steady_state_draft: bool = False
    steady_state_note: str = ""
    typical_doses: tuple[TypicalDose, ...] = ()
    note: str = ""


# --- protocols ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ProtocolComponent:
    """One role in a protocol template and the substances that can fill it."""

    role: str
    substances: tuple[str, ...]
    required: bool
    note: str = ""


@dataclass(frozen=True, slots=True)
class MonitoringItem:
    """Which analytes to draw when: at baseline, after a start or dose change, or periodically."""

    when: str
    analytes: tuple[str, ...]
    citation: str
    weeks_min: float | None = None
    weeks_max: float | None = None
    every_months: float | None = None
    draft: bool = False
    note: str = ""


@dataclass(frozen=True, slots=True)
class TargetBand:
    """An on-treatment target or action limit for one analyte, in its canonical unit."""

    analyte: str
    low: float | None
    high: float | None
    unit: str
    label: str
    citation: str
    evidence_grade: str
    high_inclusive: bool = True
    timing: str = ""
    draft: bool = False
    note: str = ""


@dataclass(frozen=True)
class Protocol:
    """A protocol template: components, monitoring schedule and target bands."""

    key: str
    name: str
    sex: str
    description: str
    components: tuple[ProtocolComponent, ...]
    monitoring: tuple[MonitoringItem, ...]
    targets: tuple[TargetBand, ...]
    citations: tuple[str, ...]


# --- derived values ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class VermeulenConstants:
    """Binding constants for the Vermeulen (1999) free-testosterone calculation."""

    kt_shbg_l_per_mol: float
    ka_albumin_l_per_mol: float
    albumin_molar_mass_g_per_mol: float
    default_albumin_g_l: float
    citation: str


@dataclass(frozen=True, slots=True)
class DerivedInput:
    """One input of a derived value: its role, analyte and the unit the formula wants."""

    role: str
    analyte: str
    unit: str
    use_default: bool = False


@dataclass(frozen=True)
class DerivedDefinition:
    """How one derived analyte is computed from measured ones."""

    key: str
    method: str
    inputs: tuple[DerivedInput, ...]
    anchor: str
    output_unit: str
    citation: str
    params: Mapping[str, float]
    max_days_apart: int
    draft: bool = False
    note: str = ""


@dataclass(frozen=True)
class DerivedConfig:
    """The derived-values section: constants, pairing policy and definitions."""

    vermeulen: VermeulenConstants
    max_days_apart: int
    stale_after_days: int
    pairing_note: str
    definitions: Mapping[str, DerivedDefinition]

    def measured_for(self, analyte_keys: Iterable[str]) -> set[str]:
        """The measured analytes ``analyte_keys`` are drawn from: each measured key
        itself, and every input of a derived one (inputs are always measured)."""
        needed: set[str] = set()
        for key in analyte_keys:
            definition = self.definitions.get(key)
            if definition is None:
                needed.add(key)
            else:
                needed.update(item.analyte for item in definition.inputs)
        return needed
