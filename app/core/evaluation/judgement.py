"""Censored-aware judgement of one result against limits, ranges and bands.

A result is treated as the *set of values it may stand for*: ``12`` is the point
12, ``<5`` is every value below 5, ``>=1500`` is 1500 and above. A question such
as "is it below 3?" then has three answers: certainly yes (``True``), certainly
no (``False``), or cannot say (``None``). ``<0.5`` is certainly below 3; ``<5``
may or may not be; ``>1500`` is certainly above 1000 (lab-facts §1.4, §4).

Nothing here substitutes a number for a censored limit (no LOD/2): a limit is a
bound on the value, not a value.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import NamedTuple

# Tri-state answers: True, False, or None for "cannot say from this result".
Tri = bool | None

OPERATORS = ("<", "<=", ">", ">=")


class Interval(NamedTuple):
    """A set of real numbers between two bounds; ``None`` is unbounded.

    A named tuple (not a frozen dataclass): judging one result builds several, and
    a tuple is built several times faster.
    """

    low: float | None
    low_closed: bool
    high: float | None
    high_closed: bool

    def is_empty(self) -> bool:
        """True when no number lies in the interval."""
        if self.low is None or self.high is None:
            return False
        if self.low < self.high:
            return False
        return not (self.low == self.high and self.low_closed and self.high_closed)

    def intersect(self, other: Interval) -> Interval:
        """The numbers in both intervals."""
        low, low_closed = _max_low(self, other)
        high, high_closed = _min_high(self, other)
        return Interval(low, low_closed, high, high_closed)

    def overlaps(self, other: Interval) -> bool:
        """True when at least one number is in both intervals."""
        # Written out (rather than intersect().is_empty()) because it runs per band
        # per result in clinic-wide evaluations.
        return _below_or_touching(self.low, self.low_closed, other.high, other.high_closed) and (
            _below_or_touching(other.low, other.low_closed, self.high, self.high_closed)
        )

    def holds_number(self, value: float) -> bool:
        """True when ``value`` lies in the interval (``overlaps`` of the point interval)."""
        low, high = self.low, self.high
        return (low is None or low < value or (low == value and self.low_closed)) and (
            high is None or value < high or (value == high and self.high_closed)
        )

    def within(self, other: Interval) -> bool:
        """True when every number of this interval is also in ``other``."""
        if other.low is not None:
            if self.low is None or self.low < other.low:
                return False
            if self.low == other.low and self.low_closed and not other.low_closed:
                return False
        if other.high is not None:
            if self.high is None or self.high > other.high:
                return False
            if self.high == other.high and self.high_closed and not other.high_closed:
                return False
        return True


def _below_or_touching(
    low: float | None, low_closed: bool, high: float | None, high_closed: bool
) -> bool:
    """True when a lower bound does not pass an upper bound (both may hold one number)."""
    if low is None or high is None:
        return True
    return low < high or (low == high and low_closed and high_closed)


def _max_low(a: Interval, b: Interval) -> tuple[float | None, bool]:
    if a.low is None:
        return b.low, b.low_closed
    if b.low is None or a.low > b.low:
        return a.low, a.low_closed
    if b.low > a.low:
        return b.low, b.low_closed
    return a.low, a.low_closed and b.low_closed


def _min_high(a: Interval, b: Interval) -> tuple[float | None, bool]:
    if a.high is None:
        return b.high, b.high_closed
    if b.high is None or a.high < b.high:
        return a.high, a.high_closed
    if b.high < a.high:
        return b.high, b.high_closed
    return a.high, a.high_closed and b.high_closed


def result_interval(value: float, comparator: str | None) -> Interval:
    """The values a reported result may stand for.

    Args:
        value: The number as reported (the limit, for a censored result).
        comparator: ``None`` for an exact result, else one of ``<``, ``<=``,
            ``>``, ``>=``.
    """
    if comparator is None:
        return Interval(value, True, value, True)
    if comparator == "<":
        return Interval(None, False, value, False)
    if comparator == "<=":
        return Interval(None, False, value, True)
    if comparator == ">":
        return Interval(value, False, None, False)
    if comparator == ">=":
        return Interval(value, True, None, False)
    raise ValueError(f"unknown comparator {comparator!r}")


def operator_interval(operator: str, limit: float) -> Interval:
    """The numbers ``x`` for which ``x <operator> limit`` holds."""
    if operator == "<":
        return Interval(None, False, limit, False)
    if operator == "<=":
        return Interval(None, False, limit, True)
    if operator == ">":
        return Interval(limit, False, None, False)
    if operator == ">=":
        return Interval(limit, True, None, False)
    raise ValueError(f"unknown operator {operator!r}")


def holds(candidates: Interval, target: Interval) -> Tri:
    """Whether the (unknown) true value lies in ``target``.

    Returns:
        True if every candidate value lies in ``target``, False if none does,
        None if some do and some do not.
    """
    if candidates.within(target):
        return True
    if not candidates.overlaps(target):
        return False
    return None


def compare(value: float, comparator: str | None, operator: str, limit: float) -> Tri:
    """Judge ``result <operator> limit`` for a possibly censored result.

    >>> compare(0.5, "<", "<", 3.0)
    True
    >>> compare(5.0, "<", "<", 3.0) is None
    True
    >>> compare(1500.0, ">", ">", 1000.0)
    True
    """
    if comparator is None and value == value and limit == limit:  # exact numbers, no NaN
        return _EXACT[operator](value, limit)
    return holds(result_interval(value, comparator), operator_interval(operator, limit))


# What ``holds`` answers for a single number against ``operator_interval``.
_EXACT = {
    "<": lambda value, limit: value < limit,
    "<=": lambda value, limit: value <= limit,
    ">": lambda value, limit: value > limit,
    ">=": lambda value, limit: value >= limit,
}


def band_interval(low: float | None, high: float | None) -> Interval:
    """A threshold band: low bound included, high bound excluded.

    Bands such as "deficient <20, insufficient 20-<30, adequate >=30" tile the
    line without gaps or overlaps this way.
    """
    return Interval(low, low is not None, high, False)


def range_interval(low: float | None, high: float | None) -> Interval:
    """A reference range: both printed limits count as within range."""
    return Interval(low, low is not None, high, high is not None)


def possible_bands(
    value: float, comparator: str | None, bands: Iterable[tuple[str, float | None, float | None]]
) -> tuple[str, ...]:
    """The statuses of every band the result may fall in, in band order.

    Args:
        value: The reported number (canonical unit).
        comparator: The censoring comparator, or None.
        bands: ``(status, low, high)`` triples in the same unit.
    """
    candidates = result_interval(value, comparator)
    return tuple(
        status for status, low, high in bands if candidates.overlaps(band_interval(low, high))
    )


def range_position(
    value: float, comparator: str | None, low: float | None, high: float | None
) -> dict[str, Tri]:
    """Where a result lies against a reference range.

    Returns:
        ``{"below": Tri, "within": Tri, "above": Tri, "outside": Tri}``.
    """
    candidates = result_interval(value, comparator)
    within = _side(candidates, low, high, "within")
    return {
        "below": _side(candidates, low, high, "below"),
        "within": within,
        "above": _side(candidates, low, high, "above"),
        "outside": None if within is None else not within,
    }


def range_side(
    value: float, comparator: str | None, low: float | None, high: float | None, side: str
) -> Tri:
    """One answer of ``range_position`` (``below``, ``within``, ``above`` or ``outside``)."""
    exact = comparator is None and value == value  # an exact number (not NaN)
    if exact and (low is None or low == low) and (high is None or high == high):
        if side == "below":
            return low is not None and value < low
        if side == "above":
            return high is not None and value > high
        within = (low is None or low <= value) and (high is None or value <= high)
        return within if side == "within" else not within
    within = _side(
        result_interval(value, comparator), low, high, "within" if side == "outside" else side
    )
    if side == "outside":
        return None if within is None else not within
    return within


def _side(candidates: Interval, low: float | None, high: float | None, side: str) -> Tri:
    if side == "below":
        return holds(candidates, Interval(None, False, low, False)) if low is not None else False
    if side == "above":
        return holds(candidates, Interval(high, False, None, False)) if high is not None else False
    return holds(candidates, range_interval(low, high))


def tri_all(values: Sequence[Tri]) -> Tri:
    """Kleene AND: False wins, then unknown, then True."""
    if any(v is False for v in values):
        return False
    if any(v is None for v in values):
        return None
    return True


def tri_any(values: Sequence[Tri]) -> Tri:
    """Kleene OR: True wins, then unknown, then False."""
    if any(v is True for v in values):
        return True
    if any(v is None for v in values):
        return None
    return False


def tri_not(value: Tri) -> Tri:
    """Kleene NOT: unknown stays unknown."""
    return None if value is None else not value
