"""Enter one result by hand: analyte, value (``<0.5`` accepted), unit, date, lab."""

from __future__ import annotations

from datetime import datetime, time

from PySide6.QtCore import QDateTime, QStringListModel, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QVBoxLayout,
)

from app.core.validation import ValidationError
from app.ui.form_errors import FieldErrors


class LabEntryDialog(QDialog):
    def __init__(self, service, patient_id: int, parent=None):
        super().__init__(parent)
        self._service = service
        self._patient_id = patient_id
        self.saved = None
        self.setWindowTitle("Add a result")
        self.setMinimumWidth(560)
        self._choices = service.analyte_choices()

        self.analyte = QComboBox(objectName="analyte")
        self.analyte.setEditable(True)
        self.analyte.setInsertPolicy(QComboBox.NoInsert)
        for choice in self._choices:
            self.analyte.addItem(choice.label, choice.key)
        # The list offered while typing holds every analyte whose names contain the typed
        # words in any order ("total testo" finds "Testosterone, total"; "vit d" too).
        self._offered = QStringListModel([c.label for c in self._choices], self)
        completer = QCompleter(self._offered, self)
        completer.setCaseSensitivity(Qt.CaseInsensitive)
        completer.setCompletionMode(QCompleter.UnfilteredPopupCompletion)
        self.analyte.setCompleter(completer)
        self.analyte.lineEdit().textEdited.connect(self._offer)
        self.analyte.setCurrentIndex(-1)
        self._units_for = ""
        self.analyte.currentTextChanged.connect(self._fill_units)
        self.value = QLineEdit(objectName="value")
        self.value.setPlaceholderText("e.g. 612, <0.5, >1500, QNS")
        self.unit = QComboBox(objectName="unit")
        self.unit.setEditable(True)
        self.collected_at = QDateTimeEdit(objectName="collected_at")
        self.collected_at.setDisplayFormat("yyyy-MM-dd HH:mm")
        self.collected_at.setCalendarPopup(True)
        now = datetime.combine(service.today(), time(8, 0))
        self.collected_at.setDateTime(QDateTime(now))
        self.lab = QLineEdit(objectName="lab")
        self.note = QLineEdit(objectName="note")

        form = QFormLayout()
        self.errors = FieldErrors()
        self.errors.add_row(form, "Analyte", "analyte", self.analyte)
        self.errors.add_row(form, "Result", "value", self.value)
        self.errors.add_row(form, "Unit", "unit", self.unit)
        self.errors.add_row(form, "Collected", "collected_at", self.collected_at)
        self.errors.add_row(form, "Lab", "lab", self.lab)
        self.errors.add_row(form, "Note", "note", self.note)
        buttons = QDialogButtonBox(QDialogButtonBox.Save | QDialogButtonBox.Cancel)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(buttons)

    def _fill_units(self, _text: str = "") -> None:
        """Offer the units of the analyte named so far (chosen, or typed in words)."""
        key = self._analyte_key()
        if key == self._units_for:
            return
        self._units_for = key
        self.unit.clear()
        choice = next((c for c in self._choices if c.key == key), None)
        if choice is not None:
            self.unit.addItems(choice.units)

    def _offer(self, typed: str) -> None:
        found = [c.label for c in self._choices if c.matches(typed)] if typed.strip() else []
        self._offered.setStringList(found or [c.label for c in self._choices])

    def _analyte_key(self) -> str:
        """The analyte named: its label exactly, else the one analyte the words fit."""
        typed = self.analyte.currentText().strip()
        index = self.analyte.findText(typed, Qt.MatchFixedString)
        if index >= 0:
            return self.analyte.itemData(index)
        fits = [c for c in self._choices if c.matches(typed)]
        return fits[0].key if len(fits) == 1 else ""

    def save(self) -> None:
        typed = self.analyte.currentText().strip()
        if typed and not self._analyte_key():
            fits = [c.label for c in self._choices if c.matches(typed)]
            self.errors.show(
                {
                    "analyte": (
                        f"'{typed}' fits {len(fits)} analytes ({', '.join(fits[:3])}"
                        f"{', …' if len(fits) > 3 else ''}): choose one from the list."
                        if fits
                        else f"No analyte is called '{typed}': choose one from the list."
                    )
                }
            )
            return
        try:
            self.saved = self._service.record_result(
                self._patient_id,
                self._analyte_key(),
                self.value.text(),
                self.unit.currentText(),
                self.collected_at.dateTime().toPython(),
                lab=self.lab.text(),
                note=self.note.text(),
            )
        except ValidationError as exc:
            self.errors.show(exc.errors)
            return
        self.accept()
