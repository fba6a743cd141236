"""The findings list: whole titles at the usual width, full text in tooltips, an empty list explained."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from app.services import ClinicService
from app.services.demo import build_demo_clinic
from app.services.findings import FindingsService
from app.ui.findings_panel import GRADE_WORDS, FindingsPanel
from tests.conftest import TODAY, make_patient

# The Findings tab's width in a 1400 px window with the patient list at its default width.
USUAL_WIDTH = 940


@pytest.fixture(scope="module")
def demo_path(tmp_path_factory, kb):
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    service, _counts = build_demo_clinic(path, patients=12, today=TODAY)
    service.close()
    return path


@pytest.fixture
def demo(demo_path, kb):
    service = ClinicService.open_demo(demo_path, today=lambda: TODAY, knowledge=kb)
    yield service
    service.close()


def _items(panel: FindingsPanel):
    for g in range(panel.tree.topLevelItemCount()):
        group = panel.tree.topLevelItem(g)
        for c in range(group.childCount()):
            yield group.child(c)


def test_titles_status_and_evidence_are_not_cut_at_the_usual_width(qtbot, demo):
    findings = FindingsService(demo)
    patients = demo.search_patients()
    busiest = max(patients, key=lambda p: len(findings.evaluate(p.id, TODAY).findings))
    panel = FindingsPanel(demo, findings)
    qtbot.addWidget(panel)
    panel.resize(USUAL_WIDTH, 700)
    panel.show()
    qtbot.waitExposed(panel)
    panel.show_patient(busiest.id)
    qtbot.wait(10)
    items = list(_items(panel))
    assert len(items) >= 5
    metrics = panel.tree.fontMetrics()
    header = panel.tree.header()
    for item in items:
        finding = item.data(0, Qt.UserRole)
        # Column 0's rect starts after the indentation; the text needs its width plus margins.
        room = panel.tree.visualItemRect(item).width()
        assert metrics.horizontalAdvance(item.text(0)) + 8 <= room, item.text(0)
        for column in (1, 2):
            need = metrics.horizontalAdvance(item.text(column)) + 4
            assert need <= header.sectionSize(column), item.text(column)
        assert item.toolTip(0) == item.text(0)
        assert item.toolTip(1) == finding.status.replace("_", " ")
        assert item.toolTip(2) == GRADE_WORDS[finding.evidence_grade]


def test_a_patient_without_findings_is_told_so(qtbot, service):
    patient = service.create_patient(make_patient())
    panel = FindingsPanel(service, FindingsService(service))
    qtbot.addWidget(panel)
    panel.show_patient(patient.id)
    assert panel.tree.topLevelItemCount() == 0
    assert "No findings as of" in panel.detail.toPlainText()
