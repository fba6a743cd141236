"""Human wording for regimen schedules and doses, shared by screen and print."""

from __future__ import annotations

import math
import re
from collections.abc import Callable

from app.core.models import RegimenItem

_NAMED_INTERVALS = {
    1.0: "daily",
    7.0: "weekly",
    3.5: "2x/week",
    14.0: "every 2 weeks",
    2.0: "every other day",
    0.5: "twice daily",
    28.0: "every 4 weeks",
    2.333: "3x/week",
}


def interval_text(interval_days: float | None) -> str:
    """'weekly', '2x/week', 'every 10 days', or 'as needed' when there is no schedule."""
    if interval_days is None:
        return "as needed"
    named = _NAMED_INTERVALS.get(round(interval_days, 3))
    if named:
        return named
    if interval_days < 1:
        return f"{round(1 / interval_days):g}x/day"
    return f"every {interval_days:g} days"


def dose_text(item: RegimenItem) -> str:
    """'140 mg IM weekly' style summary of one regimen row."""
    parts = []
    if item.dose is not None:
        parts.append(f"{item.dose:g} {item.dose_unit}".strip())
    if item.route:
        parts.append(item.route)
    parts.append(interval_text(item.interval_days))
    return " ".join(parts)


INTERVAL_CHOICES = [
    ("daily", 1.0),
    ("twice daily", 0.5),
    ("every other day", 2.0),
    ("2x/week", 3.5),
    ("3x/week", 7 / 3),
    ("weekly", 7.0),
    ("every 10 days", 10.0),
    ("every 2 weeks", 14.0),
    ("every 4 weeks", 28.0),
    ("as needed", None),
]


def format_number(value: float, digits: int = 4) -> str:
    """A number to ``digits`` significant digits, without float noise
    (``0.30000000000000004`` reads ``0.3``).

    Large numbers print whole (``150000``), never in exponent form (``1.5e+05``).
    """
    text = f"{value:.{digits}g}"
    return f"{value:.0f}" if "e+" in text else text


def bounds_text(
    low: float | None, high: float | None, number: Callable[[float], str] | None = None
) -> str:
    """``60 – 120``, ``≥ 30`` or ``≤ 4`` (empty when neither bound is set); ``number``
    writes each bound (``format_number`` unless given)."""
    number = number or format_number
    if low is not None and high is not None:
        return f"{number(low)} – {number(high)}"
    if low is not None:
        return f"≥ {number(low)}"
    if high is not None:
        return f"≤ {number(high)}"
    return ""


def result_text(comparator: str | None, value: float, unit_label: str, also: str = "") -> str:
    """A result as reported, ``1 nmol/L``; with ``also`` (``converted_text``) beside it,
    ``1 nmol/L (0.2472 µg/L)``."""
    shown = f"{comparator or ''}{format_number(value)} {unit_label}".strip()
    return f"{shown} ({also})" if also else shown


def converted_text(
    comparator: str | None, converted: float | None, converted_label: str, unit_label: str
) -> str:
    """The result in the unit its limits are written in, ``0.2472 µg/L``; empty when
    that is the reported unit (``unit_label``) or there is no converted value.

    A reader then compares a result with limits in the same unit, never 1 nmol/L
    against 3.4 µg/L. The caller converts with the knowledge base's factor.
    """
    if converted is None or not converted_label or converted_label == unit_label:
        return ""
    return f"{comparator or ''}{format_number(converted)} {converted_label}"


def used_value_text(value, kb) -> str:  # noqa: ANN001 - a TraceValue, a KnowledgeBase
    """One result a finding used, as the findings trace and the worklist show it.

    ``1 nmol/L (0.2472 µg/L) on 2026-10-26``: as reported (the analyte's usual decimals
    in a unit the knowledge base gives them for), then in the canonical unit every limit
    is written in when that differs, the day, and the draw's timing on a depot; an input
    without a number says why (``missing``, ``stale``).
    """
    if value.value is None:
        return value.state.replace("_", " ")
    unit = kb.unit_label(value.unit) if value.unit else ""
    shown = f"{value.comparator or ''}{kb.number_text(value.analyte, value.value, value.unit)}"
    if value.unit == "{score}":  # a 0-10 symptom score reads "7/10", as finding texts show it
        shown = amount_text(shown, value.unit, unit)
    else:
        shown = f"{shown} {unit}".strip()
    canonical = kb.unit_label(value.unit_canonical) if value.unit_canonical else ""
    also = converted_text(value.comparator, value.value_canonical, canonical, unit)
    if also:  # the converted number with the analyte's usual decimals too, as texts show it
        number = kb.number_text(value.analyte, value.value_canonical, value.unit_canonical)
        also = f"{value.comparator or ''}{number} {canonical}"
        shown += f" ({also})"
    if value.collected_at is not None:
        shown += f" on {value.collected_at.date().isoformat()}"
    if value.timing is not None:
        shown += f" — {value.timing.describe()}"
    return shown


def trace_range_text(applied, unit_label) -> str:
    """A range a finding applied, for its trace: ``Endocrine Society 2011: ≥ 30 ng/mL``.

    A trend or baseline step shows the two results it compared (``fall of at least
    0.3 T-score since 2025-05-22: from -0.6 T-score on 2025-05-22 to -0.9 T-score on
    2026-10-22``).

    ``applied`` is an evaluation ``TraceRange``; ``unit_label`` turns a unit key
    into its display text. One-sided bounds read ``≥``/``≤``, never ``… – …``. Each
    range reads once: a limit's or upper intake level's label says its cut-off in words
    (``above 54%``), and a label that already states the bounds stands alone.
    """
    label = applied.label or applied.name
    change = getattr(applied, "change", "")
    if change:  # a trend's two results, never read as a range "-0.6 – -0.9"
        return f"{label}: {change}"
    if applied.kind in ("limit", "upper_limit"):
        # Its label says the cut-off in words ("above 54%", "at most 350 mg/day"); ≥/≤
        # bounds would repeat it, and cannot say whether the cut-off itself is included.
        return label
    if _states_bounds(label, applied.low, applied.high):
        return label  # "... (ARUP LC-MS/MS 9-55 ng/dL)", not "...: 9 – 55 ng/dL" after it
    bounds = bounds_text(applied.low, applied.high)
    unit = unit_label(applied.unit) if applied.unit and bounds else ""
    shown = f"{bounds} {unit}".strip()
    return f"{label}: {shown}" if shown else label


_NUMBER = re.compile(r"(?<![\w.])-?\d+(?:\.\d+)?")


def _states_bounds(label: str, low: float | None, high: float | None) -> bool:
    """True when every bound is a number the label already prints (same unit)."""
    bounds = [b for b in (low, high) if b is not None]
    if not bounds:
        return False
    printed = [float(n) for n in _NUMBER.findall(label)]
    return all(any(math.isclose(b, n, rel_tol=1e-9) for n in printed) for b in bounds)


def amount_text(number: str, unit: str, unit_label: str) -> str:
    """A number with its unit as a reader writes it: ``54%``, ``6/10`` (a 0-10 symptom
    score), ``350 mg``."""
    if unit == "{score}":
        return f"{number}/10"
    if unit_label == "%":
        return f"{number}%"
    return f"{number} {unit_label}".strip()
