"""Trend charts in the clinician summary, drawn with ``reportlab.graphics``.

They draw the same ``app.core.series.TrendSeries`` the Trends tab draws (never a
screenshot): the protocol lane (``app.reports.chart_protocol``); then per analyte a small line chart (x date, y value in the series' unit) with the
reference and target bands as shaded rectangles and a protocol's one-sided target
(an action limit: refer, reduce the dose) as a dashed line, results as filled
circles joined by the trend line, censored results (``<0.5``) as open triangles at
their limit and off the line, excluded results faded. The bands' and limits' labels
stand whole, wrapped, in a key between the chart's title and its plot, where no grid
line or result can cross them.

The charts are small, two to a row, so a page holds several and the summary can
chart every analyte its findings discuss. They span the patient's data, not the whole
window asked for (``app.reports.chart_scale``).

Everything is computed from the series with plain arithmetic, so equal series
draw equal shapes and the PDF stays byte-identical.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from reportlab.graphics.shapes import (
    Circle,
    Drawing,
    Group,
    Line,
    Polygon,
    PolyLine,
    Rect,
    String,
)
from reportlab.lib import colors
from reportlab.lib.attrmap import AttrMap, AttrMapValue
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.lib.validators import isAnything
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Flowable

from app.core.chart_palette import (
    BAND_COLOURS,
    BAND_OPACITY,
    BAND_TEXT,
    EXCLUDED_COLOUR,
    LIMIT_COLOUR,
    STATUS_COLOURS,
    TREND_LINE_COLOUR,
    over_white,
)
from app.core.marker_density import FLAGGED_ONLY, FULL, MARKED_WHEN_CROWDED, marker_tier
from app.core.report_data import ReportData
from app.core.series import AnalyteSeries, Band, TrendSeries, is_limit, limit_bound, limit_label
from app.reports.chart_protocol import MAX_LANES, protocol_lane, visible_steps
from app.reports.chart_scale import (
    GUTTER_SHARE,
    Scale,
    add_date_ticks,
    chart_span,
)
from app.reports.fonts import BOLD, REGULAR, register_fonts
from app.reports.styles import INK, MUTED, RULE

CHART_HEIGHT = 42 * mm
EMPTY_HEIGHT = 12 * mm
BOTTOM_PAD = 3 * mm  # space under each chart's date labels
CHART_GAP = 7 * mm  # between two charts of a row
ROW_GAP = 3 * mm  # above each row of charts, so a title does not sit on the row above
TWO_COLUMNS_FROM = 380.0  # a frame this wide (points) takes two charts a row

# The screen's palette (app.core.chart_palette): bands as they look over white.
REFERENCE_FILL = colors.HexColor(over_white(BAND_COLOURS["reference"], BAND_OPACITY))
TARGET_FILL = colors.HexColor(over_white(BAND_COLOURS["target"], BAND_OPACITY))
REFERENCE_TEXT = colors.HexColor(BAND_TEXT["reference"])
TARGET_TEXT = colors.HexColor(BAND_TEXT["target"])
LINE = colors.HexColor(TREND_LINE_COLOUR)
STATUS = {status: colors.HexColor(hex_text) for status, hex_text in STATUS_COLOURS.items()}
FADED = colors.HexColor(EXCLUDED_COLOUR)
# An action limit (refer, reduce the dose) is a dashed dark-red line: a line to stay
# under, not a band to aim for.
LIMIT = colors.HexColor(LIMIT_COLOUR)
LIMIT_DASH = [3, 2]
_KEY_TEXT = {"reference": REFERENCE_TEXT, "target": TARGET_TEXT, "limit": LIMIT}
KEY_SIZE = 6.0
KEY_LEADING = 7.2  # a band's key line to line
KEY_INDENT = 10.0  # the key's text starts after its swatch
POINT_RADIUS = 2.1
SMALL_POINT_RADIUS = 1.2
# Points between results (core.marker_density): each marked at full size from a
# marker's width apart, smaller while small markers do not overlap, and closer than
# that only the low and high ones.
FULL_SPACING = 2 * POINT_RADIUS + 0.5
SMALL_SPACING = 2 * SMALL_POINT_RADIUS
NOTE_SIZE = 6.5
NOTE_LEADING = 7.5  # a chart note wrapped under its title, line to line
JUDGED = ("low", "normal", "high")  # statuses a reference range gave; others draw grey
TRIANGLE = 3.0  # half the height of a censored-result triangle


class TrendChart(Drawing):
    """One analyte's chart; ``series`` and ``scale`` say what was drawn where (for tests)."""

    _attrMap = AttrMap(
        BASE=Drawing, series=AttrMapValue(isAnything), scale=AttrMapValue(isAnything)
    )


