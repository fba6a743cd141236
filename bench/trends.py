"""Trends tab drawing: one patient, 20 analytes x 500 results, series to chart painted.

Timings, median of 5, each ending when Qt has painted the result once:

- the Trends tab as a user sees it (``TrendsPanel`` in a 1400 x 900 window, chart in
  its scroll area): ``refresh()`` with all 20 analytes ticked (builds the series,
  draws, fills the flowsheet; the results as kept from the last read, as after ticking
  an analyte, and read cold), and ``show_patient()`` (opening the patient, results read
  cold: checklist, presets, first preset drawn);
- ``series_for`` + ``TrendChart.draw`` in a 1200 x 4000 chart where all 20 lanes are
  on screen at once (the earlier measurement), against a floor of the same points
  drawn as 20 bare ``PlotDataItem``s (symbols, no bands, no series building);
- the same patient opened in the real ``PatientView`` (header, audited open, then the
  tab on screen filled), with the Trends tab and with the Findings tab on screen;
- panning a lane of 100,000 results: 100 ``setXRange`` steps, each painted.
"""

from __future__ import annotations

import math
import time
from datetime import date, datetime, timedelta

from bench.common import BENCH_TODAY, OUT, median, print_table

ANALYTES = 20
RESULTS = 500
PAN_RESULTS = 100_000
PAN_STEPS = 100


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


def _painted(widget):
    """A counter of the paint events ``widget`` receives (to check a timed step painted)."""
    from PySide6.QtCore import QEvent, QObject

    class Counter(QObject):
        count = 0

        def eventFilter(self, _obj, event):
            if event.type() == QEvent.Paint:
                self.count += 1
            return False

    counter = Counter(widget)
    widget.installEventFilter(counter)
    return counter


def _timed_paint(app, viewport, step) -> float:
    """Seconds for ``step()`` plus the event processing that paints its result."""
    counter = _painted(viewport)
    started = time.perf_counter()
    step()
    app.processEvents()
    elapsed = time.perf_counter() - started
    viewport.removeEventFilter(counter)
    assert counter.count, "the timed step never painted"
    return elapsed


def _tab_figures(app, service, pid, keys, repeat: int) -> dict:
    """The Trends tab in a 1400 x 900 window: refresh with 20 ticked, and show_patient."""
    from app.ui.trends_panel import TrendsPanel

    panel = TrendsPanel(service)
    panel.resize(1400, 900)
    panel.show()
    panel.show_patient(pid)
    app.processEvents()
    viewport = panel.chart.viewport()

    def refresh_all():
        panel._check_keys(keys)
        panel._order = list(keys)
        panel.refresh()

    refresh_all()
    app.processEvents()
    assert list(panel.chart.lanes) == keys
    # Ticking analytes re-draws from the results already read (the service keeps the
    # read while nothing is written); opening a patient reads them cold.
    refresh = [_timed_paint(app, viewport, refresh_all) for _ in range(repeat)]
    built = sum(slot.lane is not None for slot in panel.chart._slots)

    def open_cold():
        service.forget_reads()
        panel.show_patient(pid)

    cold_refresh = []
    for _ in range(repeat):
        service.forget_reads()
        cold_refresh.append(_timed_paint(app, viewport, refresh_all))
    opened = [_timed_paint(app, viewport, open_cold) for _ in range(repeat)]
    opened_lanes = len(panel.chart.lanes)
    panel.close()
    return {
        "tab_refresh_s": median(refresh),
        "tab_refresh_cold_s": median(cold_refresh),
        "tab_open_s": median(opened),
        "lanes_built": built,
        "open_lanes": opened_lanes,
    }


def _view_figures(app, service, pid, repeat: int) -> dict:
    """Opening the patient in the real patient view (header, audit, the tab on screen)."""
    from app.services.findings import FindingsService
    from app.ui.patient_view import PatientView

    view = PatientView(service, FindingsService(service))
    view.resize(1400, 900)
    view.show()
    figures = {}
    cases = (
        ("view_trends_s", view.trends_page, view.trends.chart.viewport()),
        ("view_findings_s", view.findings, view.findings.tree.viewport()),
    )
    for name, panel, painted in cases:
        view.tabs.setCurrentWidget(panel)
        view.show_patient(pid)
        app.processEvents()

        def open_cold():
            service.forget_reads()
            view.show_patient(None)
            view.show_patient(pid)

        figures[name] = median([_timed_paint(app, painted, open_cold) for _ in range(repeat)])
    view.close()
    return figures


def _all_lanes_figures(app, service, pid, keys, repeat: int) -> dict:
    """Every lane on screen at once (a 1200 x 4000 chart) against 20 bare PlotDataItems."""
    import numpy as np
    import pyqtgraph as pg

    from app.services import series as trends
    from app.ui.trend_chart import TrendChart, timestamp

    chart = TrendChart()
    chart.resize(1200, 4000)
    chart.show()

    def app_once():
        series = trends.series_for(service, pid, keys, "conventional", None)
        chart.draw(series)
        return series

    series = app_once()  # warm: KB load, first paint
    app.processEvents()
    drawn = sum(
        len(chart.lanes[key][name].points())
        for key in keys
        for name in ("points", "censored", "excluded")
    )
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

    floor_once()
    app.processEvents()
    app_samples, floor_samples = [], []
    for _ in range(repeat):
        app_samples.append(_timed_paint(app, chart.viewport(), app_once))
        floor_samples.append(_timed_paint(app, floor_widget.viewport(), floor_once))
    chart.close()
    floor_widget.close()
    return {"app_s": median(app_samples), "floor_s": median(floor_samples)}


