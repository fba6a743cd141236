"""The Change dose and Stop dialogs name the substance as the regimen table does."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from app.core.models import RegimenItem
from app.ui.regimen_dialogs import ChangeDoseDialog, StopItemDialog
from tests.conftest import make_patient


def _cypionate(service, **overrides) -> RegimenItem:
    patient = service.create_patient(make_patient())
    item = RegimenItem(
        None, patient.id, "hormone", "testosterone_cypionate", 110.0, "mg", "IM", 3.5,
        date(2025, 11, 9),
    )  # fmt: skip
    return service.add_regimen_item(replace(item, **overrides))


def test_dose_and_stop_dialogs_use_the_substance_label_not_its_key(qtbot, service):
    item = _cypionate(service)
    change = ChangeDoseDialog(service, item)
    stop = StopItemDialog(service, item)
    for dialog in (change, stop):
        qtbot.addWidget(dialog)
    assert change.windowTitle() == "Change dose: Testosterone cypionate"
    assert stop.windowTitle() == "Stop: Testosterone cypionate"
    assert "testosterone cypionate" not in change.windowTitle() + stop.windowTitle()


def test_a_name_the_user_gave_is_kept(qtbot, service):
    item = _cypionate(service, display_name="Test cyp (compounded)")
    dialog = ChangeDoseDialog(service, item)
    qtbot.addWidget(dialog)
    assert dialog.windowTitle() == "Change dose: Test cyp (compounded)"
