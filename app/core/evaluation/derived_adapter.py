"""Derived values (calculated free T, ratios, corrected calcium) as rule inputs.

``app.core.derived.derive_series`` computes them with their inputs; this module
only reshapes the ``ok`` ones into ``Point`` records the rules read. A value the
calculator marks ``indeterminate`` (an input censored, missing or too far apart)
is not a point: the rule then sees no usable result and says so.

Only the latest usable value is derived (anchor draws newest first, each with
its partners), so a long history does not cost a derivation per old draw.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from app.core.derived import derive_series
from app.core.evaluation.points import Point
from app.core.knowledge import KnowledgeBase
from app.core.models import Observation


class _DerivedFacts:
    """``kb.derived`` with one definition only."""

    def __init__(self, derived, key: str) -> None:  # noqa: ANN001 - the KB's derived facts
        self._derived = derived
        self.definitions = {key: derived.definitions[key]}

    def __getattr__(self, name: str):  # noqa: ANN204 - delegated
        return getattr(self._derived, name)


class OneDefinition:
    """The KB as ``derive_series`` reads it, narrowed to one derived analyte.

    ``derive_series`` computes every definition the KB holds from the results it is
    given; a rule reads one, so the others (another Vermeulen solution per draw, a
    ratio) are skipped. Unit factors are looked up once, not per input per draw.
    """

    def __init__(self, kb: KnowledgeBase, key: str) -> None:
        self._kb = kb
        self._factors: dict = {}
        self.derived = _DerivedFacts(kb.derived, key)

    def analyte(self, key: str):  # noqa: ANN201 - a KB Analyte
        return self._kb.analyte(key)

    def to_canonical(self, key: str, value: float, unit: str) -> float:
        return self._factor(key, unit).to_canonical(value)

    def from_canonical(self, key: str, value: float, unit: str) -> float:
        return self._factor(key, unit).from_canonical(value)

    def _factor(self, key: str, unit: str):  # noqa: ANN202 - a KB UnitFactor
        found = self._factors.get((key, unit))
        if found is None:
            found = self._kb.unit_factor(key, unit)  # UnitNotConvertible: not cached
            self._factors[(key, unit)] = found
        return found

    def __getattr__(self, name: str):  # noqa: ANN204 - anything else: the KB's own
        return getattr(self._kb, name)


def narrowed(kb: KnowledgeBase, key: str, cache: dict) -> KnowledgeBase:
    """``OneDefinition`` for ``key``, kept in ``cache`` (shared by every evaluation)."""
    found = cache.get(("derived", key))
    if found is None:
        found = cache[("derived", key)] = OneDefinition(kb, key)
    return found  # type: ignore[return-value]


def derived_points(
    kb: KnowledgeBase,
    observations: Sequence[Observation],
    as_of: date,
    key: str,
    since: date | None = None,
) -> list[Point]:
    """The latest usable value of one derived analyte (a list of zero or one point).

    Anchor draws (e.g. each total testosterone) are tried newest first, each with
    only the partner draws inside the pairing window; the first one the
    calculator accepts is returned. Rules read the latest value only.

    Args:
        kb: The knowledge base.
        observations: The patient's usable observations (any order).
        as_of: The evaluation date.
        key: The derived analyte key.
        since: Ignore anchor draws before this date (None: all).
    """
    definition = kb.derived.definitions.get(key)
    if definition is None:
        return []
    anchor_analyte = next(i.analyte for i in definition.inputs if i.role == definition.anchor)
    wanted = {item.analyte for item in definition.inputs}
    relevant = [obs for obs in observations if obs.analyte_key in wanted]
    anchors = sorted(
        (o for o in relevant if o.analyte_key == anchor_analyte),
        key=lambda o: o.collected_at,
        reverse=True,
    )
    window = definition.max_days_apart
    for anchor in anchors:
        day = anchor.collected_at.date()
        if since is not None and day < since:
            break
        group = [
            o
            for o in relevant
            if (o is anchor or o.analyte_key != anchor_analyte)
            and abs((o.collected_at.date() - day).days) <= window
        ]
        for value in derive_series(kb, group, as_of=as_of):
            if value.key == key and value.ok and value.value is not None:
                return [_point(key, value)]
    return []


def _point(key: str, value) -> Point:  # noqa: ANN001 - an app.core.derived.DerivedValue
    ids = tuple(i.observation_id for i in value.inputs if i.observation_id is not None)
    return Point(
        analyte=key,
        collected_at=value.collected_at,
        value=value.value,
        comparator=None,
        unit=value.unit,
        canonical=value.value,
        unit_canonical=value.unit,
        observation=None,
        source_ids=ids,
    )
