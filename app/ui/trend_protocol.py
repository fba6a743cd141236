"""The protocol lane: one row per substance, pinned under the scrolling lab lanes.

The lab lanes scroll; the protocol lane does not. ``PinnedFooterScrollArea`` keeps
it in a strip under the scroll area's viewport, exactly as wide as the lab lanes,
so a dose change lines up with the results around it whichever lane is in view.
Its view follows the lab lanes' dates (and panning it pans them).

A step's label sits at the left of the part of its bar that is on screen and is
elided to that part's width: it never starts off the left edge ("…ne cypionate"),
never runs into the next step's label, and a step too narrow for a word shows none
(its bar's tooltip still names it). A first step too short for its words, with empty
lane before it, prints them whole just before the bar ("Zinc 25 mg oral daily", not
"Zin…").

The lane's height is capped so the lab lanes keep the room: its title sits in the
value axis's column, four rows or more are drawn compact, and at most
``MAX_SHOWN_ROWS`` rows show at once, a scroll bar in that column bringing the rest
(six substances took 40 % of a 1400 x 860 window). Dose-change lines closer than a
few pixels share one (``app.ui.trend_changes.group_dose_lines``).
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QCoreApplication, QEvent, Qt
from PySide6.QtGui import QColor, QFontMetricsF
from PySide6.QtWidgets import QScrollArea, QScrollBar, QWidget

from app.core.chart_palette import DOSE_CHANGE_COLOUR
from app.core.series import RegimenLane, RegimenStep, TrendSeries
from app.ui.trend_changes import group_dose_lines
from app.ui.trend_lane import LEFT_AXIS_WIDTH, TITLE_LEFT_MARGIN, TrendLane, timestamp

STEADY_BRUSH = QColor(240, 170, 40, 70)
BAR_BRUSHES = {
    "hormone": QColor(120, 80, 180, 160),
    "medication": QColor(60, 140, 160, 160),
    "supplement": QColor(150, 150, 150, 160),
}
REGIMEN_ROW_HEIGHT = 30
COMPACT_ROW_HEIGHT = 21
COMPACT_FROM = 4  # rows: this many or more are drawn compact
MAX_SHOWN_ROWS = 4  # more rows than this scroll
DATE_AXIS_HEIGHT = 30
SCROLL_BAR_WIDTH = 12
SCROLL_BAR_TOP = 24  # under the title, in the value axis's column
LABEL_PADDING = 10  # the text item's document margins, and a little air
MIN_LABEL_WIDTH = 28  # narrower than "Te…": no label at all
BESIDE_GAP = 3.0  # pixels between a label printed before its bar and the bar


def row_height(rows: int) -> int:
    """Pixels a row takes in a lane of ``rows`` substances."""
    return COMPACT_ROW_HEIGHT if rows >= COMPACT_FROM else REGIMEN_ROW_HEIGHT


def protocol_height(rows: int, *, every_row: bool = False) -> int:
    """Pixels the protocol lane takes for ``rows`` substances (at most the rows it shows)."""
    shown = rows if every_row else min(rows, MAX_SHOWN_ROWS)
    return TITLE_LEFT_MARGIN + shown * row_height(rows) + DATE_AXIS_HEIGHT + 4


class StepLabel(pg.TextItem):
    """A step's label: the full text is kept; what is shown fits the step on screen."""

    def __init__(self, text: str, start: float, end: float, y: float, *, first: bool = False):
        super().__init__(text, color="#222222", anchor=(0, 0.5))
        self.full_text = text
        self.start = start
        self.end = end
        self.row_y = y
        self.first = first  # the lane is empty before a first step
        self.beside = False  # printed before its bar, not on it
        self.setPos(start, y)

    def shown_text(self) -> str:
        return self.textItem.toPlainText() if self.isVisible() else ""

    def fit(self, left: float, right: float, pixels_per_second: float) -> None:
        """Place the label at the visible start of its step and elide it to the step."""
        start, end = max(self.start, left), min(self.end, right)
        room = (end - start) * pixels_per_second - LABEL_PADDING
        metrics = QFontMetricsF(self.textItem.font())
        whole = metrics.horizontalAdvance(self.full_text)
        before = (self.start - left) * pixels_per_second - LABEL_PADDING - BESIDE_GAP
        if self.first and whole > room and self.start < right and whole <= before:
            # Too short a first step for its words, empty lane before it: print them
            # whole, ending just before the bar.
            self._show(self.full_text, self.start - BESIDE_GAP / pixels_per_second, beside=True)
            return
        if room < MIN_LABEL_WIDTH:
            self.setVisible(False)
            return
        self._show(metrics.elidedText(self.full_text, Qt.ElideRight, room), start, beside=False)

    def _show(self, text: str, x: float, *, beside: bool) -> None:
        if text != self.textItem.toPlainText():
            self.setText(text)
        if beside != self.beside:
            self.beside = beside
            self.setAnchor((1 if beside else 0, 0.5))
        self.setPos(x, self.row_y)
        self.setVisible(True)


