"""The main window as a clinician uses it: search, open a patient, edit the regimen."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import QDate

from app.core.models import RegimenItem
from app.ui.main_window import MainWindow
from app.ui.regimen_dialogs import AddRegimenItemDialog, ChangeDoseDialog, StopItemDialog
from tests.conftest import make_patient


@pytest.fixture
def window(qtbot, service):
    service.create_patient(make_patient())
    service.create_patient(
        make_patient(
            mrn="MRN-2002",
            family_name="Silva",
            given_name="Rosa",
            date_of_birth=date(1964, 2, 9),
            sex_at_birth="female",
        )
    )
    service.create_patient(
        make_patient(
            mrn="MRN-3003", family_name="Sato", given_name="Kenji", date_of_birth=date(1990, 7, 1)
        )
    )
    win = MainWindow(service)
    qtbot.addWidget(win)
    win.show()
    return win


def _shown_names(win: MainWindow) -> list[str]:
    model = win.patient_list.model
    return [model.patient_at(r).family_name for r in range(model.rowCount())]


def test_typing_filters_the_list_at_each_keystroke(qtbot, window):
    assert _shown_names(window) == ["Okafor", "Sato", "Silva"]
    qtbot.keyClicks(window.patient_list.search, "s")
    assert _shown_names(window) == ["Sato", "Silva"]  # one letter: family names, in order
    qtbot.keyClicks(window.patient_list.search, "a")
    assert _shown_names(window) == ["Okafor", "Sato"]  # Samir Okafor's given name matches too
    qtbot.keyClicks(window.patient_list.search, "t")
    assert _shown_names(window) == ["Sato"]
    window.patient_list.search.clear()
    qtbot.keyClicks(window.patient_list.search, "mrn-2")
    assert _shown_names(window) == ["Silva"]
    window.patient_list.search.clear()
    qtbot.keyClicks(window.patient_list.search, "1990")
    assert _shown_names(window) == ["Sato"]
    assert window.patient_list.count.text() == "1 patient"


def test_selecting_a_patient_shows_their_record(qtbot, window):
    window.patient_list.table.selectRow(2)
    view = window.patient_view
    assert view.stack.currentIndex() == 1
    assert "Silva, Rosa" in view.title.text()
    assert "MRN-2002" in view.details.text()


def test_a_patient_opened_from_the_worklist_is_one_chart_open_in_the_audit(window, service):
    silva = service.find_patient("MRN-2002")
    before = len(service.session.audit.rows())
    window.open_patient(silva.id)
    assert "Silva, Rosa" in window.patient_view.title.text()
    assert window.patient_list.selected_patient_id() == silva.id
    opened = [
        r
        for r in service.session.audit.rows()[before:]
        if (r.action, r.category) == ("read", "chart")
    ]
    assert [r.patient_id for r in opened] == [silva.id]


def test_archiving_hides_the_patient_from_the_list(qtbot, window, service, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    window.patient_list.table.selectRow(2)
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.Yes)
    window.patient_view.toggle_archived()
    assert _shown_names(window) == ["Okafor", "Sato"]
    window.patient_list.show_archived.setChecked(True)
    assert "Silva" in _shown_names(window)


def test_regimen_editor_add_change_dose_and_stop_keep_history(qtbot, window, service):
    window.patient_list.table.selectRow(0)
    panel = window.patient_view.regimen
    window.patient_view.tabs.setCurrentWidget(panel)
    patient_id = window.patient_view.patient.id

    add = AddRegimenItemDialog(service, patient_id, panel)
    qtbot.addWidget(add)
    add.substance.setCurrentIndex(add.substance.findData("testosterone_cypionate"))
    assert add.route.currentText() == "IM"
    add.dose.setText("100")
    add.dose_unit.setCurrentText("mg")
    add.interval.setCurrentIndex(add.interval.findData(7.0))
    add.start_date.setDate(QDate(2026, 1, 5))
    add.save()
    assert add.saved_item is not None
    panel.refresh()
    assert panel.model.rowCount() == 1

    panel.table.selectRow(0)
    assert panel.change_button.isEnabled()
    change = ChangeDoseDialog(service, panel.model.item_at(0), panel)
    qtbot.addWidget(change)
    change.dose.setText("140")
    change.effective.setDate(QDate(2026, 5, 4))
    change.save()
    panel.refresh()
    assert [panel.model.item_at(r).dose for r in range(2)] == [140.0, 100.0]
    assert panel.model.is_current(0) and not panel.model.is_current(1)

    panel.table.selectRow(0)
    stop = StopItemDialog(service, panel.model.item_at(0), panel)
    qtbot.addWidget(stop)
    stop.stop_date.setDate(QDate(2026, 10, 1))
    stop.reason.setText("patient choice")
    stop.save()
    panel.refresh()
    rows = [panel.model.item_at(r) for r in range(panel.model.rowCount())]
    assert [(r.dose, r.stop_date) for r in rows] == [
        (140.0, date(2026, 10, 1)),
        (100.0, date(2026, 5, 4)),
    ]
    panel.table.selectRow(0)
    assert not panel.stop_button.isEnabled()  # history rows cannot be stopped again


def test_dose_change_dialog_shows_errors_and_writes_nothing(qtbot, service, patient):
    item = service.add_regimen_item(
        RegimenItem(
            None, patient.id, "hormone", "anastrozole", 0.5, "mg", "oral", 3.5, date(2026, 3, 1)
        )
    )
    dialog = ChangeDoseDialog(service, item)
    qtbot.addWidget(dialog)
    dialog.dose.setText("abc")
    dialog.save()
    assert "number" in dialog.errors.message("dose")
    dialog.dose.setText("1")
    dialog.effective.setDate(QDate(2026, 2, 1))
    dialog.save()
    assert "after the current dose started" in dialog.errors.message("effective")
    assert service.regimen(patient.id) == [item]


def test_manual_result_entry_through_the_results_tab(qtbot, window, service):
    from app.ui.lab_entry_dialog import LabEntryDialog

    window.patient_list.table.selectRow(0)
    patient_id = window.patient_view.patient.id
    dialog = LabEntryDialog(service, patient_id)
    qtbot.addWidget(dialog)
    dialog.analyte.setCurrentIndex(dialog.analyte.findData("estradiol"))
    qtbot.keyClicks(dialog.value, "< 5")
    dialog.collected_at.setDateTime(dialog.collected_at.dateTime().addDays(-30))
    dialog.save()
    assert dialog.saved is not None and dialog.saved.comparator == "<"
    labs = window.patient_view.labs
    window.patient_view.tabs.setCurrentWidget(labs)
    assert labs.model.rowCount() == 1
    assert labs.model.data(labs.model.index(0, 2)) == "< 5"
    assert labs.count.text() == "1 result"


def test_result_entry_finds_the_analyte_by_the_words_a_clinician_types(qtbot, service, patient):
    from app.ui.lab_entry_dialog import LabEntryDialog

    dialog = LabEntryDialog(service, patient.id)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.analyte.lineEdit().setText("")
    qtbot.keyClicks(dialog.analyte.lineEdit(), "total testo")
    offered = dialog.analyte.completer().model().stringList()
    assert offered == [service.analyte_label("testosterone_total")]
    dialog.analyte.lineEdit().setText("Total testosterone")
    qtbot.keyClicks(dialog.value, "612")
    dialog.save()
    assert dialog.saved is not None and dialog.saved.analyte_key == "testosterone_total"

    again = LabEntryDialog(service, patient.id)
    qtbot.addWidget(again)
    again.analyte.lineEdit().setText("testosterone")
    qtbot.keyClicks(again.value, "612")
    again.save()
    assert again.saved is None
    assert "fits" in again.errors.message("analyte") and "choose one" in again.errors.message(
        "analyte"
    )
    again.analyte.lineEdit().setText("Glorbulin")
    again.save()
    assert "No analyte is called 'Glorbulin'" in again.errors.message("analyte")
    # A long message is shown whole, under its field.
    again.analyte.setCurrentIndex(again.analyte.findData("zinc"))
    again.value.setText("1.234,5")
    again.save()
    again.show()
    qtbot.waitExposed(again)
    shown = again.errors.label("value")
    assert shown.isVisible() and len(shown.text()) > 60
    assert shown.height() >= shown.heightForWidth(shown.width())  # no line cut off


def test_the_status_bar_counts_a_new_and_an_archived_patient(qtbot, window, service):
    """File ▸ New patient, then Archive: the status bar follows the list each time."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QMessageBox

    assert window.status_label.text().startswith("3 active patients")

    def fill():
        form = QApplication.activeModalWidget()
        form.mrn.setText("MRN-4004")
        form.family_name.setText("Dubois")
        form.given_name.setText("Cleo")
        form.date_of_birth.setText("1988-03-04")
        form.sex_at_birth.setCurrentIndex(form.sex_at_birth.findData("female"))
        form.save()

    QTimer.singleShot(0, fill)
    window.new_patient_action.trigger()
    assert window.patient_list.model.rowCount() == 4
    assert window.status_label.text().startswith("4 active patients")

    def confirm():
        box = QApplication.activeModalWidget()
        box.button(QMessageBox.Yes).click()

    QTimer.singleShot(0, confirm)
    window.patient_view.toggle_archived()
    assert window.patient_list.model.rowCount() == 3
    assert window.status_label.text().startswith("3 active patients")
