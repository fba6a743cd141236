"""A message shown under a field wraps, and its dialog grows to hold it: nothing overprints."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import QDate

from app.core.models import RegimenItem
from app.ui.lab_entry_dialog import LabEntryDialog
from app.ui.regimen_dialogs import ChangeDoseDialog, StopItemDialog
from tests.conftest import cypionate


def _anastrozole(service, patient):
    return service.add_regimen_item(
        RegimenItem(
            None, patient.id, "medication", "anastrozole", 0.5, "mg", "oral", 3.5,
            date(2026, 11, 20),
        )
    )  # fmt: skip


def _stop_before_start(service, patient):
    dialog = StopItemDialog(service, _anastrozole(service, patient))
    return dialog, lambda: (dialog.stop_date.setDate(QDate(2026, 11, 10)), dialog.save()), (
        "stop_date", dialog.reason
    )  # fmt: skip


def _change_before_current(service, patient):
    dialog = ChangeDoseDialog(service, service.add_regimen_item(cypionate(patient.id)))

    def act():
        dialog.dose.setText("120")
        dialog.effective.setDate(QDate(2025, 11, 10))
        dialog.save()

    return dialog, act, ("effective", dialog.note)


def _ambiguous_analyte(service, patient):
    dialog = LabEntryDialog(service, patient.id)

    def act():
        dialog.analyte.setEditText("testo")
        dialog.value.setText("700")
        dialog.save()

    return dialog, act, ("analyte", dialog.value)


@pytest.mark.parametrize("make", [_stop_before_start, _change_before_current, _ambiguous_analyte])
def test_a_long_message_is_shown_whole_above_the_next_field(qtbot, service, patient, make):
    dialog, act, (field, next_editor) = make(service, patient)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    height_before = dialog.height()
    act()
    qtbot.wait(20)
    label = dialog.errors.label(field)
    assert label.isVisible() and label.wordWrap()
    # Every line of the message has room: none of them cut.
    assert label.height() >= label.heightForWidth(label.width())
    # It ends above the next field instead of painting over it, inside the window.
    bottom = label.mapTo(dialog, label.rect().bottomLeft()).y()
    assert bottom < next_editor.mapTo(dialog, next_editor.rect().topLeft()).y()
    assert dialog.height() > height_before
    assert dialog.height() >= dialog.minimumSizeHint().height()


def test_a_cleared_message_gives_back_its_room_to_the_layout(qtbot, service, patient):
    dialog, act, (field, _) = _stop_before_start(service, patient)
    qtbot.addWidget(dialog)
    dialog.show()
    act()
    dialog.errors.clear()
    assert dialog.errors.label(field).minimumHeight() == 0
