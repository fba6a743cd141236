"""Where a summary chart puts a date or a value, and which dates it spans and labels.

Shared by the analyte charts (``app.reports.charts``) and the protocol lane
(``app.reports.chart_protocol``), so a dose step and the results it explains sit on
the same dates. Plain arithmetic on whole days: equal series draw equal shapes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from reportlab.graphics.shapes import Line, String
from reportlab.pdfbase.pdfmetrics import stringWidth

from app.core.series import TrendSeries, data_span
from app.reports.fonts import REGULAR
from app.reports.styles import MUTED

GUTTER_SHARE = 0.15  # left share of the width for y labels and lane names
MIN_SPAN_DAYS = 14  # a chart never spans less than two weeks (as on screen)
SPAN_PAD = 0.04  # of the data's span, either side (as on screen)
DAY_TICKS_UNTIL = 75  # days: up to this span the axis names days, not months
MIN_TICKS = 3  # a date axis names at least three dates
YEAR_TICKS_FROM = 540  # days: from this span the axis may name years alone
# Width of a half-width chart's plot on A4 (the narrower paper), in points: the dates
# every chart of a summary shares are chosen to be readable there.
NARROWEST_PLOT = 195.0
TICK_SIZE = 6  # points: the date labels' font size
LABEL_GAP = 4.0  # points at least between two tick labels
# Month names of the date axis, fixed (not the locale's): equal data, equal bytes.
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass(frozen=True, slots=True)
class Scale:
    """Maps dates and values of one chart to drawing coordinates."""

    x0: float
    x1: float
    y0: float
    y1: float
    start: date
    end: date
    low: float
    high: float

    def x(self, day: date) -> float:
        span = max((self.end - self.start).days, 1)
        return self.x0 + (self.x1 - self.x0) * (day - self.start).days / span

    def y(self, value: float) -> float:
        return self.y0 + (self.y1 - self.y0) * (value - self.low) / (self.high - self.low)


def chart_span(series: TrendSeries) -> tuple[date, date]:
    """The dates every chart of ``series`` spans: its data, padded, at least two weeks.

    ``app.core.series.data_span`` (results, and regimen steps inside the window), as
    the Trends tab opens on, not the whole window the summary asked for: a new
    patient's week of results across three years sat in the last few points of the axis.
    """
    first, last = data_span(series) or (series.start, series.end)
    pad = max(1, round((last - first).days * SPAN_PAD))
    first, last = first - timedelta(days=pad), last + timedelta(days=pad)
    short = MIN_SPAN_DAYS - (last - first).days
    if short > 0:
        first, last = first - timedelta(days=short // 2), last + timedelta(days=short - short // 2)
    return first, last


def date_ticks(start: date, end: date, width: float = NARROWEST_PLOT) -> list[tuple[date, str]]:
    """At least three dated ticks across ``start``–``end`` whose labels fit ``width`` points.

    Days ('13 Nov') over a few weeks, months or quarters ('Jul 2025') over months to a
    few years, years ('2026') only when even half-years would crowd the axis. A
    seventeen-month chart named only '2026' (one year start inside its span). The
    default width is a half-width chart's plot, so every chart of a summary and its
    protocol lane print the same dates, readable on the narrowest of them.
    """
    span = (end - start).days
    tries = []
    if span <= DAY_TICKS_UNTIL or len(_month_ticks(start, end, 1)) < MIN_TICKS:
        tries += [_day_ticks(start, end, step) for step in (1, 2, 3, 5, 7, 14)]
    if span > DAY_TICKS_UNTIL:
        tries += [_month_ticks(start, end, step) for step in (1, 2, 3, 6)]
    if span > YEAR_TICKS_FROM:
        tries += [_year_ticks(start, end, step) for step in (1, 2, 5, 10)]
    enough = [ticks for ticks in tries if len(ticks) >= MIN_TICKS]
    for ticks in enough:
        if _fits(ticks, start, end, width):
            return ticks
    if enough:
        return enough[-1]  # the sparsest that still names three dates
    return max(tries, key=len) if tries else []


def add_date_ticks(drawing, scale: Scale) -> None:
    """The dated ticks and their labels under ``scale``'s bottom edge (``scale.y0``): the
    analyte charts and the protocol lane draw the same dates the same way."""
    y = scale.y0
    for day, text in date_ticks(scale.start, scale.end):
        x = scale.x(day)
        drawing.add(Line(x, y, x, y - 2, strokeColor=MUTED, strokeWidth=0.5))
        drawing.add(
            String(tick_label_x(x, text, drawing.width), y - 8, text, fontName=REGULAR,
                   fontSize=TICK_SIZE, fillColor=MUTED, textAnchor="middle")
        )  # fmt: skip


def tick_label_x(x: float, text: str, right: float, size: float = 6) -> float:
    """Where to centre a tick's label: at its date, moved in just enough to end by ``right``.

    A month starting a few days before a chart's end put half its label past the edge.
    """
    half = stringWidth(text, REGULAR, size) / 2
    return min(x, right - half)


def _fits(ticks: list[tuple[date, str]], start: date, end: date, width: float) -> bool:
    """Whether each label clears its neighbours where the ticks stand (at their dates,
    not spread evenly: months over 212 days looked as if they fitted and overlapped)."""
    span = max((end - start).days, 1)
    placed = [(width * (day - start).days / span, stringWidth(text, REGULAR, TICK_SIZE))
              for day, text in ticks]  # fmt: skip
    return all(
        right_x - left_x >= (left_w + right_w) / 2 + LABEL_GAP
        for (left_x, left_w), (right_x, right_w) in zip(placed, placed[1:], strict=False)
    )


def _day_ticks(start: date, end: date, step: int) -> list[tuple[date, str]]:
    first = start + timedelta(days=1)
    if step >= 7:
        first += timedelta(days=(7 - first.weekday()) % 7)  # Mondays
    days = [first + timedelta(days=n) for n in range(0, (end - first).days, step)]
    return [(day, f"{day.day} {MONTHS[day.month - 1]}") for day in days]


def _month_ticks(start: date, end: date, step: int) -> list[tuple[date, str]]:
    """Month starts inside the span: every month, quarter starts, or January and July."""
    out, year, month = [], start.year, start.month
    while True:
        month += 1
        if month > 12:
            year, month = year + 1, 1
        day = date(year, month, 1)
        if day > end:
            return out
        if (month - 1) % step == 0:
            out.append((day, f"{MONTHS[month - 1]} {year}"))


def _year_ticks(start: date, end: date, step: int) -> list[tuple[date, str]]:
    years = range(start.year + 1, end.year + 1)
    return [(date(y, 1, 1), str(y)) for y in years if y % step == 0]
