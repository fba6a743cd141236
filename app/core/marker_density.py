"""How densely a trend can mark its results: one rule for the screen and for print.

Results drawn closer together than a marker is wide merge into a blob that hides the
line, the bands and their labels (520 weekly results over ten years). So a trend marks
each result while they sit at least ``full_spacing`` apart, marks them smaller while at
least ``small_spacing`` apart, and closer than that marks only the results out of range,
the trend line showing the rest. Each medium gives its own spacings, in its own unit
(pixels on screen, points on paper), from the size of its markers.
"""

from __future__ import annotations

__all__ = ["FLAGGED_ONLY", "FULL", "MARKED_WHEN_CROWDED", "SMALL", "marker_tier"]

FULL = "full"
SMALL = "small"
FLAGGED_ONLY = "flagged"
#: The statuses that keep a marker when results sit too close to mark each one.
MARKED_WHEN_CROWDED = ("low", "high")


def marker_tier(span: float, count: int, full_spacing: float, small_spacing: float) -> str:
    """``FULL``, ``SMALL`` or ``FLAGGED_ONLY`` for ``count`` results sharing ``span``.

    ``span`` is the length the results are spread over (0 when not yet laid out: then,
    as with one result, nothing crowds and every marker is full size).
    """
    if count <= 1 or span <= 0:
        return FULL
    spacing = span / count
    if spacing >= full_spacing:
        return FULL
    return SMALL if spacing >= small_spacing else FLAGGED_ONLY
