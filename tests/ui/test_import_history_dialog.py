"""File > Import history, used as a clinician would: see each batch, save its rejected
rows, read what an undo removes, undo it; and the wizard's summary of an import."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

import pytest
from PySide6.QtWidgets import QMessageBox

from app.services.importing import Importer, ImportResult
from app.ui.import_history_dialog import ImportHistoryDialog
from app.ui.import_wizard import done_text
from tests.conftest import create_encrypted_clinic, make_patient, sign_in

CSV = (
    "MRN,Test,Result,Units,Collected\n"
    "MRN-1001,Zinc,58,ug/dL,2026-10-02 08:15\n"
    "MRN-1001,Estradiol,<5,pg/mL,2026-10-02 08:15\n"
    "MRN-1001,Zinc,abc,ug/dL,2026-10-03 08:15\n"
)


def _import(service, text: str = CSV, name: str = "labs.csv") -> int:
    importer = Importer(service)
    data = text.encode()
    preview = importer.preview(data, name, importer.read(data, name))
    return importer.commit(preview, data).batch_id


@pytest.fixture
def history(qtbot):
    def make(service) -> ImportHistoryDialog:
        dialog = ImportHistoryDialog(service)
        qtbot.addWidget(dialog)
        return dialog

    return make


def _cells(dialog: ImportHistoryDialog, row: int = 0) -> list[str]:
    model = dialog.model
    return [model.index(row, column).data() for column in range(model.columnCount())]


def test_a_clinic_without_imports_says_so(history, service):
    dialog = history(service)
    assert dialog.model.rowCount() == 0
    assert "No lab file has been imported" in dialog.detail.text()
    assert not dialog.undo_button.isEnabled() and not dialog.save_report_button.isEnabled()


def test_each_batch_shows_who_imported_what_newest_first(history, service):
    service.create_patient(make_patient())
    first = _import(service)
    second = _import(service, CSV.replace("58", "61"), "again.csv")
    dialog = history(service)
    rows = [_cells(dialog, row) for row in range(dialog.model.rowCount())]
    assert [row[0] for row in rows] == [str(second), str(first)]
    batch, _when, by, file_name, results, duplicates, rejected, status = rows[1]
    assert (by, file_name, results, duplicates, rejected, status) == (
        service.user.username, "labs.csv", "2", "0", "1", "in the clinic"
    )  # fmt: skip
    assert rows[0][4:7] == ["1", "1", "1"]  # the estradiol row was already there
    assert dialog.save_report_button.isEnabled()


def test_the_rejected_rows_of_a_batch_are_saved_as_imported(history, service, tmp_path):
    service.create_patient(make_patient())
    batch_id = _import(service)
    dialog = history(service)
    target = tmp_path / "rejected.tsv"
    dialog.write_report(batch_id, target)
    lines = target.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "line\tcolumn\treason" and lines[1].startswith("4\t")
    (event,) = [r for r in service.session.audit.rows() if r.action == "export"]
    assert event.detail == "1 rejected rows of labs.csv to rejected.tsv"


def test_a_saved_report_cannot_smuggle_a_spreadsheet_formula(history, service, tmp_path):
    """A header or value written into a reason is neutralised before a spreadsheet sees it."""
    service.create_patient(make_patient())
    batch_id = _import(service, CSV.replace("Result", "=Result"))
    target = tmp_path / "rejected.tsv"
    history(service).write_report(batch_id, target)
    cells = [
        c for line in target.read_text(encoding="utf-8").splitlines() for c in line.split("\t")
    ]
    assert "'=Result" in cells and "=Result" not in cells


def test_undo_says_what_goes_then_removes_exactly_the_batch(qtbot, history, service, monkeypatch):
    patient = service.create_patient(make_patient())
    by_hand = service.record_result(patient.id, "zinc", "70", "ug/dL", datetime(2025, 1, 5, 9))
    batch_id = _import(service)
    zinc = next(
        o for o in service.observations(patient.id) if o.batch_id == batch_id and o.value == 58
    )
    service.exclude_result(zinc.id, "haemolysed")
    dialog = history(service)
    question = _question_asked(qtbot, dialog, monkeypatch)
    assert "removes its 2 results for 1 patient." in question
    assert "1 of them was corrected, excluded or included again since" in question
    with qtbot.waitSignal(dialog.undone, timeout=10_000) as undone:
        dialog.undo(batch_id)
    assert undone.args == [batch_id]
    assert [o.id for o in service.observations(patient.id)] == [by_hand.id]
    status = _cells(dialog)[7]
    assert status.startswith("undone ") and status.endswith(f"by {service.user.username}")
    assert "2 results removed" in dialog.detail.text()
    assert not dialog.undo_button.isEnabled()


def _question_asked(qtbot, dialog, monkeypatch, answer=QMessageBox.StandardButton.Cancel) -> str:
    """Ask to undo the selected batch; the confirmation's text once the count arrives."""
    asked = []

    def question(*args, **kwargs):
        asked.append(args[2])
        return answer

    monkeypatch.setattr(QMessageBox, "question", question)
    dialog.ask_undo()
    qtbot.waitUntil(lambda: bool(asked), timeout=10_000)
    assert len(asked) == 1
    return asked[0]


