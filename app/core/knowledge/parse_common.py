"""Read kb.toml (version and vocabularies), citations.toml and units.toml."""

from __future__ import annotations

import re
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from app.core.knowledge.reader import Context, Section
from app.core.knowledge.records import Citation, UnitInfo
from app.core.units import normalise_unit

CITATION_KINDS = (
    "guideline",
    "consensus",
    "paper",
    "lab_directory",
    "database",
    "calculator",
    "reference_text",
    "computed",
    "seed",
)
# The seeds are persuasive patient-facing texts: what they say about mechanisms is at
# best mechanistic or observational evidence, never guideline-grade.
SEED_GRADES = ("mechanistic", "observational")
STATUS_CONCERNS = ("low", "high", "none")
UNIT_DIMENSIONS = (
    "mass_concentration",
    "substance_concentration",
    "arbitrary_concentration",
    "charge_concentration",
    "mass_rate",
    "fraction",
    "ratio",
    "score",
    "mass",
    "activity",
    "volume",
    # Monitoring labs, vital signs and body measures.
    "catalytic_concentration",
    "number_concentration",
    "entitic_volume",
    "volume_rate",
    "volume_rate_per_area",
    "pressure",
    "rate",
    "length",
    "mass_per_area",
)
_VERSION = re.compile(r"^\d{4}\.\d{1,2}\.\d+$")


@dataclass(frozen=True)
class Manifest:
    """kb.toml: the version and the vocabularies other files are checked against."""

    version: str
    title: str
    statuses: MappingProxyType[str, tuple[str, str]]
    categories: tuple[str, ...]
    contexts: tuple[str, ...]


def read_manifest(data: Any, ctx: Context) -> Manifest:
    """Read kb.toml."""
    root = Section(data, "kb.toml", "kb", ctx)
    version = root.text("version")
    if version and not _VERSION.match(version):
        root.problem(f"version {version!r} must look like YYYY.MM.N", "version")
    title = root.text("title", "")
    statuses: dict[str, tuple[str, str]] = {}
    status_table = root.table("statuses", required=True)
    if status_table is not None:
        for name in list(status_table.data):
            entry = status_table.table(name)
            if entry is None:
                continue
            label = entry.text("label")
            concern = entry.choice("concern", STATUS_CONCERNS)
            entry.finish()
            statuses[name] = (label, concern)
        status_table.finish()
    categories = root.texts("categories", required=True)
    contexts = root.texts("contexts")
    root.finish()
    return Manifest(version, title, MappingProxyType(statuses), categories, contexts)


def read_citations(data: Any, ctx: Context) -> dict[str, Citation]:
    """Read citations.toml into ``ctx.citations`` (and return it)."""
    root = Section(data, "citations.toml", "citations", ctx)
    for key in list(root.data):
        entry = root.table(key)
        if entry is None:
            continue
        entry.key = key
        kind = entry.choice("kind", CITATION_KINDS)
        grade = entry.evidence_grade()
        if kind == "seed" and grade not in SEED_GRADES:
            entry.problem(
                f"a seed document must grade as {' or '.join(SEED_GRADES)}, got {grade!r}",
                "evidence_grade",
            )
        ctx.citations[key] = Citation(
            key=key,
            text=entry.text("text"),
            kind=kind,
            url=entry.text("url", ""),
            evidence_grade=grade,
            note=entry.text("note", ""),
        )
        entry.finish()
    root.finish()
    return ctx.citations


def read_units(data: Any, ctx: Context) -> dict[str, UnitInfo]:
    """Read units.toml into ``ctx.units`` (and return it); keys must be in normal spelling."""
    root = Section(data, "units.toml", "units", ctx)
    for key in list(root.data):
        entry = root.table(key)
        if entry is None:
            continue
        entry.key = key
        if normalise_unit(key) != key:
            entry.problem(f"unit keys must be in normal spelling: write {normalise_unit(key)!r}")
        ctx.units[key] = UnitInfo(
            key=key,
            label=entry.text("label"),
            dimension=entry.choice("dimension", UNIT_DIMENSIONS),
        )
        entry.finish()
    root.finish()
    return ctx.units
