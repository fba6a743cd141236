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
