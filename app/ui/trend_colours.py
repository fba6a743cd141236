"""Status colours shared by the trend chart and the flowsheet (one meaning, one colour)."""

from __future__ import annotations

STATUS_COLOURS = {
    "low": "#1f6fd1",
    "normal": "#2e8b3d",
    "high": "#d1452f",
    "unknown": "#666666",
}
EXCLUDED_COLOUR = "#9a9a9a"


def status_colour(status: str) -> str:
    return STATUS_COLOURS.get(status, STATUS_COLOURS["unknown"])
