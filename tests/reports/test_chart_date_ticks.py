"""The summary charts' date axis names at least three readable dates across its span.

A chart of May 2025 – Oct 2026 printed a single "2026" (the one year start inside
its span) while the screen showed "Jul 2025 … Oct 2026".
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from reportlab.pdfbase.pdfmetrics import stringWidth

from app.reports.chart_scale import NARROWEST_PLOT, date_ticks
from app.reports.fonts import REGULAR, register_fonts

END = date(2026, 10, 20)
SPANS = {
    "2 weeks": 14,
    "4 months": 122,
    "17 months": 518,
    "3 years": 3 * 365,
    "10 years": 10 * 365,
}


def _labels_fit(ticks, start, end, width):
    """No two labels (6 pt, centred on their dates) overlap on a plot ``width`` wide."""
    span = (end - start).days
    boxes = []
    for day, text in ticks:
        x = width * (day - start).days / span
        half = stringWidth(text, REGULAR, 6) / 2
        boxes.append((x - half, x + half))
    return all(right + 2 <= left for (_, right), (left, _) in zip(boxes, boxes[1:], strict=False))


@pytest.mark.parametrize("name", SPANS)
@pytest.mark.parametrize("width", [NARROWEST_PLOT, 420.0])
def test_every_span_gets_three_readable_ticks(name, width):
    register_fonts()
    start = END - timedelta(days=SPANS[name])
    ticks = date_ticks(start, END, width)
    texts = [text for _day, text in ticks]
    assert len(ticks) >= 3, texts
    assert all(start < day <= END for day, _ in ticks)
    assert _labels_fit(ticks, start, END, width), texts
    if name == "2 weeks":
        assert texts[0].endswith(("Oct", "Sep"))  # days with their month: '13 Oct'
    elif name == "10 years":
        assert all(text.isdigit() for text in texts)  # years only for long spans
    else:
        # Months or quarters, named with their year.
        assert all(len(t.split()) == 2 and t.split()[1].isdigit() for t in texts), texts


def test_seventeen_months_name_months_from_first_to_last_year():
    """DEMO-000037's charts: data May 2025 – Oct 2026, padded."""
    texts = [text for _day, text in date_ticks(date(2025, 4, 10), date(2026, 10, 25))]
    assert texts[0] == "Jul 2025" and texts[-1] == "Oct 2026"
    assert texts != ["2026"]


@pytest.mark.parametrize("days", range(14, 1200, 7))
def test_no_span_prints_overlapping_dates(days):
    """Every span a chart may take, on the narrowest plot: fit is judged where the ticks
    stand, not as if spread evenly (242 days printed seven months over each other)."""
    register_fonts()
    for end in (END, date(2026, 2, 3), date(2025, 7, 31)):
        start = end - timedelta(days=days)
        ticks = date_ticks(start, end)
        assert len(ticks) >= 3 and _labels_fit(ticks, start, end, NARROWEST_PLOT), (days, ticks)
