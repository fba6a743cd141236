"""Dialogs of the regimen editor: add an item, change its dose, stop it."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
)

from app.core.formatting import INTERVAL_CHOICES, dose_text
from app.core.models import REGIMEN_KINDS, ROUTES, RegimenItem
from app.core.validation import DoseChange, ValidationError
from app.ui.form_errors import FieldErrors

DOSE_UNITS = ["mg", "mcg", "IU", "mL", "mg/day", "g", "drops", "capsule"]


def _date_edit(day: date, name: str) -> QDateEdit:
    edit = QDateEdit(objectName=name)
    edit.setDisplayFormat("yyyy-MM-dd")
    edit.setCalendarPopup(True)
    edit.setDate(QDate(day.year, day.month, day.day))
    return edit


def _interval_combo(current: float | None = 7.0) -> QComboBox:
    combo = QComboBox(objectName="interval")
    for label, days in INTERVAL_CHOICES:
        combo.addItem(label, days)
    index = next((i for i, (_, d) in enumerate(INTERVAL_CHOICES) if d == current), 0)
    combo.setCurrentIndex(index)
    return combo


def _parse_dose(text: str) -> float | None:
    text = text.strip().replace(",", ".")
    if not text:
        return None
    return float(text)


def _buttons(dialog: QDialog, on_ok) -> QDialogButtonBox:
    box = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
    box.accepted.connect(on_ok)
    box.rejected.connect(dialog.reject)
    return box


class AddRegimenItemDialog(QDialog):
    """Add a hormone drug, medication or supplement to a patient's regimen."""

    def __init__(self, service, patient_id: int, parent=None):
        super().__init__(parent)
        self._service = service
        self._patient_id = patient_id
        self.saved_item: RegimenItem | None = None
        self.setWindowTitle("Add to regimen")
        self.setMinimumWidth(520)

        self.substance = QComboBox(objectName="substance")
        self.substance.setEditable(True)
        self._choices = service.substance_choices()
        for choice in self._choices:
            self.substance.addItem(choice.label, choice.key)
        self.substance.setCurrentIndex(-1)
        self.substance.currentIndexChanged.connect(self._apply_defaults)
        self.kind = QComboBox(objectName="kind")
        self.kind.addItems(REGIMEN_KINDS)
        self.dose = QLineEdit(objectName="dose")
        self.dose_unit = QComboBox(objectName="dose_unit")
        self.dose_unit.setEditable(True)
        self.dose_unit.addItems(DOSE_UNITS)
        self.route = QComboBox(objectName="route")
        self.route.addItems(ROUTES)
        self.interval = _interval_combo()
        self.start_date = _date_edit(service.today(), "start_date")
        self.note = QLineEdit(objectName="note")

        form = QFormLayout()
        self.errors = FieldErrors()
        self.errors.add_row(form, "Substance", "substance", self.substance)
        self.errors.add_row(form, "Kind", "kind", self.kind)
        self.errors.add_row(form, "Dose", "dose", self.dose)
        self.errors.add_row(form, "Dose unit", "dose_unit", self.dose_unit)
        self.errors.add_row(form, "Route", "route", self.route)
        self.errors.add_row(form, "Schedule", "interval_days", self.interval)
        self.errors.add_row(form, "Start", "start_date", self.start_date)
        self.errors.add_row(form, "Note", "note", self.note)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(_buttons(self, self.save))

    def _apply_defaults(self, index: int) -> None:
        if not (0 <= index < len(self._choices)):
            return
        choice = self._choices[index]
        self.kind.setCurrentText(choice.kind)
        if choice.route:
            self.route.setCurrentText(choice.route)
        if choice.unit:
            self.dose_unit.setCurrentText(choice.unit)

    def _substance_key(self) -> tuple[str, str]:
        text = self.substance.currentText().strip()
        index = self.substance.findText(text)
        if index >= 0 and self.substance.itemData(index):
            return self.substance.itemData(index), text
        return text.lower().replace(" ", "_"), text

    def save(self) -> None:
        try:
            dose = _parse_dose(self.dose.text())
        except ValueError:
            self.errors.show({"dose": "Enter the dose as a number, e.g. 100 or 0.5."})
            return
        key, label = self._substance_key()
        item = RegimenItem(
            id=None,
            patient_id=self._patient_id,
            kind=self.kind.currentText(),
            substance=key,
            display_name=label,
            dose=dose,
            dose_unit=self.dose_unit.currentText().strip(),
            route=self.route.currentText(),
            interval_days=self.interval.currentData(),
            start_date=self.start_date.date().toPython(),
            note=self.note.text().strip(),
        )
        try:
            self.saved_item = self._service.add_regimen_item(item)
        except ValidationError as exc:
            self.errors.show(exc.errors)
            return
        self.accept()


