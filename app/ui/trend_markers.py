"""Result markers of one lane: shared pens and brushes, and clipping for dense lanes.

pyqtgraph renders one symbol image per (symbol, size, pen object, brush object).
A new pen and brush per point rendered 10,000 images for 20 x 500 results; one pen
and brush per status and style keeps that at a handful.

A lane with more results than fit as separate markers (``MAX_MARKERS_IN_VIEW``)
hands the scatter only the results in view, and none while more than that are in
view: the trend line (clipped and peak-downsampled) shows the shape there, and
zooming in brings the markers, their tooltips and clicks back.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QBrush, QColor, QPen

from app.core.series import SeriesPoint
from app.ui.trend_colours import status_colour

# More markers than about one per pixel of a lane's width read as a thick line.
MAX_MARKERS_IN_VIEW = 1500
EXCLUDED_ALPHA = 60
FILLED_SIZE = 9
OPEN_SIZE = 12
HOVER_SIZE = 13
CLEAR = QBrush(QColor(255, 255, 255, 0))


@lru_cache(maxsize=64)
def marker_style(status: str, filled: bool, alpha: int) -> tuple[QPen, QBrush]:
    """The one pen and brush every marker of this status and style shares."""
    colour = QColor(status_colour(status))
    colour.setAlpha(alpha)
    pen = pg.mkPen(colour, width=1 if filled else 2)
    return pen, (QBrush(colour) if filled else CLEAR)


@dataclass(frozen=True)
class MarkerArrays:
    """Everything a scatter needs for its results, as arrays in time order."""

    xs: np.ndarray
    ys: np.ndarray
    data: np.ndarray  # SeriesPoint objects
    pens: np.ndarray
    brushes: np.ndarray
    symbols: np.ndarray
    size: int

    def __len__(self) -> int:
        return len(self.xs)


def marker_arrays(
    points: Sequence[SeriesPoint], xs: np.ndarray, *, filled: bool, alpha: int = 255
) -> MarkerArrays:
    """Arrays for ``points`` (at times ``xs``); open markers are censored triangles."""
    count = len(points)
    data = np.empty(count, dtype=object)
    pens = np.empty(count, dtype=object)
    brushes = np.empty(count, dtype=object)
    symbols = np.empty(count, dtype=object)
    for i, point in enumerate(points):
        data[i] = point
        pens[i], brushes[i] = marker_style(point.status, filled, alpha)
        # '<' results point down (true value below), '>' up; open marker = censored.
        if filled:
            symbols[i] = "o"
        else:
            symbols[i] = "t1" if point.comparator in (">", ">=") else "t"
    ys = np.fromiter((p.value for p in points), dtype=float, count=count)
    return MarkerArrays(xs, ys, data, pens, brushes, symbols, FILLED_SIZE if filled else OPEN_SIZE)


def result_scatter(tip: Callable) -> pg.ScatterPlotItem:
    """An empty hoverable scatter whose tooltip is ``tip(x, y, point)``."""
    return pg.ScatterPlotItem(hoverable=True, tip=tip, hoverSize=HOVER_SIZE, pxMode=True)


def show_markers(scatter: pg.ScatterPlotItem, arrays: MarkerArrays, window=slice(None)) -> None:
    """Give ``scatter`` the results in ``window`` (all of them by default)."""
    scatter.setData(
        x=arrays.xs[window],
        y=arrays.ys[window],
        data=arrays.data[window],
        pen=arrays.pens[window],
        brush=arrays.brushes[window],
        symbol=arrays.symbols[window],
        size=arrays.size,
    )


class ViewClippedMarkers:
    """Keep a dense lane's scatters to the results in view, or none when too many are.

    ``thinned`` is True while some scatter holds back its markers; ``on_thinned``
    is called when that changes (the lane says "zoom in" in its title).
    """

    def __init__(self, view: pg.ViewBox, on_thinned: Callable[[bool], None] | None = None):
        self.view = view
        self.on_thinned = on_thinned
        self.thinned = False
        self._sets: list[tuple[pg.ScatterPlotItem, MarkerArrays]] = []
        self._windows: dict[int, tuple[int, int] | None] = {}
        view.sigXRangeChanged.connect(self.update)

    def add(self, scatter: pg.ScatterPlotItem, arrays: MarkerArrays) -> None:
        self._sets.append((scatter, arrays))

    def update(self, *_args) -> None:
        low, high = self.view.viewRange()[0]
        # A marker half outside the view still shows; keep a little beyond each edge.
        margin = (high - low) * 0.02
        thinned = False
        for index, (scatter, arrays) in enumerate(self._sets):
            first = int(np.searchsorted(arrays.xs, low - margin, side="left"))
            last = int(np.searchsorted(arrays.xs, high + margin, side="right"))
            window = (first, last) if last - first <= MAX_MARKERS_IN_VIEW else None
            thinned = thinned or window is None
            if self._windows.get(index, "unset") == window:
                continue
            self._windows[index] = window
            if window is None:
                scatter.clear()
            else:
                show_markers(scatter, arrays, slice(*window))
        if thinned != self.thinned:
            self.thinned = thinned
            if self.on_thinned:
                self.on_thinned(thinned)
