"""Where in the injection interval a blood draw fell (trough, peak, mid-interval).

After an intramuscular or subcutaneous ester depot (testosterone cypionate or
enanthate, estradiol valerate or cypionate) the serum level rises to a peak in
the first days and falls towards the next dose, so one number means different
things at different points of the interval (lab-facts §6.1: "measure midway
between injections"). Injections are assumed to follow the regimen schedule:
``start_date + k × interval_days`` for each regimen row, a dose change ending
one row and starting the next. Clinical numbers (the peak window, the shares of
the interval counted as mid-interval and as trough) come from the knowledge base
and rules.toml.

Phases, as shares of the interval (rules.toml ``[timing]``):

* ``early``: before the peak window opens; ``peak``: inside the single-dose peak
  window (days 2-5 after an ester dose), but only before ``mid_from_fraction``;
* ``post_peak``: after the peak window, still before ``mid_from_fraction`` (long
  intervals: a level falling from its peak, higher than mid-interval);
* ``mid``: ``mid_from_fraction`` to ``mid_to_fraction`` (40-60 %), midway between
  injections, the draw the target refers to. With a short interval the peak window
  overlaps the midpoint, and the midpoint wins;
* ``late``: ``mid_to_fraction`` to the trough (a level lower than mid-interval);
* ``trough``: the last ``trough_fraction`` of the interval; ``after_stop``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from app.core.models import RegimenItem

PHASES = ("early", "peak", "post_peak", "mid", "late", "trough", "after_stop")


@dataclass(frozen=True, slots=True)
class DepotTiming:
    """Timing facts of one injectable depot substance.

    Attributes:
        substance: KB substance key.
        peak_start_day: First day after an injection counted as peak.
        peak_end_day: Last day after an injection counted as peak.
        trough_fraction: Share of the interval, at its end, counted as trough.
        mid_from_fraction: Share of the interval from which a draw counts as
            mid-interval, whatever the peak window says; never mid before it.
        mid_to_fraction: Share of the interval where mid-interval ends and the
            late phase (up to the trough) begins.
        source: Citation key (or description) for the peak window.
    """

    substance: str
    peak_start_day: float
    peak_end_day: float
    trough_fraction: float
    mid_from_fraction: float
    mid_to_fraction: float
    source: str = ""


@dataclass(frozen=True, slots=True)
class DrawTiming:
    """The draw's position in the injection interval of one depot substance.

    Attributes:
        substance: KB substance key of the depot.
        regimen_item_id: Regimen row whose schedule gave the last injection.
        route: Route of that row (IM, SC).
        dose: Dose of that row, for display only.
        dose_unit: Unit of ``dose``.
        interval_days: Dosing interval of that row.
        last_injection: Date of the last scheduled injection before the draw.
        next_due: Date the next injection was due after ``last_injection``.
        days_since: Days from the last injection to the draw.
        fraction: ``days_since / interval_days`` (1.0 or more at/after due).
        phase: One of ``PHASES``.
        on_injection_day: True when an injection was due on the draw date; the
            draw is then assumed to precede it (a trough).
        overdue_days: Days past ``next_due`` (0 when not overdue).
        peak_window: ``(first, last)`` day counted as peak.
        source: Citation for the peak window.
    """

    substance: str
    regimen_item_id: int | None
    route: str
    dose: float | None
    dose_unit: str
    interval_days: float
    last_injection: date
    next_due: date
    days_since: float
    fraction: float
    phase: str
    on_injection_day: bool
    overdue_days: float
    peak_window: tuple[float, float]
    source: str

    def describe(self) -> str:
        """One line for texts and traces, e.g. ``at trough: day 13 of a 14-day interval``.

        It names the phase, so a rule's note reads "Drawn {tt.timing}: ..." and says
        the phase once ("Drawn near peak: day 2 of ...").
        """
        label = {
            "early": "early (before the usual peak)",
            "peak": "near peak",
            "post_peak": "after the peak, before mid-interval",
            "mid": "mid-interval",
            "late": "late in the interval, after mid-interval",
            "trough": "at trough",
            "after_stop": "after injections stopped",
        }[self.phase]
        text = (
            f"{label}: day {self.days_since:g} of a {self.interval_days:g}-day interval "
            f"(last scheduled injection {self.last_injection.isoformat()})"
        )
        if self.on_injection_day:
            text += "; drawn on an injection day, assumed before the dose"
        elif self.overdue_days > 0:
            text += f"; {self.overdue_days:g} days past the due date"
        return text


def _last_injection(item: RegimenItem, draw_day: date) -> tuple[int, bool] | None:
    """Index ``k`` of the row's last injection before the draw day.

    Injection ``k`` of a row falls ``k × interval_days`` days after its start.

    Returns:
        ``(k, on_injection_day)``, or None when the row gave no injection before
        the draw day.
    """
    interval = item.interval_days
    if interval is None or interval <= 0:
        return None
    t = (draw_day - item.start_date).days
    end = t
    if item.stop_date is not None:
        end = min(end, (item.stop_date - item.start_date).days)
    if end <= 0:
        return None
    # Largest k with k × interval strictly before ``end``: an injection due on the
    # draw day itself is assumed to come after the blood was taken.
    k = math.ceil(end / interval) - 1
    on_day = end == t and math.isclose((k + 1) * interval, t)
    return k, on_day


def _classify(days_since: float, interval: float, facts: DepotTiming, stopped: bool) -> str:
    """Phase of a draw ``days_since`` days into an interval."""
    if stopped and days_since > interval:
        return "after_stop"
    if days_since >= interval * (1.0 - facts.trough_fraction):
        return "trough"
    if days_since >= interval * facts.mid_to_fraction:
        return "late"
    # Midway between injections is the draw the target refers to (lab-facts §6.1),
    # so it is never read as a peak, even when a short interval puts the midpoint
    # inside the single-dose peak window.
    if days_since >= interval * facts.mid_from_fraction:
        return "mid"
    # Before the mid-interval floor: never mid, however long the interval.
    if days_since < facts.peak_start_day:
        return "early"
    if days_since <= facts.peak_end_day:
        return "peak"
    return "post_peak"


def draw_timing(
    regimen: Iterable[RegimenItem],
    substance_roles: Mapping[str, DepotTiming],
    collected_at: datetime | date,
) -> DrawTiming | None:
    """Classify a draw against the injection schedule of the depot substances.

    Args:
        regimen: The patient's regimen rows (all of them; the dose-change chain
            is honoured because each row carries its own start and stop).
        substance_roles: Depot timing facts keyed by KB substance key, for the
            substances that drive the analyte (see ``depot_timings``).
        collected_at: When the blood was drawn.

    Returns:
        The timing relative to the most recent scheduled injection of any of the
        given substances, or None when none was injected before the draw.
    """
    draw_day = collected_at.date() if isinstance(collected_at, datetime) else collected_at
    rows = [item for item in regimen if item.substance in substance_roles]
    best: tuple[float, RegimenItem, int, bool] | None = None
    for item in rows:
        found = _last_injection(item, draw_day)
        if found is None:
            continue
        k, on_day = found
        offset = k * float(item.interval_days or 0.0)
        days_since = (draw_day - item.start_date).days - offset
        if best is None or days_since < best[0]:
            best = (days_since, item, k, on_day)
    if best is None:
        return None
    days_since, item, k, on_day = best
    facts = substance_roles[item.substance]
    interval = float(item.interval_days or 0.0)
    last = item.start_date + timedelta(days=math.floor(k * interval))
    next_due = item.start_date + timedelta(days=math.floor((k + 1) * interval))
    # Stopped: the row ended before the draw and no later row of a depot took over.
    stopped = item.stop_date is not None and item.stop_date <= draw_day
    return DrawTiming(
        substance=item.substance,
        regimen_item_id=item.id,
        route=item.route,
        dose=item.dose,
        dose_unit=item.dose_unit,
        interval_days=interval,
        last_injection=last,
        next_due=next_due,
        days_since=days_since,
        fraction=round(days_since / interval, 3),
        phase=_classify(days_since, interval, facts, stopped),
        on_injection_day=on_day,
        overdue_days=max(0.0, days_since - interval),
        peak_window=(facts.peak_start_day, facts.peak_end_day),
        source=facts.source,
    )
