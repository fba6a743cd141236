"""Read substances.toml (regimen vocabulary) and protocols.toml (protocol templates)."""

from __future__ import annotations

from typing import Any

from app.core.knowledge.reader import Context, Section
from app.core.knowledge.records_care import (
    DepotKinetics,
    MonitoringItem,
    Protocol,
    ProtocolComponent,
    Substance,
    TargetBand,
    TypicalDose,
)
from app.core.models import REGIMEN_KINDS, ROUTES

ROLES = (
    "androgen",
    "aromatase_inhibitor",
    "gnrh_agonist",
    "gonadotropin",
    "serm",
    "progestogen",
    "estrogen",
    "thyroid_hormone",
    "micronutrient",
    "supplement_compound",
)
MONITORING_WHEN = ("baseline", "after_start", "after_dose_change", "periodic", "as_indicated")
PROTOCOL_SEXES = ("any", "male", "female")


def read_substances(data: Any, ctx: Context) -> dict[str, Substance]:
    """Read every substance in substances.toml."""
    root = Section(data, "substances.toml", "substances", ctx)
    substances: dict[str, Substance] = {}
    for key in list(root.data):
        entry = root.table(key)
        if entry is not None:
            entry.key = key
            substances[key] = _read_substance(entry)
    root.finish()
    return substances


def _read_substance(entry: Section) -> Substance:
    routes = entry.texts("routes", required=True)
    for route in routes:
        if route not in ROUTES:
            entry.problem(f"route {route!r} is not one of {', '.join(ROUTES)}", "routes")
    default_route = entry.text("default_route")
    if default_route and default_route not in routes:
        entry.problem("default_route must be one of routes", "default_route")
    default_unit = entry.text("default_unit")
    if default_unit and default_unit not in entry.ctx.units:
        entry.problem(f"unknown unit {default_unit!r} (not in units.toml)", "default_unit")
    depot = entry.flag("injectable_depot")
    kinetics_section = entry.table("kinetics")
    kinetics = _read_kinetics(kinetics_section) if kinetics_section else None
    if depot and kinetics is None:
        entry.problem("an injectable depot needs a [kinetics] table (peak, baseline, sampling)")
    steady = entry.table("steady_state")
    weeks, citation, is_draft, note = None, "", False, ""
    if steady is not None:
        weeks = steady.number("weeks")
        is_draft, note = steady.draft()
        # A draft still lacks its primary source, so it may have no citation yet.
        citation = steady.citation(required=not is_draft)
        steady.finish()
    substance = Substance(
        key=entry.key,
        name=entry.text("name"),
        kind=entry.choice("kind", REGIMEN_KINDS),
        role=entry.choice("role", ROLES),
        default_route=default_route,
        routes=routes,
        default_unit=default_unit,
        nutrient=entry.text("nutrient", ""),
        injectable_depot=depot,
        kinetics=kinetics,
        steady_state_weeks=weeks,
        steady_state_citation=citation,
        steady_state_draft=is_draft,
        steady_state_note=note,
        typical_doses=tuple(_read_dose(section) for section in entry.tables("typical_doses")),
        note=entry.text("note", ""),
    )
    entry.finish()
    return substance


def _read_kinetics(section: Section) -> DepotKinetics:
    citation = section.citation()
    found = section.ctx.citations.get(citation)
    kinetics = DepotKinetics(
        peak_days_min=section.number("peak_days_min") or 0.0,
        peak_days_max=section.number("peak_days_max") or 0.0,
        baseline_days_min=section.number("baseline_days_min") or 0.0,
        baseline_days_max=section.number("baseline_days_max") or 0.0,
        sampling=section.text("sampling"),
        citation=citation,
        evidence_grade=section.evidence_grade(fallback=found.evidence_grade if found else ""),
    )
    if not kinetics.peak_days_min <= kinetics.peak_days_max < kinetics.baseline_days_min:
        section.problem("expected peak_days_min <= peak_days_max < baseline_days_min")
    section.finish()
    return kinetics


