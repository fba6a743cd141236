"""The trend chart stays small: bands, change lines and lane slots are modules of their own."""

from __future__ import annotations

from pathlib import Path

import app.ui.trend_chart as trend_chart
from app.core.series import Band
from app.ui import trend_bands

ROOT = Path(__file__).resolve().parents[2]


def test_trend_chart_is_under_the_module_guideline():
    lines = (ROOT / "app/ui/trend_chart.py").read_text().count("\n")
    assert lines <= 400, lines


def test_band_drawing_lives_in_trend_bands(qtbot):
    # The chart draws bands with trend_bands' functions; it keeps no copy of its own.
    assert trend_chart.add_band is trend_bands.add_band
    assert trend_chart.add_limit is trend_bands.add_limit
    assert not hasattr(trend_chart.TrendChart, "_add_band")
    chart = trend_chart.TrendChart()
    qtbot.addWidget(chart)
    band = Band(kind="reference", low=264.0, high=916.0, label="Reference range", source="")
    assert chart.band_tooltip(band) == trend_bands.band_tooltip(band, {})
