"""Where a summary chart puts a date or a value, and which dates it spans and labels.

Shared by the analyte charts (``app.reports.charts``) and the protocol lane
(``app.reports.chart_protocol``), so a dose step and the results it explains sit on
the same dates. Plain arithmetic on whole days: equal series draw equal shapes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from app.core.series import TrendSeries, data_span

GUTTER_SHARE = 0.15  # left share of the width for y labels and lane names
MIN_SPAN_DAYS = 14  # a chart never spans less than two weeks (as on screen)
SPAN_PAD = 0.04  # of the data's span, either side (as on screen)
DAY_TICKS_UNTIL = 75  # days: up to this span the axis names days, not months
MAX_DAY_TICKS = 8
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


def date_ticks(start: date, end: date) -> list[tuple[date, str]]:
    """Year starts over long spans, quarter starts or months over shorter ones, and days
    with their month ('13 Nov') over a few weeks: a short chart had one tick or none."""
    span = (end - start).days
    if span > 540:
        return [(date(y, 1, 1), str(y)) for y in range(start.year + 1, end.year + 1)]
    if span <= DAY_TICKS_UNTIL:
        step = next(days for days in (1, 2, 7, 14) if span / days <= MAX_DAY_TICKS)
        first = start + timedelta(days=1)
        if step >= 7:
            first += timedelta(days=(7 - first.weekday()) % 7)  # Mondays
        days = [first + timedelta(days=n) for n in range(0, (end - first).days, step)]
        return [(day, f"{day.day} {MONTHS[day.month - 1]}") for day in days]
    months = 3 if span > 150 else 1
    out, year, month = [], start.year, start.month
    while True:
        month += 1
        if month > 12:
            year, month = year + 1, 1
        day = date(year, month, 1)
        if day > end:
            return out
        if (month - 1) % months == 0:
            out.append((day, f"{year}-{month:02d}"))
