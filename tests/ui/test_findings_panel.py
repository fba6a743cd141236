"""The Findings tab and the worklist, driven as a clinician would."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from PySide6.QtCore import QDate, Qt

from app.core.models import RegimenItem
from app.services.findings import FindingsService, export_worklist_csv
from app.ui.findings_panel import FindingsPanel, detail_html
from tests.conftest import make_patient


@pytest.fixture
def trt_patient(service):
    patient = service.create_patient(make_patient())
    service.add_regimen_item(
        RegimenItem(
            None,
            patient.id,
            "hormone",
            "testosterone_cypionate",
            140.0,
            "mg",
            "IM",
            7.0,
            date(2025, 6, 2),
        )
    )
    # Hematocrit over 54 % on TRT: a finding the clinician must see.
    service.record_result(patient.id, "hematocrit", "55.2", "%", datetime(2026, 10, 1, 8, 0))
    return patient


def _titles(panel: FindingsPanel) -> list[str]:
    titles = []
    for g in range(panel.tree.topLevelItemCount()):
        group = panel.tree.topLevelItem(g)
        titles.extend(group.child(c).text(0) for c in range(group.childCount()))
    return titles


def _select(panel: FindingsPanel, rule_id: str):
    for g in range(panel.tree.topLevelItemCount()):
        group = panel.tree.topLevelItem(g)
        for c in range(group.childCount()):
            item = group.child(c)
            if item.data(0, Qt.UserRole).rule_id == rule_id:
                panel.tree.setCurrentItem(item)
                return item.data(0, Qt.UserRole)
    raise AssertionError(f"{rule_id} not shown")


def test_hematocrit_over_54_on_trt_is_shown_first_with_its_trace(qtbot, service, trt_patient):
    panel = FindingsPanel(service, FindingsService(service))
    qtbot.addWidget(panel)
    panel.show_patient(trt_patient.id)
    first_group = panel.tree.topLevelItem(0)
    assert first_group.text(0).startswith("Urgent")
    finding = _select(panel, panel.tree.topLevelItem(0).child(0).data(0, Qt.UserRole).rule_id)
    assert "ematocrit" in finding.title
    html = panel.detail.toHtml()
    assert "55.2" in html and "2026-10-01" in html
    assert "Sources" in html


def test_as_of_date_changes_what_is_judged(qtbot, service, trt_patient):
    panel = FindingsPanel(service, FindingsService(service))
    qtbot.addWidget(panel)
    panel.show_patient(trt_patient.id)
    assert any("ematocrit" in t for t in _titles(panel))
    panel.as_of.setDate(QDate(2026, 9, 1))  # before the hematocrit was drawn
    assert not any("over 54" in t.lower() for t in _titles(panel))


def test_suppressing_hides_the_finding_until_shown_again(qtbot, service, trt_patient, monkeypatch):
    findings = FindingsService(service)
    panel = FindingsPanel(service, findings)
    qtbot.addWidget(panel)
    panel.show_patient(trt_patient.id)
    before = _titles(panel)
    target = _select(panel, panel.tree.topLevelItem(0).child(0).data(0, Qt.UserRole).rule_id)
    findings.suppress(trt_patient.id, target, "venesection booked")
    panel.refresh()
    assert target.title not in _titles(panel)
    panel.show_suppressed.setChecked(True)
    assert any(t.startswith(target.title) and "suppressed" in t for t in _titles(panel))
    _select(panel, target.rule_id)
    assert "venesection booked" in panel.detail.toHtml()
    panel.unsuppress_selected()
    panel.show_suppressed.setChecked(False)
    assert _titles(panel) == before


def test_suppression_needs_a_reason(service, trt_patient):
    from app.core.validation import ValidationError

    findings = FindingsService(service)
    finding = findings.evaluate(trt_patient.id).findings[0]
    with pytest.raises(ValidationError):
        findings.suppress(trt_patient.id, finding, "   ")


def test_detail_escapes_data_derived_text(service, trt_patient):
    findings = FindingsService(service)
    finding = findings.evaluate(trt_patient.id).findings[0]
    from dataclasses import replace

    hostile = replace(finding, title="<img src='/etc/passwd'>", clinician_text="<b>bold</b> & co")
    html = detail_html(hostile, service)
    assert "<img" not in html and "&lt;img" in html
    assert "&lt;b&gt;bold&lt;/b&gt; &amp; co" in html


def test_worklist_finds_the_patient_and_exports_safe_csv(service, trt_patient, tmp_path):
    import csv
    from dataclasses import replace

    service.create_patient(make_patient(mrn="MRN-2", family_name="Quiet", given_name="Nobody"))
    findings = FindingsService(service)
    urgent = findings.evaluate(trt_patient.id).findings[0]
    rows = findings.worklist([urgent.rule_id])
    assert [r.mrn for r in rows] == [trt_patient.mrn]
    hostile = replace(rows[0], name='=HYPERLINK("http://x","y")', next_step="@SUM(1)")
    target = tmp_path / "w.csv"
    export_worklist_csv([*rows, hostile], target, service.analyte_label)
    with open(target, newline="", encoding="utf-8") as handle:
        cells = list(csv.reader(handle))
    assert cells[0][4:6] == ["Test", "Status"]
    assert cells[1][0] == trt_patient.mrn and "55.2" in cells[1][7]
    assert cells[1][4] == service.analyte_label(rows[0].marker) == "Hematocrit"
    assert cells[2][1].startswith("'=") and cells[2][8].startswith("'@")


def test_worklist_dialog_writes_a_handout_per_patient_with_progress(
    qtbot, service, trt_patient, tmp_path
):
    from app.ui.worklist_dialog import WorklistDialog

    dialog = WorklistDialog(service, FindingsService(service))
    qtbot.addWidget(dialog)
    dialog.show()
    urgent = FindingsService(service).evaluate(trt_patient.id).findings[0]
    dialog.rule.setCurrentIndex(dialog.rule.findData(urgent.rule_id))
    dialog.run()
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 1, timeout=10_000)
    assert dialog.handouts_button.isEnabled()
    dialog.batch_reports("handout", out_dir=str(tmp_path / "pdfs"))
    qtbot.waitUntil(lambda: "PDFs written" in dialog.count.text(), timeout=20_000)
    assert dialog.count.text() == "1 of 1 PDFs written."
    (pdf,) = (tmp_path / "pdfs").glob("*.pdf")
    assert pdf.read_bytes().startswith(b"%PDF")


def test_a_rule_firing_for_several_tests_names_each_in_the_list(qtbot, service, trt_patient):
    # On TRT with no total testosterone or PSA for years, the monitoring gap fires per test.
    panel = FindingsPanel(service, FindingsService(service))
    qtbot.addWidget(panel)
    panel.show_patient(trt_patient.id)
    gaps = {t for t in _titles(panel) if t.startswith("Protocol monitoring gap")}
    assert gaps == {  # each says which test it is about
        "Protocol monitoring gap: Prostate-specific antigen",
        "Protocol monitoring gap: Testosterone, total",
    }
    assert "Haematocrit above 54% on testosterone therapy" in _titles(panel)  # once: as is


def test_worklist_names_the_test_of_each_monitoring_gap_and_counts_patients(
    qtbot, service, trt_patient
):
    from app.ui.worklist_dialog import WorklistDialog

    dialog = WorklistDialog(service, FindingsService(service))
    qtbot.addWidget(dialog)
    dialog.rule.setCurrentIndex(dialog.rule.findData("protocol_monitoring_gap"))
    dialog.run()
    qtbot.waitUntil(lambda: dialog.run_button.isEnabled(), timeout=10_000)
    model = dialog.model
    assert model.rowCount() == 2  # one row per test, however many schedules it misses
    cells = [[model.index(r, c).data() for c in range(model.columnCount())] for r in range(2)]
    assert sorted(row[4] for row in cells) == ["Prostate-specific antigen", "Testosterone, total"]
    assert {row[5] for row in cells} == {"not measured"}
    assert dialog.count.text() == "2 findings for 1 patient"


def test_worklist_says_how_many_suppressed_findings_it_left_out(qtbot, service, trt_patient):
    from app.ui.worklist_dialog import WorklistDialog

    findings = FindingsService(service)
    urgent = findings.evaluate(trt_patient.id).findings[0]
    findings.suppress(trt_patient.id, urgent, "discussed at the visit")
    assert findings.worklist([urgent.rule_id]) == []
    assert findings.suppressed_left_out == 1
    dialog = WorklistDialog(service, findings)
    qtbot.addWidget(dialog)
    dialog.rule.setCurrentIndex(dialog.rule.findData(urgent.rule_id))
    dialog.run()
    qtbot.waitUntil(lambda: dialog.run_button.isEnabled(), timeout=10_000)
    assert (
        dialog.count.text() == "0 findings for 0 patients; 1 suppressed by a clinician not listed"
    )


def test_worklist_dialog_names_the_patients_whose_handout_would_be_empty(qtbot, service):
    from pathlib import Path

    from app.services.reports import BatchResult
    from app.ui.worklist_dialog import WorklistDialog

    dialog = WorklistDialog(service, FindingsService(service))
    qtbot.addWidget(dialog)
    dialog._batch_done(BatchResult(written=((1, Path("a.pdf")),), total=2, empty=("MRN-9",)))
    assert dialog.count.text().startswith("1 of 2 PDFs written.")
    assert "handout would be empty" in dialog.count.text() and "MRN-9" in dialog.count.text()
