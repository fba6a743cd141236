"""A lab lane's change lines: where the lab or the unit changed, and each dose change.

A lab or unit change is a dashed brown line with its words ("lab changed") near the
top of the lane; a dose change (and each start with a steady state) is the protocol
lane's dotted purple line carried up through every lab lane, its change on hover.

Changes closer on screen than their words are wide share one label ("lab changed
×4", each change on hover), and dose changes each closer than a few pixels to the
next share a pale span between the group's first and last lines (every change of
the group on hover): a second lab every few
weeks printed its labels over each other, and forty dose changes three days apart
were a hatched block. Grouping is re-judged when the zoom changes (``ChangeClusters``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFontMetricsF, QPen
from PySide6.QtWidgets import QGraphicsRectItem

from app.core.chart_palette import CHANGE_COLOUR, DOSE_CHANGE_COLOUR
from app.core.series import AnalyteSeries, RegimenStep, TrendSeries
from app.ui.trend_lane import timestamp

LINE_GAP = 6.0  # pixels: dose-change lines closer than this (chained) share a span
SPAN_ALPHA = 40
SPAN_REACH = 100  # view heights a dose-change span reaches above and below the view
LABEL_AIR = 8.0  # pixels between two change labels
WIDEST_LABEL = "lab/unit changed ×99"  # the widest label _label_group writes
MAX_TOOLTIP_LINES = 12


@dataclass
class Change:
    """One change line: where it is (seconds), its line, and what it says on hover."""

    x: float
    line: pg.InfiniteLine
    text: str
    what: str = ""


def clusters(xs: Sequence[float], gap: float, *, chain: bool = False) -> list[list[int]]:
    """Indices of ``xs`` (sorted) in groups: a value ``gap`` or more after the group's
    first (or, with ``chain``, after the group's last) value starts a new group."""
    groups: list[list[int]] = []
    start = None
    for index, x in enumerate(xs):
        if start is None or x - start >= gap:
            groups.append([index])
            start = x
        else:
            groups[-1].append(index)
            start = x if chain else start
    return groups


def cluster_tooltip(changes: Sequence[Change], noun: str) -> str:
    """Every change of a group, one a line (the first dozen and how many more)."""
    lines = [c.text for c in changes[:MAX_TOOLTIP_LINES]]
    if len(changes) > MAX_TOOLTIP_LINES:
        lines.append(f"… and {len(changes) - MAX_TOOLTIP_LINES} more")
    if len(changes) > 1:
        lines.insert(0, f"{len(changes)} {noun}:")
    return "\n".join(lines)


class ChangeClusters:
    """Group a view's change lines by how close they sit on screen; re-judged on zoom.

    ``gap`` is in pixels. With ``hide_lines`` only a group's first and last lines are
    drawn (and ``chain`` groups lines each closer than ``gap`` to the next); otherwise
    every line stays and only its label is shared. ``on_group(first, group)`` sets what
    the shown line or label says; ``reset()`` runs before the groups are shown anew.
    """

    def __init__(
        self,
        view: pg.ViewBox,
        changes: list[Change],
        gap: float,
        on_group: Callable[[Change, list[Change]], None],
        *,
        hide_lines: bool,
        chain: bool = False,
        reset: Callable[[], None] | None = None,
    ):
        self.view = view
        self.changes = sorted(changes, key=lambda c: c.x)
        self.gap = gap
        self.on_group = on_group
        self.hide_lines = hide_lines
        self.chain = chain
        self.reset = reset
        self.groups: list[list[Change]] = []
        self._scale = None
        view.sigXRangeChanged.connect(self.update)
        view.sigResized.connect(self.update)

    def update(self, *_args) -> None:
        (left, right), width = self.view.viewRange()[0], self.view.width()
        if not self.changes or width <= 0 or right <= left:
            return
        scale = width / (right - left)
        # Grouped from the first change on, not from the view's edge: panning keeps
        # the groups, only zooming changes them.
        if self._scale is not None and abs(scale - self._scale) <= self._scale * 1e-6:
            return
        self._scale = scale
        xs = [c.x for c in self.changes]
        groups = clusters(xs, self.gap / scale, chain=self.chain)
        self.groups = [[self.changes[i] for i in group] for group in groups]
        if self.reset is not None:
            self.reset()
        for group in self.groups:
            first = group[0]
            for other in group[1:-1] if self.hide_lines else group[1:]:
                if self.hide_lines:
                    other.line.setVisible(False)
                elif other.line.label is not None:
                    other.line.label.setVisible(False)
            first.line.setVisible(True)
            group[-1].line.setVisible(True)
            self.on_group(first, group)


def dose_changes(series: TrendSeries | None) -> Iterator[RegimenStep]:
    """Every dose change, and each start with a steady state (the protocol lane's lines)."""
    for lane in series.regimen_lanes if series else ():
        for number, step in enumerate(lane.steps):
            if number > 0 or step.steady_state_until:
                yield step


def add_change_markers(items: dict, lane: AnalyteSeries) -> None:
    """A dashed line, with its words, where the lane's lab or unit changed.

    Labels closer than their width share one (``ChangeClusters``).
    """
    for moment, what in [(m, "lab") for m in lane.lab_changes] + [
        (m, "unit") for m in lane.unit_changes
    ]:
        marker = pg.InfiniteLine(
            pos=timestamp(moment),
            angle=90,
            movable=False,
            pen=pg.mkPen(CHANGE_COLOUR, width=1, style=Qt.DashLine),
            label=f"{what} changed",
            # Centred on its line (pyqtgraph puts it right of the line in the left half
            # of the view and left of it in the right half: two met in the middle).
            labelOpts={"position": 0.92, "color": CHANGE_COLOUR, "anchors": [(0.5, 0.5)] * 2},
        )
        items["plot"].addItem(marker, ignoreBounds=True)
        items["changes"].append((what, moment, marker))
    if not items["changes"]:
        return
    changes = [
        Change(timestamp(moment), marker, f"{moment:%Y-%m-%d}: {what} changed", what)
        for what, moment, marker in items["changes"]
    ]
    font = items["changes"][0][2].label.textItem.font()
    gap = QFontMetricsF(font).horizontalAdvance(WIDEST_LABEL) + LABEL_AIR
    grouped = ChangeClusters(
        items["plot"].getViewBox(), changes, gap, _label_group, hide_lines=False
    )
    items["change_clusters"] = grouped
    grouped.update()


def _label_group(first: Change, group: list[Change]) -> None:
    """One label for a group of lab or unit changes; each of them on hover."""
    label = first.line.label
    whats = {c.what for c in group}
    what = whats.pop() if len(whats) == 1 else "lab/unit"
    # The label's format, not its text: pyqtgraph re-renders the format when shown.
    label.setFormat(f"{what} changed" + (f" ×{len(group)}" if len(group) > 1 else ""))
    label.setToolTip(cluster_tooltip(group, "changes"))
    label.setVisible(True)


def add_dose_change_markers(items: dict, series: TrendSeries | None) -> None:
    """The protocol lane's dose-change lines, carried up through a lab lane.

    Lines closer than ``LINE_GAP`` pixels share one (``ChangeClusters``).
    """
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
    items["dose_clusters"] = group_dose_lines(
        items["plot"].getViewBox(), items["dose_changes"], DOSE_CHANGE_COLOUR, Qt.DotLine
    )


class ClusterSpan(QGraphicsRectItem):
    """A pale band across a lane from a group's first dose change to its last."""

    def __init__(self, colour: str):
        super().__init__()
        fill = QColor(colour)
        fill.setAlpha(SPAN_ALPHA)
        self.setBrush(fill)
        self.setPen(QPen(Qt.NoPen))
        self.setZValue(-8)  # over the bands, under the results


def group_dose_lines(view: pg.ViewBox, lines, colour: str, style) -> ChangeClusters | None:
    """Let dose-change lines (``(step, line)`` pairs) closer than a few pixels share a span.

    A group keeps its first and last lines with a pale span between them; hovering
    either line lists the group's changes.
    """
    if not lines:
        return None
    spans: list[ClusterSpan] = []
    used = [0]

    def reset() -> None:
        used[0] = 0
        for span in spans:
            span.setVisible(False)

    def show(first: Change, group: list[Change]) -> None:
        tooltip = cluster_tooltip(group, "dose changes")
        first.line.setToolTip(tooltip)
        group[-1].line.setToolTip(tooltip)
        if len(group) < 2:
            return
        if used[0] == len(spans):
            spans.append(ClusterSpan(colour))
            view.addItem(spans[-1], ignoreBounds=True)
        span = spans[used[0]]
        used[0] += 1
        # Far beyond the values in view: the protocol lane scrolls its rows (and an
        # export shows them all) without grouping anew, and the span must still cover them.
        low, high = view.viewRange()[1]
        pad = max(high - low, 1.0) * SPAN_REACH
        span.setRect(first.x, low - pad, group[-1].x - first.x, high - low + 2 * pad)
        span.setToolTip(tooltip)
        span.setVisible(True)

    changes = [
        Change(timestamp(step.start), line, f"{step.start:%Y-%m-%d}: {step.change_label}")
        for step, line in lines
    ]
    grouped = ChangeClusters(
        view, changes, LINE_GAP, show, hide_lines=True, chain=True, reset=reset
    )
    grouped.spans = spans
    grouped.update()
    return grouped
