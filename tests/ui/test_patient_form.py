"""Driving the create-patient form as a user does."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QMessageBox

from app.ui.patient_form import PatientFormDialog
from tests.conftest import make_patient


def _fill(
    qtbot,
    dialog: PatientFormDialog,
    *,
    mrn="MRN-77",
    family="Moreau",
    given="Chloe",
    born="1972-08-19",
    sex="female",
) -> None:
    qtbot.keyClicks(dialog.mrn, mrn)
    qtbot.keyClicks(dialog.family_name, family)
    qtbot.keyClicks(dialog.given_name, given)
    qtbot.keyClicks(dialog.date_of_birth, born)
    dialog.sex_at_birth.setCurrentIndex(dialog.sex_at_birth.findData(sex))


def test_filling_the_form_creates_the_patient(qtbot, service):
    dialog = PatientFormDialog(service)
    qtbot.addWidget(dialog)
    _fill(qtbot, dialog)
    qtbot.keyClicks(dialog.gender_identity, "woman")
    qtbot.mouseClick(dialog.buttons.button(dialog.buttons.StandardButton.Save), Qt.LeftButton)
    assert dialog.result() == dialog.DialogCode.Accepted
    (found,) = service.search_patients("moreau")
    saved = service.get_patient(found.id)
    assert (
        saved.mrn,
        saved.given_name,
        saved.date_of_birth,
        saved.sex_at_birth,
        saved.gender_identity,
    ) == ("MRN-77", "Chloe", date(1972, 8, 19), "female", "woman")


def test_future_birth_date_is_shown_beside_the_field_and_nothing_saved(qtbot, service):
    dialog = PatientFormDialog(service)
    qtbot.addWidget(dialog)
    _fill(qtbot, dialog, born="2030-01-01")
    dialog.save()
    assert dialog.result() != dialog.DialogCode.Accepted
    assert "future" in dialog.errors.message("date_of_birth")
    assert dialog.errors.label("date_of_birth").isVisibleTo(dialog)
    assert service.count_patients() == 0


def test_missing_name_and_duplicate_mrn_are_each_shown_on_their_field(qtbot, service):
    service.create_patient(make_patient(mrn="MRN-77"))
    dialog = PatientFormDialog(service)
    qtbot.addWidget(dialog)
    _fill(qtbot, dialog, family="")
    dialog.save()
    assert "family name" in dialog.errors.message("family_name")
    assert "MRN-77" in dialog.errors.message("mrn")
    assert dialog.errors.message("given_name") == ""
    assert service.count_patients() == 1


def test_fixing_the_error_then_saving_works(qtbot, service):
    dialog = PatientFormDialog(service)
    qtbot.addWidget(dialog)
    _fill(qtbot, dialog, given="")
    dialog.save()
    assert dialog.errors.message("given_name")
    qtbot.keyClicks(dialog.given_name, "Chloe")
    dialog.save()
    assert dialog.result() == dialog.DialogCode.Accepted
    assert dialog.errors.message("given_name") == ""
    assert service.count_patients() == 1


def test_editing_prefills_and_updates(qtbot, service, patient):
    dialog = PatientFormDialog(service, patient)
    qtbot.addWidget(dialog)
    assert dialog.mrn.text() == patient.mrn
    assert dialog.date_of_birth.text() == patient.date_of_birth.isoformat()
    dialog.phone.setText("555-0199")
    dialog.save()
    assert service.get_patient(patient.id).phone == "555-0199"


def test_the_date_of_birth_starts_empty_and_must_be_entered(qtbot, service):
    """Saved untouched, the form asks for the date instead of saving 1980-01-01."""
    dialog = PatientFormDialog(service)
    qtbot.addWidget(dialog)
    assert dialog.date_of_birth.text() == ""
    assert dialog.date_of_birth.placeholderText() == "YYYY-MM-DD"
    _fill(qtbot, dialog, born="")
    dialog.save()
    assert dialog.result() != dialog.DialogCode.Accepted
    assert dialog.errors.message("date_of_birth") == "Enter the date of birth (YYYY-MM-DD)."
    assert dialog.errors.label("date_of_birth").isVisibleTo(dialog)
    assert service.count_patients() == 0
    qtbot.keyClicks(dialog.date_of_birth, "1972-08-19")
    dialog.save()
    assert dialog.result() == dialog.DialogCode.Accepted
    (found,) = service.search_patients("moreau")
    assert service.get_patient(found.id).date_of_birth == date(1972, 8, 19)


def test_an_empty_form_shows_every_missing_field_at_once(qtbot, service):
    dialog = PatientFormDialog(service)
    qtbot.addWidget(dialog)
    dialog.save()
    for field in ("mrn", "family_name", "given_name", "date_of_birth", "sex_at_birth"):
        assert dialog.errors.message(field), field
    assert service.count_patients() == 0


@pytest.mark.parametrize("typed", ["1972-8-19", "19720819", "1972/08/19"])
def test_the_date_of_birth_is_read_as_typed(qtbot, service, typed):
    dialog = PatientFormDialog(service)
    qtbot.addWidget(dialog)
    _fill(qtbot, dialog, born=typed)
    dialog.save()
    assert dialog.result() == dialog.DialogCode.Accepted
    assert dialog.saved_patient.date_of_birth == date(1972, 8, 19)


@pytest.mark.parametrize("typed", ["19/08/1972", "1972-02-30", "soon"])
def test_a_date_of_birth_that_is_not_a_date_is_refused(qtbot, service, typed):
    dialog = PatientFormDialog(service)
    qtbot.addWidget(dialog)
    _fill(qtbot, dialog, born=typed)
    dialog.save()
    assert dialog.result() != dialog.DialogCode.Accepted
    assert dialog.errors.message("date_of_birth") == (
        "Write the date of birth as YYYY-MM-DD, e.g. 1975-06-14."
    )
    assert service.count_patients() == 0


def _answer_namesake(qtbot, dialog, button):
    """Answer the "same patient?" question once it is shown; returns what it said."""
    seen = {}

    def answer():
        box = dialog.namesake_box
        seen["text"] = box.text()
        box.button(button).click()

    QTimer.singleShot(0, answer)
    return seen


def test_the_same_name_and_birth_date_under_another_mrn_asks_first(qtbot, service):
    service.create_patient(
        make_patient(mrn="MRN-77", family_name="Moreau", given_name="Chloe",
                     date_of_birth=date(1972, 8, 19))
    )  # fmt: skip
    dialog = PatientFormDialog(service)
    qtbot.addWidget(dialog)
    _fill(qtbot, dialog, mrn="MRN-78", family="moreau", given="CHLOE")
    seen = _answer_namesake(qtbot, dialog, QMessageBox.Cancel)
    dialog.save()
    assert seen["text"] == (
        "A patient with this name and date of birth already exists (MRN MRN-77). Save anyway?"
    )
    assert dialog.result() != dialog.DialogCode.Accepted
    assert service.count_patients() == 1  # cancelled: nothing saved, the form stays open

    _answer_namesake(qtbot, dialog, QMessageBox.Save)
    dialog.save()
    assert dialog.result() == dialog.DialogCode.Accepted
    assert sorted(p.mrn for p in service.search_patients("moreau")) == ["MRN-77", "MRN-78"]


def test_no_question_for_another_birth_date_or_the_patient_being_edited(qtbot, service, patient):
    dialog = PatientFormDialog(service)
    qtbot.addWidget(dialog)
    _fill(qtbot, dialog, mrn="MRN-2", family=patient.family_name, given=patient.given_name,
          born="1975-06-15")  # fmt: skip
    dialog.save()
    assert dialog.namesake_box is None and dialog.result() == dialog.DialogCode.Accepted
    edit = PatientFormDialog(service, patient)
    qtbot.addWidget(edit)
    edit.phone.setText("555-0100")
    edit.save()
    assert edit.namesake_box is None and edit.result() == edit.DialogCode.Accepted


def test_an_invalid_form_shows_its_errors_before_asking(qtbot, service, patient):
    dialog = PatientFormDialog(service)
    qtbot.addWidget(dialog)
    _fill(qtbot, dialog, mrn="MRN-2", family=patient.family_name, given=patient.given_name,
          born=patient.date_of_birth.isoformat(), sex="")  # fmt: skip
    dialog.save()
    assert dialog.namesake_box is None
    assert dialog.errors.message("sex_at_birth")
