"""Read analytes.toml: codes, units and factors, reference ranges, thresholds, notes."""

from __future__ import annotations

from types import MappingProxyType
from typing import Any

from app.core.knowledge.parse_common import Manifest
from app.core.knowledge.reader import Context, Section
from app.core.knowledge.records import (
    Analyte,
    AnalyteNote,
    ReferenceRange,
    ThresholdBand,
    ThresholdSet,
    UnitFactor,
)
from app.core.loinc import is_valid_loinc
from app.core.units import normalise_unit

FILE = "analytes.toml"
ANALYTE_KINDS = ("lab", "measurement", "symptom", "derived")
SEXES = ("any", "male", "female")
DIRECTIONS = ("higher_worse", "higher_better")
NOTE_TOPICS = ("sampling", "interpretation", "interference", "mechanism", "method")


def read_analytes(data: Any, ctx: Context, manifest: Manifest) -> dict[str, Analyte]:
    """Read every analyte in analytes.toml."""
    root = Section(data, FILE, "analytes", ctx)
    analytes: dict[str, Analyte] = {}
    for key in list(root.data):
        entry = root.table(key)
        if entry is not None:
            entry.key = key
            analytes[key] = _read_analyte(entry, manifest)
    root.finish()
    return analytes


def _read_analyte(entry: Section, manifest: Manifest) -> Analyte:
    kind = entry.choice("kind", ANALYTE_KINDS)
    category = entry.text("category")
    if category and category not in manifest.categories:
        entry.problem(f"category {category!r} is not listed in kb.toml categories", "category")
    loinc = entry.texts("loinc")
    for code in loinc:
        if not is_valid_loinc(code):
            entry.problem(f"LOINC {code!r} fails the mod-10 check digit (or is malformed)", "loinc")
    unconfirmed = entry.texts("loinc_unconfirmed")
    for code in unconfirmed:
        if not is_valid_loinc(code):
            entry.problem(f"LOINC {code!r} fails the mod-10 check digit", "loinc_unconfirmed")
    conversion_citation = entry.citation("conversion_citation", required=False)
    canonical = _registered_unit(entry, entry.text("canonical_unit"), "canonical_unit")
    si_unit = _registered_unit(entry, entry.text("si_unit", canonical), "si_unit")
    units = _read_units(entry, canonical, conversion_citation)
    if si_unit and si_unit not in units:
        entry.problem(f"si_unit {si_unit!r} has no factor in units", "si_unit")
    unconvertible = _read_unconvertible(entry, units)
    ranges = tuple(
        _read_range(section, canonical, units, manifest)
        for section in entry.tables("reference_ranges")
    )
    thresholds = tuple(
        _read_threshold_set(section, entry.key, canonical, units, manifest)
        for section in entry.tables("thresholds")
    )
    default_guideline = entry.text("default_guideline", "")
    default_context = entry.text("default_threshold_context", "")
    no_thresholds = entry.text("no_thresholds", "")
    _check_threshold_defaults(entry, thresholds, default_guideline, default_context, no_thresholds)
    direction = entry.choice("direction", DIRECTIONS, "")
    scale_min = entry.number("scale_min", None)
    scale_max = entry.number("scale_max", None)
    if kind == "symptom" and (not direction or scale_min is None or scale_max is None):
        entry.problem("a symptom needs 'direction', 'scale_min' and 'scale_max'")
    derived_from = entry.texts("derived_from", required=kind == "derived")
    is_draft, note = entry.draft()
    analyte = Analyte(
        key=entry.key,
        name=entry.text("name"),
        short_name=entry.text("short_name", ""),
        kind=kind,
        category=category,
        synonyms=entry.texts("synonyms"),
        loinc=loinc,
        canonical_unit=canonical,
        si_unit=si_unit,
        decimals=_decimals(entry, "decimals", 1),
        si_decimals=_decimals(entry, "si_decimals", None),
        units=MappingProxyType(units),
        unconvertible=MappingProxyType(unconvertible),
        reference_ranges=ranges,
        threshold_sets=thresholds,
        default_guideline=default_guideline,
        default_threshold_context=default_context,
        no_thresholds_note=no_thresholds,
        specimen=entry.text("specimen", ""),
        conversion_citation=conversion_citation,
        notes=tuple(_read_note(section) for section in entry.tables("notes")),
        loinc_unconfirmed=unconfirmed,
        derived_from=derived_from,
        direction=direction,
        scale_min=scale_min,
        scale_max=scale_max,
        draft=is_draft,
        note=note,
    )
    entry.finish()
    return analyte


def _decimals(entry: Section, name: str, default: int | None) -> int | None:
    value = entry.integer(name, default)
    if value is not None and not 0 <= value <= 6:
        entry.problem("must be between 0 and 6", name)
    return value


