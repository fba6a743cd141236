"""The Trends tab drawn offscreen for demo patients: every lane has points, the image is not blank."""

from __future__ import annotations

import pytest

from app.services import ClinicService
from app.services.demo import build_demo_clinic
from app.ui.trends_panel import TrendsPanel
from tests.conftest import TODAY


@pytest.fixture(scope="module")
def demo_path(tmp_path_factory, kb):
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    service, counts = build_demo_clinic(path, patients=6, today=TODAY)
    service.close()
    assert counts.patients == 6
    return path


@pytest.fixture
def demo(demo_path, kb):
    service = ClinicService.open_demo(demo_path, today=lambda: TODAY, knowledge=kb)
    yield service
    service.close()


def test_trends_tab_renders_for_three_demo_patients(qtbot, demo):
    panel = TrendsPanel(demo)
    qtbot.addWidget(panel)
    panel.resize(1200, 900)
    panel.show()
    qtbot.waitExposed(panel)
    patients = demo.search_patients()[:3]
    assert len(patients) == 3
    for summary in patients:
        panel.show_patient(summary.id)
        qtbot.wait(10)
        assert panel.chart.lanes, f"patient {summary.id}: nothing drawn"
        for key, lane in panel.chart.lanes.items():
            plotted = sum(len(lane[name].points()) for name in ("points", "censored", "excluded"))
            assert plotted >= 1, f"patient {summary.id}: lane {key} has no points"
        image = panel.grab().toImage()
        colours = {
            image.pixel(x, y)
            for x in range(0, image.width(), 7)
            for y in range(0, image.height(), 7)
        }
        assert len(colours) > 1, f"patient {summary.id}: the grab is one colour"
        chart_image = panel.chart.grab().toImage()
        chart_colours = {
            chart_image.pixel(x, y)
            for x in range(0, chart_image.width(), 5)
            for y in range(0, chart_image.height(), 5)
        }
        assert len(chart_colours) > 3, f"patient {summary.id}: the chart is blank"
        assert panel.flowsheet_model.rowCount() == len(panel.chart.lanes)