class ProtocolView(pg.GraphicsLayoutWidget):
    """The protocol lane on its own: bars, step labels, dose-change lines, steady states.

    ``items`` holds what it drew (``plot``, ``bars``, ``labels``, ``markers``,
    ``steady``) for tests and exports. Hidden when the patient takes nothing.
    """

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setBackground("w")
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.lane: TrendLane | None = None
        self.items: dict = {}
        self._master: pg.ViewBox | None = None
        self._syncing = False
        self._rows = 0
        self.every_row = False
        # Rows past MAX_SHOWN_ROWS: a scroll bar in the value axis's column brings them.
        self.row_bar = QScrollBar(Qt.Vertical, self)
        self.row_bar.setObjectName("protocol_rows")
        self.row_bar.setVisible(False)
        self.row_bar.valueChanged.connect(self._show_rows)
        self.dose_clusters = None
        self.setVisible(False)

    # -- drawing -------------------------------------------------------------------

    def draw(self, series: TrendSeries | None, x_range: tuple[float, float] | None) -> None:
        """Draw ``series``'s regimen lanes over ``x_range`` (seconds), or hide."""
        self.clear_lane()
        lanes = series.regimen_lanes if series else ()
        if not lanes:
            self.setVisible(False)
            return
        lane = TrendLane(show_values=False, title_left=True)
        self.lane = lane
        lane.setTitle("Protocol", size="10pt")
        self.items = {"plot": lane, "bars": [], "labels": [], "markers": [], "steady": []}
        end = series.end or date.today()
        self._rows = len(lanes)
        for index, regimen_lane in enumerate(lanes):
            self._row(lane, regimen_lane, len(lanes) - 1 - index, end)
        self.ci.layout.addItem(lane, 0, 0)
        self._fit_rows()
        self.dose_clusters = group_dose_lines(
            lane.getViewBox(), self.items["markers"], DOSE_CHANGE_COLOUR, Qt.SolidLine
        )
        if x_range is not None:
            lane.setXRange(*x_range, padding=0)
        view = lane.getViewBox()
        view.sigXRangeChanged.connect(self._range_changed)
        view.sigResized.connect(self.fit_labels)
        self.setVisible(True)
        self.ci.layout.activate()
        view.updateMatrix()
        self.fit_labels()

    def _fit_rows(self) -> None:
        """Height and rows shown: every row, or ``MAX_SHOWN_ROWS`` and a scroll bar."""
        rows = self._rows
        scrolls = rows > MAX_SHOWN_ROWS and not self.every_row
        self.setFixedHeight(protocol_height(rows, every_row=self.every_row))
        self.row_bar.blockSignals(True)
        self.row_bar.setRange(0, rows - MAX_SHOWN_ROWS if scrolls else 0)
        self.row_bar.setPageStep(MAX_SHOWN_ROWS)
        self.row_bar.setValue(0)
        self.row_bar.blockSignals(False)
        height = (MAX_SHOWN_ROWS * row_height(rows)) + TITLE_LEFT_MARGIN - SCROLL_BAR_TOP
        self.row_bar.setGeometry(
            LEFT_AXIS_WIDTH - SCROLL_BAR_WIDTH - 2, SCROLL_BAR_TOP, SCROLL_BAR_WIDTH, height
        )
        self.row_bar.setVisible(scrolls)
        self._show_rows(0)

    def _show_rows(self, first: int) -> None:
        """Show rows ``first`` .. ``first + MAX_SHOWN_ROWS`` (all rows if they fit)."""
        if self.lane is None:
            return
        rows = self._rows
        shown = rows if self.every_row else min(rows, MAX_SHOWN_ROWS)
        top = rows - 1 - first  # rows are drawn top down from y = rows - 1
        self.lane.setYRange(top - shown + 1 - 0.6, top + 0.6, padding=0)

    def show_every_row(self, every: bool) -> None:
        """Show every row at once (an export draws them all), or cap them again."""
        if every != self.every_row:
            self.every_row = every
            if self.lane is not None:
                self._fit_rows()
                self.ci.layout.activate()

    def shown_rows(self) -> list[str]:
        """The substances whose rows are on screen, top down."""
        if self.lane is None:
            return []
        low, high = self.lane.getViewBox().viewRange()[1]
        return [lane.label for lane, bars in self.items["bars"] if low < bars.opts["y"][0] < high]

    def clear_lane(self) -> None:
        if self.lane is not None:
            self.ci.layout.removeItem(self.lane)
            self.scene().removeItem(self.lane)
        self.lane = None
        self.items = {}
        self._master = None

    def _row(self, plot: TrendLane, lane: RegimenLane, y: float, end: date) -> None:
        brush = BAR_BRUSHES.get(lane.kind, BAR_BRUSHES["supplement"])
        x0 = np.array([timestamp(s.start) for s in lane.steps], dtype=float)
        x1 = np.array([timestamp(s.end or max(end, s.start)) for s in lane.steps], dtype=float)
        bars = pg.BarGraphItem(
            x0=x0, width=x1 - x0, y=np.full(len(x0), y), height=0.7, brush=brush, pen="w"
        )
        bars.setToolTip("\n".join(f"{s.start:%Y-%m-%d}: {s.change_label}" for s in lane.steps))
        plot.addItem(bars)
        self.items["bars"].append((lane, bars))
        for number, step in enumerate(lane.steps):
            text = step.dose_label if number == 0 else step.change_label
            # A label ends where its step does, or where the next step's begins.
            stop = x1[number] if number + 1 == len(x0) else min(x1[number], x0[number + 1])
            label = StepLabel(text, x0[number], stop, y, first=number == 0)
            label.setToolTip(f"{step.dose_label}\n{step.change_label}")
            plot.addItem(label, ignoreBounds=True)
            self.items["labels"].append((step, label))
            if number > 0 or step.steady_state_until:
                self._change_marker(plot, lane, step, y)

    def _change_marker(self, plot: TrendLane, lane: RegimenLane, step: RegimenStep, y) -> None:
        marker = pg.InfiniteLine(
            pos=timestamp(step.start),
            angle=90,
            movable=False,
            pen=pg.mkPen(DOSE_CHANGE_COLOUR, width=1),
        )
        plot.addItem(marker, ignoreBounds=True)
        self.items["markers"].append((step, marker))
        if step.steady_state_until:
            x0 = timestamp(step.start)
            shade = pg.BarGraphItem(
                x0=[x0],
                width=[timestamp(step.steady_state_until) - x0],
                y=[y],
                height=0.9,
                brush=STEADY_BRUSH,
                pen=pg.mkPen(None),
            )
            shade.setZValue(-5)
            shade.setToolTip(
                f"{lane.label}: new steady state expected by {step.steady_state_until:%Y-%m-%d}"
            )
            plot.addItem(shade)
            self.items["steady"].append((step, shade))

    # -- labels --------------------------------------------------------------------

    def fit_labels(self, *_args) -> None:
        """Fit every step label to the part of its step on screen."""
        if self.lane is None:
            return
        view = self.lane.getViewBox()
        (left, right), width = view.viewRange()[0], view.width()
        if width <= 0 or right <= left:
            return
        scale = width / (right - left)
        for _step, label in self.items["labels"]:
            label.fit(left, right, scale)

    # -- the lab lanes' dates ------------------------------------------------------

    def follow(self, lane: TrendLane) -> None:
        """Show ``lane``'s dates, and move it when this lane is panned."""
        self._master = lane.getViewBox()
        self._master.sigXRangeChanged.connect(self._master_changed)
        if self.lane is not None:
            self._copy(self._master, self.lane.getViewBox())

    def _master_changed(self, view, _range) -> None:
        # A lane of an earlier draw may still be connected: only the current one counts.
        if view is self._master and self.lane is not None:
            self._copy(view, self.lane.getViewBox())

    def _range_changed(self, view, _range) -> None:
        if self._master is not None and view is (self.lane and self.lane.getViewBox()):
            self._copy(view, self._master)
        self.fit_labels()

    def _copy(self, source: pg.ViewBox, target: pg.ViewBox) -> None:
        if self._syncing:
            return
        self._syncing = True
        try:
            target.setXRange(*source.viewRange()[0], padding=0)
        finally:
            self._syncing = False


