"""A lane of hundreds of results stays readable: markers shrink, then give way to the line.

The heavy patient's 520 weekly testosterone results over ten years were drawn as
9-pixel markers about a pixel apart: a solid green blob over the band labels.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from app.core.models import Observation
from app.core.series import build_trend_series
from app.ui.trend_bands import LABEL_Z
from app.ui.trend_chart import ZOOM_HINT, TrendChart, timestamp
from app.ui.trend_markers import FILLED_SIZE, SMALL_FILLED_SIZE
from tests.conftest import make_patient

WEEKS = 520
START = datetime(2016, 1, 4, 8)


def _weekly(kb):
    unit = kb.analyte("testosterone_total").canonical_unit
    values = [150.0 if i % 50 == 7 else 600.0 + (i % 9) * 20 for i in range(WEEKS)]
    rows = [
        Observation(
            i + 1, 1, "testosterone_total", START + timedelta(weeks=i), str(v), v, None, unit,
            v, unit, lab="Lab",
        )
        for i, v in enumerate(values)
    ]  # fmt: skip
    return build_trend_series(kb, make_patient(id=1), [], rows, ["testosterone_total"])


@pytest.fixture
def lane(qtbot, kb):
    chart = TrendChart()
    qtbot.addWidget(chart)
    chart.resize(900, 400)
    chart.show()
    qtbot.waitExposed(chart)
    chart.draw(_weekly(kb))
    return chart.lanes["testosterone_total"]


def _zoom(lane, days: int) -> None:
    end = timestamp(START + timedelta(weeks=WEEKS))
    lane["plot"].getViewBox().setXRange(end - days * 86400, end, padding=0)


def test_ten_years_of_weekly_results_keep_only_out_of_range_markers(lane):
    spots = lane["points"].points()
    # About a pixel apart: the line shows the shape, only the low results keep a marker.
    assert 0 < len(spots) <= WEEKS // 40
    assert {spot.data().status for spot in spots} == {"low"}
    assert {spot.size() for spot in spots} == {SMALL_FILLED_SIZE}
    assert lane["plot"].titleLabel.text.endswith(ZOOM_HINT)


def test_markers_grow_back_as_the_user_zooms_in(lane):
    _zoom(lane, 3 * 365)  # ~156 results in ~830 px: a few pixels apart, small markers
    spots = lane["points"].points()
    assert len(spots) == WEEKS
    assert {spot.size() for spot in spots} == {SMALL_FILLED_SIZE}
    _zoom(lane, 365)  # ~52 results: far apart, full size, no hint
    assert {spot.size() for spot in lane["points"].points()} == {FILLED_SIZE}
    assert ZOOM_HINT not in lane["plot"].titleLabel.text
    _zoom(lane, 3650)
    assert len(lane["points"].points()) <= WEEKS // 40


def test_band_labels_sit_above_the_results_on_a_backing(lane):
    for key in ("reference_label", "target_label"):
        label = lane.get(key)
        if label is None:
            continue
        assert label.zValue() >= LABEL_Z > lane["points"].zValue()
        assert label.zValue() > lane["line"].zValue()
        assert label.fill.color().alpha() >= 200
    assert "reference_label" in lane
