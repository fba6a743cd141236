"""The stacked trend chart: one lab lane per analyte and a protocol lane, linked in time.

It draws a ``core`` ``TrendSeries`` and never queries. Items it creates are kept
in ``self.lanes[key]`` and ``self.regimen`` so tests (and exports) can find them.
"""

from __future__ import annotations

from datetime import date, datetime, time

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor

from app.core.series import AnalyteSeries, Band, SeriesPoint, TrendSeries
from app.ui.trend_colours import status_colour

REFERENCE_BRUSH = QColor(90, 160, 90, 45)
TARGET_BRUSH = QColor(60, 110, 210, 45)
STEADY_BRUSH = QColor(240, 170, 40, 70)
BAR_BRUSHES = {
    "hormone": QColor(120, 80, 180, 160),
    "medication": QColor(60, 140, 160, 160),
    "supplement": QColor(150, 150, 150, 160),
}
LANE_HEIGHT = 190
REGIMEN_ROW_HEIGHT = 34


def timestamp(moment: date | datetime) -> float:
    """Seconds since the epoch (local time), as DateAxisItem expects."""
    if not isinstance(moment, datetime):
        moment = datetime.combine(moment, time())
    return moment.timestamp()


class TrendChart(pg.GraphicsLayoutWidget):
    """Stacked PlotItems with a shared date axis.

    Clicking a stored result's point emits ``point_clicked`` with its observation id
    (calculated points have none and emit nothing).
    """

    point_clicked = Signal(int)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setBackground("w")
        self.series: TrendSeries | None = None
        self.lanes: dict[str, dict] = {}
        self.regimen: dict = {}
        self.format_value = lambda key, value: f"{value:.4g}"
        self.unit_label = lambda unit: unit

    # -- drawing -------------------------------------------------------------------

    def draw(self, series: TrendSeries) -> None:
        """Replace whatever is drawn with ``series``."""
        self.clear()
        self.series = series
        self.lanes = {}
        self.regimen = {}
        master = None
        for row, lane in enumerate(series.analytes):
            plot = self._lane_plot(row, lane)
            if master is None:
                master = plot
            else:
                plot.setXLink(master)
        if series.regimen_lanes:
            plot = self._regimen_plot(len(series.analytes), series)
            if master is not None:
                plot.setXLink(master)
            master = master or plot
        if master is not None and series.start and series.end:
            pad = max(86400 * 10, (timestamp(series.end) - timestamp(series.start)) * 0.03)
            master.setXRange(timestamp(series.start) - pad, timestamp(series.end) + pad, padding=0)
        rows = len(series.analytes)
        regimen_rows = len(series.regimen_lanes)
        self.setMinimumHeight(rows * LANE_HEIGHT + (regimen_rows * REGIMEN_ROW_HEIGHT + 60))

    def _new_plot(self, row: int) -> pg.PlotItem:
        plot = self.addPlot(row=row, col=0, axisItems={"bottom": pg.DateAxisItem()})
        plot.showGrid(x=True, y=True, alpha=0.15)
        plot.setMenuEnabled(False)
        plot.getViewBox().setMouseEnabled(y=False)
        plot.getAxis("left").setWidth(70)
        return plot

    def _lane_plot(self, row: int, lane: AnalyteSeries) -> pg.PlotItem:
        plot = self._new_plot(row)
        derived = " (calculated)" if lane.derived and "calculated" not in lane.label else ""
        plot.setTitle(f"{lane.label}{derived} [{self.unit_label(lane.unit)}]", size="10pt")
        items: dict = {"plot": plot, "series": lane, "changes": []}
        self.lanes[lane.key] = items
        low, high = self._y_range(lane)
        plot.setYRange(low, high, padding=0)
        plot.enableAutoRange(axis="y", enable=False)
        for band in lane.bands:
            self._add_band(items, band, low, high)
        self._add_points(items, lane)
        self._add_change_markers(items, lane)
        return plot

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
        region = pg.LinearRegionItem(
            values=(low, high),
            orientation="horizontal",
            movable=False,
            brush=brush,
            pen=pg.mkPen(brush.darker(250), width=1, style=Qt.DashLine),
        )
        region.setZValue(-10)
        items["plot"].addItem(region, ignoreBounds=True)
        colour = "#2f6f2f" if band.kind == "reference" else "#2a4f9a"
        text = band.label if len(band.label) <= 90 else band.label[:89] + "…"
        label = pg.TextItem(text, color=colour, anchor=(0, 0 if band.high is not None else 1))
        label.setToolTip(f"{band.label}\nSource: {band.source}")
        series = self.series
        if series and series.start:
            label.setPos(timestamp(series.start), high if band.high is not None else low)
        items["plot"].addItem(label, ignoreBounds=True)
        items[band.kind] = region
        items[f"{band.kind}_band"] = band
        items[f"{band.kind}_label"] = label

    def _add_points(self, items: dict, lane: AnalyteSeries) -> None:
        plot = items["plot"]
        plain = [p for p in lane.points if not p.censored and not p.excluded]
        censored = [p for p in lane.points if p.censored and not p.excluded]
        excluded = [p for p in lane.points if p.excluded]
        xs = np.array([timestamp(p.collected_at) for p in plain], dtype=float)
        ys = np.array([p.value for p in plain], dtype=float)
        line = pg.PlotDataItem(xs, ys, pen=pg.mkPen("#555555", width=1.5))
        plot.addItem(line)
        items["line"] = line
        items["points"] = self._scatter(lane.key, plain, symbol="o", filled=True)
        items["censored"] = self._scatter(lane.key, censored, symbol=None, filled=False)
        items["excluded"] = self._scatter(lane.key, excluded, symbol="o", filled=True, alpha=60)
        for name in ("points", "censored", "excluded"):
            plot.addItem(items[name])

    def _scatter(self, key, points, *, symbol, filled, alpha=255) -> pg.ScatterPlotItem:
        spots = []
        for point in points:
            colour = QColor(status_colour(point.status))
            colour.setAlpha(alpha)
            # '<' results point down (true value below), '>' up; open marker = censored.
            shape = symbol or ("t1" if point.comparator in (">", ">=") else "t")
            spots.append(
                {
                    "pos": (timestamp(point.collected_at), point.value),
                    "data": point,
                    "symbol": shape,
                    "brush": pg.mkBrush(colour) if filled else pg.mkBrush(255, 255, 255, 0),
                    "pen": pg.mkPen(colour, width=1 if filled else 2),
                    "size": 9 if filled else 12,
                }
            )
        scatter = pg.ScatterPlotItem(
            hoverable=True,
            tip=lambda x, y, data, key=key: self.tooltip_text(key, data),
            hoverSize=13,
        )
        scatter.addPoints(spots)
        scatter.sigClicked.connect(self._clicked)
        return scatter

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
                pen=pg.mkPen("#a05a00", width=1, style=Qt.DashLine),
                label=f"{what} changed",
                labelOpts={"position": 0.92, "color": "#a05a00"},
            )
            items["plot"].addItem(marker, ignoreBounds=True)
            items["changes"].append((what, moment, marker))

    def _regimen_plot(self, row: int, series: TrendSeries) -> pg.PlotItem:
        plot = self._new_plot(row)
        plot.setTitle("Protocol", size="10pt")
        # Keep the left axis (without values) so the time axes line up with the lab lanes.
        plot.getAxis("left").setStyle(showValues=False)
        plot.getAxis("left").setPen(pg.mkPen(None))
        lanes = series.regimen_lanes
        self.regimen = {"plot": plot, "bars": [], "labels": [], "markers": [], "steady": []}
        end = series.end or date.today()
        for index, lane in enumerate(lanes):
            y = len(lanes) - 1 - index
            self._regimen_row(plot, lane, y, end)
        plot.setYRange(-0.6, len(lanes) - 0.4, padding=0)
        plot.enableAutoRange(axis="y", enable=False)
        self.ci.layout.setRowFixedHeight(row, len(lanes) * REGIMEN_ROW_HEIGHT + 60)
        return plot

    def _regimen_row(self, plot: pg.PlotItem, lane, y: float, end: date) -> None:
        brush = BAR_BRUSHES.get(lane.kind, BAR_BRUSHES["supplement"])
        x0 = np.array([timestamp(s.start) for s in lane.steps], dtype=float)
        x1 = np.array([timestamp(s.end or max(end, s.start)) for s in lane.steps], dtype=float)
        bars = pg.BarGraphItem(
            x0=x0, width=x1 - x0, y=np.full(len(x0), y), height=0.6, brush=brush, pen="w"
        )
        plot.addItem(bars)
        self.regimen["bars"].append((lane, bars))
        for number, step in enumerate(lane.steps):
            text = step.dose_label if number == 0 else step.change_label
            label = pg.TextItem(text, color="#222222", anchor=(0, 0.5))
            label.setPos(timestamp(step.start), y)
            label.setToolTip(f"{step.dose_label}\n{step.change_label}")
            plot.addItem(label, ignoreBounds=True)
            self.regimen["labels"].append((step, label))
            if number > 0 or step.steady_state_until:
                self._change_marker(plot, lane, step, y)

    def _change_marker(self, plot: pg.PlotItem, lane, step, y: float) -> None:
        marker = pg.InfiniteLine(
            pos=timestamp(step.start), angle=90, movable=False, pen=pg.mkPen("#7a3fa0", width=1)
        )
        plot.addItem(marker, ignoreBounds=True)
        self.regimen["markers"].append((step, marker))
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
            self.regimen["steady"].append((step, shade))

    # -- text ----------------------------------------------------------------------

    def tooltip_text(self, key: str, point: SeriesPoint) -> str:
        """What hovering a point shows: value, unit, date, lab, raw text, flag."""
        items = self.lanes.get(key)
        lane: AnalyteSeries | None = items["series"] if items else None
        unit = self.unit_label(lane.unit) if lane else ""
        label = lane.label if lane else key
        shown = f"{point.comparator or ''}{self.format_value(key, point.value)}"
        lines = [
            f"{label}: {shown} {unit}".rstrip(),
            f"Date: {point.collected_at:%Y-%m-%d %H:%M}",
            f"Lab: {point.lab or '—'}",
            f"Reported: {point.raw_value} {point.unit_reported}".rstrip(),
            f"Flag: {point.flag or '—'}  ·  status: {point.status}",
        ]
        if point.censored:
            lines.append("Censored result: drawn at its limit, left out of the trend line")
        if point.excluded:
            lines.append(f"Excluded: {point.note}")
        elif point.note:
            lines.append(point.note)
        return "\n".join(lines)