class ChangeDoseDialog(QDialog):
    """A new dose from a date: the current row ends, a new one starts."""

    def __init__(self, service, item: RegimenItem, parent=None):
        super().__init__(parent)
        self._service = service
        self._item = item
        self.new_item: RegimenItem | None = None
        # The label the regimen table shows ("Testosterone cypionate"), not the raw key.
        self.setWindowTitle(f"Change dose: {service.substance_label(item)}")
        self.setMinimumWidth(460)  # room for the title and a message on two lines, not four
        self.current = QLabel(f"Current: {dose_text(item)} since {item.start_date.isoformat()}")
        self.dose = QLineEdit(objectName="dose")
        self.dose.setText(f"{item.dose:g}" if item.dose is not None else "")
        self.dose_unit = QComboBox(objectName="dose_unit")
        self.dose_unit.setEditable(True)
        self.dose_unit.addItems(DOSE_UNITS)
        self.dose_unit.setCurrentText(item.dose_unit)
        self.interval = _interval_combo(item.interval_days)
        self.effective = _date_edit(service.today(), "effective")
        self.note = QLineEdit(objectName="note")
        form = QFormLayout()
        form.addRow(self.current)
        self.errors = FieldErrors()
        self.errors.add_row(form, "New dose", "dose", self.dose)
        self.errors.add_row(form, "Dose unit", "dose_unit", self.dose_unit)
        self.errors.add_row(form, "Schedule", "interval_days", self.interval)
        self.errors.add_row(form, "Effective", "effective", self.effective)
        self.errors.add_row(form, "Note", "note", self.note)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(_buttons(self, self.save))

    def save(self) -> None:
        try:
            dose = _parse_dose(self.dose.text())
        except ValueError:
            dose = None
        if dose is None:
            self.errors.show({"dose": "Enter the new dose as a number."})
            return
        change = DoseChange(
            item_id=self._item.id,
            dose=dose,
            dose_unit=self.dose_unit.currentText().strip(),
            interval_days=self.interval.currentData(),
            effective=self.effective.date().toPython(),
            note=self.note.text().strip(),
        )
        try:
            self.new_item = self._service.change_dose(change)
        except ValidationError as exc:
            self.errors.show(exc.errors)
            return
        self.accept()


class StopItemDialog(QDialog):
    """Stop a regimen item on a date, with a reason kept in the history."""

    def __init__(self, service, item: RegimenItem, parent=None):
        super().__init__(parent)
        self._service = service
        self._item = item
        label = service.substance_label(item)
        self.setWindowTitle(f"Stop: {label}")
        self.setMinimumWidth(460)
        self.stop_date = _date_edit(service.today(), "stop_date")
        self.reason = QLineEdit(objectName="reason")
        self.reason.setPlaceholderText("e.g. side effects, patient choice")
        form = QFormLayout()
        form.addRow(QLabel(f"{label}: {dose_text(item)} since {item.start_date.isoformat()}"))
        self.errors = FieldErrors()
        self.errors.add_row(form, "Stop on", "stop_date", self.stop_date)
        self.errors.add_row(form, "Reason", "reason", self.reason)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(_buttons(self, self.save))

    def save(self) -> None:
        try:
            self._service.stop_regimen_item(
                self._item.id, self.stop_date.date().toPython(), self.reason.text().strip()
            )
        except ValidationError as exc:
            self.errors.show(exc.errors)
            return
        self.accept()