class ChartRow(Flowable):
    """Up to ``COLUMNS`` analyte charts side by side, top-aligned, as one flowable."""

    def __init__(self, charts: Sequence[Drawing], width: float, gap: float):
        super().__init__()
        self.charts = tuple(charts)
        self.width = width
        self.gap = gap
        self.height = max(chart.height for chart in self.charts) + ROW_GAP

    def wrap(self, available_width, available_height):  # noqa: ARG002 - reportlab's API
        return self.width, self.height

    def draw(self) -> None:
        x = 0.0
        for chart in self.charts:
            chart.drawOn(self.canv, x, self.height - ROW_GAP - chart.height)
            x += chart.width + self.gap


def columns_for(width: float) -> int:
    """How many small charts stand side by side in ``width`` points."""
    return 2 if width >= TWO_COLUMNS_FROM else 1


def trend_chart_flowables(data: ReportData, width: float) -> list[Flowable]:
    """The key, the protocol lane and rows of small analyte charts, ``width`` points wide.

    One small chart per analyte of each ``TrendSeries`` in ``data.chart_series``, two
    to a row on a page (one on a narrow frame), so a page holds several and the charts
    flow onto as many pages as they need. The protocol lane comes first, under the key,
    so the dose history is read before the results it explains.
    """
    register_fonts()
    out: list[Flowable] = []
    drawn = [s for s in data.chart_series if isinstance(s, TrendSeries) and s.analytes]
    if drawn:
        out.append(legend(width, unjudged=any(_has_unjudged(s) for s in drawn)))
    columns = columns_for(width)
    gap = CHART_GAP if columns > 1 else 0.0
    chart_width = (width - gap * (columns - 1)) / columns
    for series in data.chart_series:
        if not isinstance(series, TrendSeries) or series.start is None or series.end is None:
            continue
        lanes = [lane for lane in series.regimen_lanes if visible_steps(series, lane)]
        if lanes:
            out.append(protocol_lane(series, lanes[:MAX_LANES], width))
        charts = [analyte_chart(series, analyte, chart_width) for analyte in series.analytes]
        for first in range(0, len(charts), columns):
            out.append(ChartRow(charts[first : first + columns], width, gap))
    return out


def chart_drawings(flowables: Sequence[Flowable]) -> list[Drawing]:
    """The analyte charts among ``flowables`` (inside their rows), in reading order."""
    out: list[Drawing] = []
    for flowable in flowables:
        out += flowable.charts if isinstance(flowable, ChartRow) else []
    return out


def _has_unjudged(series: TrendSeries) -> bool:
    """True when a chart draws a result no range could judge (calculated free T, scores)."""
    return any(not p.excluded and p.status not in JUDGED for a in series.analytes for p in a.points)


