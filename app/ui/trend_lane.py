"""One lane of the trend chart: a title, a value axis, a date axis and a view box.

``pg.PlotItem`` builds a context menu, a control panel and two hidden axes for every
plot. A lane needs none of them; leaving them out makes a lane about three times
cheaper to build, and the Trends tab builds one per analyte the user scrolls to.
The few ``PlotItem`` methods the chart and its tests use keep their names.
"""

from __future__ import annotations

from datetime import date, datetime, time

import pyqtgraph as pg
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import QGraphicsGridLayout, QGraphicsItem, QGraphicsSimpleTextItem

from app.ui.trend_dates import apart, date_zoom_levels, tidy_tick_text

LEFT_AXIS_WIDTH = 70
TITLE_HEIGHT = 24
TITLE_LEFT_MARGIN = 4  # above a lane whose title sits in its value axis's column
TITLE_POINTS = 10
TITLE_COLOUR = "#666666"
GRID_ALPHA = 38  # of 255: the grid reads as a guide, not as data
# Date lines only: a value grid across every lane cost about a third of the paint
# (5 ms a lane), and the shaded bands already give the values their context.
GRID_AXES = ("bottom",)


def timestamp(moment: date | datetime) -> float:
    """Seconds since the epoch (local time), as DateAxisItem expects."""
    if not isinstance(moment, datetime):
        moment = datetime.combine(moment, time())
    return moment.timestamp()


# (first, last, pixels) -> (ticks, zoom level, spacing), shared by every lane's date axis.
_DATE_TICKS: dict[tuple, tuple] = {}
_TICK_TEXT: dict[tuple, list[str]] = {}
_MEMO_SIZE = 256


class SharedDateAxis(pg.DateAxisItem):
    """A date axis that works out its ticks and their text once for all lanes.

    Every lane shows the same dates at the same width, and DateAxisItem computed
    over a hundred ticks and labels per lane per paint: half of the chart's paint.
    Short spans name days with their month ("13 Nov"), long ones months and years
    (``app.ui.trend_dates``).
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.zoomLevels = date_zoom_levels()

    def tickValues(self, minVal, maxVal, size):
        key = (minVal, maxVal, size)
        found = _DATE_TICKS.get(key)
        if found is None:
            values = apart(super().tickValues(minVal, maxVal, size), self.minSpacing)
            found = (values, self.zoomLevel, self.minSpacing)
            if len(_DATE_TICKS) > _MEMO_SIZE:
                _DATE_TICKS.clear()
            _DATE_TICKS[key] = found
        # tickStrings reads the zoom level tickValues chose; set it as the base class would.
        values, self.zoomLevel, self.minSpacing = found
        return values

    def tickStrings(self, values, scale, spacing):
        key = (tuple(values), scale, spacing, id(self.zoomLevel))
        found = _TICK_TEXT.get(key)
        if found is None:
            found = super().tickStrings(values, scale, spacing)
            spec = next((s for s in self.zoomLevel.tickSpecs if s.spacing == spacing), None)
            if spec is not None:
                found = [tidy_tick_text(text, spec.format) for text in found]
            if len(_TICK_TEXT) > _MEMO_SIZE:
                _TICK_TEXT.clear()
            _TICK_TEXT[key] = found
        return found


class LaneTitle(QGraphicsSimpleTextItem):
    """A lane's title: plain text, centred over the plot.

    Not a ``LabelItem``: that one lays out HTML and takes part in the lane's layout,
    about 1.5 ms a lane for one line of text.
    """

    def __init__(self, parent=None):
        super().__init__(parent)
        self.text = ""
        font = QFont()
        font.setPointSizeF(TITLE_POINTS)
        self.setFont(font)
        self.setBrush(QColor(TITLE_COLOUR))

    def setText(self, text: str, **_options) -> None:
        self.text = text
        super().setText(text)


class TrendLane(pg.GraphicsWidget):
    """A view box with a value axis on the left, dates below and a title above."""

    def __init__(self, parent=None, *, show_values: bool = True, title_left: bool = False):
        super().__init__(parent)
        # A title in the value axis's column (the protocol lane's) saves a lane the
        # height of a title row.
        self.title_left = title_left
        self.vb = pg.ViewBox(enableMenu=False, defaultPadding=0)
        self.vb.setMouseEnabled(x=True, y=False)
        # Ranges come from the series bounds; no lane measures its items.
        self.vb.disableAutoRange()
        self.titleLabel = LaneTitle(self)
        self.axes = {"left": pg.AxisItem("left"), "bottom": SharedDateAxis("bottom")}
        for name, axis in self.axes.items():
            axis.linkToView(self.vb)
            # Set once, here: turning an axis's grid off after it has painted changes
            # its bounds under the scene's index (and crashed a later repaint).
            axis.setGrid(GRID_ALPHA if name in GRID_AXES and show_values else False)
            # As in PlotItem: axes (and their grid) above the view's background.
            axis.setZValue(0.5)
            axis.setFlag(QGraphicsItem.GraphicsItemFlag.ItemNegativeZStacksBehindParent)
        self.axes["left"].setWidth(LEFT_AXIS_WIDTH)
        if not show_values:
            # Keep the value axis's width (dates line up with the lab lanes), draw nothing.
            self.axes["left"].setStyle(showValues=False)
            self.axes["left"].setPen(pg.mkPen(None))
        layout = QGraphicsGridLayout()
        # The title sits in the top margin, outside the grid.
        layout.setContentsMargins(1, TITLE_LEFT_MARGIN if title_left else TITLE_HEIGHT, 1, 1)
        layout.setHorizontalSpacing(0)
        layout.setVerticalSpacing(0)
        layout.addItem(self.axes["left"], 0, 0)
        layout.addItem(self.vb, 0, 1)
        layout.addItem(self.axes["bottom"], 1, 1)
        layout.setRowStretchFactor(0, 100)
        layout.setColumnStretchFactor(1, 100)
        self.setLayout(layout)

    # -- the PlotItem methods the chart uses ------------------------------------------

    def getViewBox(self) -> pg.ViewBox:
        return self.vb

    def getAxis(self, name: str) -> pg.AxisItem:
        return self.axes[name]

    def setTitle(self, text: str, **options) -> None:
        self.titleLabel.setText(text, **options)
        self._place_title()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._place_title()

    def _place_title(self) -> None:
        """Centre the title over the view box, in the top margin."""
        box = self.titleLabel.boundingRect()
        if self.title_left:
            self.titleLabel.setPos(2, TITLE_LEFT_MARGIN)
            return
        centre = LEFT_AXIS_WIDTH + (self.size().width() - LEFT_AXIS_WIDTH) / 2
        self.titleLabel.setPos(
            max(0.0, centre - box.width() / 2), (TITLE_HEIGHT - box.height()) / 2
        )

    def addItem(self, item, ignoreBounds: bool = False) -> None:
        self.vb.addItem(item, ignoreBounds=ignoreBounds)

    def removeItem(self, item) -> None:
        self.vb.removeItem(item)

    def setXLink(self, other: TrendLane | None) -> None:
        self.vb.setXLink(other.vb if other is not None else None)

    def setXRange(self, low: float, high: float, padding: float = 0) -> None:
        self.vb.setXRange(low, high, padding=padding)

    def setYRange(self, low: float, high: float, padding: float = 0) -> None:
        self.vb.setYRange(low, high, padding=padding)
