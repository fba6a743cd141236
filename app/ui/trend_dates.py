"""How the trend chart's date axis reads at each zoom: days with their month, or months
and years.

pyqtgraph's ``DateAxisItem`` picks a ``ZoomLevel`` from its ``zoomLevels`` by how many
seconds a pixel spans, and writes each tick with its ``TickSpec``'s strftime format.
Its own levels write a day as "%d" (or "%a %d"), and name the month only at a month's
first day: two weeks of results read "13 18 23", no month in sight, and a narrow lane
over a few weeks read just "Nov". These levels write a day as "13 Nov" and a month
start as "Dec 2026"; over months, every month (or every second, third or sixth) as
"Dec 2026"; over years, years and month names, as pyqtgraph does.
"""

from __future__ import annotations

from collections import OrderedDict

import numpy as np
from pyqtgraph.graphicsItems.DateAxisItem import (
    DAY_SPACING,
    HOUR_SPACING,
    MONTH_SPACING,
    YEAR_MONTH_ZOOM_LEVEL,
    TickSpec,
    ZoomLevel,
    makeMStepper,
    makeSStepper,
)

DAY_MONTH = "%d %b"  # "13 Nov" (the leading zero of "05 Nov" is dropped)
MONTH_YEAR = "%b %Y"  # "Dec 2026", at a month's first day

# Months in view: each month start (or every 2nd, 3rd, 6th) with its year.
MONTHS_ZOOM_LEVEL = ZoomLevel(
    [TickSpec(MONTH_SPACING, makeMStepper(1), MONTH_YEAR, autoSkip=[1, 2, 3, 6])],
    "MMM 0000",
)
# Up to a few months in view: month starts with their year, the days between with
# their month. The example text is the widest label, so ticks never crowd.
DAYS_ZOOM_LEVEL = ZoomLevel(
    [
        TickSpec(MONTH_SPACING, makeMStepper(1), MONTH_YEAR),
        TickSpec(DAY_SPACING, makeSStepper(DAY_SPACING), DAY_MONTH, autoSkip=[1, 2, 5]),
    ],
    "MMM 0000",
)
# Zoomed in to a few days: each day named with its month, hours between.
HOURS_ZOOM_LEVEL = ZoomLevel(
    [
        TickSpec(DAY_SPACING, makeSStepper(DAY_SPACING), DAY_MONTH),
        TickSpec(HOUR_SPACING, makeSStepper(HOUR_SPACING), "%H:%M", autoSkip=[1, 6]),
    ],
    "00 MMM",
)


def date_zoom_levels() -> OrderedDict:
    """``DateAxisItem.zoomLevels`` for a trend lane: the most seconds a tick may span
    (per pixel of its label) -> the level; the first level that fits is used."""
    return OrderedDict(
        [
            (np.inf, YEAR_MONTH_ZOOM_LEVEL),  # years, with month names between
            (3 * MONTH_SPACING, MONTHS_ZOOM_LEVEL),
            (10 * DAY_SPACING, DAYS_ZOOM_LEVEL),
            (6 * HOUR_SPACING, HOURS_ZOOM_LEVEL),
        ]
    )


def tidy_tick_text(text: str, strftime_format: str) -> str:
    """A tick's text as people write it: "5 Nov", not "05 Nov"."""
    return text.removeprefix("0") if strftime_format.startswith("%d") else text


def apart(levels: list[tuple[float, list[float]]], min_spacing: float) -> list:
    """``DateAxisItem`` tick levels without finer ticks that crowd a coarser one.

    pyqtgraph drops a day tick only when it falls on a month start: "3 Nov" two days
    after "Nov 2026" printed over it on a narrow lane. A finer tick closer than
    ``min_spacing`` (seconds: one label's width) to a coarser one is left out.
    """
    kept: list[float] = []
    out = []
    for spacing, values in levels:
        values = [v for v in values if all(abs(v - k) >= min_spacing for k in kept)]
        kept += values
        out.append((spacing, values))
    return out
