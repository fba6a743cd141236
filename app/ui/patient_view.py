"""The right-hand side: one patient's header, actions and tabs, or a hint when none is chosen."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QLabel, QMessageBox, QStackedWidget, QVBoxLayout, QWidget

from app.core.models import Patient

if TYPE_CHECKING:
    from app.ui.patient_page import PatientPage


def _page_part(name: str) -> property:
    """A part of the patient page (header widget, tab or panel); asking for it builds the page."""
    return property(lambda self: getattr(self.page, name), doc=f"The patient page's ``{name}``.")


class PatientView(QWidget):
    """Shows the chosen patient, or a hint when none is chosen.

    The window opens on the hint, so the patient page (its panels, their dialogs and
    imports) is built the first time a patient is shown, or a part of it is asked for.
    """

    patient_changed = Signal(int)

    def __init__(self, service, findings_service, parent=None):
        super().__init__(parent)
        self._service = service
        self._findings_service = findings_service
        self.patient: Patient | None = None
        self._page: PatientPage | None = None

        self._empty = QLabel(
            "Choose a patient on the left, or create one with File ▸ New patient (Ctrl+N)."
        )
        self._empty.setStyleSheet("color: #666; font-size: 14px;")
        self._empty.setWordWrap(True)
        self.stack = QStackedWidget()
        self.stack.addWidget(self._empty)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.stack)

    @property
    def page(self) -> PatientPage:
        """The patient's header and tabs, built on first use."""
        if self._page is None:
            from app.ui.patient_page import PatientPage

            page = PatientPage(self._service, self._findings_service)
            page.edit_button.clicked.connect(self.edit_patient)
            page.archive_button.clicked.connect(self.toggle_archived)
            self.stack.addWidget(page)
            self._page = page
        return self._page

    title = _page_part("title")
    details = _page_part("details")
    edit_button = _page_part("edit_button")
    archive_button = _page_part("archive_button")
    tabs = _page_part("tabs")
    findings = _page_part("findings")
    regimen = _page_part("regimen")
    labs = _page_part("labs")
    trends_page = _page_part("trends_page")
    reports_page = _page_part("reports_page")
    trends = _page_part("trends")  # the Trends panel (built when its tab is first shown)
    reports = _page_part("reports")  # the Reports panel (likewise)

    def show_patient(self, patient_id: int | None) -> None:
        self.patient = self._service.open_chart(patient_id) if patient_id else None
        if self.patient is None and self._page is None:
            return  # the hint is on screen and there is no page to clear
        self.stack.setCurrentWidget(self.page if self.patient else self._empty)
        self.page.show_patient(self.patient)

    def edit_patient(self) -> None:
        if not self.patient:
            return
        from app.ui.patient_form import PatientFormDialog

        dialog = PatientFormDialog(self._service, self.patient, self)
        if dialog.exec():
            self.show_patient(self.patient.id)
            self.patient_changed.emit(self.patient.id)

    def toggle_archived(self) -> None:
        if not self.patient:
            return
        archiving = not self.patient.archived
        if archiving:
            answer = QMessageBox.question(
                self,
                "Archive patient",
                f"Archive {self.patient.display_name}? Their records are kept and the patient "
                "can be unarchived; archived patients are hidden from the list by default.",
            )
            if answer != QMessageBox.Yes:
                return
        self._service.archive_patient(self.patient.id, archiving)
        self.show_patient(self.patient.id)
        self.patient_changed.emit(self.patient.id)