def test_undo_asks_first_and_cancel_changes_nothing(qtbot, history, service, monkeypatch):
    service.create_patient(make_patient())
    _import(service)
    dialog = history(service)
    assert "Undo batch" in _question_asked(qtbot, dialog, monkeypatch)
    assert not dialog.busy() and dialog.undo_button.isEnabled()
    assert service.observations_repo.count() == 2
    assert _cells(dialog)[7] == "in the clinic"


def test_a_role_that_cannot_undo_sees_the_history_but_not_the_undo(qtbot, history, tmp_path, kb):
    from app.services.admin import AdminService

    path = tmp_path / "clinic.db"
    admin = create_encrypted_clinic(path, kb)
    _import(admin)
    AdminService(admin).add_user("desk1", "assistant", "front desk phrase 2024 ok")
    admin.close()
    assistant = sign_in(path, kb, "desk1", "front desk phrase 2024 ok")
    try:
        dialog = history(assistant)
        assert dialog.model.rowCount() == 1
        assert not dialog.undo_button.isEnabled()
        assert "cannot undo" in dialog.undo_button.toolTip()
        assert "The original file is kept at" in dialog.detail.text()
    finally:
        assistant.close()


def test_the_wizard_summary_leaves_out_zeros_and_says_where_to_undo():
    quiet = ImportResult(7, 1_000_000, 0, 0, 0, 0, "")
    assert done_text(quiet, "big.csv").splitlines() == [
        "Imported 1,000,000 results from big.csv as batch 7.",
        "File > Import history… shows this batch and can undo it.",
    ]
    assert "a clinician or an administrator can undo it" in done_text(
        quiet, "b.csv", can_undo=False
    )
    busy = ImportResult(8, 3, 1, 2, 4, 1, "/data/imports/x.csv")
    lines = done_text(busy, "x.csv").splitlines()
    assert lines[1:5] == [
        "1 patient was created.",
        "1 result already in the clinic was skipped.",
        "2 rows were rejected.",
        "4 rows were left out (unmatched patients or tests not imported).",
    ]
    assert "kept at /data/imports/x.csv" in lines[5]
    kept = done_text(replace(quiet, unconverted=3), "b.csv").splitlines()[1]
    assert kept == "3 results are kept in the unit the lab wrote, not converted."


def test_a_batch_says_how_many_rows_were_left_out(history, service):
    service.create_patient(make_patient())
    _import(service, CSV + "MRN-0000,Zinc,60,ug/dL,2026-10-02 08:15\n")  # no such patient
    dialog = history(service)
    detail = dialog.detail.text()
    assert "4 rows read, of which 1 left out (unmatched patients" in detail


def test_the_dialog_stays_open_while_an_undo_runs(qtbot, history, service, monkeypatch):
    import threading

    service.create_patient(make_patient())
    batch_id = _import(service)
    dialog = history(service)
    dialog.show()
    release = threading.Event()
    real_undo = dialog._importer.undo

    def slow_undo(batch):
        release.wait(5)
        return real_undo(batch)

    monkeypatch.setattr(dialog._importer, "undo", slow_undo)
    dialog.undo(batch_id)
    assert not dialog.close_button.isEnabled() and not dialog.undo_button.isEnabled()
    dialog.reject()  # Esc
    dialog.close()  # the window's X
    assert dialog.isVisible()
    with qtbot.waitSignal(dialog.undone, timeout=10_000):
        release.set()
    assert dialog.close_button.isEnabled()
    dialog.reject()
    assert not dialog.isVisible()


def test_the_undo_count_runs_off_the_gui_thread_and_asks_when_it_arrives(
    qtbot, history, service, monkeypatch
):
    """A million-row batch took about 0.7 s to count: the window froze before asking."""
    import threading

    service.create_patient(make_patient())
    _import(service)
    dialog = history(service)
    dialog.show()
    release = threading.Event()
    counted_on = []
    real_impact = dialog._importer.batch_impact

    def slow_impact(batch_id):
        counted_on.append(threading.current_thread() is threading.main_thread())
        release.wait(5)
        return real_impact(batch_id)

    monkeypatch.setattr(dialog._importer, "batch_impact", slow_impact)
    asked = []

    def answer(*args, **kwargs):
        asked.append(args[2])
        return QMessageBox.StandardButton.Cancel

    monkeypatch.setattr(QMessageBox, "question", answer)
    dialog.ask_undo()
    assert asked == [], "the window waited for the count before going on"
    assert "Counting" in dialog.detail.text()
    assert not dialog.undo_button.isEnabled() and not dialog.close_button.isEnabled()
    dialog.ask_undo()  # a second click meanwhile asks nothing more
    dialog.reject()  # Esc
    assert dialog.isVisible()
    release.set()
    qtbot.waitUntil(lambda: bool(asked), timeout=10_000)
    assert counted_on == [False]
    assert len(asked) == 1 and "removes its 2 results for 1 patient." in asked[0]
    assert dialog.undo_button.isEnabled() and dialog.close_button.isEnabled()
    assert "Counting" not in dialog.detail.text()
