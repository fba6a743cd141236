"""One palette for the trend chart on screen and on paper: what prints is what was seen.

Colours only (hex text), no drawing library: ``app.ui`` turns them into QColors and
``app.reports`` into reportlab colours.
"""

from __future__ import annotations

# A result's status against its reference range.
STATUS_COLOURS = {
    "low": "#1f6fd1",
    "normal": "#2e8b3d",
    "high": "#d1452f",
    "unknown": "#666666",
}
EXCLUDED_COLOUR = "#9a9a9a"
TREND_LINE_COLOUR = "#555555"
# Bands are the colour at BAND_OPACITY over the plot, their labels the darker text.
BAND_COLOURS = {"reference": "#5aa05a", "target": "#3c6ed2"}
BAND_TEXT = {"reference": "#2f6f2f", "target": "#2a4f9a"}
BAND_OPACITY = 45 / 255
# An action limit (refer, reduce the dose): a dashed dark-red line, not a band to aim for.
LIMIT_COLOUR = "#a3271b"
DOSE_CHANGE_COLOUR = "#7a3fa0"
CHANGE_COLOUR = "#a05a00"  # the lab or the unit changed


def status_colour(status: str) -> str:
    return STATUS_COLOURS.get(status, STATUS_COLOURS["unknown"])


def over_white(colour: str, opacity: float) -> str:
    """The opaque colour ``colour`` shows at ``opacity`` over white (for print)."""
    rgb = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    mixed = (round(255 - (255 - c) * opacity) for c in rgb)
    return "#" + "".join(f"{c:02x}" for c in mixed)
