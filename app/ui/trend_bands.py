"""A lab lane's bands: shaded reference ranges and targets, action limits, their words.

A reference range or a two-sided target is a shaded band across all dates with its
label just inside the left edge of the dates the chart opens on; an action limit (a
protocol's one-sided target, ``app.core.series.is_limit``) is a dashed line with its
caption (``app.ui.trend_limits``). Hovering a label shows it whole with its source,
cited as a reader does (``app.core.citation_text.band_source_text``).

Labels sit above the results on a pale backing: a lane of hundreds of results drew
its markers over the words "Reference range" and hid them.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPen
from PySide6.QtWidgets import QGraphicsRectItem

from app.core.chart_palette import BAND_COLOURS, BAND_OPACITY, BAND_TEXT
from app.core.citation_text import band_source_text
from app.core.series import Band, is_limit, limit_bound, limit_label
from app.ui.trend_limits import CAPTION_PREFIX, limit_items


def _band_brush(kind: str) -> QColor:
    colour = QColor(BAND_COLOURS[kind])
    colour.setAlphaF(BAND_OPACITY)
    return colour


REFERENCE_BRUSH = _band_brush("reference")
TARGET_BRUSH = _band_brush("target")
TOOLTIP_WIDTH = 90  # characters a tooltip line holds before it wraps
LABEL_Z = 20  # band and limit words: over results, lines and markers
LABEL_FILL = QColor(255, 255, 255, 215)  # a pale backing, so markers under the words fade
# Bands run from 1900 to 2200 (seconds since 1970): past any date a chart can show.
BAND_START = -2208988800.0
BAND_END = 7258118400.0


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


def band_tooltip(band: Band, citations: Mapping[str, object]) -> str:
    """What hovering a band's label shows: the label and its readable source."""
    # An action limit is no target to aim for: its words say what it is.
    title = CAPTION_PREFIX + limit_label(band) if is_limit(band) else band.label
    lines = textwrap.wrap(title, TOOLTIP_WIDTH)
    source = band_source_text(band, citations)
    if not source:
        return "\n".join(lines)
    # Wrapped: a citation runs to a few hundred characters and a plain tooltip
    # would be one line as wide as the screen.
    return "\n".join([*lines, *textwrap.wrap(f"Source: {source}", TOOLTIP_WIDTH)])


def _readable(label: pg.TextItem) -> pg.TextItem:
    """Lift ``label`` over the results, on a pale backing."""
    label.fill = pg.mkBrush(LABEL_FILL)
    label.setZValue(LABEL_Z)
    return label


def _label_x(x_range: tuple[float, float] | None) -> float | None:
    """Just inside the left edge of the dates the chart opens on."""
    if x_range is None:
        return None
    left, right = x_range
    return left + (right - left) * 0.02


def add_band(
    items: dict,
    band: Band,
    y_low: float,
    y_high: float,
    x_range: tuple[float, float] | None,
    tooltip: str,
) -> None:
    """Shade a band; an open side runs to the plot edge, so only one side is shaded."""
    low = y_low if band.low is None else band.low
    high = y_high if band.high is None else band.high
    brush = REFERENCE_BRUSH if band.kind == "reference" else TARGET_BRUSH
    region = BandRect(low, high, brush, pg.mkPen(brush.darker(250), width=1, style=Qt.DashLine))
    region.setZValue(-10)
    items["plot"].addItem(region, ignoreBounds=True)
    text = band.label if len(band.label) <= 90 else band.label[:89] + "…"
    label = _readable(pg.TextItem(text, color=BAND_TEXT.get(band.kind, BAND_TEXT["target"])))
    # A reference label hangs below its band's top edge; a target label sits on its
    # band's bottom edge. A target usually lies inside the reference range with its
    # top just under the range's, so two labels at the top edges overlapped.
    at_bottom = band.kind == "target" or band.high is None
    label.setAnchor((0, 1 if at_bottom else 0))
    label.setToolTip(tooltip)
    x = _label_x(x_range)
    if x is not None:
        label.setPos(x, low if at_bottom else high)
    items["plot"].addItem(label, ignoreBounds=True)
    items[band.kind] = region
    items[f"{band.kind}_band"] = band
    items[f"{band.kind}_label"] = label
    items.setdefault("band_labels", []).append(label)


def add_limit(items: dict, band: Band, x_range: tuple[float, float] | None, tooltip: str) -> None:
    """An action limit: a dashed line at its bound, its words on the line's left end."""
    line, caption = limit_items(band, tooltip)
    _readable(caption)
    items["plot"].addItem(line, ignoreBounds=True)
    x = _label_x(x_range)
    if x is not None:
        caption.setPos(x, limit_bound(band))
    items["plot"].addItem(caption, ignoreBounds=True)
    items["limit"] = line
    items["limit_band"] = band
    items["limit_label"] = caption
    items.setdefault("band_labels", []).append(caption)


def keep_labels_in_view(items: dict) -> None:
    """Band and limit labels follow the left edge of the dates in view on pan and zoom.

    Placed once at the opening dates, they left the screen when the user zoomed into
    the last months. The lane's labels and its view go together when it is redrawn.
    """
    labels = items.get("band_labels", [])
    if not labels:
        return

    def follow(_view, x_range) -> None:
        x = _label_x((x_range[0], x_range[1]))
        for label in labels:
            label.setPos(x, label.pos().y())

    items["plot"].getViewBox().sigXRangeChanged.connect(follow)