class PinnedFooterScrollArea(QScrollArea):
    """A scroll area with a widget pinned under its viewport, as wide as the viewport.

    The footer sits in a bottom viewport margin, so the scrolled widget and the footer
    have the same width (and the scroll bar runs beside both).
    """

    def __init__(self, parent=None):
        super().__init__(parent)
        self.footer: QWidget | None = None

    def set_footer(self, widget: QWidget) -> None:
        self.footer = widget
        widget.setParent(self)
        widget.installEventFilter(self)
        self._place_footer()

    def eventFilter(self, watched, event) -> bool:
        if watched is self.footer and event.type() in (
            QEvent.Resize,
            QEvent.Show,
            QEvent.Hide,
        ):
            self._place_footer()
        return super().eventFilter(watched, event)

    def viewportEvent(self, event) -> bool:
        if event.type() == QEvent.Resize:
            self._place_footer()
        return super().viewportEvent(event)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._place_footer()

    def _place_footer(self) -> None:
        footer = self.footer
        height = footer.height() if footer is not None and not footer.isHidden() else 0
        if self.viewportMargins().bottom() != height:
            self.setViewportMargins(0, 0, 0, height)
            # The scroll range follows the viewport's new height only on a layout request.
            QCoreApplication.sendEvent(self, QEvent(QEvent.LayoutRequest))
        if height:
            box = self.viewport().geometry()
            footer.setGeometry(box.left(), box.bottom() + 1, box.width(), height)
