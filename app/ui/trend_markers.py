"""Result markers of one lane: shared pens and brushes, and clipping for dense lanes.

pyqtgraph renders one symbol image per (symbol, size, pen object, brush object).
A new pen and brush per point rendered 10,000 images for 20 x 500 results; one pen
and brush per status and style keeps that at a handful.

Markers are sized to how close the results in view sit on screen
(``ViewClippedMarkers``): full size when apart, small when a few pixels apart, and
only the results out of range (small) when closer still; the trend line (clipped and
peak-downsampled) shows the shape there, and zooming in brings the markers, their
tooltips and clicks back. A lane with more results than fit as separate markers
(``MAX_MARKERS_IN_VIEW``) hands its scatters only the results in view.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QBrush, QColor, QPen

from app.core.marker_density import FLAGGED_ONLY, FULL, MARKED_WHEN_CROWDED, marker_tier
from app.core.series import SeriesPoint
from app.ui.trend_colours import status_colour

# More markers than about one per pixel of a lane's width read as a thick line.
MAX_MARKERS_IN_VIEW = 1500
EXCLUDED_ALPHA = 60
FILLED_SIZE = 9
OPEN_SIZE = 12
HOVER_SIZE = 13
SMALL_FILLED_SIZE = 5
SMALL_OPEN_SIZE = 7
FULL_SPACING = 8.0  # pixels between results in view: full-size markers from here
SMALL_SPACING = 2.0  # closer than this, only results out of range keep a marker
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


def small_size(size: int) -> int:
    """The size of a marker drawn small (results a few pixels apart)."""
    return SMALL_FILLED_SIZE if size == FILLED_SIZE else SMALL_OPEN_SIZE


def show_markers(
    scatter: pg.ScatterPlotItem, arrays: MarkerArrays, window=slice(None), size=None
) -> None:
    """Give ``scatter`` the results in ``window`` (a slice or indices; all by default)."""
    scatter.setData(
        x=arrays.xs[window],
        y=arrays.ys[window],
        data=arrays.data[window],
        pen=arrays.pens[window],
        brush=arrays.brushes[window],
        symbol=arrays.symbols[window],
        size=arrays.size if size is None else size,
    )


class ViewClippedMarkers:
    """Size a lane's markers to how close its results sit on screen, re-judged on zoom.

    Results at least ``FULL_SPACING`` pixels apart get full-size markers; closer than
    that, small ones; closer than ``SMALL_SPACING`` (or more than
    ``MAX_MARKERS_IN_VIEW`` in view) only the results out of range keep a small
    marker, and the trend line shows the rest. 520 weekly results over ten years
    drew 9-pixel markers a pixel apart: one green blob over the band labels.

    A ``clip`` lane (more results than ``MAX_MARKERS_IN_VIEW``) hands its scatters
    only the results in view. ``thinned`` is True while markers are held back;
    ``on_thinned`` is called when that changes (the lane says "zoom in" in its title).
    """

    def __init__(
        self,
        view: pg.ViewBox,
        on_thinned: Callable[[bool], None] | None = None,
        *,
        clip: bool = True,
    ):
        self.view = view
        self.on_thinned = on_thinned
        self.clip = clip
        self.thinned = False
        self.tier = ""
        self._sets: list[tuple[pg.ScatterPlotItem, MarkerArrays, np.ndarray]] = []
        self._shown: dict[int, tuple] = {}
        view.sigXRangeChanged.connect(self.update)
        view.sigResized.connect(self.update)

    def add(self, scatter: pg.ScatterPlotItem, arrays: MarkerArrays) -> None:
        flagged = np.fromiter(
            (i for i, p in enumerate(arrays.data) if p.status in MARKED_WHEN_CROWDED), dtype=int
        )
        self._sets.append((scatter, arrays, flagged))

    def _tier(self, in_view: int) -> str:
        if in_view > MAX_MARKERS_IN_VIEW:
            return FLAGGED_ONLY
        return marker_tier(self.view.width(), in_view, FULL_SPACING, SMALL_SPACING)

    def update(self, *_args) -> None:
        low, high = self.view.viewRange()[0]
        # A marker half outside the view still shows; keep a little beyond each edge.
        margin = (high - low) * 0.02
        windows = [
            (
                int(np.searchsorted(arrays.xs, low - margin, side="left")),
                int(np.searchsorted(arrays.xs, high + margin, side="right")),
            )
            for _scatter, arrays, _flagged in self._sets
        ]
        tier = self._tier(sum(last - first for first, last in windows))
        self.tier = tier
        for index, ((scatter, arrays, flagged), window) in enumerate(
            zip(self._sets, windows, strict=True)
        ):
            # A lane that is not clipped holds all its markers whatever is in view:
            # panning it changes nothing.
            window = window if self.clip else (0, len(arrays))
            state = (tier, window)
            if self._shown.get(index) == state:
                continue
            self._shown[index] = state
            size = arrays.size if tier == FULL else small_size(arrays.size)
            if tier != FLAGGED_ONLY:
                show_markers(scatter, arrays, slice(*window), size)
                continue
            chosen = flagged[(flagged >= window[0]) & (flagged < window[1])]
            if len(chosen) > MAX_MARKERS_IN_VIEW:
                scatter.clear()
            else:
                show_markers(scatter, arrays, chosen, size)
        thinned = tier == FLAGGED_ONLY
        if thinned != self.thinned:
            self.thinned = thinned
            if self.on_thinned:
                self.on_thinned(thinned)
