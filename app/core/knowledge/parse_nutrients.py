"""Read nutrients.toml: upper intake levels, supplement forms, interactions, mechanisms."""

from __future__ import annotations

from typing import Any

from app.core.knowledge.reader import Context, Section
from app.core.knowledge.records_care import (
    Interaction,
    Mechanism,
    Nutrient,
    SupplementForm,
    UnitEquivalence,
    UpperLimit,
)

FILE = "nutrients.toml"
INTERACTION_KINDS = ("antagonism", "absorption", "lab_effect", "depletion", "synergy")
_INTAKE_DIMENSIONS = ("mass", "activity")


def read_nutrients(data: Any, ctx: Context) -> dict[str, Nutrient]:
    """Read every nutrient in nutrients.toml."""
    root = Section(data, FILE, "nutrients", ctx)
    nutrients: dict[str, Nutrient] = {}
    for key in list(root.data):
        entry = root.table(key)
        if entry is not None:
            entry.key = key
            nutrients[key] = _read_nutrient(entry)
    root.finish()
    return nutrients


def _intake_unit(section: Section, field: str) -> str:
    unit = section.text(field)
    info = section.ctx.units.get(unit)
    if unit and (info is None or info.dimension not in _INTAKE_DIMENSIONS):
        section.problem(f"unknown intake unit {unit!r} (needs a mass or activity unit)", field)
    return unit


def _read_nutrient(entry: Section) -> Nutrient:
    limits = tuple(_read_limit(section) for section in entry.tables("upper_limits"))
    no_limit = entry.text("no_upper_limit", "")
    if not limits and not no_limit.strip():
        entry.problem("give 'upper_limits' or a 'no_upper_limit' note saying why there is none")
    if limits and no_limit:
        entry.problem("has upper_limits and a 'no_upper_limit' note; keep one")
    nutrient = Nutrient(
        key=entry.key,
        name=entry.text("name"),
        related_analytes=entry.texts("related_analytes"),
        upper_limits=limits,
        no_upper_limit_note=no_limit,
        forms=tuple(_read_form(section) for section in entry.tables("forms")),
        unit_equivalences=tuple(
            _read_equivalence(section) for section in entry.tables("unit_equivalences")
        ),
        interactions=tuple(_read_interaction(section) for section in entry.tables("interactions")),
        mechanisms=tuple(_read_mechanism(section) for section in entry.tables("mechanisms")),
    )
    entry.finish()
    return nutrient


def _read_limit(section: Section) -> UpperLimit:
    amount = section.number("amount")
    if amount is not None and amount <= 0:
        section.problem("amount must be positive", "amount")
    is_draft, note = section.draft()
    limit = UpperLimit(
        amount=amount or 0.0,
        unit=_intake_unit(section, "unit"),
        basis=section.text("basis"),
        citation=section.citation(),
        age_min=section.number("age_min", None),
        age_max=section.number("age_max", None),
        draft=is_draft,
        note=note,
    )
    section.finish()
    return limit


def _read_form(section: Section) -> SupplementForm:
    fraction = section.number("elemental_fraction", None)
    if fraction is not None and not 0 < fraction <= 1:
        section.problem("elemental_fraction must be in (0, 1]", "elemental_fraction")
    is_draft, note = section.draft()
    form = SupplementForm(
        key=section.text("key"),
        name=section.text("name"),
        elemental_fraction=fraction,
        basis=section.text("basis", ""),
        citation=section.citation(required=fraction is not None),
        draft=is_draft,
        note=note,
    )
    section.finish()
    return form


def _read_equivalence(section: Section) -> UnitEquivalence:
    factor = section.number("factor")
    if factor is not None and factor <= 0:
        section.problem("factor must be positive", "factor")
    equivalence = UnitEquivalence(
        from_unit=_intake_unit(section, "from_unit"),
        to_unit=_intake_unit(section, "to_unit"),
        factor=factor or 0.0,
        citation=section.citation(),
        note=section.text("note", ""),
    )
    section.finish()
    return equivalence


def _read_interaction(section: Section) -> Interaction:
    citation = section.citation()
    found = section.ctx.citations.get(citation)
    grade = section.evidence_grade(fallback=found.evidence_grade if found else "")
    if not grade:
        section.problem("has no evidence_grade (here or on its citation)")
    is_draft, note = section.draft()
    interaction = Interaction(
        with_key=section.text("with"),
        kind=section.choice("kind", INTERACTION_KINDS),
        effect=section.text("effect"),
        citation=citation,
        evidence_grade=grade,
        draft=is_draft,
        note=note,
    )
    section.finish()
    return interaction


def _read_mechanism(section: Section) -> Mechanism:
    citation = section.citation()
    found = section.ctx.citations.get(citation)
    grade = section.evidence_grade(fallback=found.evidence_grade if found else "")
    if found is not None and found.kind == "seed" and grade not in ("mechanistic", "observational"):
        section.problem("a claim from a seed document grades as mechanistic or observational")
    mechanism = Mechanism(
        text=section.text("text"),
        citation=citation,
        evidence_grade=grade,
        roles=section.texts("roles"),
        analytes=section.texts("analytes"),
    )
    section.finish()
    return mechanism
