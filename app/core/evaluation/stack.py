"""The supplement stack as of a date: daily intake summed per nutrient.

Each active supplement row contributes ``dose / interval_days`` per day,
converted to the unit of the nutrient's upper limit. Mass units convert by
metric prefix; activity units (IU) only through an equivalence the knowledge
base gives for that nutrient (e.g. vitamin D3: 1 µg = 40 IU). A row whose unit
cannot be converted is listed as unconverted and never guessed into the sum.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from functools import lru_cache

from app.core.evaluation.findings import StackEntry
from app.core.evaluation.regimen import RegimenIndex
from app.core.knowledge import KnowledgeBase
from app.core.knowledge.records_care import Nutrient
from app.core.models import RegimenItem
from app.core.units import normalise_unit

# Metric prefixes of mass units, in grams. Unit arithmetic, not clinical numbers.
_GRAMS = {"g": 1.0, "mg": 1e-3, "ug": 1e-6, "ng": 1e-9}
# Nutrient-specific units (µg RAE, µg DFE, IU) convert only through KB equivalences.


@lru_cache(maxsize=256)
def _normal(unit: str) -> str:
    return normalise_unit(unit)


def convert_amount(
    nutrient: Nutrient, amount: float, unit: str, target: str, memo: dict | None = None
) -> float | None:
    """Convert an intake amount to ``target``; None when no sourced path exists.

    ``memo`` (one per knowledge base) keeps each path's factor: it is the same for
    every patient's row.
    """
    if memo is None:
        scale = _scale(nutrient, unit, target)
    else:
        key = ("scale", nutrient.key, unit, target)
        scale = memo[key] if key in memo else memo.setdefault(key, _scale(nutrient, unit, target))
    return None if scale is None else amount * scale


def _scale(nutrient: Nutrient, unit: str, target: str) -> float | None:
    """The factor from ``unit`` to ``target``; None when no sourced path exists.

    Walks a small graph whose edges are metric-prefix steps between mass units
    and the nutrient's KB equivalences (``1 from_unit = factor to_unit``).
    """
    amount = 1.0
    source, goal = _normal(unit), _normal(target)
    edges: dict[str, list[tuple[str, float]]] = defaultdict(list)
    for a in _GRAMS:
        for b in _GRAMS:
            if a != b:
                edges[a].append((b, _GRAMS[a] / _GRAMS[b]))
    for eq in nutrient.unit_equivalences:
        start, end = _normal(eq.from_unit), _normal(eq.to_unit)
        edges[start].append((end, eq.factor))
        edges[end].append((start, 1.0 / eq.factor))
    scale = {source: 1.0}
    queue = [source]
    while queue:
        here = queue.pop(0)
        if here == goal:
            return amount * scale[here]
        for there, factor in edges[here]:
            if there not in scale:
                scale[there] = scale[here] * factor
                queue.append(there)
    return None


def _daily(item: RegimenItem) -> float | None:
    if item.dose is None or not item.interval_days:
        return None
    return item.dose / item.interval_days


def supplement_rows(index: RegimenIndex, kb: KnowledgeBase, day: date) -> list[RegimenItem]:
    """Active rows that are supplements (by the row's kind or the KB substance)."""
    rows = []
    for item in index.active_on(day):
        substance = kb.substances.get(item.substance)
        if item.kind == "supplement" or (substance is not None and substance.kind == "supplement"):
            rows.append(item)
    return rows


def nutrient_of(kb: KnowledgeBase, item: RegimenItem) -> str | None:
    """The KB nutrient a supplement row provides, if known."""
    substance = kb.substances.get(item.substance)
    if substance is not None and substance.nutrient:
        return substance.nutrient
    return item.substance if item.substance in kb.nutrients else None


def summarise_stack(
    index: RegimenIndex,
    kb: KnowledgeBase,
    day: date,
    age_years: float | None,
    memo: dict | None = None,
) -> tuple[StackEntry, ...]:
    """Daily intake per nutrient from every supplement row active on ``day``.

    ``memo``: a dict kept per knowledge base for unit conversion paths.
    """
    grouped: dict[str, list[RegimenItem]] = defaultdict(list)
    for item in supplement_rows(index, kb, day):
        nutrient = nutrient_of(kb, item)
        if nutrient is not None:
            grouped[nutrient].append(item)
    entries = []
    for key in sorted(grouped):
        nutrient = kb.nutrients[key]
        limit = nutrient.upper_limit(age_years)
        unit = limit.unit if limit is not None else grouped[key][0].dose_unit
        total, used, unconverted = 0.0, [], []
        for item in grouped[key]:
            daily = _daily(item)
            amount = (
                None
                if daily is None
                else convert_amount(nutrient, daily, item.dose_unit, unit, memo)
            )
            if amount is None:
                unconverted.append(item.id)
            else:
                total += amount
                used.append(item.id)
        entries.append(
            StackEntry(
                nutrient=key,
                daily_amount=total,
                unit=unit,
                item_ids=tuple(used),
                upper_limit=limit.amount if limit is not None else None,
                upper_limit_source=limit.citation if limit is not None else "",
                unconverted=tuple(unconverted),
            )
        )
    return tuple(entries)
