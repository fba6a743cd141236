"""The range a result is read against, and its L/H flag, as a clinician sees them listed.

The lab's own range wins. When the lab printed none, the knowledge base's default
range for the patient's sex and age is used, converted to the result's own unit
(never shown in another unit than the value beside it) and marked as such. A flag
the lab sent is kept as sent; otherwise L or H is worked out against that range,
and a censored value is flagged only when it is surely outside (``<0.2`` against a
low of 1.7 is L; ``<5`` against a low of 3 could be either, so no flag).

This is the one judgement of a result against its range: the Results tab shows
``ResultLine.flag`` and the trend chart colours a point by ``ResultLine.status``,
both from ``result_line``. A converted bound is judged at full precision and shown
to four significant digits, more if the value beside it needs them to read the way it
is judged (0.75 mmol/L is 1.823 mg/dL: 1.82 is low, and the range reads
``1.823 – 2.309``, not ``1.82 – 2.31``).
"""

from __future__ import annotations

from dataclasses import dataclass

from app.core.formatting import bounds_text, format_number
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
    here against ``range`` (so a screen or page can say so). ``status`` is the same
    judgement as a word for charts: 'low', 'normal', 'high' or 'unknown' (no range,
    or a censored value the range cannot place).
    """

    observation: Observation
    range: ResultRange | None
    flag: str
    flag_computed: bool = False
    status: str = "unknown"


# The lab's own flags that say which side the result is on.
_FLAG_STATUS = {"L": "low", "LL": "low", "H": "high", "HH": "high", "N": "normal"}


def result_line(kb, obs: Observation, sex: str | None, age_years: float | None) -> ResultLine:
    """The range and flag of ``obs`` for a patient of ``sex`` and ``age_years``."""
    found = lab_range(obs) or kb_range(kb, obs, sex, age_years)
    judged = judge(obs.value, obs.comparator, found.low, found.high) if found else "unknown"
    if obs.flag:
        # The lab's flag wins; one that names no side ('A', '*') leaves the range's word.
        return ResultLine(obs, found, obs.flag, status=_FLAG_STATUS.get(obs.flag, judged))
    computed = _FLAGS.get(judged, "")
    return ResultLine(obs, found, computed, bool(computed), judged)


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
    text = shown_bounds(low, high, obs.value, obs.comparator)
    return ResultRange(low, high, text, from_kb=True)


def shown_bounds(
    low: float | None, high: float | None, value: float | None, comparator: str | None = None
) -> str:
    """Converted bounds as text: four significant digits, more when the value needs them.

    Three digits read a converted bound (0.75 mmol/L -> 1.823 mg/dL) as 1.82, and a
    value of 1.82, low against 1.823, looked inside "1.82 – 2.31". Four digits show
    every row of an analyte the same range; a value closer to a bound than that (1.8231)
    gets as many more as it takes to read the way it is judged.
    """
    exact = judge(value, comparator, low, high)
    for digits in (4, 5, 6, 7):
        shown = [None if b is None else float(format_number(b, digits)) for b in (low, high)]
        if judge(value, comparator, *shown) == exact:
            break
    return bounds_text(low, high, lambda bound: format_number(bound, digits))


def judge(
    value: float | None, comparator: str | None, low: float | None, high: float | None
) -> str:
    """'low', 'high', 'normal' or 'unknown' for a value (possibly censored) against bounds.

    A censored value is low or high only when surely so ("<x" is below x: surely low
    once x is at or under the low bound), normal only when surely inside, else unknown.
    """
    if value is None or (low is None and high is None):
        return "unknown"
    below = comparator in ("<", "<=")
    above = comparator in (">", ">=")
    surely_low = low is not None and (value < low or (comparator == "<" and value == low))
    if surely_low and not above:
        return "low"
    surely_high = high is not None and (value > high or (comparator == ">" and value == high))
    if surely_high and not below:
        return "high"
    if below:
        # Somewhere under the value: inside only with no low bound and the value within.
        return "normal" if low is None and value <= high else "unknown"
    if above:
        return "normal" if high is None and value >= low else "unknown"
    return "normal"


_FLAGS = {"low": LOW, "high": HIGH}


def range_flag(value: float | None, comparator: str | None, found: ResultRange) -> str:
    """L, H or "" for a value (possibly censored) against a range."""
    return _FLAGS.get(judge(value, comparator, found.low, found.high), "")
