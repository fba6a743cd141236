"""Checks that span files: references between analytes, nutrients, substances, protocols.

Run after every file is read, so each reference can be resolved; also builds the
LOINC and name indexes (and reports codes or names claimed by two analytes).
"""

from __future__ import annotations

from dataclasses import replace

from app.core.knowledge.errors import Problems
from app.core.knowledge.names import normalise_name
from app.core.knowledge.parse_common import SEED_GRADES
from app.core.knowledge.parse_protocols import ROLES
from app.core.knowledge.records import Analyte, Citation
from app.core.knowledge.records_care import DerivedConfig, Nutrient, Protocol, Substance
from app.core.units import normalise_unit


def build_indexes(
    analytes: dict[str, Analyte], problems: Problems
) -> tuple[dict[str, str], dict[str, str]]:
    """Return ``(loinc -> analyte key, folded name -> analyte key)``; report clashes."""
    loinc_index: dict[str, str] = {}
    name_index: dict[str, str] = {}
    for key, analyte in analytes.items():
        for code in analyte.loinc:
            other = loinc_index.setdefault(code, key)
            if other != key:
                problems.add("analytes.toml", key, f"LOINC {code} is also listed for {other!r}")
        for name in (key, analyte.name, analyte.short_name, *analyte.synonyms):
            folded = normalise_name(name)
            if not folded:
                continue
            other = name_index.setdefault(folded, key)
            if other != key:
                problems.add("analytes.toml", key, f"name {name!r} is also used by {other!r}")
    return loinc_index, name_index


def check_analytes(
    analytes: dict[str, Analyte], citations: dict[str, Citation], problems: Problems
) -> None:
    """Check derived-from references and that seed-sourced claims are not over-graded."""
    for key, analyte in analytes.items():
        for source in analyte.derived_from:
            if source not in analytes:
                problems.add("analytes.toml", key, f"derived_from: unknown analyte {source!r}")
        graded = [(note.citation, note.evidence_grade) for note in analyte.notes]
        for threshold in analyte.threshold_sets:
            graded += [(band.citation, band.evidence_grade) for band in threshold.bands]
        for citation, grade in graded:
            found = citations.get(citation)
            if found is not None and found.kind == "seed" and grade and grade not in SEED_GRADES:
                problems.add(
                    "analytes.toml", key, f"a claim from seed {citation!r} cannot be {grade!r}"
                )


def check_nutrients(
    nutrients: dict[str, Nutrient],
    analytes: dict[str, Analyte],
    substances: dict[str, Substance],
    problems: Problems,
) -> None:
    """Check that nutrients name real analytes, partners and protocol roles."""
    for key, nutrient in nutrients.items():
        for analyte in nutrient.related_analytes:
            if analyte not in analytes:
                problems.add(
                    "nutrients.toml", key, f"related_analytes: unknown analyte {analyte!r}"
                )
        for interaction in nutrient.interactions:
            if interaction.with_key not in nutrients and interaction.with_key not in substances:
                problems.add(
                    "nutrients.toml",
                    key,
                    f"interaction with unknown nutrient or substance {interaction.with_key!r}",
                )
        for mechanism in nutrient.mechanisms:
            for role in mechanism.roles:
                if role not in ROLES:
                    problems.add("nutrients.toml", key, f"mechanism names unknown role {role!r}")
            for analyte in mechanism.analytes:
                if analyte not in analytes:
                    problems.add(
                        "nutrients.toml", key, f"mechanism names unknown analyte {analyte!r}"
                    )


def check_substances(
    substances: dict[str, Substance], nutrients: dict[str, Nutrient], problems: Problems
) -> None:
    """Check that supplement substances point at a known nutrient."""
    for key, substance in substances.items():
        if substance.nutrient and substance.nutrient not in nutrients:
            problems.add("substances.toml", key, f"unknown nutrient {substance.nutrient!r}")
        if substance.kind == "supplement" and not substance.nutrient:
            problems.add("substances.toml", key, "a supplement needs 'nutrient'")


def check_protocols(
    protocols: dict[str, Protocol],
    substances: dict[str, Substance],
    analytes: dict[str, Analyte],
    problems: Problems,
) -> dict[str, Protocol]:
    """Check protocol references and return protocols with targets in canonical units."""
    checked: dict[str, Protocol] = {}
    for key, protocol in protocols.items():
        for component in protocol.components:
            for name in component.substances:
                substance = substances.get(name)
                if substance is None:
                    problems.add("protocols.toml", key, f"unknown substance {name!r}")
                elif substance.role != component.role:
                    problems.add(
                        "protocols.toml",
                        key,
                        f"{name!r} has role {substance.role!r}, not {component.role!r}",
                    )
        for item in protocol.monitoring:
            for name in item.analytes:
                if name not in analytes:
                    problems.add("protocols.toml", key, f"monitoring: unknown analyte {name!r}")
        targets = []
        for target in protocol.targets:
            analyte = analytes.get(target.analyte)
            if analyte is None:
                problems.add("protocols.toml", key, f"target: unknown analyte {target.analyte!r}")
                continue
            factor = analyte.units.get(normalise_unit(target.unit))
            if factor is None:
                problems.add(
                    "protocols.toml",
                    key,
                    f"target {target.analyte}: unit {target.unit!r} is not accepted",
                )
                continue
            targets.append(
                replace(
                    target,
                    low=None if target.low is None else factor.to_canonical(target.low),
                    high=None if target.high is None else factor.to_canonical(target.high),
                    unit=analyte.canonical_unit,
                )
            )
        checked[key] = replace(protocol, targets=tuple(targets))
    return checked


def check_derived(derived: DerivedConfig, analytes: dict[str, Analyte], problems: Problems) -> None:
    """Check that each definition computes a 'derived' analyte from accepted input units."""
    for key, definition in derived.definitions.items():
        target = analytes.get(key)
        if target is None or target.kind != "derived":
            problems.add("derived.toml", key, "needs an analyte of kind 'derived' with this key")
        elif definition.output_unit not in target.units:
            problems.add(
                "derived.toml", key, f"output_unit {definition.output_unit!r} is not accepted"
            )
        for item in definition.inputs:
            source = analytes.get(item.analyte)
            if source is None:
                problems.add("derived.toml", key, f"input {item.role}: unknown analyte")
                continue
            if item.unit not in source.units:
                problems.add(
                    "derived.toml",
                    key,
                    f"input {item.role}: unit {item.unit!r} is not accepted by {item.analyte!r}",
                )
    for key, analyte in analytes.items():
        if analyte.kind == "derived" and key not in derived.definitions:
            problems.add("analytes.toml", key, "derived analyte has no definition in derived.toml")