def legend(width: float, unjudged: bool = False) -> Drawing:
    """What the marks mean, drawn with the same shapes as the charts.

    ``unjudged``: the charts draw results no range could judge, in dark grey; the key
    says so in the screen's words. Entries wrap onto another row rather than run past
    ``width``.
    """
    statuses = [("low", "low"), ("normal", "in range"), ("high", "high")]
    if unjudged:
        statuses.append(("unknown", "not judged (no range)"))
    items = [
        *(
            (Circle(0, 0, POINT_RADIUS, fillColor=STATUS[s], strokeColor=STATUS[s]), text)
            for s, text in statuses
        ),
        (censored_marker(0, 0, "<", LINE), "censored (< or >), drawn at its limit"),
        (Circle(0, 0, POINT_RADIUS, fillColor=FADED, strokeColor=FADED), "excluded"),
        (Rect(-3, -3, 6, 6, fillColor=REFERENCE_FILL, strokeColor=None), "reference range"),
        (Rect(-3, -3, 6, 6, fillColor=TARGET_FILL, strokeColor=None), "protocol target"),
        (_swatch("limit"), "action limit (refer, reduce the dose)"),
    ]
    rows: list[list[tuple[float, object, str]]] = [[]]
    x = 0.0
    for shape, text in items:
        advance = 16 + stringWidth(text, REGULAR, 6.5)
        if rows[-1] and x + advance - 8 > width:
            rows.append([])
            x = 0.0
        rows[-1].append((x, shape, text))
        x += advance
    row_height = 5 * mm
    drawing = Drawing(width, row_height * len(rows))
    for number, row in enumerate(rows):
        y = row_height * (len(rows) - 1 - number) + 5.0
        for x, shape, text in row:
            drawing.add(Group(shape, transform=(1, 0, 0, 1, x + 3, y + 2)))
            drawing.add(String(x + 8, y, text, fontName=REGULAR, fontSize=6.5, fillColor=MUTED))
    return drawing


# -- one analyte ------------------------------------------------------------------------


def analyte_chart(series: TrendSeries, analyte: AnalyteSeries, width: float) -> TrendChart:
    """The chart of one analyte (a short strip saying so when it has no results)."""
    unit = analyte.unit_label or analyte.unit
    title = f"{analyte.label} ({unit})" if unit else analyte.label
    if not analyte.points:
        drawing = TrendChart(width, EMPTY_HEIGHT)
        drawing.series = analyte
        drawing.add(String(0, EMPTY_HEIGHT - 9, title, fontName=BOLD, fontSize=8, fillColor=INK))
        drawing.add(
            String(
                0,
                BOTTOM_PAD,
                f"No results between {series.start.isoformat()} and {series.end.isoformat()}.",
                fontName=REGULAR,
                fontSize=7,
                fillColor=MUTED,
            )
        )
        return drawing
    notes = []
    if analyte.derived and analyte.inputs_note:
        notes.append(analyte.inputs_note)
    if analyte.unplotted:
        notes.append(f"{analyte.unplotted} result(s) without a number not drawn")
    first, last = chart_span(series)
    shown = sum(first <= p.collected_at.date() <= last for p in analyte.points)
    tier = marker_tier(width * (1 - GUTTER_SHARE) - 4, shown, FULL_SPACING, SMALL_SPACING)
    if tier == FLAGGED_ONLY:
        notes.append("results too close to mark each: the line shows them, low and high marked")
    note = "; ".join(notes)
    # Beside the title when it fits there, else wrapped under it: never past the page.
    beside = stringWidth(title, BOLD, 8) + 12 + stringWidth(note, REGULAR, NOTE_SIZE) <= width
    lines = [] if not note or beside else simpleSplit(note, REGULAR, NOTE_SIZE, width)
    keys = _key_lines(analyte, width)
    height = CHART_HEIGHT + NOTE_LEADING * len(lines) + KEY_LEADING * len(keys)
    drawing = TrendChart(width, height)
    drawing.series = analyte
    gutter = width * GUTTER_SHARE
    low, high = _value_range(analyte)
    ticks = _nice_ticks(low, high)
    scale = Scale(
        x0=gutter,
        x1=width - 4,
        y0=BOTTOM_PAD + 11,
        y1=height - 13 - NOTE_LEADING * len(lines) - (KEY_LEADING * len(keys) + 3 if keys else 0),
        start=first,
        end=last,
        low=ticks[0],
        high=ticks[-1],
    )
    drawing.scale = scale
    drawing.add(String(0, height - 8, title, fontName=BOLD, fontSize=8, fillColor=INK))
    if note and beside:
        drawing.add(
            String(width, height - 8, note, fontName=REGULAR, fontSize=NOTE_SIZE,
                   fillColor=MUTED, textAnchor="end")
        )  # fmt: skip
    for number, line in enumerate(lines, start=1):
        drawing.add(
            String(0, height - 8 - NOTE_LEADING * number, line, fontName=REGULAR,
                   fontSize=NOTE_SIZE, fillColor=MUTED)
        )  # fmt: skip
    # The bands' key, under the title and above the plot: whole labels that no grid
    # line, band edge or result can cross.
    top = height - 8 - NOTE_LEADING * len(lines)
    for number, (kind, line, first) in enumerate(keys, start=1):
        y = top - KEY_LEADING * number
        if first:
            drawing.add(Group(_swatch(kind), transform=(1, 0, 0, 1, 4, y + 2)))
        drawing.add(
            String(KEY_INDENT, y, line, fontName=REGULAR, fontSize=KEY_SIZE,
                   fillColor=_KEY_TEXT.get(kind, MUTED))
        )  # fmt: skip
    _bands(drawing, analyte, scale)
    _axes(drawing, scale, ticks)
    _limits(drawing, analyte, scale)  # over the grid, which may run along the same value
    _points(drawing, analyte, scale, tier)
    return drawing