def _registered_unit(section: Section, text: str, field: str) -> str:
    """Normalise a unit reference and check it is in units.toml."""
    unit = normalise_unit(text)
    if text and unit not in section.ctx.units:
        section.problem(f"unknown unit {text!r} (not in units.toml)", field)
    return unit


def _analyte_unit(section: Section, text: str, units: dict[str, UnitFactor], field: str) -> str:
    """Normalise a unit reference that must be one of the analyte's accepted units."""
    unit = _registered_unit(section, text, field)
    if unit in section.ctx.units and unit not in units:
        section.problem(f"unit {text!r} is not an accepted unit of this analyte", field)
    return unit


def _read_units(entry: Section, canonical: str, fallback_citation: str) -> dict[str, UnitFactor]:
    table = entry.table("units", required=True)
    units: dict[str, UnitFactor] = {}
    if table is None:
        return units
    for written in list(table.data):
        unit = _registered_unit(table, written, written)
        raw = table.raw(written)
        if isinstance(raw, bool) or not isinstance(raw, int | float | dict):
            table.problem("must be a number or a table", written)
            continue
        if isinstance(raw, dict):
            factor = _read_factor_table(
                Section(raw, entry.file, f"{table.key}.{written}", entry.ctx),
                unit,
                fallback_citation,
            )
        else:
            factor = UnitFactor(unit=unit, scale=float(raw), citation=fallback_citation)
        if factor.scale <= 0:
            table.problem("factor must be positive", written)
            continue
        if (factor.scale != 1.0 or factor.offset) and not factor.citation:
            table.problem("conversion factor has no source (set conversion_citation)", written)
        if unit in units:
            table.problem(f"unit listed twice (as {unit!r})", written)
        units[unit] = factor
    table.finish()
    if canonical and canonical not in units:
        entry.problem(f"canonical unit {canonical!r} is missing from units", "units")
    elif canonical and (units[canonical].scale != 1.0 or units[canonical].offset):
        entry.problem("the canonical unit's factor must be 1", "units")
    return units


def _read_factor_table(section: Section, unit: str, fallback_citation: str) -> UnitFactor:
    to_canonical = section.number("to_canonical", None)
    from_canonical = section.number("from_canonical", None)
    offset = section.number("canonical_offset", 0.0)
    if (to_canonical is None) == (from_canonical is None):
        section.problem("give exactly one of 'to_canonical' or 'from_canonical'")
        scale = 1.0
    elif to_canonical is not None:
        scale = to_canonical
    else:
        scale = 1.0 / from_canonical if from_canonical else 0.0
    citation = section.citation(required=False, fallback=fallback_citation)
    is_draft, note = section.draft()
    section.finish()
    return UnitFactor(unit, scale, offset or 0.0, citation, is_draft, note)


def _read_unconvertible(entry: Section, units: dict[str, UnitFactor]) -> dict[str, str]:
    table = entry.table("unconvertible")
    reasons: dict[str, str] = {}
    if table is None:
        return reasons
    for written in list(table.data):
        unit = _registered_unit(table, written, written)
        reason = table.text(written)
        if unit in units:
            table.problem("unit is both convertible and unconvertible", written)
        reasons[unit] = reason
    table.finish()
    return reasons


def _sex(section: Section) -> str:
    return section.choice("sex", SEXES, "any")


def _context(section: Section, manifest: Manifest, field: str = "context") -> str:
    context = section.text(field, "")
    if context and context not in manifest.contexts:
        section.problem(f"context {context!r} is not listed in kb.toml contexts", field)
    return context


def _read_range(
    section: Section, canonical: str, units: dict[str, UnitFactor], manifest: Manifest
) -> ReferenceRange:
    unit = _analyte_unit(section, section.text("unit", canonical), units, "unit")
    factor = units.get(unit)
    low = section.number("low", None)
    high = section.number("high", None)
    if low is None and high is None:
        section.problem("a reference range needs 'low' or 'high'")
    if low is not None and high is not None and low >= high:
        section.problem(f"low {low:g} must be below high {high:g}")
    if factor is not None:
        low = None if low is None else factor.to_canonical(low)
        high = None if high is None else factor.to_canonical(high)
    age_min = section.number("age_min", None)
    age_max = section.number("age_max", None)
    if age_min is not None and age_max is not None and age_min >= age_max:
        section.problem("age_min must be below age_max (age_max is exclusive)")
    is_draft, note = section.draft()
    result = ReferenceRange(
        low=low,
        high=high,
        unit=canonical,
        label=section.text("label"),
        citation=section.citation(),
        sex=_sex(section),
        age_min=age_min,
        age_max=age_max,
        context=_context(section, manifest),
        lab=section.text("lab", ""),
        draft=is_draft,
        note=note,
    )
    section.finish()
    return result


