"""Load and validate the knowledge base from ``resources/knowledge/*.toml``."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from types import MappingProxyType

from app.core.knowledge import cross_checks
from app.core.knowledge.base import KnowledgeBase
from app.core.knowledge.errors import Problems
from app.core.knowledge.parse_analytes import read_analytes
from app.core.knowledge.parse_common import read_citations, read_manifest, read_units
from app.core.knowledge.parse_derived import read_derived
from app.core.knowledge.parse_nutrients import read_nutrients
from app.core.knowledge.parse_protocols import read_protocols, read_substances
from app.core.knowledge.reader import Context
from app.core.knowledge.source_cache import read_sources
from app.core.resources import resources_dir

# rules.toml lives in the same folder but belongs to the rule engine, which reads it.
FILES = (
    "kb.toml",
    "citations.toml",
    "units.toml",
    "analytes.toml",
    "nutrients.toml",
    "substances.toml",
    "protocols.toml",
    "derived.toml",
)


def default_knowledge_dir() -> Path:
    """Return the bundled knowledge folder, ``resources/knowledge``."""
    return resources_dir() / "knowledge"


def load_knowledge(path: str | Path | None = None, *, cache: bool = True) -> KnowledgeBase:
    """Read, validate and index the knowledge base.

    Args:
        path: A folder holding the TOML files; defaults to ``resources/knowledge``.
        cache: Reuse the result of an earlier load of the same, unchanged files (the
            knowledge base is immutable, so sharing it is safe). False always reads.

    Returns:
        The validated, read-only knowledge base.

    Raises:
        KnowledgeError: Listing every ``file: key: problem`` found.
    """
    folder = (Path(path) if path is not None else default_knowledge_dir()).resolve()
    if not cache:
        return _read_folder(folder)
    return _load_cached(folder, _signature(folder))


def _signature(folder: Path) -> tuple[tuple[str, int, int], ...]:
    """Identify the files' current contents cheaply (name, mtime, size)."""
    signature = []
    for name in FILES:
        try:
            stat = (folder / name).stat()
        except OSError:
            signature.append((name, -1, -1))
        else:
            signature.append((name, stat.st_mtime_ns, stat.st_size))
    return tuple(signature)


# The result is immutable, so repeated loads of unchanged files can share it; an edited
# file changes the signature and is read again. Failed loads raise and are not cached.
@lru_cache(maxsize=4)
def _load_cached(folder: Path, signature: tuple[tuple[str, int, int], ...]) -> KnowledgeBase:
    del signature  # only part of the cache key
    return _read_folder(folder)


def _read_folder(folder: Path) -> KnowledgeBase:
    problems = Problems()
    raw = read_sources(folder, FILES, problems)
    ctx = Context(problems)
    manifest = read_manifest(raw["kb.toml"], ctx)
    read_citations(raw["citations.toml"], ctx)
    read_units(raw["units.toml"], ctx)
    analytes = read_analytes(raw["analytes.toml"], ctx, manifest)
    nutrients = read_nutrients(raw["nutrients.toml"], ctx)
    substances = read_substances(raw["substances.toml"], ctx)
    protocols = read_protocols(raw["protocols.toml"], ctx)
    derived = read_derived(raw["derived.toml"], ctx)

    loinc_index, name_index = cross_checks.build_indexes(analytes, problems)
    cross_checks.check_analytes(analytes, ctx.citations, problems)
    cross_checks.check_nutrients(nutrients, analytes, substances, problems)
    cross_checks.check_substances(substances, nutrients, problems)
    protocols = cross_checks.check_protocols(protocols, substances, analytes, problems)
    cross_checks.check_derived(derived, analytes, problems)
    problems.raise_if_any()

    return KnowledgeBase(
        version=manifest.version,
        title=manifest.title,
        analytes=MappingProxyType(analytes),
        nutrients=MappingProxyType(nutrients),
        substances=MappingProxyType(substances),
        protocols=MappingProxyType(protocols),
        citations=MappingProxyType(ctx.citations),
        units=MappingProxyType(ctx.units),
        derived=derived,
        statuses=manifest.statuses,
        draft_items=tuple(ctx.drafts),
        loinc_index=MappingProxyType(loinc_index),
        name_index=MappingProxyType(name_index),
    )