def _band_kind(band: Band) -> str:
    return "limit" if is_limit(band) else band.kind


def _key_text(band: Band) -> str:
    """What a band's key says: its label and bounds, or a limit's label and where it is."""
    if not is_limit(band):
        return _band_label(band.label, band.low, band.high)
    return f"{limit_label(band)} (dashed line at {limit_bound(band):.4g})"


def _key_lines(analyte: AnalyteSeries, width: float) -> list[tuple[str, str, bool]]:
    """Each drawn band's key wrapped to ``width``: (kind, line, whether its first line)."""
    out: list[tuple[str, str, bool]] = []
    for band in analyte.bands:
        if band.kind not in ("reference", "target"):
            continue
        lines = simpleSplit(_key_text(band), REGULAR, KEY_SIZE, width - KEY_INDENT)
        out += [(_band_kind(band), line, i == 0) for i, line in enumerate(lines)]
    return out


def _swatch(kind: str):
    """The small mark a key line starts with: a band's fill, or a limit's dashed line."""
    if kind == "limit":
        return Line(-3.5, 0, 3.5, 0, strokeColor=LIMIT, strokeWidth=1, strokeDashArray=[2.5, 1.5])
    fill = TARGET_FILL if kind == "target" else REFERENCE_FILL
    return Rect(-3, -2.5, 6, 5, fillColor=fill, strokeColor=None)


def _value_range(analyte: AnalyteSeries) -> tuple[float, float]:
    values = [p.value for p in analyte.points]
    for band in analyte.bands:
        values += [v for v in (band.low, band.high) if v is not None]
    low, high = min(values), max(values)
    if high - low < 1e-9:
        pad = abs(high) * 0.1 or 1.0
        return low - pad, high + pad
    pad = (high - low) * 0.08
    low = 0.0 if low >= 0 and low - pad < 0 else low - pad
    return low, high + pad


def _nice_ticks(low: float, high: float, wanted: int = 4) -> list[float]:
    """Round tick values covering ``low``..``high`` (first and last are the axis ends)."""
    raw = (high - low) / wanted
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    first = math.floor(low / step) * step
    ticks = [first]
    while ticks[-1] < high - 1e-9 * step:
        ticks.append(round(first + len(ticks) * step, 10))
    return ticks


def _tick_text(value: float) -> str:
    return f"{value:.6g}"


