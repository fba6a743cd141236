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

from collections.abc import Mapping
from datetime import timedelta

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPoint, QRect, Signal

from app.core.chart_palette import TREND_LINE_COLOUR
from app.core.series import AnalyteSeries, Band, SeriesPoint, TrendSeries, data_span, is_limit
from app.ui.trend_bands import (
    add_band,
    add_limit,
    band_tooltip,
    keep_labels_in_view,
)
from app.ui.trend_changes import add_change_markers, add_dose_change_markers
from app.ui.trend_lane import TrendLane, timestamp
from app.ui.trend_markers import (
    EXCLUDED_ALPHA,
    MAX_MARKERS_IN_VIEW,
    ViewClippedMarkers,
    marker_arrays,
    result_scatter,
)
from app.ui.trend_protocol import ProtocolView
from app.ui.trend_slots import LaneItems, LaneSlot

LANE_HEIGHT = 190
DAY = 86400.0
MIN_SPAN = 14 * DAY  # a chart never opens on less than two weeks
ZOOM_HINT = "  ·  zoom in to see single results"
QWIDGETSIZE_MAX = 16777215  # Qt's "no maximum" for a size


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
                add_limit(items, band, self._x_range, self.band_tooltip(band))
            else:
                add_band(items, band, low, high, self._x_range, self.band_tooltip(band))
        keep_labels_in_view(items)
        self._add_points(items, lane, title)
        add_change_markers(items, lane)
        add_dose_change_markers(items, self.series)

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
        # Marker sizes follow how close the results sit on screen, re-judged on zoom;
        # a lane too dense to hold every marker gets only those in view.
        clipper = ViewClippedMarkers(
            plot.getViewBox(),
            lambda thinned: plot.setTitle(title + (ZOOM_HINT if thinned else ""), size="10pt"),
            clip=len(lane.points) > MAX_MARKERS_IN_VIEW,
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
            clipper.add(scatter, arrays)
            plot.addItem(scatter)
        items["markers"] = clipper
        clipper.update()

    def _clicked(self, _scatter, spots, _event=None) -> None:
        """Open the record of the clicked result (the first stored one under the mouse)."""
        for spot in spots:
            point = spot.data()
            if isinstance(point, SeriesPoint) and point.observation_id is not None:
                self.point_clicked.emit(point.observation_id)
                return

    # -- protocol lane -------------------------------------------------------------

    @property
    def regimen(self) -> dict:
        """The protocol lane's items (drawn by ``self.protocol``, pinned out of the scroll)."""
        return self.protocol.items

    # -- text ----------------------------------------------------------------------

    def band_tooltip(self, band: Band) -> str:
        """What hovering a band's label shows: the label and its readable source."""
        return band_tooltip(band, self.citations)

    def reported_text(self, point: SeriesPoint) -> str:
        """The result as reported, its unit written once in the knowledge base's spelling.

        A calculated point's raw text already carries its unit (``136.1 pg/mL
        (calculated)``), so the unit is spelled in place rather than appended again.
        """
        raw = point.raw_value.strip()
        unit = point.unit_reported.strip()
        if not unit:
            return raw
        label = self.unit_label(unit) or unit
        words = raw.split()
        if unit in words or label in words:
            return " ".join(label if w in (unit, label) else w for w in words)
        return f"{raw} {label}".strip()

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
            f"Reported: {self.reported_text(point)}",
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
