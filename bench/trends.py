"""Trends tab drawing: one patient, 20 analytes x 500 results, series to chart drawn.

Times ``series_for`` (query, conversion, bands) plus ``TrendChart.draw`` and the
event processing that paints it, median of 5, against a floor of the same points
drawn as 20 bare ``PlotDataItem``s (symbols, no bands, no series building).
"""

from __future__ import annotations

import math
import time
from datetime import date, datetime, timedelta

from bench.common import BENCH_TODAY, OUT, median, print_table

ANALYTES = 20
RESULTS = 500


def _clinic(path):
    """A demo clinic with one patient and ``ANALYTES`` x ``RESULTS`` results."""
    from app.core.models import Observation, Patient
    from app.services import ClinicService

    for stale in path.parent.glob(path.name + "*"):
        stale.unlink()
    service = ClinicService.create(path, name="Trends bench", demo=True, today=lambda: BENCH_TODAY)
    patient = service.create_patient(
        Patient(None, "BENCH-1", "Bench", "Pat", date(1975, 6, 14), "male")
    )
    kb = service.knowledge
    keys = [
        a.key
        for a in kb.analytes.values()
        if a.kind != "derived" and a.key not in kb.derived.definitions
    ][:ANALYTES]
    start = datetime.combine(BENCH_TODAY, datetime.min.time()) - timedelta(days=3 * RESULTS)
    rows = []
    for n, key in enumerate(keys):
        unit = kb.analyte(key).canonical_unit
        for i in range(RESULTS):
            value = round(10 + 5 * math.sin(i / 9 + n) + (i % 7) * 0.3, 2)
            rows.append(
                Observation(
                    None, patient.id, key, start + timedelta(days=3 * i, hours=8),
                    f"{value}", value, None, unit, value, unit, lab="Bench lab",
                )
            )  # fmt: skip
    with service.database.transaction():
        service.observations_repo.add_many(rows)
    return service, patient.id, keys


def run(repeat: int = 5) -> dict:
    import numpy as np
    import pyqtgraph as pg
    from PySide6.QtWidgets import QApplication

    from app.services import series as trends
    from app.ui.trend_chart import TrendChart, timestamp

    app = QApplication.instance() or QApplication([])
    OUT.mkdir(exist_ok=True)
    service, pid, keys = _clinic(OUT / "trends-bench.db")
    chart = TrendChart()
    chart.resize(1200, 4000)
    chart.show()

    def app_once():
        series = trends.series_for(service, pid, keys, "conventional", None)
        chart.draw(series)
        app.processEvents()
        return series

    series = app_once()  # warm: KB load, first paint
    drawn = sum(len(lane["points"].points()) for lane in chart.lanes.values())
    assert drawn == ANALYTES * RESULTS, drawn
    data = [
        (
            np.array([timestamp(p.collected_at) for p in a.points], dtype=float),
            np.array([p.value for p in a.points], dtype=float),
        )
        for a in series.analytes
    ]
    floor_widget = pg.GraphicsLayoutWidget()
    floor_widget.resize(1200, 4000)
    floor_widget.show()

    def floor_once():
        floor_widget.clear()
        for row, (xs, ys) in enumerate(data):
            plot = floor_widget.addPlot(row=row, col=0)
            plot.addItem(pg.PlotDataItem(xs, ys, symbol="o", symbolSize=9))
        app.processEvents()

    floor_once()
    app_samples, floor_samples = [], []
    for _ in range(repeat):
        started = time.perf_counter()
        app_once()
        app_samples.append(time.perf_counter() - started)
        started = time.perf_counter()
        floor_once()
        floor_samples.append(time.perf_counter() - started)
    chart.close()
    floor_widget.close()
    service.close()
    result = {"app_s": median(app_samples), "floor_s": median(floor_samples)}
    result["ratio"] = result["app_s"] / result["floor_s"]
    print_table(
        f"Trends tab, {ANALYTES} analytes x {RESULTS} results (median of {repeat})",
        [
            ("floor: 20 bare PlotDataItems drawn", f"{result['floor_s'] * 1000:.0f} ms"),
            ("series_for + TrendChart.draw + paint", f"{result['app_s'] * 1000:.0f} ms"),
            ("ratio", f"{result['ratio']:.2f}x"),
        ],
    )
    return result