def _pan_figures(app, kb, repeat: int) -> dict:
    """Pan a lane of 100,000 results across a tenth of its span, 100 painted steps."""
    import numpy as np

    from app.core.models import Observation, Patient
    from app.core.series import build_trend_series
    from app.ui.trend_chart import TrendChart, timestamp

    key = next(a.key for a in kb.analytes.values() if a.kind != "derived")
    unit = kb.analyte(key).canonical_unit
    start = datetime(2000, 1, 1, 8)
    rows = [
        Observation(
            i + 1, 1, key, start + timedelta(hours=2 * i), "1", v, None, unit, v, unit, lab="Bench"
        )
        for i, v in enumerate(10 + 5 * np.sin(np.arange(PAN_RESULTS) / 50.0))
    ]
    patient = Patient(1, "PAN-1", "Pan", "Pat", date(1975, 6, 14), "male")
    series = build_trend_series(kb, patient, [], rows, [key])
    chart = TrendChart()
    chart.resize(1200, 600)
    chart.show()
    chart.draw(series)
    app.processEvents()
    lane = chart.lanes[key]
    view = lane["plot"].getViewBox()
    first, last = timestamp(series.start), timestamp(series.end)
    width = (last - first) / 10
    step = (last - first - width) / PAN_STEPS

    def pan_once():
        samples = []
        for i in range(PAN_STEPS):
            low = first + i * step
            samples.append(
                _timed_paint(
                    app,
                    chart.viewport(),
                    lambda low=low: view.setXRange(low, low + width, padding=0),
                )
            )
        return samples

    pan_once()  # warm
    runs = [median(pan_once()) for _ in range(repeat)]
    # Zoomed in far enough for single markers (a few hundred results in view).
    narrow = (last - first) / 300
    zoomed = []
    for i in range(PAN_STEPS):
        low = first + i * narrow
        zoomed.append(
            _timed_paint(
                app, chart.viewport(), lambda low=low: view.setXRange(low, low + narrow, padding=0)
            )
        )
    in_view = len(lane["points"].points())
    chart.close()
    return {
        "pan_step_s": median(runs),
        "pan_zoomed_step_s": median(zoomed),
        "zoomed_markers": in_view,
    }


def run(repeat: int = 5) -> dict:
    import os

    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    OUT.mkdir(exist_ok=True)
    service, pid, keys = _clinic(OUT / "trends-bench.db")
    result = _tab_figures(app, service, pid, keys, repeat)
    result |= _view_figures(app, service, pid, repeat)
    result |= _all_lanes_figures(app, service, pid, keys, repeat)
    result |= _pan_figures(app, service.knowledge, repeat)
    service.close()
    result["ratio"] = result["app_s"] / result["floor_s"]
    load = os.getloadavg()
    ms = lambda seconds: f"{seconds * 1000:.0f} ms"  # noqa: E731
    print_table(
        f"Trends tab, {ANALYTES} analytes x {RESULTS} results (median of {repeat}); "
        f"load average {load[0]:.2f}, {load[1]:.2f}, {load[2]:.2f}",
        [
            (
                f"Trends tab 1400x900, refresh with {ANALYTES} ticked "
                f"({result['lanes_built']} lanes in view built)",
                ms(result["tab_refresh_s"]),
            ),
            (
                "  the same, results read cold (not kept from the last read)",
                ms(result["tab_refresh_cold_s"]),
            ),
            (
                f"Trends tab 1400x900, show_patient, results read cold "
                f"(preset: {result['open_lanes']} lanes)",
                ms(result["tab_open_s"]),
            ),
            (
                "patient view 1400x900, Trends tab on screen: patient opened (header, "
                "audited open, Trends tab filled and painted)",
                ms(result["view_trends_s"]),
            ),
            (
                "  the same with the Findings tab on screen (evaluated and painted)",
                ms(result["view_findings_s"]),
            ),
            ("all 20 lanes on screen: series_for + TrendChart.draw + paint", ms(result["app_s"])),
            ("floor: 20 bare PlotDataItems drawn", ms(result["floor_s"])),
            ("ratio (all lanes / floor)", f"{result['ratio']:.2f}x"),
            (
                f"pan a lane of {PAN_RESULTS:,} results, a tenth in view (per step)",
                f"{result['pan_step_s'] * 1000:.1f} ms",
            ),
            (
                f"pan zoomed in ({result['zoomed_markers']} markers in view, per step)",
                f"{result['pan_zoomed_step_s'] * 1000:.1f} ms",
            ),
        ],
    )
    return result
