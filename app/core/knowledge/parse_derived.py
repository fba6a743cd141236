"""Read derived.toml: Vermeulen constants, the pairing policy and derived-value definitions."""

from __future__ import annotations

from types import MappingProxyType
from typing import Any

from app.core.knowledge.reader import Context, Section
from app.core.knowledge.records_care import (
    DerivedConfig,
    DerivedDefinition,
    DerivedInput,
    VermeulenConstants,
)
from app.core.units import normalise_unit

FILE = "derived.toml"

# Each method's input roles and the unit its formula expects them in. The formulas are
# written for these units, so the loader refuses a definition that asks for others.
METHOD_INPUTS: dict[str, dict[str, str]] = {
    "vermeulen_free": {"total": "nmol/L", "shbg": "nmol/L", "albumin": "g/L"},
    "vermeulen_bioavailable": {"total": "nmol/L", "shbg": "nmol/L", "albumin": "g/L"},
    "ratio": {"numerator": "", "denominator": ""},
    "albumin_corrected_calcium": {"calcium": "mg/dL", "albumin": "g/dL"},
}
METHOD_PARAMS: dict[str, tuple[str, ...]] = {
    "vermeulen_free": (),
    "vermeulen_bioavailable": (),
    "ratio": (),
    "albumin_corrected_calcium": ("coefficient", "reference_albumin_g_dl"),
}
# Only the Vermeulen methods have a documented default input (ISSAM's albumin).
DEFAULTABLE = {("vermeulen_free", "albumin"), ("vermeulen_bioavailable", "albumin")}


def read_derived(data: Any, ctx: Context) -> DerivedConfig:
    """Read derived.toml."""
    root = Section(data, FILE, "derived", ctx)
    vermeulen = _read_vermeulen(root.table("vermeulen", required=True))
    pairing = root.table("pairing", required=True)
    max_days, stale_days, pairing_note = 0, 0, ""
    if pairing is not None:
        pairing.key = "pairing"
        max_days = pairing.integer("max_days_apart")
        stale_days = pairing.integer("stale_after_days")
        if max_days < 0 or stale_days < 0:
            pairing.problem("day counts must not be negative")
        _, pairing_note = pairing.draft()
        pairing.finish()
    definitions: dict[str, DerivedDefinition] = {}
    table = root.table("definitions", required=True)
    if table is not None:
        for key in list(table.data):
            entry = table.table(key)
            if entry is not None:
                entry.key = key
                definitions[key] = _read_definition(entry, max_days)
        table.finish()
    root.finish()
    return DerivedConfig(
        vermeulen=vermeulen,
        max_days_apart=max_days,
        stale_after_days=stale_days,
        pairing_note=pairing_note,
        definitions=MappingProxyType(definitions),
    )


def _read_vermeulen(section: Section | None) -> VermeulenConstants:
    if section is None:
        return VermeulenConstants(0.0, 0.0, 0.0, 0.0, "")
    section.key = "vermeulen"
    values = {
        name: section.number(name)
        for name in (
            "kt_shbg_l_per_mol",
            "ka_albumin_l_per_mol",
            "albumin_molar_mass_g_per_mol",
            "default_albumin_g_l",
        )
    }
    for name, value in values.items():
        if value is not None and value <= 0:
            section.problem("must be positive", name)
    constants = VermeulenConstants(
        kt_shbg_l_per_mol=values["kt_shbg_l_per_mol"] or 0.0,
        ka_albumin_l_per_mol=values["ka_albumin_l_per_mol"] or 0.0,
        albumin_molar_mass_g_per_mol=values["albumin_molar_mass_g_per_mol"] or 0.0,
        default_albumin_g_l=values["default_albumin_g_l"] or 0.0,
        citation=section.citation(),
    )
    section.finish()
    return constants


def _read_definition(entry: Section, default_days: int) -> DerivedDefinition:
    method = entry.choice("method", tuple(METHOD_INPUTS))
    expected = METHOD_INPUTS.get(method, {})
    inputs: list[DerivedInput] = []
    for section in entry.tables("inputs"):
        role = section.text("role")
        unit = normalise_unit(section.text("unit"))
        use_default = section.flag("use_default")
        if expected and role not in expected:
            section.problem(f"method {method!r} has no input role {role!r}", "role")
        elif expected.get(role) and unit != expected[role]:
            section.problem(f"method {method!r} needs {role!r} in {expected[role]!r}", "unit")
        if use_default and (method, role) not in DEFAULTABLE:
            section.problem(f"{method!r} has no documented default for {role!r}", "use_default")
        inputs.append(DerivedInput(role, section.text("analyte"), unit, use_default))
        section.finish()
    missing = set(expected) - {item.role for item in inputs}
    if missing:
        entry.problem(f"missing inputs for roles {sorted(missing)}", "inputs")
    params_section = entry.table("params")
    params: dict[str, float] = {}
    if params_section is not None:
        for name in list(params_section.data):
            value = params_section.number(name)
            if value is not None:
                params[name] = value
        params_section.finish()
    for name in METHOD_PARAMS.get(method, ()):
        if name not in params:
            entry.problem(f"method {method!r} needs params.{name}", "params")
    anchor = entry.text("anchor")
    if anchor and anchor not in {item.role for item in inputs}:
        entry.problem(f"anchor {anchor!r} is not one of the input roles", "anchor")
    is_draft, note = entry.draft()
    definition = DerivedDefinition(
        key=entry.key,
        method=method,
        inputs=tuple(inputs),
        anchor=anchor,
        output_unit=normalise_unit(entry.text("output_unit")),
        citation=entry.citation(),
        params=MappingProxyType(params),
        max_days_apart=entry.integer("max_days_apart", default_days),
        draft=is_draft,
        note=note,
    )
    entry.finish()
    return definition
