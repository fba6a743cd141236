"""The patient view fills the tab on screen when a patient opens, and the others when shown."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from PySide6.QtCore import Qt

from app.core.models import RegimenItem
from app.core.validation import DoseChange
from app.services.findings import FindingsService
from app.ui.item_roles import USER
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


def _offered(view: PatientView) -> set[str]:
    """The rule ids the Reports tab offers to explain in a handout."""
    items = (view.reports.findings_list.item(i) for i in range(view.reports.findings_list.count()))
    return {item.data(USER) for item in items if item.data(USER)}


def test_the_reports_tab_offers_the_findings_of_the_results_as_changed(view, service):
    findings = FindingsService(service)
    patient = _trt_patient(service, "MRN-1", "55.2")

    def fired() -> set[str]:
        return {f.rule_id for f in findings.evaluate(patient.id, with_checks=False).visible}

    view.tabs.setCurrentWidget(view.reports_page)
    view.show_patient(patient.id)
    before = fired()
    assert "hematocrit_above_54_on_trt" in before and _offered(view) == before
    view.reports.note.setPlainText("Half-typed note")
    kept = sorted(before - {"hematocrit_above_54_on_trt"})[0]
    _tick(view, kept)

    # The high haematocrit is excluded on the Results tab (haemolysed sample).
    view.tabs.setCurrentWidget(view.labs)
    [result] = service.observations(patient.id, ["hematocrit"])
    service.exclude_result(result.id, "haemolysed")
    view.labs.changed.emit()
    view.tabs.setCurrentWidget(view.reports_page)
    assert "hematocrit_above_54_on_trt" not in fired()
    assert _offered(view) == fired()  # not the finding the excluded result made
    assert view.reports.note.toPlainText() == "Half-typed note"  # what was typed stays
    assert view.reports.ticked_rule_ids() == [kept]  # and so does a tick

    # A finding suppressed on the Findings tab is no longer offered either.
    [finding] = [f for f in findings.evaluate(patient.id).visible if f.rule_id == kept]
    findings.suppress(patient.id, finding, "discussed at the last visit")
    view.findings.changed.emit()  # as the Findings tab does after the dialog
    assert kept not in _offered(view) and _offered(view) == fired()


def _tick(view: PatientView, rule_id: str) -> None:
    for i in range(view.reports.findings_list.count()):
        item = view.reports.findings_list.item(i)
        if item.data(USER) == rule_id:
            item.setCheckState(Qt.Checked)


def test_a_result_for_a_new_analyte_joins_the_trends_checklist_keeping_the_ticks(view, service):
    patient = _trt_patient(service, "MRN-1", "45.0")
    service.record_result(patient.id, "zinc", "60", "ug/dL", datetime(2026, 10, 1, 8))
    view.tabs.setCurrentWidget(view.trends_page)
    view.show_patient(patient.id)
    view.trends._check_keys(["zinc"])
    view.trends.refresh()
    service.record_result(patient.id, "copper", "90", "ug/dL", datetime(2026, 10, 2, 8))
    view.labs.changed.emit()  # as the Results tab does after a manual entry
    # Copper, and the zinc/copper ratio now that both are measured.
    assert set(view.trends.available_keys()) == {
        "hematocrit",
        "zinc",
        "copper",
        "zinc_copper_ratio",
    }
    assert view.trends.checked_keys() == ["zinc"]
    assert [a.key for a in view.trends.series.analytes] == ["zinc"]
