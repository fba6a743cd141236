"""A lab lane's change lines: where the lab or the unit changed, and each dose change.

A lab or unit change is a dashed brown line with its words ("lab changed") near the
top of the lane; a dose change (and each start with a steady state) is the protocol
lane's dotted purple line carried up through every lab lane, its change on hover.
"""

from __future__ import annotations

from collections.abc import Iterator

import pyqtgraph as pg
from PySide6.QtCore import Qt

from app.core.chart_palette import CHANGE_COLOUR, DOSE_CHANGE_COLOUR
from app.core.series import AnalyteSeries, RegimenStep, TrendSeries
from app.ui.trend_lane import timestamp


def dose_changes(series: TrendSeries | None) -> Iterator[RegimenStep]:
    """Every dose change, and each start with a steady state (the protocol lane's lines)."""
    for lane in series.regimen_lanes if series else ():
        for number, step in enumerate(lane.steps):
            if number > 0 or step.steady_state_until:
                yield step


def add_change_markers(items: dict, lane: AnalyteSeries) -> None:
    """A dashed line, with its words, where the lane's lab or unit changed."""
    for moment, what in [(m, "lab") for m in lane.lab_changes] + [
        (m, "unit") for m in lane.unit_changes
    ]:
        marker = pg.InfiniteLine(
            pos=timestamp(moment),
            angle=90,
            movable=False,
            pen=pg.mkPen(CHANGE_COLOUR, width=1, style=Qt.DashLine),
            label=f"{what} changed",
            labelOpts={"position": 0.92, "color": CHANGE_COLOUR},
        )
        items["plot"].addItem(marker, ignoreBounds=True)
        items["changes"].append((what, moment, marker))


def add_dose_change_markers(items: dict, series: TrendSeries | None) -> None:
    """The protocol lane's dose-change lines, carried up through a lab lane."""
    for step in dose_changes(series):
        marker = pg.InfiniteLine(
            pos=timestamp(step.start),
            angle=90,
            movable=False,
            pen=pg.mkPen(DOSE_CHANGE_COLOUR, width=1, style=Qt.DotLine),
        )
        marker.setToolTip(f"{step.start:%Y-%m-%d}: {step.change_label}")
        items["plot"].addItem(marker, ignoreBounds=True)
        items["dose_changes"].append((step, marker))
