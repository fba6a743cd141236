"""The worklist by keyboard: Enter on a row opens its patient; a cut cell has a tooltip."""

from __future__ import annotations

from datetime import date, datetime

from PySide6.QtCore import Qt

from app.core.models import RegimenItem
from app.services.findings import FindingsService
from app.ui.item_roles import TOOLTIP
from app.ui.worklist_dialog import WorklistDialog
from tests.conftest import make_patient


def _worklist(qtbot, service):
    patient = service.create_patient(make_patient())
    service.add_regimen_item(
        RegimenItem(
            None, patient.id, "hormone", "testosterone_cypionate", 140.0, "mg", "IM", 7.0,
            date(2025, 6, 2),
        )
    )  # fmt: skip
    service.record_result(patient.id, "hematocrit", "55.2", "%", datetime(2026, 10, 1, 8, 0))
    findings = FindingsService(service)
    rule_id = findings.evaluate(patient.id).findings[0].rule_id
    dialog = WorklistDialog(service, findings)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.rule.setCurrentIndex(dialog.rule.findData(rule_id))
    dialog.run()
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 1, timeout=10_000)
    return dialog, patient


def test_enter_on_a_row_opens_its_patient(qtbot, service):
    dialog, patient = _worklist(qtbot, service)
    opened = []
    dialog.open_patient.connect(opened.append)
    dialog.table.setFocus()
    dialog.table.setCurrentIndex(dialog.proxy.index(0, 0))
    qtbot.keyClick(dialog.table, Qt.Key_Return)
    assert opened == [patient.id]


def test_every_cell_has_its_full_text_as_tooltip(qtbot, service):
    dialog, _patient = _worklist(qtbot, service)
    model = dialog.model
    next_step = model.index(0, model.columnCount() - 1)
    assert next_step.data()  # the next step, the longest cell
    for column in range(model.columnCount()):
        index = model.index(0, column)
        assert index.data(TOOLTIP) == index.data()
