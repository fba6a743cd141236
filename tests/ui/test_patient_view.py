"""The patient view fills the tab on screen when a patient opens, and the others when shown."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from app.core.models import RegimenItem
from app.core.validation import DoseChange
from app.services.findings import FindingsService
from app.ui.patient_view import PatientView
from tests.conftest import make_patient


@pytest.fixture
def view(qtbot, service):
    view = PatientView(service, FindingsService(service))
    qtbot.addWidget(view)
    return view


def _trt_patient(service, mrn: str, hematocrit: str):
    patient = service.create_patient(make_patient(mrn=mrn))
    service.add_regimen_item(
        RegimenItem(
            None, patient.id, "hormone", "testosterone_cypionate", 140.0, "mg", "IM", 7.0,
            date(2025, 6, 2),
        )
    )  # fmt: skip
    service.record_result(patient.id, "hematocrit", hematocrit, "%", datetime(2026, 10, 1, 8))
    return patient


def _fired(view: PatientView) -> set[str]:
    return {f.marker for f in view.findings.evaluation.findings if f.fired}


def test_opening_a_patient_fills_only_the_tab_on_screen(view, service):
    first = _trt_patient(service, "MRN-1", "55.2")
    second = _trt_patient(service, "MRN-2", "45.0")
    service.record_result(second.id, "zinc", "60", "ug/dL", datetime(2026, 10, 1, 8))
    view.show_patient(first.id)
    assert view.tabs.currentWidget() is view.findings
    assert "hematocrit" in _fired(view)
    assert not view.trends_page.is_built  # the chart (and pyqtgraph) waits until shown

    view.tabs.setCurrentWidget(view.trends_page)
    assert view.trends.patient_id == first.id
    assert view.trends.available_keys() == ["hematocrit"]

    # A second patient opened on the Trends tab; the Findings tab catches up when shown.
    view.show_patient(second.id)
    assert view.trends.patient_id == second.id
    assert set(view.trends.available_keys()) == {"hematocrit", "zinc"}
    view.tabs.setCurrentWidget(view.findings)
    assert view.findings.evaluation.patient_id == second.id
    assert "hematocrit" not in _fired(view)


def test_a_change_redraws_tabs_showing_the_patient_and_others_fill_fresh(view, service):
    patient = _trt_patient(service, "MRN-1", "45.0")
    view.show_patient(patient.id)  # Findings on screen
    assert "hematocrit" not in _fired(view)

    service.record_result(patient.id, "hematocrit", "56.0", "%", datetime(2026, 11, 1, 8))
    view.labs.changed.emit()  # as the Results tab does after a manual entry
    assert "hematocrit" in _fired(view)

    view.tabs.setCurrentWidget(view.labs)  # never shown before: filled now, with both
    assert view.labs.model.rowCount() == 2


def test_a_dose_change_redraws_the_protocol_lane_of_the_chart_on_screen(view, service):
    patient = _trt_patient(service, "MRN-1", "45.0")
    view.tabs.setCurrentWidget(view.trends_page)
    view.show_patient(patient.id)
    [lane] = view.trends.series.regimen_lanes
    assert len(lane.steps) == 1
    [item] = service.regimen(patient.id)
    service.change_dose(DoseChange(item.id, 160.0, "mg", 7.0, date(2026, 3, 2)))
    view.regimen.changed.emit()  # as the Regimen tab does after the dose dialog
    [lane] = view.trends.series.regimen_lanes
    assert len(lane.steps) == 2
