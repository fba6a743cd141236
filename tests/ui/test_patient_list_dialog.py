"""File > Import patient list: the preview shows every row's outcome; Add writes the new ones."""

from __future__ import annotations

from app.ui.patient_list_dialog import PatientListDialog


def _dialog(qtbot, service, tmp_path, text: str) -> PatientListDialog:
    path = tmp_path / "list.csv"
    path.write_text(text)
    dialog = PatientListDialog(service, str(path))
    qtbot.addWidget(dialog)
    dialog.read_file()
    return dialog


def _outcomes(dialog) -> dict[str, str]:
    table = dialog.table
    return {table.item(r, 1).text(): table.item(r, 5).text() for r in range(table.rowCount())}


def test_preview_then_add(qtbot, service, patient, tmp_path):
    dialog = _dialog(
        qtbot,
        service,
        tmp_path,
        "MRN,Last name,First name,DOB,Sex,Date of death\n"
        "MRN-1001,Okafor,Samir,1975-06-14,M,\n"
        "N-1,Ng,Lee,1970-03-04,F,\n"
        "N-2,Ng,Kim,1940-05-06,M,2020-01-01\n",
    )
    assert _outcomes(dialog) == {
        "MRN-1001": "Already in the clinic",
        "N-1": "New",
        "N-2": "New (archived: date of death 2020-01-01)",
    }
    assert dialog.add_button.text() == "Add 2 patients" and dialog.add_button.isEnabled()
    assert service.find_patient("N-1") is None  # the preview wrote nothing
    with qtbot.waitSignal(dialog.added) as added:
        dialog.add_button.click()
    assert added.args == [2]
    assert service.find_patient("N-1") is not None
    assert service.find_patient("N-2").archived


def test_ambiguous_dates_ask_for_the_order_before_anything_can_be_added(qtbot, service, tmp_path):
    text = "MRN,Last name,First name,DOB,Sex\nN-1,Ng,Lee,03/04/1970,F\n"
    dialog = _dialog(qtbot, service, tmp_path, text)
    assert "choose the date order" in dialog.summary.text()
    assert not dialog.add_button.isEnabled() and dialog.table.rowCount() == 0
    dialog.date_order.setCurrentIndex(dialog.date_order.findData("dmy"))
    assert dialog.add_button.isEnabled()
    assert dialog.table.item(0, 3).text() == "1970-04-03"


def test_a_file_that_is_no_patient_list_says_why(qtbot, service, tmp_path):
    dialog = _dialog(qtbot, service, tmp_path, "MRN,Test,Result\nN-1,Zinc,70\n")
    assert "does not look like a patient list" in dialog.summary.text()
    assert not dialog.add_button.isEnabled()