def _bands(drawing: Drawing, analyte: AnalyteSeries, scale: Scale) -> None:
    """Reference and target bands, shaded; their labels are in the key above the plot."""
    for band in analyte.bands:
        if band.kind not in ("reference", "target") or is_limit(band):
            continue
        low = scale.y(band.low) if band.low is not None else scale.y0
        high = scale.y(band.high) if band.high is not None else scale.y1
        low, high = max(low, scale.y0), min(high, scale.y1)
        if high <= low:
            continue
        target = band.kind == "target"
        drawing.add(
            Rect(scale.x0, low, scale.x1 - scale.x0, high - low,
                 fillColor=TARGET_FILL if target else REFERENCE_FILL, strokeColor=None,
                 fillOpacity=0.55 if target else 1)
        )  # fmt: skip


def _limits(drawing: Drawing, analyte: AnalyteSeries, scale: Scale) -> None:
    """Action limits as dashed lines across the plot at their bound."""
    for band in analyte.bands:
        if not is_limit(band):
            continue
        y = scale.y(limit_bound(band))
        if scale.y0 <= y <= scale.y1:
            drawing.add(
                Line(scale.x0, y, scale.x1, y, strokeColor=LIMIT, strokeWidth=1,
                     strokeDashArray=LIMIT_DASH)
            )  # fmt: skip


def _band_label(label: str, low: float | None, high: float | None) -> str:
    if low is not None and high is not None:
        bounds = f"{low:.4g}–{high:.4g}"
    elif low is not None:
        bounds = f"≥ {low:.4g}"
    elif high is not None:
        bounds = f"≤ {high:.4g}"
    else:
        return label
    return f"{label}: {bounds}"


def _axes(drawing: Drawing, scale: Scale, ticks: Sequence[float]) -> None:
    for value in ticks:
        y = scale.y(value)
        drawing.add(Line(scale.x0, y, scale.x1, y, strokeColor=RULE, strokeWidth=0.3))
        drawing.add(
            String(scale.x0 - 3, y - 2, _tick_text(value), fontName=REGULAR, fontSize=6,
                   fillColor=MUTED, textAnchor="end")
        )  # fmt: skip
    drawing.add(Line(scale.x0, scale.y0, scale.x1, scale.y0, strokeColor=MUTED, strokeWidth=0.5))
    drawing.add(Line(scale.x0, scale.y0, scale.x0, scale.y1, strokeColor=MUTED, strokeWidth=0.5))
    add_date_ticks(drawing, scale)


def _points(drawing: Drawing, analyte: AnalyteSeries, scale: Scale, tier: str = FULL) -> None:
    plotted = analyte.points
    line = [p for p in plotted if not p.censored and not p.excluded]
    if len(line) > 1:
        coordinates = []
        for p in line:
            coordinates += [scale.x(p.collected_at.date()), scale.y(p.value)]
        drawing.add(PolyLine(coordinates, strokeColor=LINE, strokeWidth=0.9))
    radius = POINT_RADIUS if tier == FULL else SMALL_POINT_RADIUS
    for p in plotted:
        if tier == FLAGGED_ONLY and p.status not in MARKED_WHEN_CROWDED:
            continue
        x, y = scale.x(p.collected_at.date()), scale.y(p.value)
        colour = FADED if p.excluded else STATUS.get(p.status, STATUS["unknown"])
        if p.censored:
            drawing.add(censored_marker(x, y, p.comparator, colour))
        else:
            drawing.add(Circle(x, y, radius, fillColor=colour, strokeColor=colour, strokeWidth=0.5))


def censored_marker(x: float, y: float, comparator: str | None, colour) -> Polygon:
    """An open triangle centred on the limit: pointing down for '<', up for '>'."""
    s = TRIANGLE
    if comparator in (">", ">="):
        points = [x, y + s, x - s, y - s, x + s, y - s]
    else:
        points = [x, y - s, x - s, y + s, x + s, y + s]
    return Polygon(points, fillColor=None, strokeColor=colour, strokeWidth=0.8)
