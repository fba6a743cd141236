"""Regimen lanes of a trend chart: one row per substance, a step per dose.

Part of the ``app.core.series`` object the screen and the PDF both draw.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from app.core.formatting import dose_text, interval_text
from app.core.knowledge import KnowledgeBase
from app.core.models import RegimenItem

_KIND_ORDER = {"hormone": 0, "medication": 1, "supplement": 2}


@dataclass(frozen=True, slots=True)
class RegimenStep:
    """One dose of one substance over one period (``end`` None: still taken)."""

    start: date
    end: date | None
    dose_label: str
    change_label: str
    steady_state_until: date | None = None
    item_id: int | None = None


@dataclass(frozen=True, slots=True)
class RegimenLane:
    """One substance's row under the labs: steps, changes, steady-state windows.

    ``changes[i]`` is the start of a step (initiation or dose change) and
    ``steady_state_until[i]`` when the KB says a new steady state is reached
    (None when the KB gives no time).
    """

    substance: str
    label: str
    kind: str
    steps: tuple[RegimenStep, ...]
    changes: tuple[date, ...] = ()
    steady_state_until: tuple[date | None, ...] = ()


# -- building -------------------------------------------------------------------------


def substance_label(kb: KnowledgeBase, item: RegimenItem) -> str:
    """The user's name for a row, else the KB's, else the key."""
    if item.display_name:
        return item.display_name
    substance = kb.substances.get(item.substance)
    return substance.name if substance else item.label


def regimen_lanes_for(kb: KnowledgeBase, regimen: Sequence[RegimenItem]) -> tuple[RegimenLane, ...]:
    """One lane per substance: each row a step, labelled with its dose change."""
    by_id = {item.id: item for item in regimen if item.id is not None}
    groups: dict[str, list[RegimenItem]] = {}
    for item in sorted(regimen, key=lambda i: (i.start_date, i.id or 0)):
        groups.setdefault(item.substance, []).append(item)
    lanes = []
    for substance, items in groups.items():
        known = kb.substances.get(substance)
        weeks = known.steady_state_weeks if known else None
        label = substance_label(kb, items[-1])
        steps = []
        for item in items:
            previous = by_id.get(item.previous_id) if item.previous_id is not None else None
            until = item.start_date + timedelta(weeks=weeks) if weeks else None
            steps.append(
                RegimenStep(
                    start=item.start_date,
                    end=item.stop_date,
                    dose_label=f"{label} {dose_text(item)}",
                    change_label=change_text(label, previous, item),
                    steady_state_until=until,
                    item_id=item.id,
                )
            )
        lanes.append(
            RegimenLane(
                substance=substance,
                label=label,
                kind=(known.kind if known else items[0].kind),
                steps=tuple(steps),
                changes=tuple(s.start for s in steps),
                steady_state_until=tuple(s.steady_state_until for s in steps),
            )
        )
    lanes.sort(key=lambda lane: (_KIND_ORDER.get(lane.kind, 3), lane.steps[0].start))
    return tuple(lanes)


def _per(interval_days: float | None) -> str:
    return {1.0: "/day", 7.0: "/week"}.get(interval_days, f" {interval_text(interval_days)}")


def change_text(label: str, previous: RegimenItem | None, item: RegimenItem) -> str:
    """'testosterone cypionate 100 -> 140 mg/week', or 'start ...' for a first row."""
    if previous is None or previous.dose is None or item.dose is None:
        return f"start {label} {dose_text(item)}"
    same_schedule = (
        previous.interval_days == item.interval_days and previous.dose_unit == item.dose_unit
    )
    if same_schedule:
        return (
            f"{label} {previous.dose:g} -> {item.dose:g} {item.dose_unit}{_per(item.interval_days)}"
        )
    return (
        f"{label} {previous.dose:g} {previous.dose_unit}{_per(previous.interval_days)}"
        f" -> {item.dose:g} {item.dose_unit}{_per(item.interval_days)}"
    )
