"""The range a result is read against, and its L/H flag, as a clinician sees them listed.

The lab's own range wins. When the lab printed none, the knowledge base's default
range for the patient's sex and age is used, converted to the result's own unit
(never shown in another unit than the value beside it) and marked as such. A flag
the lab sent is kept as sent; otherwise L or H is worked out against that range,
and a censored value is flagged only when it is surely outside (``<0.2`` against a
low of 1.7 is L; ``<5`` against a low of 3 could be either, so no flag).
"""

from __future__ import annotations

from dataclasses import dataclass

from app.core.formatting import bounds_text
from app.core.models import Observation

LOW, HIGH = "L", "H"


@dataclass(frozen=True, slots=True)
class ResultRange:
    """Bounds in the result's own unit, as text, and whose range it is."""

    low: float | None
    high: float | None
    text: str
    from_kb: bool = False


@dataclass(frozen=True, slots=True)
class ResultLine:
    """One result with the range it is read against and its flag.

    ``flag_computed`` is True when the lab sent no flag and ``flag`` was worked out
    here against ``range`` (so a screen or page can say so).
    """

    observation: Observation
    range: ResultRange | None
    flag: str
    flag_computed: bool = False


def result_line(kb, obs: Observation, sex: str | None, age_years: float | None) -> ResultLine:
    """The range and flag of ``obs`` for a patient of ``sex`` and ``age_years``."""
    found = lab_range(obs) or kb_range(kb, obs, sex, age_years)
    if obs.flag:
        return ResultLine(obs, found, obs.flag)
    computed = range_flag(obs.value, obs.comparator, found) if found else ""
    return ResultLine(obs, found, computed, bool(computed))


def lab_range(obs: Observation) -> ResultRange | None:
    """The range the lab printed with the result, or None."""
    if obs.ref_low is None and obs.ref_high is None and not obs.ref_text:
        return None
    text = obs.ref_text or bounds_text(obs.ref_low, obs.ref_high)
    return ResultRange(obs.ref_low, obs.ref_high, text)


def kb_range(kb, obs: Observation, sex: str | None, age_years: float | None) -> ResultRange | None:
    """The knowledge base's default range in the result's unit, or None.

    None when the knowledge base has no range for this sex and age, or the result's
    unit has no exact factor: a range in a unit the value is not in would mislead.
    """
    try:
        reference = kb.reference_range(obs.analyte_key, sex, age_years)
        if reference is None or (reference.low is None and reference.high is None):
            return None
        low, high = (
            None if bound is None else kb.from_canonical(obs.analyte_key, bound, obs.unit)
            for bound in (reference.low, reference.high)
        )
    except (KeyError, ValueError):  # unknown analyte, or a unit with no exact factor
        return None
    # Three significant digits: a converted bound (0.75 mmol/L -> 1.823 mg/dL) should
    # not look more precise than the range it came from.
    low, high = (None if b is None else float(f"{b:.3g}") for b in (low, high))
    return ResultRange(low, high, bounds_text(low, high), from_kb=True)


def range_flag(value: float | None, comparator: str | None, found: ResultRange) -> str:
    """L, H or "" for a value (possibly censored) against a range."""
    if value is None:
        return ""
    # "<x" means below x: surely low once x is at or under the low bound (and ">x" high).
    could_be_lower = comparator not in (">", ">=")
    if could_be_lower and found.low is not None:
        surely_low = value < found.low or (comparator == "<" and value == found.low)
        if surely_low:
            return LOW
    could_be_higher = comparator not in ("<", "<=")
    if could_be_higher and found.high is not None:
        surely_high = value > found.high or (comparator == ">" and value == found.high)
        if surely_high:
            return HIGH
    return ""
