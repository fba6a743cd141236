"""Results that cannot be true whatever the lab: below zero, or drawn before birth.

Only what needs no clinical source lives here (a concentration, count or activity is
never negative; nobody is sampled before they are born). How high is too high for an
analyte is a clinical number and would belong to the knowledge base.
"""

from __future__ import annotations

from datetime import date

# Canonical units whose values run below zero: T- and Z-scores (bone density).
SIGNED_UNITS = frozenset({"{T-score}", "{Z-score}"})


def negative_refusal(analyte_name: str, canonical_unit: str, value: float | None) -> str:
    """Why ``value`` is impossible for the analyte ("" when it is not)."""
    if value is None or value >= 0 or canonical_unit in SIGNED_UNITS:
        return ""
    return f"{value:g} is below zero: {analyte_name} cannot be negative."


def before_birth_refusal(collected: date, born: date) -> str:
    """Why a draw on ``collected`` is impossible for someone born on ``born`` ("" if not)."""
    if collected >= born:
        return ""
    return f"The collection date {collected} is before the patient's birth ({born})."