def _read_threshold_set(
    section: Section,
    analyte_key: str,
    canonical: str,
    units: dict[str, UnitFactor],
    manifest: Manifest,
) -> ThresholdSet:
    unit = _analyte_unit(section, section.text("unit", canonical), units, "unit")
    factor = units.get(unit)
    citation = section.citation(required=False)
    grade = section.evidence_grade(fallback=_citation_grade(section, citation))
    bands = []
    for band_section in section.tables("bands"):
        bands.append(_read_band(band_section, factor, citation, grade, manifest))
    if not bands:
        section.problem("a threshold set needs at least one band")
    _check_bands(section, bands)
    is_draft, note = section.draft()
    result = ThresholdSet(
        analyte_key=analyte_key,
        guideline=section.text("guideline"),
        name=section.text("name"),
        version=section.text("version"),
        unit=canonical,
        bands=tuple(bands),
        citation=citation,
        evidence_grade=grade,
        sex=_sex(section),
        context=_context(section, manifest),
        population_only=section.flag("population_only"),
        draft=is_draft,
        note=note,
    )
    section.finish()
    return result


def _citation_grade(section: Section, citation: str) -> str:
    found = section.ctx.citations.get(citation)
    return found.evidence_grade if found else ""


def _read_band(
    section: Section,
    factor: UnitFactor | None,
    set_citation: str,
    set_grade: str,
    manifest: Manifest,
) -> ThresholdBand:
    status = section.text("status")
    if status and status not in manifest.statuses:
        section.problem(f"status {status!r} is not listed in kb.toml statuses", "status")
    low = section.number("low", None)
    high = section.number("high", None)
    if factor is not None:
        low = None if low is None else factor.to_canonical(low)
        high = None if high is None else factor.to_canonical(high)
    citation = section.citation(fallback=set_citation)
    grade = section.evidence_grade(fallback=set_grade or _citation_grade(section, citation))
    if not grade:
        section.problem("has no evidence_grade (on the band, its set, or its citation)")
    is_draft, note = section.draft()
    band = ThresholdBand(
        status=status,
        low=low,
        high=high,
        citation=citation,
        evidence_grade=grade,
        low_inclusive=section.flag("low_inclusive", True),
        high_inclusive=section.flag("high_inclusive", False),
        label=section.text("label", ""),
        draft=is_draft,
        note=note,
    )
    section.finish()
    return band


def _check_bands(section: Section, bands: list[ThresholdBand]) -> None:
    """Bands must run low to high, meet exactly, and cover every value once."""
    if not bands:
        return
    if bands[0].low is not None:
        section.problem("the first band must have no 'low' (it covers everything below)")
    if bands[-1].high is not None:
        section.problem("the last band must have no 'high' (it covers everything above)")
    for below, above in zip(bands, bands[1:], strict=False):
        if below.high is None or above.low is None or abs(below.high - above.low) > 1e-9:
            section.problem(
                f"bands {below.status!r} and {above.status!r} must meet: "
                f"high {below.high} vs low {above.low}"
            )
        elif below.high_inclusive == above.low_inclusive:
            section.problem(
                f"boundary {below.high:g} between {below.status!r} and {above.status!r} "
                "must belong to exactly one band"
            )


def _check_threshold_defaults(
    entry: Section,
    sets: tuple[ThresholdSet, ...],
    default_guideline: str,
    default_context: str,
    no_thresholds: str,
) -> None:
    if sets and no_thresholds:
        entry.problem("has thresholds and a 'no_thresholds' note; keep one")
    if default_guideline and not any(s.guideline == default_guideline for s in sets):
        entry.problem(f"default_guideline {default_guideline!r} has no threshold set")
    if default_context and not any(s.context == default_context for s in sets):
        entry.problem(f"default_threshold_context {default_context!r} has no threshold set")
    seen: set[tuple[str, str, str]] = set()
    for index, threshold in enumerate(sets):
        identity = (threshold.guideline, threshold.sex, threshold.context)
        if identity in seen:
            entry.problem(f"duplicate threshold set {identity}", f"thresholds[{index}]")
        seen.add(identity)
        if threshold.population_only and threshold.guideline == default_guideline:
            entry.problem("a population-only guideline cannot be the default for individuals")


def _read_note(section: Section) -> AnalyteNote:
    note = AnalyteNote(
        topic=section.choice("topic", NOTE_TOPICS),
        text=section.text("text"),
        citation=section.citation(),
        evidence_grade=section.evidence_grade(),
    )
    section.finish()
    return note
