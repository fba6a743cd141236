"""Create or edit a patient; errors appear beside their fields and nothing is saved."""

from __future__ import annotations

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
)

from app.core.models import SEX_AT_BIRTH, Patient
from app.core.validation import ValidationError
from app.ui.form_errors import FieldErrors


class PatientFormDialog(QDialog):
    """The patient form. ``saved_patient`` holds the result after ``accept()``."""

    def __init__(self, service, patient: Patient | None = None, parent=None):
        super().__init__(parent)
        self._service = service
        self._original = patient
        self.saved_patient: Patient | None = None
        self.setWindowTitle("Edit patient" if patient else "New patient")
        self.setMinimumWidth(560)

        self.mrn = QLineEdit(objectName="mrn")
        self.family_name = QLineEdit(objectName="family_name")
        self.given_name = QLineEdit(objectName="given_name")
        self.date_of_birth = QDateEdit(objectName="date_of_birth")
        self.date_of_birth.setDisplayFormat("yyyy-MM-dd")
        self.date_of_birth.setCalendarPopup(True)
        self.date_of_birth.setMinimumDate(QDate(1880, 1, 1))
        self.date_of_birth.setMaximumDate(QDate(2200, 12, 31))
        self.date_of_birth.setDate(QDate(1980, 1, 1))
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
        dob = patient.date_of_birth
        self.date_of_birth.setDate(QDate(dob.year, dob.month, dob.day))
        self.sex_at_birth.setCurrentIndex(max(0, self.sex_at_birth.findData(patient.sex_at_birth)))
        self.gender_identity.setText(patient.gender_identity)
        self.phone.setText(patient.phone)
        self.email.setText(patient.email)
        self.address.setText(patient.address)
        self.notes.setPlainText(patient.notes)

    def patient_from_fields(self) -> Patient:
        original = self._original
        return Patient(
            id=original.id if original else None,
            mrn=self.mrn.text(),
            family_name=self.family_name.text(),
            given_name=self.given_name.text(),
            date_of_birth=self.date_of_birth.date().toPython(),
            sex_at_birth=self.sex_at_birth.currentData() or "",
            gender_identity=self.gender_identity.text().strip(),
            phone=self.phone.text().strip(),
            email=self.email.text().strip(),
            address=self.address.text().strip(),
            notes=self.notes.toPlainText().strip(),
            archived=original.archived if original else False,
        )

    def save(self) -> None:
        patient = self.patient_from_fields()
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
