"""The stacked trend chart: one lab lane per analyte and a protocol lane, linked in time.

It draws a ``core`` ``TrendSeries`` and never queries. A lane is built when it
scrolls into view (or when code asks for it through ``lanes[key]``): twenty lanes
cost twenty view boxes and axes, and only four or five are on screen at once.
The protocol lane is a widget of its own (``self.protocol``, a ``ProtocolView``)
that the Trends tab pins under the scrolling lab lanes, so the regimen stays in view
beside whichever lab lane is; it shows the lab lanes' dates.
Items a lane creates are kept in ``self.lanes[key]`` and ``self.regimen`` so tests
(and exports) can find them.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Iterator, Mapping
from datetime import timedelta

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPoint, QRect, Qt, Signal
from PySide6.QtGui import QColor, QPen
from PySide6.QtWidgets import QGraphicsRectItem

from app.core.chart_palette import (
    BAND_COLOURS,
    BAND_OPACITY,
    BAND_TEXT,
    CHANGE_COLOUR,
    DOSE_CHANGE_COLOUR,
    TREND_LINE_COLOUR,
)
from app.core.citation_text import band_source_text
from app.core.series import (
    AnalyteSeries,
    Band,
    SeriesPoint,
    TrendSeries,
    data_span,
    is_limit,
    limit_bound,
    limit_label,
)
from app.ui.trend_lane import TrendLane, timestamp
from app.ui.trend_limits import CAPTION_PREFIX, limit_items
from app.ui.trend_markers import (
    EXCLUDED_ALPHA,
    MAX_MARKERS_IN_VIEW,
    ViewClippedMarkers,
    marker_arrays,
    result_scatter,
    show_markers,
)
from app.ui.trend_protocol import ProtocolView


def _band_brush(kind: str) -> QColor:
    colour = QColor(BAND_COLOURS[kind])
    colour.setAlphaF(BAND_OPACITY)
    return colour


REFERENCE_BRUSH = _band_brush("reference")
TARGET_BRUSH = _band_brush("target")
LANE_HEIGHT = 190
DAY = 86400.0
MIN_SPAN = 14 * DAY  # a chart never opens on less than two weeks
TOOLTIP_WIDTH = 90  # characters a tooltip line holds before it wraps
ZOOM_HINT = "  ·  zoom in to see single results"
QWIDGETSIZE_MAX = 16777215  # Qt's "no maximum" for a size
# Bands run from 1900 to 2200 (seconds since 1970): past any date a chart can show.
BAND_START = -2208988800.0
BAND_END = 7258118400.0


def shown_range(series: TrendSeries) -> tuple[float, float] | None:
    """The dates a chart opens on (seconds): the series' data, padded, at least two weeks.

    Not the whole window the range buttons chose: three years for a week of results
    put every point in the last few pixels.
    """
    span = data_span(series)
    if span is None:
        if not (series.start and series.end):
            return None
        span = (series.start, series.end)
    first, last = timestamp(span[0]), timestamp(span[1] + timedelta(days=1))
    pad = max(DAY, (last - first) * 0.04)
    first, last = first - pad, last + pad
    short = MIN_SPAN - (last - first)
    if short > 0:
        first, last = first - short / 2, last + short / 2
    return first, last


class LaneItems(Mapping):
    """Lane key -> the items drawn in that lane; a lane not built yet is built on access."""

    def __init__(self, keys=(), build: Callable[[str], dict] | None = None):
        self._keys = list(keys)
        self._build = build
        self.built: dict[str, dict] = {}

    def __getitem__(self, key: str) -> dict:
        if key not in self.built:
            if key not in self._keys or self._build is None:
                raise KeyError(key)
            self._build(key)
        return self.built[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)

    def __contains__(self, key) -> bool:
        return key in self._keys


class BandRect(QGraphicsRectItem):
    """A horizontal band across all time, from ``low`` to ``high`` (data units).

    A plain rectangle, not a ``LinearRegionItem``: that one is two draggable lines
    and a region, each connected to the view's signals, for something that never moves.
    """

    def __init__(self, low: float, high: float, brush: QColor, pen: QPen):
        super().__init__(BAND_START, low, BAND_END - BAND_START, high - low)
        self.setBrush(brush)
        pen.setCosmetic(True)
        self.setPen(pen)
        self._region = (low, high)

    def getRegion(self) -> tuple[float, float]:
        return self._region


class LaneSlot(pg.GraphicsWidget):
    """A row of the chart that holds its lane once the lane is built."""

    def __init__(self, row: int, key: str):
        super().__init__()
        self.row = row
        self.key = key
        self.lane: TrendLane | None = None

    def hold(self, lane: TrendLane) -> None:
        lane.setParentItem(self)
        lane.setGeometry(self.rect())
        # Lay the lane out now, not at the next event: its view box must know its
        # size before anything maps a point to the screen (clicks, tests, exports).
        lane.layout().activate()
        self.lane = lane

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if self.lane is not None:
            self.lane.setGeometry(self.rect())


class TrendChart(pg.GraphicsLayoutWidget):
    """Stacked lanes with a shared date axis; lanes are built as they come into view.

    Clicking a stored result's point emits ``point_clicked`` with its observation id
    (calculated points have none and emit nothing).
    """

    point_clicked = Signal(int)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setBackground("w")
        self.series: TrendSeries | None = None
        self.lanes = LaneItems()
        # Not a child: the Trends tab pins it under its scroll area (tests may not).
        self.protocol = ProtocolView()
        self._slots: list[LaneSlot] = []
        self._master: TrendLane | None = None
        self._x_range: tuple[float, float] | None = None
        self.format_value = lambda key, value, unit=None: f"{value:.4g}"
        self.unit_label = lambda unit: unit
        # The knowledge base's citations by key: a band's tooltip cites its source in
        # words (the Trends tab hands over the clinic's; none known, none cited).
        self.citations: Mapping[str, object] = {}

    # -- drawing -------------------------------------------------------------------

    def draw(self, series: TrendSeries) -> None:
        """Replace whatever is drawn with ``series``; lanes in view are built now."""
        self.clear_lanes()
        self.series = series
        self._slots = []
        self._master = None
        self._x_range = None
        self._x_range = shown_range(series)
        # Before any lab lane is built (a resize below builds those in view): the first
        # one built hands the protocol lane its dates.
        self.protocol.draw(series, self._x_range)
        keys = [lane.key for lane in series.analytes]
        self.lanes = LaneItems(keys, self._build_key)
        layout = self.ci.layout
        for row, key in enumerate(keys):
            self._add_slot(LaneSlot(row, key))
            layout.setRowMinimumHeight(row, LANE_HEIGHT)
            layout.setRowStretchFactor(row, 1)  # a lone lane fills the view
        # Lanes, the spacing between them and the layout's margins: all of it scrolls.
        margins = layout.getContentsMargins()
        spacing = layout.verticalSpacing() * max(len(keys) - 1, 0)
        self.setMinimumHeight(
            round(len(keys) * LANE_HEIGHT + spacing + margins[1] + margins[3]) if keys else 0
        )
        self.build_visible()

    def _add_slot(self, slot: LaneSlot) -> None:
        self.ci.layout.addItem(slot, slot.row, 0)
        self._slots.append(slot)

    def clear_lanes(self) -> None:
        """Remove every lane (and forget the series).

        Not named ``clear``: GraphicsLayoutWidget sets ``clear`` on each instance.
        """
        layout = self.ci.layout
        for slot in self._slots:
            layout.removeItem(slot)
            self.scene().removeItem(slot)
            # The grid keeps a row's limits after its item leaves; the next draw's
            # rows must not inherit them.
            layout.setRowMinimumHeight(slot.row, 0)
            layout.setRowMaximumHeight(slot.row, QWIDGETSIZE_MAX)
            layout.setRowStretchFactor(slot.row, 0)
        self._slots = []
        self.lanes = LaneItems()
        self.protocol.draw(None, None)
        self._master = None
        self.series = None

    def build_visible(self) -> None:
        """Build the lanes that are (about to be) on screen; the rest wait for a scroll."""
        # getattr: GraphicsView's constructor sends a resize before __init__ sets _slots.
        if not getattr(self, "_slots", None) or not self.isVisible():
            return
        visible = self._visible_rect()
        if visible.isEmpty():
            return
        self.ci.layout.activate()
        # No margin: a scroll moves this widget, and moveEvent builds the lane that
        # comes into view before that frame is painted.
        top = self.mapToScene(visible.topLeft()).y()
        bottom = self.mapToScene(visible.bottomLeft()).y()
        for slot in self._slots:
            if slot.lane is not None:
                continue
            box = slot.sceneBoundingRect()
            if box.bottom() >= top and box.top() <= bottom:
                self._build_slot(slot)

    def _visible_rect(self) -> QRect:
        """The part of this widget its ancestors (the scroll area's viewport) leave visible.

        Computed from geometry: ``visibleRegion()`` is empty on some platforms
        (offscreen) and before the first paint.
        """
        rect = self.rect()
        widget = self
        while not widget.isWindow() and widget.parentWidget() is not None:
            parent = widget.parentWidget()
            rect = rect.intersected(parent.rect().translated(self.mapFrom(parent, QPoint(0, 0))))
            widget = parent
        return rect

    def build_all(self) -> None:
        """Build every lane (before an export, which draws all of them)."""
        for slot in self._slots:
            if slot.lane is None:
                self._build_slot(slot)

    def _build_key(self, key: str) -> None:
        slot = next(s for s in self._slots if s.key == key)
        self._build_slot(slot)

    def _build_slot(self, slot: LaneSlot) -> None:
        lane = TrendLane()
        # Fill the lane before it joins the scene: an item added to a view box in the
        # scene connects to the chart widget's signals, then to the view box's (two
        # PySide connects of ~60 us each, for every item and its children).
        self._lane_plot(lane, self.series.analyte(slot.key))
        slot.hold(lane)
        # Link in time to the first lane built; it carries the shown date range, and
        # the protocol lane (in another scene) follows it.
        if self._master is None:
            self._master = lane
            if self._x_range is not None:
                lane.setXRange(*self._x_range, padding=0)
            self.protocol.follow(lane)
        else:
            lane.setXLink(self._master)
        # Map data to the screen now rather than at the next paint, so a point's scene
        # position is right for code that asks before then (clicks, tests).
        lane.getViewBox().updateMatrix()

    def close(self) -> bool:
        # GraphicsView.close() deletes the scene's items and then resizes the view;
        # forget the lanes first so that resize does not reach deleted ones.
        self.clear_lanes()
        self.protocol.close()
        return super().close()

    def moveEvent(self, event) -> None:
        # A scroll area scrolls by moving this widget: build what scrolled into view.
        super().moveEvent(event)
        self.build_visible()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self.build_visible()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.build_visible()

    # -- lab lanes -----------------------------------------------------------------

    def _lane_plot(self, plot: TrendLane, lane: AnalyteSeries) -> None:
        derived = " (calculated)" if lane.derived and "calculated" not in lane.label else ""
        title = f"{lane.label}{derived} [{self.unit_label(lane.unit)}]"
        plot.setTitle(title, size="10pt")
        items: dict = {"plot": plot, "series": lane, "changes": [], "dose_changes": []}
        self.lanes.built[lane.key] = items
        low, high = self._y_range(lane)
        plot.setYRange(low, high, padding=0)
        for band in lane.bands:
            if is_limit(band):
                self._add_limit(items, band)
            else:
                self._add_band(items, band, low, high)
        self._add_points(items, lane, title)
        self._add_change_markers(items, lane)
        self._add_dose_change_markers(items)

    def _y_range(self, lane: AnalyteSeries) -> tuple[float, float]:
        values = [p.value for p in lane.points]
        values += [v for b in lane.bands for v in (b.low, b.high) if v is not None]
        if not values:
            return 0.0, 1.0
        low, high = min(values), max(values)
        span = (high - low) or abs(high) or 1.0
        bottom = low - span * 0.15
        if low >= 0 and bottom < 0:
            bottom = 0.0
        return bottom, high + span * 0.2

    def _add_band(self, items: dict, band: Band, y_low: float, y_high: float) -> None:
        """Shade a band; an open side runs to the plot edge, so only one side is shaded."""
        low = y_low if band.low is None else band.low
        high = y_high if band.high is None else band.high
        brush = REFERENCE_BRUSH if band.kind == "reference" else TARGET_BRUSH
        region = BandRect(low, high, brush, pg.mkPen(brush.darker(250), width=1, style=Qt.DashLine))
        region.setZValue(-10)
        items["plot"].addItem(region, ignoreBounds=True)
        text = band.label if len(band.label) <= 90 else band.label[:89] + "…"
        label = pg.TextItem(text, color=BAND_TEXT.get(band.kind, BAND_TEXT["target"]))
        # A reference label hangs below its band's top edge; a target label sits on its
        # band's bottom edge. A target usually lies inside the reference range with its
        # top just under the range's, so two labels at the top edges overlapped.
        at_bottom = band.kind == "target" or band.high is None
        label.setAnchor((0, 1 if at_bottom else 0))
        label.setToolTip(self.band_tooltip(band))
        if self._x_range is not None:
            # Just inside the left edge of the dates the chart opens on.
            left, right = self._x_range
            label.setPos(left + (right - left) * 0.02, low if at_bottom else high)
        items["plot"].addItem(label, ignoreBounds=True)
        items[band.kind] = region
        items[f"{band.kind}_band"] = band
        items[f"{band.kind}_label"] = label

    def _add_limit(self, items: dict, band: Band) -> None:
        """An action limit: a dashed line at its bound, its words on the line's left end."""
        line, caption = limit_items(band, self.band_tooltip(band))
        items["plot"].addItem(line, ignoreBounds=True)
        if self._x_range is not None:
            left, right = self._x_range
            caption.setPos(left + (right - left) * 0.02, limit_bound(band))
        items["plot"].addItem(caption, ignoreBounds=True)
        items["limit"] = line
        items["limit_band"] = band
        items["limit_label"] = caption

    def _add_points(self, items: dict, lane: AnalyteSeries, title: str) -> None:
        plot: TrendLane = items["plot"]
        xs = np.fromiter(
            (timestamp(p.collected_at) for p in lane.points), dtype=float, count=len(lane.points)
        )
        groups = {"points": [], "censored": [], "excluded": []}
        for index, point in enumerate(lane.points):
            kind = "excluded" if point.excluded else "censored" if point.censored else "points"
            groups[kind].append(index)
        plain = np.array(groups["points"], dtype=int)
        line = pg.PlotDataItem(
            xs[plain],
            np.array([lane.points[i].value for i in plain], dtype=float),
            pen=pg.mkPen(TREND_LINE_COLOUR, width=1.5),
            skipFiniteCheck=True,
        )
        plot.addItem(line)
        # Only the part in view is drawn, at most a few points per pixel (peaks kept).
        # Set after addItem: before it, the line's "view" is the chart widget itself.
        line.setClipToView(True)
        line.setDownsampling(auto=True, method="peak")
        items["line"] = line
        styles = {
            "points": (True, 255),
            "censored": (False, 255),
            "excluded": (True, EXCLUDED_ALPHA),
        }
        dense = len(lane.points) > MAX_MARKERS_IN_VIEW
        clipper = None
        if dense:
            clipper = ViewClippedMarkers(
                plot.getViewBox(),
                lambda thinned: plot.setTitle(title + (ZOOM_HINT if thinned else ""), size="10pt"),
            )
        for kind, (filled, alpha) in styles.items():
            chosen = groups[kind]
            arrays = marker_arrays(
                [lane.points[i] for i in chosen],
                xs[np.array(chosen, dtype=int)],
                filled=filled,
                alpha=alpha,
            )
            scatter = result_scatter(lambda x, y, data, key=lane.key: self.tooltip_text(key, data))
            items[kind] = scatter
            if not chosen:
                continue  # kept (empty) for callers, but not put in the view
            scatter.sigClicked.connect(self._clicked)
            if clipper is not None:
                clipper.add(scatter, arrays)
            else:
                show_markers(scatter, arrays)
            plot.addItem(scatter)
        items["markers"] = clipper
        if clipper is not None:
            clipper.update()

    def _clicked(self, _scatter, spots, _event=None) -> None:
        """Open the record of the clicked result (the first stored one under the mouse)."""
        for spot in spots:
            point = spot.data()
            if isinstance(point, SeriesPoint) and point.observation_id is not None:
                self.point_clicked.emit(point.observation_id)
                return

    def _add_change_markers(self, items: dict, lane: AnalyteSeries) -> None:
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

    def _add_dose_change_markers(self, items: dict) -> None:
        """The protocol lane's dose-change lines, carried up through every lab lane."""
        for step in self._dose_changes():
            marker = pg.InfiniteLine(
                pos=timestamp(step.start),
                angle=90,
                movable=False,
                pen=pg.mkPen(DOSE_CHANGE_COLOUR, width=1, style=Qt.DotLine),
            )
            marker.setToolTip(f"{step.start:%Y-%m-%d}: {step.change_label}")
            items["plot"].addItem(marker, ignoreBounds=True)
            items["dose_changes"].append((step, marker))

    def _dose_changes(self):
        """Every dose change, and each start with a steady state (the protocol lane's lines)."""
        series = self.series
        for lane in series.regimen_lanes if series else ():
            for number, step in enumerate(lane.steps):
                if number > 0 or step.steady_state_until:
                    yield step

    # -- protocol lane -------------------------------------------------------------

    @property
    def regimen(self) -> dict:
        """The protocol lane's items (drawn by ``self.protocol``, pinned out of the scroll)."""
        return self.protocol.items

    # -- text ----------------------------------------------------------------------

    def band_tooltip(self, band: Band) -> str:
        """What hovering a band's label shows: the label and its readable source."""
        # An action limit is no target to aim for: its words say what it is.
        title = CAPTION_PREFIX + limit_label(band) if is_limit(band) else band.label
        lines = textwrap.wrap(title, TOOLTIP_WIDTH)
        source = band_source_text(band, self.citations)
        if not source:
            return "\n".join(lines)
        # Wrapped: a citation runs to a few hundred characters and a plain tooltip
        # would be one line as wide as the screen.
        return "\n".join([*lines, *textwrap.wrap(f"Source: {source}", TOOLTIP_WIDTH)])

    def tooltip_text(self, key: str, point: SeriesPoint) -> str:
        """What hovering a point shows: value, unit, date, lab, raw text, flag."""
        lane = self.series.analyte(key) if self.series else None
        unit = self.unit_label(lane.unit) if lane else ""
        label = lane.label if lane else key
        # The lane's unit: canonical or the SI display unit, each with its own decimals.
        number = self.format_value(key, point.value, lane.unit if lane else None)
        shown = f"{point.comparator or ''}{number}"
        lines = [
            f"{label}: {shown} {unit}".rstrip(),
            f"Date: {point.collected_at:%Y-%m-%d %H:%M}",
            f"Lab: {point.lab or '—'}",
            f"Reported: {point.raw_value} {point.unit_reported}".rstrip(),
            f"Flag: {point.flag or '—'}  ·  status: {point.status}",
        ]
        if point.range_text:
            lines.append(f"Range: {point.range_text}")
        if point.censored:
            lines.append("Censored result: drawn at its limit, left out of the trend line")
        if point.excluded:
            lines.append(f"Excluded: {point.note}")
        elif point.note:
            lines.append(point.note)
        return "\n".join(lines)
