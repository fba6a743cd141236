"""The protocol lane of the clinician summary, drawn with ``reportlab.graphics``.

One row per substance of the series' regimen lanes: its whole name on the left
(wrapped when long) and a labelled bar per dose step, on the same dates as the
analyte charts under it (``app.reports.chart_scale``), so the dose history is read
beside the results it explains. The lane spans the page while the charts under it
are half as wide, so it has a date axis of its own (the charts' dates and tick
labels): a reader places a dose change in time without lining it up by eye.
"""

from __future__ import annotations

from collections.abc import Sequence

from reportlab.graphics.shapes import Drawing, Line, Rect, String
from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase.pdfmetrics import stringWidth

from app.core.series import RegimenLane, TrendSeries
from app.reports.chart_scale import (
    GUTTER_SHARE,
    Scale,
    add_date_ticks,
    chart_span,
)
from app.reports.fonts import BOLD, REGULAR
from app.reports.styles import INK, MUTED

LANE_ROW = 6.5 * mm
LANE_FONT = 6.5
LANE_LEADING = 7.5  # a wrapped substance name, line to line
LANE_NAME_SHARE = 0.3  # the most of the width the lane's names may take
MAX_LANES = 6
AXIS_HEIGHT = 10.0  # the lane's own date axis, under its rows
STEP_FILLS = (colors.HexColor("#dbe7fb"), colors.HexColor("#b9d0f6"))


def visible_steps(series: TrendSeries, lane: RegimenLane) -> list:
    """The lane's dose steps that overlap the series' window."""
    return [
        s for s in lane.steps if s.start <= series.end and (s.end is None or s.end >= series.start)
    ]


def protocol_lane(series: TrendSeries, lanes: Sequence[RegimenLane], width: float) -> Drawing:
    """One row per substance, its whole name on the left, a labelled bar per dose step.

    The name column is as wide as the longest name needs (at most ``LANE_NAME_SHARE``
    of the width); a name longer than that wraps onto more lines of a taller row.
    """
    longest = max(stringWidth(lane.label, REGULAR, LANE_FONT) for lane in lanes)
    gutter = min(max(width * GUTTER_SHARE, longest + 8), width * LANE_NAME_SHARE)
    names = [simpleSplit(lane.label, REGULAR, LANE_FONT, gutter - 6) for lane in lanes]
    rows = [max(LANE_ROW, LANE_LEADING * len(lines) + 3) for lines in names]
    height = 10 + sum(rows) + AXIS_HEIGHT
    drawing = Drawing(width, height)
    span_start, span_end = chart_span(series)
    scale = Scale(gutter, width - 4, AXIS_HEIGHT, 1, span_start, span_end, 0, 1)
    _date_axis(drawing, scale)
    drawing.add(String(0, height - 7, "Protocol", fontName=BOLD, fontSize=8, fillColor=INK))
    top = height - 10
    for lane, lines, row_height in zip(lanes, names, rows, strict=True):
        bottom = top - row_height + 1.2
        middle = (top + bottom) / 2
        first = middle + LANE_LEADING * (len(lines) - 1) / 2 - 2.2
        for number, line in enumerate(lines):
            drawing.add(
                String(0, first - LANE_LEADING * number, line, fontName=REGULAR,
                       fontSize=LANE_FONT, fillColor=INK)
            )  # fmt: skip
        for i, step in enumerate(visible_steps(series, lane)):
            x0 = scale.x(max(step.start, span_start))
            x1 = scale.x(min(step.end or series.end, span_end))
            if x1 - x0 < 0.8:
                x1 = x0 + 0.8
            drawing.add(
                Rect(x0, bottom, x1 - x0, top - bottom, fillColor=STEP_FILLS[i % 2],
                     strokeColor=colors.white, strokeWidth=0.6)
            )  # fmt: skip
            whole = _step_text(lane.label, step.dose_label)
            text = _fit(whole, x1 - x0 - 3, 6)
            if text != whole and i == 0 and x0 - gutter >= stringWidth(whole, REGULAR, 6) + 4:
                # A short first step with empty lane before it: its dose, whole, beside it.
                drawing.add(
                    String(x0 - 2, middle - 2, whole, fontName=REGULAR, fontSize=6,
                           fillColor=INK, textAnchor="end")
                )  # fmt: skip
            elif text:
                drawing.add(
                    String(x0 + 1.5, middle - 2, text, fontName=REGULAR, fontSize=6,
                           fillColor=INK)
                )  # fmt: skip
        top -= row_height
    return drawing


def _date_axis(drawing: Drawing, scale: Scale) -> None:
    """A line under the rows with the analyte charts' date ticks and labels."""
    y = scale.y0
    drawing.add(Line(scale.x0, y, scale.x1, y, strokeColor=MUTED, strokeWidth=0.5))
    add_date_ticks(drawing, scale)


def _step_text(label: str, dose_label: str) -> str:
    """The dose part of a step's label (the lane already names the substance)."""
    if dose_label.startswith(label + " "):
        return dose_label[len(label) + 1 :]
    return dose_label


def _fit(text: str, width: float, size: float) -> str:
    """``text`` cut with an ellipsis to fit ``width`` points ('' if nothing fits)."""
    if stringWidth(text, REGULAR, size) <= width:
        return text
    while text and stringWidth(text + "…", REGULAR, size) > width:
        text = text[:-1]
    return text + "…" if text else ""
