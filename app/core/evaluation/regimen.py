"""The regimen as of a date: active components, dose-change chains, protocols.

A dose change ends one ``RegimenItem`` row and starts another whose
``previous_id`` points back, so "when did this therapy start" is the start of
the first row of the chain, and "was the dose raised" compares a row with the
one before it. Doses are compared per day (``dose / interval_days``) so that
0.5 mg twice weekly and 0.25 mg every other day compare fairly.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from app.core.evaluation.findings import ActiveComponent
from app.core.models import RegimenItem

# Regimen kinds that count as protocol components (supplements form the stack).
COMPONENT_KINDS = ("hormone", "medication")


@dataclass(frozen=True, slots=True)
class RegimenIndex:
    """A patient's regimen rows indexed for chain walks.

    Attributes:
        items: Every row, in the order given.
        by_id: Rows with an id, by id.
    """

    items: tuple[RegimenItem, ...]
    by_id: Mapping[int, RegimenItem]

    @classmethod
    def build(cls, regimen: Iterable[RegimenItem]) -> RegimenIndex:
        """Index a regimen."""
        items = tuple(regimen)
        return cls(items, {item.id: item for item in items if item.id is not None})

    def previous(self, item: RegimenItem) -> RegimenItem | None:
        """The row this row replaced (its earlier dose), if any."""
        if item.previous_id is None:
            return None
        return self.by_id.get(item.previous_id)

    def chain(self, item: RegimenItem) -> list[RegimenItem]:
        """The row and every earlier row of its chain, newest first."""
        rows = [item]
        seen = {id(item)}
        current = self.previous(item)
        while current is not None and id(current) not in seen:
            rows.append(current)
            seen.add(id(current))
            current = self.previous(current)
        return rows

    def therapy_start(self, item: RegimenItem) -> date:
        """Start date of the first row in the item's dose-change chain."""
        return self.chain(item)[-1].start_date

    def active_on(self, day: date) -> list[RegimenItem]:
        """Rows being taken on ``day``."""
        return [item for item in self.items if item.active_on(day)]


def daily_dose(item: RegimenItem) -> float | None:
    """Dose per day (``dose / interval_days``); None without a dose or interval."""
    if item.dose is None or not item.interval_days:
        return None
    return item.dose / item.interval_days


def dose_escalated(index: RegimenIndex, item: RegimenItem, since: date) -> bool | None:
    """Whether the row raised the daily dose of the row it replaced on/after ``since``.

    Returns:
        True or False, or None when the doses cannot be compared (different
        units, missing dose or interval).
    """
    before = index.previous(item)
    if before is None or item.start_date < since:
        return False
    if before.dose_unit.strip().lower() != item.dose_unit.strip().lower():
        return None
    now, then = daily_dose(item), daily_dose(before)
    if now is None or then is None:
        return None
    return now > then


def component_kind(item: RegimenItem, substance_kind: str | None) -> bool:
    """True when a row is a protocol component rather than a supplement."""
    kind = substance_kind or item.kind
    return kind in COMPONENT_KINDS and item.kind in COMPONENT_KINDS


def active_components(
    index: RegimenIndex,
    day: date,
    roles_of: Mapping[str, tuple[str, ...]],
    kinds: Mapping[str, str],
) -> tuple[ActiveComponent, ...]:
    """Hormone and medication rows active on ``day``.

    Args:
        index: The regimen index.
        day: The evaluation date.
        roles_of: KB roles by substance key.
        kinds: KB regimen kind by substance key.
    """
    found = []
    for item in index.active_on(day):
        if not component_kind(item, kinds.get(item.substance)):
            continue
        found.append(
            ActiveComponent(
                substance=item.substance,
                roles=roles_of.get(item.substance, ()),
                item_id=item.id,
                kind=item.kind,
                dose=item.dose,
                dose_unit=item.dose_unit,
                route=item.route,
                interval_days=item.interval_days,
                therapy_start=index.therapy_start(item),
                last_change=item.start_date if item.previous_id is not None else None,
            )
        )
    return tuple(found)


@dataclass(frozen=True, slots=True)
class ProtocolShape:
    """What protocol detection needs from a KB protocol."""

    key: str
    sex: str
    required: tuple[tuple[str, ...], ...]
    optional: tuple[tuple[str, ...], ...]


def detect_protocols(
    shapes: Sequence[ProtocolShape], components: Sequence[ActiveComponent], sex: str
) -> tuple[str, ...]:
    """Protocols whose required components are all being taken.

    A protocol for one sex is matched only for a patient recorded with that sex
    at birth; a patient recorded as intersex or unknown is matched on the
    components alone, so no protocol is silently dropped.
    """
    active = {component.substance for component in components}
    found = []
    for shape in shapes:
        if shape.sex != "any" and sex in ("male", "female") and shape.sex != sex:
            continue
        if not shape.required:
            continue
        if all(active.intersection(options) for options in shape.required):
            found.append(shape.key)
    return tuple(found)