def _read_dose(section: Section) -> TypicalDose:
    low = section.number("low")
    high = section.number("high")
    if low is not None and high is not None and low > high:
        section.problem("low must not exceed high")
    unit = section.text("unit")
    if unit and unit not in section.ctx.units:
        section.problem(f"unknown unit {unit!r} (not in units.toml)", "unit")
    route = section.text("route", "")
    if route and route not in ROUTES:
        section.problem(f"route {route!r} is not one of {', '.join(ROUTES)}", "route")
    is_draft, note = section.draft()
    # A draft still lacks its primary source, so it may have no citation yet.
    citation = section.citation(required=not is_draft)
    dose = TypicalDose(
        low=low or 0.0,
        high=high or 0.0,
        unit=unit,
        interval_days=section.number("interval_days", None),
        route=route,
        context=section.text("context"),
        citation=citation,
        draft=is_draft,
        note=note,
    )
    section.finish()
    return dose


def read_protocols(data: Any, ctx: Context) -> dict[str, Protocol]:
    """Read every protocol template in protocols.toml."""
    root = Section(data, "protocols.toml", "protocols", ctx)
    protocols: dict[str, Protocol] = {}
    for key in list(root.data):
        entry = root.table(key)
        if entry is None:
            continue
        entry.key = key
        protocols[key] = Protocol(
            key=key,
            name=entry.text("name"),
            sex=entry.choice("sex", PROTOCOL_SEXES, "any"),
            description=entry.text("description", ""),
            citations=entry.citations(),
            components=tuple(_read_component(s) for s in entry.tables("components")),
            monitoring=tuple(_read_monitoring(s) for s in entry.tables("monitoring")),
            targets=tuple(_read_target(s) for s in entry.tables("targets")),
        )
        if not protocols[key].components:
            entry.problem("a protocol needs at least one component")
        entry.finish()
    root.finish()
    return protocols


def _read_component(section: Section) -> ProtocolComponent:
    component = ProtocolComponent(
        role=section.choice("role", ROLES),
        substances=section.texts("substances", required=True),
        required=section.flag("required"),
        note=section.text("note", ""),
    )
    section.finish()
    return component


def _read_monitoring(section: Section) -> MonitoringItem:
    weeks_min = section.number("weeks_min", None)
    weeks_max = section.number("weeks_max", None)
    if weeks_min is not None and weeks_max is not None and weeks_min > weeks_max:
        section.problem("weeks_min must not exceed weeks_max")
    is_draft, note = section.draft()
    item = MonitoringItem(
        when=section.choice("when", MONITORING_WHEN),
        analytes=section.texts("analytes", required=True),
        citation=section.citation(required=not is_draft),
        weeks_min=weeks_min,
        weeks_max=weeks_max,
        every_months=section.number("every_months", None),
        draft=is_draft,
        note=note,
    )
    section.finish()
    return item


def _read_target(section: Section) -> TargetBand:
    citation = section.citation()
    found = section.ctx.citations.get(citation)
    grade = section.evidence_grade(fallback=found.evidence_grade if found else "")
    if not grade:
        section.problem("has no evidence_grade (here or on its citation)")
    low = section.number("low", None)
    high = section.number("high", None)
    if low is None and high is None:
        section.problem("a target needs 'low' or 'high'")
    is_draft, note = section.draft()
    # Units are converted to canonical later, once analytes are known (loader cross-check).
    target = TargetBand(
        analyte=section.text("analyte"),
        low=low,
        high=high,
        unit=section.text("unit"),
        label=section.text("label"),
        citation=citation,
        evidence_grade=grade,
        high_inclusive=section.flag("high_inclusive", True),
        timing=section.text("timing", ""),
        draft=is_draft,
        note=note,
    )
    section.finish()
    return target
