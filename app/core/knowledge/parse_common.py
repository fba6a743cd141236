"""Read kb.toml (version and vocabularies), citations.toml and units.toml."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
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
# Citations: a fact not known is written as such in the field the printer uses.
NOT_RECORDED = "not recorded"
_ISO_DATE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?$")
_URL = re.compile(r"^https?://[A-Za-z0-9.-]+\.[A-Za-z]{2,}(?::\d+)?(/[^\s]*)?$")
_DOI = re.compile(r"^10\.\d{4,9}/\S+$")
# What belongs in a citation's ``note``, not in a printed field: a file name, a
# repository path ("shared/seeds", "src/stores/h17.js") or a hash. Not paths: units
# ("ng/mL", "mmol/mol"), word pairs in titles ("estradiol/testosterone",
# "pre-/post-menopausal"); not a hash: a number (an ISBN).
_FILE_NAME = re.compile(r"\.(?:toml|md|py|js|tsv|csv|json|txt|xlsx)\b")
_SLASHED = re.compile(r"(?<![\w/:.])[a-z0-9_.-]+(?:/[a-z0-9_.-]+)+")
_HASH = re.compile(r"\b(?=[0-9a-f]*[a-f])(?=[0-9a-f]*[0-9])[0-9a-f]{12,}\b")
# Where a two-part path of this project or its sources starts ("shared/seeds").
_PATH_ROOTS = frozenset(
    {"shared", "seeds", "samples", "reference", "src", "app", "resources", "tests", "docs"}
)


def internal_reference(text: str) -> str:
    """The first file name, repository path or hash in ``text``, or ""."""
    for pattern in (_FILE_NAME, _HASH):
        found = pattern.search(text)
        if found:
            return found.group(0)
    for found in _SLASHED.finditer(text):
        parts = found.group(0).split("/")
        file_like = any(set(part) & set("_.") for part in parts)
        if len(parts) > 2 or file_like or parts[0] in _PATH_ROOTS:
            return found.group(0)
    return ""


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
    """Read citations.toml into ``ctx.citations`` (and return it).

    A citation is stored as fields a reader needs (see ``Citation``), never as one free
    text: it needs a ``title`` and ``authors`` or a ``body``, a ``year`` or an
    ``accessed`` date (a computation has neither), and a well-formed ``url`` or ``doi``
    when it has one. What is not known is written as such (``authors = 'No author
    recorded'``, ``accessed = 'not recorded'``), never left blank or guessed.
    """
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
            kind=kind,
            title=entry.text("title"),
            authors=entry.text("authors", ""),
            body=entry.text("body", ""),
            source=entry.text("source", ""),
            year=_citation_year(entry),
            accessed=_citation_accessed(entry),
            locator=entry.text("locator", ""),
            url=_citation_url(entry),
            doi=_citation_doi(entry),
            cites=entry.text("cites", ""),
            evidence_grade=grade,
            note=entry.text("note", ""),
        )
        citation = ctx.citations[key]
        if not (citation.authors.strip() or citation.body.strip()):
            entry.problem("needs 'authors' or a 'body' (write 'No author recorded' if unknown)")
        if kind != "computed" and citation.year is None and not citation.accessed:
            entry.problem("needs a 'year' or an 'accessed' date (or 'not recorded')")
        for name in ("authors", "body", "title", "source", "locator", "cites"):
            found = internal_reference(getattr(citation, name))
            if found:
                entry.problem(f"names a file, path or hash ({found!r}): move it to 'note'", name)
        entry.finish()
    root.finish()
    return ctx.citations


def _citation_year(entry: Section) -> int | str | None:
    year = entry.raw("year")
    if year is None or year == NOT_RECORDED:
        return year
    if isinstance(year, bool) or not isinstance(year, int) or not 1800 <= year <= 2100:
        entry.problem(f"must be a year such as 2018 or {NOT_RECORDED!r}, got {year!r}", "year")
        return None
    return year


def _citation_accessed(entry: Section) -> str:
    accessed = entry.text("accessed", "")
    if accessed and accessed != NOT_RECORDED and not _real_date(accessed):
        entry.problem(f"must be YYYY-MM-DD, YYYY-MM or {NOT_RECORDED!r}", "accessed")
    return accessed


def _real_date(text: str) -> bool:
    """``YYYY-MM`` or ``YYYY-MM-DD`` naming a day that exists (not 2026-02-30)."""
    if not _ISO_DATE.match(text):
        return False
    try:
        date.fromisoformat(text if len(text) == 10 else f"{text}-01")
    except ValueError:
        return False
    return True


def _citation_url(entry: Section) -> str:
    url = entry.text("url", "")
    if url and not _URL.match(url):
        entry.problem(f"{url!r} is not a well-formed http(s) address", "url")
    return url


def _citation_doi(entry: Section) -> str:
    doi = entry.text("doi", "")
    if doi and not _DOI.match(doi):
        entry.problem(f"{doi!r} is not a DOI (10.NNNN/...; no resolver prefix)", "doi")
    return doi


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
