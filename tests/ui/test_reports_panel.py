"""The Reports tab: generate a summary and a handout, see them archived, save the same bytes."""

from __future__ import annotations

import hashlib
import io
from datetime import date, datetime

import pytest
from pypdf import PdfReader
from PySide6.QtCore import Qt

from app.core.models import RegimenItem
from app.services.findings import FindingsService
from app.services.reports import ReportService
from app.ui.patient_view import PatientView
from app.ui.reports_panel import ReportsPanel
from tests.conftest import make_patient


@pytest.fixture
def trt_patient(service):
    patient = service.create_patient(make_patient())
    service.add_regimen_item(
        RegimenItem(
            None, patient.id, "hormone", "testosterone_cypionate", 140.0, "mg", "IM", 7.0,
            date(2025, 6, 2),
        )
    )  # fmt: skip
    service.record_result(patient.id, "hematocrit", "55.2", "%", datetime(2026, 10, 1, 8, 0))
    service.record_result(patient.id, "estradiol", "<5", "pg/mL", datetime(2026, 10, 1, 8, 0))
    return patient


def _generate(qtbot, panel: ReportsPanel, rows_before: int) -> None:
    panel.generate_button.click()
    qtbot.waitUntil(lambda: panel.task is None, timeout=20_000)
    assert panel.archive_table.rowCount() == rows_before + 1, panel.status.text()


def _text(pdf: bytes) -> str:
    return " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).split())


def test_generate_summary_and_handout_then_save_as_writes_the_archived_bytes(
    qtbot, service, trt_patient, tmp_path
):
    panel = ReportsPanel(service, FindingsService(service))
    qtbot.addWidget(panel)
    panel.show_patient(trt_patient.id)
    assert panel.archive_table.rowCount() == 0 and not panel.open_button.isEnabled()
    assert not panel.archive_empty.isHidden()  # says why the archive is empty

    panel.summary_choice.setChecked(True)
    _generate(qtbot, panel, 0)
    assert panel.archive_empty.isHidden()

    panel.handout_choice.setChecked(True)
    assert not panel.handout_box.isHidden()
    hematocrit = next(
        panel.findings_list.item(i)
        for i in range(panel.findings_list.count())
        if "ematocrit" in panel.findings_list.item(i).text()
    )
    hematocrit.setCheckState(Qt.Checked)
    panel.note.setPlainText("Drink water before the next blood test.")
    panel.discuss.setPlainText("How you feel after the dose change\n\n")
    _generate(qtbot, panel, 1)

    kinds = [panel.archive_table.item(r, 1).text() for r in range(2)]
    assert kinds == ["Patient handout", "Clinician summary"]
    reports = ReportService(service)
    records = reports.archive(trt_patient.id)
    for row, record in enumerate(records):
        assert panel.archive_table.item(row, 3).text() == record.sha256[:12]
        assert panel.archive_table.item(row, 2).text() == record.created_by
    handout = reports.reprint(records[0].id)
    text = _text(handout)
    assert "Drink water" in text and "How you feel after the dose change" in text

    panel.archive_table.selectRow(1)  # the summary
    assert panel.selected_report_id() == records[1].id and panel.save_button.isEnabled()
    target = tmp_path / "copy.pdf"
    panel.save_to(panel.selected_report_id(), target)
    archived = reports.reprint(records[1].id)
    assert target.read_bytes() == archived
    assert hashlib.sha256(archived).hexdigest() == records[1].sha256


def test_open_writes_a_copy_for_the_viewer(qtbot, service, trt_patient, monkeypatch):
    opened = []
    monkeypatch.setattr(
        "app.ui.reports_panel.QDesktopServices.openUrl", lambda url: opened.append(url) or True
    )
    panel = ReportsPanel(service)
    qtbot.addWidget(panel)
    panel.show_patient(trt_patient.id)
    _generate(qtbot, panel, 0)
    panel.archive_table.selectRow(0)
    path = panel.open_selected()
    assert opened and opened[0].toLocalFile() == str(path)
    [record] = ReportService(service).archive(trt_patient.id)
    assert path.read_bytes() == ReportService(service).reprint(record.id)


def test_reports_tab_follows_results_in_the_patient_view(qtbot, service, trt_patient):
    view = PatientView(service, FindingsService(service))
    qtbot.addWidget(view)
    labels = [view.tabs.tabText(i) for i in range(view.tabs.count())]
    assert labels[labels.index("Results") + 1] == "Reports"
    view.show_patient(trt_patient.id)
    view.tabs.setCurrentWidget(view.reports_page)
    assert view.reports.patient_id == trt_patient.id


def test_without_report_permission_the_tab_is_disabled(qtbot, service, trt_patient, monkeypatch):
    monkeypatch.setattr(service, "can", lambda permission: permission != "report.generate")
    panel = ReportsPanel(service)
    qtbot.addWidget(panel)
    panel.show_patient(trt_patient.id)
    assert not panel.denied.isHidden()
    assert not panel.generate_button.isEnabled() and panel.archive_table.rowCount() == 0


def test_an_empty_handout_is_not_generated_or_archived(qtbot, service, trt_patient):
    panel = ReportsPanel(service, FindingsService(service))
    qtbot.addWidget(panel)
    panel.show_patient(trt_patient.id)
    panel.handout_choice.setChecked(True)
    panel.discuss.setPlainText("\n  \n")  # blank lines are not a topic
    panel.generate_button.click()
    assert panel.task is None
    assert panel.archive_table.rowCount() == 0
    assert ReportService(service).archive(trt_patient.id) == []
    assert "would be empty" in panel.status.text()

    panel.note.setPlainText("Drink water before the next blood test.")
    _generate(qtbot, panel, 0)


def test_a_handout_whose_ticked_finding_went_away_says_so_in_the_services_words(
    qtbot, service, trt_patient
):
    from app.services.reports import EMPTY_HANDOUT

    findings = FindingsService(service)
    panel = ReportsPanel(service, findings)
    qtbot.addWidget(panel)
    panel.show_patient(trt_patient.id)
    panel.handout_choice.setChecked(True)
    item = panel.findings_list.item(0)
    item.setCheckState(Qt.Checked)
    # Suppressed elsewhere after the list was shown: the tick now explains nothing.
    finding = next(
        f for f in findings.evaluate(trt_patient.id).visible if f.rule_id == item.data(Qt.UserRole)
    )
    findings.suppress(trt_patient.id, finding, "Discussed by phone.")
    panel.generate_button.click()
    qtbot.waitUntil(lambda: panel.task is None, timeout=20_000)
    assert panel.status.text() == EMPTY_HANDOUT
    assert panel.archive_table.rowCount() == 0
    assert ReportService(service).archive(trt_patient.id) == []
