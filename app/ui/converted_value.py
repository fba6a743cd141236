"""A result in its canonical unit, as the Results table and the result record show it."""

from __future__ import annotations

from collections.abc import Callable

from app.core.models import Observation
from app.core.units import normalise_unit

#: What a result whose unit has no conversion shows instead of a converted value.
NOT_CONVERTED = "not converted"


def converted_value_text(
    obs: Observation,
    format_value: Callable[[str, float], str],
    unit_label: Callable[[str], str],
) -> str:
    """The converted value with its unit, or '' when it would only repeat the reported one.

    A result reported in the canonical unit (perhaps spelt another way: ``mm[Hg]`` is
    ``mmHg``) or converted by a factor of 1 (TSH 0.60 mIU/L is 0.60 µIU/mL, estradiol
    pg/mL is ng/L) adds nothing; a number whose unit has no conversion is
    :data:`NOT_CONVERTED`; a text result has no number to convert ('').
    """
    if obs.value_canonical is None:
        return NOT_CONVERTED if obs.value is not None else ""
    if obs.unit_canonical == normalise_unit(obs.unit) or obs.value_canonical == obs.value:
        return ""
    shown = format_value(obs.analyte_key, obs.value_canonical)
    return f"{obs.comparator or ''}{shown} {unit_label(obs.unit_canonical)}"
