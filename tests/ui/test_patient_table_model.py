"""The patient list model: Qt's model tester and what the list shows."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt

from app.core.models import PatientSummary
from app.ui.patient_table_model import COL_DOB, COL_MRN, COL_NAME, PatientTableModel


def _rows() -> list[PatientSummary]:
    return [
        PatientSummary(1, "A-1", "Abbott", "Ana", date(1970, 1, 2), "female"),
        PatientSummary(2, "B-2", "Becker", "Bruno", date(1981, 5, 6), "male", archived=True),
    ]


def test_model_passes_qt_model_tester(qtmodeltester):
    model = PatientTableModel()
    model.set_rows(_rows())
    qtmodeltester.check(model, force_py=True)


def test_model_shows_names_mrn_and_birth_dates():
    model = PatientTableModel()
    model.set_rows(_rows())
    assert model.rowCount() == 2
    assert model.data(model.index(0, COL_NAME)) == "Abbott, Ana"
    assert model.data(model.index(0, COL_MRN)) == "A-1"
    assert model.data(model.index(0, COL_DOB)) == "1970-01-02"
    assert model.data(model.index(1, COL_NAME)) == "Becker, Bruno (archived)"
    assert model.data(model.index(1, COL_NAME), Qt.FontRole).italic()
    assert model.data(model.index(1, 0), Qt.UserRole) == 2


def test_set_rows_replaces_everything(qtbot):
    model = PatientTableModel()
    model.set_rows(_rows())
    with qtbot.waitSignal(model.modelReset):
        model.set_rows(_rows()[:1])
    assert model.rowCount() == 1
    assert model.row_of(2) is None and model.row_of(1) == 0
