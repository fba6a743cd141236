"""Create or edit a patient; errors appear beside their fields and nothing is saved.

The date of birth starts empty and must be typed (``YYYY-MM-DD``), as the sex field
starts at "— choose —": a prefilled date saved unnoticed became a wrong birth date.
"""

from __future__ import annotations

import re
from datetime import date

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QVBoxLayout,
)

from app.core.models import SEX_AT_BIRTH, Patient
from app.core.validation import ValidationError
from app.ui.form_errors import FieldErrors

_DATE = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})|(\d{4})(\d{2})(\d{2})")
DOB_MISSING = "Enter the date of birth (YYYY-MM-DD)."
DOB_UNREADABLE = "Write the date of birth as YYYY-MM-DD, e.g. 1975-06-14."


class BirthDateEdit(QLineEdit):
    """A date typed as ``YYYY-MM-DD`` (or ``YYYYMMDD``) that starts empty, not at a guess."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.setPlaceholderText("YYYY-MM-DD")

    def setDate(self, value: QDate | date | None) -> None:  # noqa: N802 (QDateEdit's name)
        """Show ``value`` (``None`` empties the field)."""
        if isinstance(value, QDate):
            value = value.toPython() if value.isValid() else None
        self.setText(value.isoformat() if value else "")

    def birth_date(self) -> tuple[date | None, str]:
        """The typed date, or ``(None, why not)`` when it is empty or not a date."""
        text = self.text().strip()
        if not text:
            return None, DOB_MISSING
        match = _DATE.fullmatch(text)
        if match is None:
            return None, DOB_UNREADABLE
        year, month, day = (int(g) for g in match.groups() if g is not None)
        try:
            return date(year, month, day), ""
        except ValueError:
            return None, DOB_UNREADABLE


class PatientFormDialog(QDialog):
    """The patient form. ``saved_patient`` holds the result after ``accept()``."""

    def __init__(self, service, patient: Patient | None = None, parent=None):
        super().__init__(parent)
        self._service = service
        self._original = patient
        self.saved_patient: Patient | None = None
        self.namesake_box: QMessageBox | None = None  # the "same patient?" question, if asked
        self.setWindowTitle("Edit patient" if patient else "New patient")
        self.setMinimumWidth(560)

        self.mrn = QLineEdit(objectName="mrn")
        self.family_name = QLineEdit(objectName="family_name")
        self.given_name = QLineEdit(objectName="given_name")
        self.date_of_birth = BirthDateEdit(objectName="date_of_birth")
        self.sex_at_birth = QComboBox(objectName="sex_at_birth")
        self.sex_at_birth.addItem("— choose —", "")
        for value in SEX_AT_BIRTH:
            self.sex_at_birth.addItem(value, value)
        self.gender_identity = QLineEdit(objectName="gender_identity")
        self.gender_identity.setPlaceholderText("optional")
        self.phone = QLineEdit(objectName="phone")
        self.email = QLineEdit(objectName="email")
        self.address = QLineEdit(objectName="address")
        self.notes = QPlainTextEdit(objectName="notes")
        self.notes.setFixedHeight(70)

        form = QFormLayout()
        self.errors = FieldErrors()
        self.errors.add_row(form, "MRN", "mrn", self.mrn)
        self.errors.add_row(form, "Family name", "family_name", self.family_name)
        self.errors.add_row(form, "Given name", "given_name", self.given_name)
        self.errors.add_row(form, "Date of birth", "date_of_birth", self.date_of_birth)
        self.errors.add_row(form, "Sex assigned at birth", "sex_at_birth", self.sex_at_birth)
        self.errors.add_row(form, "Gender identity", "gender_identity", self.gender_identity)
        self.errors.add_row(form, "Phone", "phone", self.phone)
        self.errors.add_row(form, "E-mail", "email", self.email)
        self.errors.add_row(form, "Address", "address", self.address)
        form.addRow("Notes", self.notes)

        self.buttons = QDialogButtonBox(QDialogButtonBox.Save | QDialogButtonBox.Cancel)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.buttons)
        if patient:
            self._fill(patient)

    def _fill(self, patient: Patient) -> None:
        self.mrn.setText(patient.mrn)
        self.family_name.setText(patient.family_name)
        self.given_name.setText(patient.given_name)
        self.date_of_birth.setDate(patient.date_of_birth)
        self.sex_at_birth.setCurrentIndex(max(0, self.sex_at_birth.findData(patient.sex_at_birth)))
        self.gender_identity.setText(patient.gender_identity)
        self.phone.setText(patient.phone)
        self.email.setText(patient.email)
        self.address.setText(patient.address)
        self.notes.setPlainText(patient.notes)

    def patient_from_fields(self, date_of_birth: date) -> Patient:
        """The patient the fields describe, born on ``date_of_birth`` (typed apart)."""
        original = self._original
        return Patient(
            id=original.id if original else None,
            mrn=self.mrn.text(),
            family_name=self.family_name.text(),
            given_name=self.given_name.text(),
            date_of_birth=date_of_birth,
            sex_at_birth=self.sex_at_birth.currentData() or "",
            gender_identity=self.gender_identity.text().strip(),
            phone=self.phone.text().strip(),
            email=self.email.text().strip(),
            address=self.address.text().strip(),
            notes=self.notes.toPlainText().strip(),
            archived=original.archived if original else False,
        )

    def save(self) -> None:
        born, dob_problem = self.date_of_birth.birth_date()
        if born is None:
            # Show every other problem with it, as one save with a date would: the
            # service judges the rest with a stand-in date it never saves.
            stand_in = self._service.today()
            errors = self._service.patient_problems(self.patient_from_fields(stand_in))
            errors["date_of_birth"] = dob_problem
            self.errors.show(errors)
            return
        patient = self.patient_from_fields(born)
        if errors := self._service.patient_problems(patient):
            self.errors.show(errors)
            return
        self.errors.clear()
        if not self._confirm_no_namesake(patient):
            return
        try:
            if patient.id is None:
                self.saved_patient = self._service.create_patient(patient)
            else:
                self.saved_patient = self._service.update_patient(patient)
        except ValidationError as exc:
            self.errors.show(exc.errors)
            return
        self.errors.clear()
        self.accept()

    def _confirm_no_namesake(self, patient: Patient) -> bool:
        """Ask before saving a second patient with this name and birth date (True: save)."""
        same = self._service.namesakes(
            patient.family_name, patient.given_name, patient.date_of_birth, except_id=patient.id
        )
        if not same:
            return True
        mrns = ", ".join(p.mrn + (" (archived)" if p.archived else "") for p in same)
        self.namesake_box = box = QMessageBox(
            QMessageBox.Warning,
            "Same patient?",
            f"A patient with this name and date of birth already exists (MRN {mrns}). Save anyway?",
            QMessageBox.Save | QMessageBox.Cancel,
            self,
        )
        box.setObjectName("namesake_box")
        box.setInformativeText(
            "If this is the same person, cancel and open the existing record: two records "
            "would split their results. Save only if these are two people."
        )
        box.setDefaultButton(QMessageBox.Cancel)
        return box.exec() == QMessageBox.Save
