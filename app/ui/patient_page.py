"""One patient's header, actions and tabs: the page ``PatientView`` shows once a patient is chosen.

The window opens on the "choose a patient" hint, so ``PatientView`` builds this page
(and imports its panels and their dialogs) the first time a patient is shown.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.core.models import Patient
from app.ui.findings_panel import FindingsPanel
from app.ui.labs_panel import LabsPanel
from app.ui.lazy_tab import LazyTab
from app.ui.regimen_panel import RegimenPanel


class PatientPage(QWidget):
    """The header (name, details, Edit and Archive) above the patient's tabs."""

    def __init__(self, service, findings_service, parent=None):
        super().__init__(parent)
        self._service = service
        self._findings_service = findings_service
        self._patient_id: int | None = None

        self.title = QLabel(objectName="patient_title")
        self.title.setStyleSheet("font-size: 18px; font-weight: 600;")
        self.details = QLabel(objectName="patient_details")
        self.details.setStyleSheet("color: #444;")
        self.edit_button = QPushButton("Edit…", objectName="edit_patient")
        self.archive_button = QPushButton("Archive", objectName="archive_patient")
        header = QHBoxLayout()
        names = QVBoxLayout()
        names.addWidget(self.title)
        names.addWidget(self.details)
        header.addLayout(names, 1)
        header.addWidget(self.edit_button)
        header.addWidget(self.archive_button)

        self.tabs = QTabWidget(objectName="patient_tabs")
        # An assistant keeps demographics and imports; clinical tabs need clinical.read.
        # Their panels are built only for a role that sees them: built and left out of
        # the tabs, their buttons and scrollbars painted over the patient's name.
        self.regimen: RegimenPanel | None = None
        self.labs: LabsPanel | None = None
        self.findings: FindingsPanel | None = None
        self.trends_page: LazyTab | None = None
        self.reports_page: LazyTab | None = None
        self._clinical = service.can("clinical.read")
        if self._clinical:
            self._build_clinical_tabs()
        else:
            note = QLabel("Your role shows demographics only; clinical records need a clinician.")
            note.setWordWrap(True)
            self.tabs.addTab(note, "Clinical")
        self.edit_button.setEnabled(service.can("patient.write"))
        self.archive_button.setEnabled(service.can("patient.write"))

        layout = QVBoxLayout(self)
        layout.addLayout(header)
        layout.addWidget(self.tabs)

        # Opening a patient fills only the tab on screen; the others fill when shown.
        self._showing: dict[QWidget, int | None] = {}
        self.tabs.currentChanged.connect(lambda _index: self._fill_current())

    def _build_clinical_tabs(self) -> None:
        """Build the clinical tabs and wire how a change in one reaches the others."""
        service = self._service
        self.regimen = RegimenPanel(service, self)
        self.labs = LabsPanel(service, self)
        self.findings = FindingsPanel(service, self._findings_service, self)
        self.trends_page = LazyTab(self._build_trends)
        self.reports_page = LazyTab(self._build_reports)
        self.tabs.addTab(self.findings, "Findings")
        self.tabs.addTab(self.trends_page, "Trends")
        self.tabs.addTab(self.regimen, "Regimen")
        self.tabs.addTab(self.labs, "Results")
        self.tabs.addTab(self.reports_page, "Reports")

        # A new dose or result changes what the findings say, and a dose the chart's
        # protocol lane.
        self.regimen.changed.connect(lambda: self._refresh(self.findings))
        self.regimen.changed.connect(lambda: self._refresh(self.trends_page))
        self.labs.changed.connect(lambda: self._refresh(self.findings))
        # A result corrected or excluded in one view redraws the other.
        self.labs.changed.connect(self._results_changed_for_trends)
        # The Reports tab offers the findings to explain in a handout: any of these
        # changes which findings there are.
        for changed in (self.regimen.changed, self.labs.changed, self.findings.changed):
            changed.connect(self._refresh_report_findings)

    def show_patient(self, patient: Patient | None) -> None:
        """Show ``patient`` (or no one) in the header and the tab on screen."""
        self._patient_id = patient.id if patient else None
        if patient:
            self._fill_header(patient)
        self._showing.clear()
        self._fill_current()

    @property
    def trends(self):
        """The Trends tab's panel (built on first use: its chart imports pyqtgraph)."""
        return self.trends_page.panel()

    @property
    def reports(self):
        """The Reports tab's panel (built on first use: it imports the PDF writer's data)."""
        return self.reports_page.panel()

    def _results_changed_for_trends(self) -> None:
        """A result added or corrected elsewhere: the chart's checklist and lanes follow."""
        page = self.trends_page
        if (
            page.is_built
            and self._patient_id is not None
            and self._showing.get(page.panel()) == self._patient_id
        ):
            page.panel().results_changed()

    def _build_reports(self, parent: QWidget) -> QWidget:
        from app.ui.reports_panel import ReportsPanel

        return ReportsPanel(self._service, self._findings_service, parent)

    def _build_trends(self, parent: QWidget) -> QWidget:
        from app.ui.trends_panel import TrendsPanel

        panel = TrendsPanel(self._service, parent)
        panel.changed.connect(lambda: self._refresh(self.labs))
        panel.changed.connect(lambda: self._refresh(self.findings))
        panel.changed.connect(self._refresh_report_findings)
        return panel

    def _fill_current(self) -> None:
        """Show the patient in the current tab unless it already shows them."""
        page = self.tabs.currentWidget()
        if not self._clinical or page not in (
            self.findings,
            self.trends_page,
            self.regimen,
            self.labs,
            self.reports_page,
        ):
            return
        panel = page.panel() if isinstance(page, LazyTab) else page
        if self._showing.get(panel, -1) != self._patient_id:
            panel.show_patient(self._patient_id)
            self._showing[panel] = self._patient_id

    def _refresh(self, page) -> None:
        """Redraw a tab that shows this patient; one not yet filled fills when shown."""
        if isinstance(page, LazyTab):
            if not page.is_built:
                return
            page = page.panel()
        if self._patient_id is not None and self._showing.get(page) == self._patient_id:
            page.refresh()

    def _refresh_report_findings(self) -> None:
        """Re-list the Reports tab's findings if it shows this patient (else it fills when shown)."""
        page = self.reports_page  # an assistant has no Reports tab
        if page is None or not page.is_built:
            return
        panel = page.panel()
        if self._patient_id is not None and self._showing.get(panel) == self._patient_id:
            panel.refresh_findings()

    def _fill_header(self, patient: Patient) -> None:
        age = patient.age_on(self._service.today())
        archived = "  ·  ARCHIVED" if patient.archived else ""
        self.title.setText(f"{patient.display_name}{archived}")
        identity = (
            f"  ·  gender identity: {patient.gender_identity}" if patient.gender_identity else ""
        )
        self.details.setText(
            f"MRN {patient.mrn}  ·  born {patient.date_of_birth.isoformat()} ({age} y)  ·  "
            f"sex at birth: {patient.sex_at_birth}{identity}"
        )
        self.archive_button.setText("Unarchive" if patient.archived else "Archive")
