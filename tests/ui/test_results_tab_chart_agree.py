"""The Results tab and the trend chart judge a result the same way, and show it.

Magnesium 1.82 mg/dL with no lab range: the knowledge base's 0.75-0.95 mmol/L is
1.823-2.309 mg/dL. The chart drew it low while the Results tab printed the range as
"1.82 – 2.31 *" and no flag.
"""

from __future__ import annotations

import re
from datetime import date, datetime

from PySide6.QtCore import Qt

from app.ui.labs_panel import LabsPanel
from app.ui.observation_table_model import COL_ANALYTE, COL_FLAG, COL_RANGE, COL_RESULT
from app.ui.trends_panel import TrendsPanel
from tests.conftest import make_patient

VALUES = {
    date(2025, 1, 25): "1.82",  # under 1.823: low
    date(2025, 5, 10): "1.83",  # inside
    date(2025, 10, 1): "2.31",  # over 2.309: high
    date(2026, 3, 1): "2.0",
}
STATUS_OF_FLAG = {"L *": "low", "H *": "high", "": "normal"}


def _numbers(text: str) -> list[float]:
    return [float(n) for n in re.findall(r"\d+(?:\.\d+)?", text)]


def test_magnesium_range_and_flag_agree_between_results_and_chart(qtbot, service):
    patient = service.create_patient(make_patient(date_of_birth=date(1993, 8, 3)))
    for day, value in VALUES.items():
        service.record_result(
            patient.id,
            "magnesium_serum",
            value,
            "mg/dL",
            datetime.combine(day, datetime.min.time()),
        )
    labs = LabsPanel(service)
    qtbot.addWidget(labs)
    labs.show_patient(patient.id)
    table = labs.model
    seen = {}
    for row in range(table.rowCount()):
        assert table.index(row, COL_ANALYTE).data() == "Magnesium, serum"
        result = table.index(row, COL_RESULT).data()
        shown_range = table.index(row, COL_RANGE).data()
        flag = table.index(row, COL_FLAG).data()
        seen[result] = flag
        low, high = _numbers(shown_range)
        value = float(result)
        # The range as printed never makes a flagged value look inside it, nor the reverse.
        looks = "low" if value < low else "high" if value > high else "normal"
        assert looks == STATUS_OF_FLAG[flag], (result, shown_range, flag)
    assert seen == {"1.82": "L *", "1.83": "", "2.31": "H *", "2.0": ""}
    low_row = next(
        r for r in range(table.rowCount()) if table.index(r, COL_RESULT).data() == "1.82"
    )
    assert table.index(low_row, COL_RANGE).data() == "1.823 – 2.309 *"
    assert table.index(low_row, COL_RESULT).data(Qt.ForegroundRole) is not None  # red

    trends = TrendsPanel(service)
    qtbot.addWidget(trends)
    trends.show_patient(patient.id)
    trends._check_keys(["magnesium_serum"])
    trends.set_years(None)
    lane = trends.chart.lanes["magnesium_serum"]
    points = {spot.data().raw_value: spot.data() for spot in lane["points"].points()}
    assert {raw: p.status for raw, p in points.items()} == {
        raw: STATUS_OF_FLAG[flag] for raw, flag in seen.items()
    }
    tip = trends.chart.tooltip_text("magnesium_serum", points["1.82"])
    assert "status: low" in tip
    assert "Range: 1.823 – 2.309 mg/dL (knowledge base)" in tip
    # The flowsheet shows the chart's judgement too.
    sheet = trends.flowsheet_model
    texts = [
        sheet.index(0, column).data(Qt.ToolTipRole) or "" for column in range(sheet.columnCount())
    ]
    assert any("1.82" in t and "status: low" in t for t in texts)
