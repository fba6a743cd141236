"""The Reports tab: generate a clinician summary or a patient handout, and the archive.

Generating runs in the background (``run_task``). Archived reports are opened,
printed and saved from their archived bytes, so what leaves the clinic is what
was archived. Qt's PDF module is not available, so the app cannot draw PDF pages
itself: Open hands a copy to the system PDF viewer, and Print… sends that copy
to the printer chosen in the print dialog through the system print spooler
(CUPS ``lp``) where there is one, else opens it in the viewer to print from there.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.core.validation import ValidationError
from app.services.findings import FindingsService
from app.services.reports import EMPTY_HANDOUT, ReportService, handout_has_content
from app.ui.tasks import run_task

KIND_LABELS = {"summary": "Clinician summary", "handout": "Patient handout"}
ARCHIVE_COLUMNS = ("Date", "Kind", "User", "SHA-256")
REPORT_GENERATE = "report.generate"  # the permission (app.security.roles)


class ReportsPanel(QWidget):
    """Generate and reprint one patient's reports."""

    generated = Signal(int)  # report id

    def __init__(self, service, findings_service: FindingsService | None = None, parent=None):
        super().__init__(parent)
        self._service = service
        self._findings = findings_service or FindingsService(service)
        self._reports = ReportService(service)
        self.patient_id: int | None = None
        self.task = None
        self.allowed = service.can(REPORT_GENERATE)

        self.summary_choice = QRadioButton("Clinician summary", objectName="report_summary")
        self.handout_choice = QRadioButton("Patient handout", objectName="report_handout")
        self.summary_choice.setChecked(True)
        self.summary_choice.setToolTip(
            "For the chart or a colleague: findings with their evidence and sources, "
            "lab trends and the regimen."
        )
        self.handout_choice.setToolTip(
            "For the patient: the findings you tick, in plain language, with your note."
        )
        self._kinds = QButtonGroup(self)
        self._kinds.addButton(self.summary_choice)
        self._kinds.addButton(self.handout_choice)

        self.findings_list = QListWidget(objectName="handout_findings")
        self.note = QPlainTextEdit(objectName="handout_note")
        self.note.setPlaceholderText("A note to the patient (printed as written)")
        self.discuss = QPlainTextEdit(objectName="handout_discuss")
        self.discuss.setPlaceholderText("One line per topic to discuss at the next visit")
        self.handout_box = QGroupBox("Handout")
        handout = QVBoxLayout(self.handout_box)
        handout.addWidget(QLabel("Findings to explain to the patient:"))
        handout.addWidget(self.findings_list, 2)
        handout.addWidget(QLabel("Note:"))
        handout.addWidget(self.note, 1)
        handout.addWidget(QLabel("Discuss next visit:"))
        handout.addWidget(self.discuss, 1)
        self.handout_box.setVisible(False)

        self.generate_button = QPushButton("Generate", objectName="generate_report")
        self.progress = QProgressBar(objectName="report_progress")
        self.progress.setRange(0, 0)
        self.progress.setMaximumWidth(160)
        self.progress.hide()
        self.status = QLabel(objectName="report_status")
        self.status.setWordWrap(True)

        self.archive_table = QTableWidget(0, len(ARCHIVE_COLUMNS), objectName="report_archive")
        self.archive_table.setHorizontalHeaderLabels(ARCHIVE_COLUMNS)
        self.archive_table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.archive_table.setSelectionMode(QAbstractItemView.SingleSelection)
        self.archive_table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.archive_table.verticalHeader().hide()
        self.archive_table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeToContents)
        self.archive_table.horizontalHeader().setStretchLastSection(True)
        self.archive_empty = QLabel(
            "No reports for this patient yet. Choose a kind and press Generate; every "
            "report is kept here, unchanged, to open, print or save again.",
            objectName="archive_empty",
        )
        self.archive_empty.setWordWrap(True)
        self.archive_empty.hide()
        self.open_button = QPushButton("Open", objectName="open_report")
        self.print_button = QPushButton("Print…", objectName="print_report")
        self.print_button.setToolTip(
            "Sends the archived PDF to the printer you choose through the system print "
            "spooler; without one, opens it in your PDF viewer to print from there."
        )
        self.save_button = QPushButton("Save as…", objectName="save_report")

        kinds = QHBoxLayout()
        kinds.addWidget(self.summary_choice)
        kinds.addWidget(self.handout_choice)
        kinds.addStretch(1)
        kinds.addWidget(self.progress)
        kinds.addWidget(self.generate_button)
        actions = QHBoxLayout()
        actions.addWidget(QLabel("Archive"))
        actions.addStretch(1)
        for button in (self.open_button, self.print_button, self.save_button):
            actions.addWidget(button)
        self.denied = QLabel(
            "Your role cannot create or reprint reports; ask a clinician.", objectName="denied"
        )
        self.denied.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.denied)
        layout.addLayout(kinds)
        layout.addWidget(self.handout_box, 2)
        layout.addWidget(self.status)
        layout.addLayout(actions)
        layout.addWidget(self.archive_empty)
        layout.addWidget(self.archive_table, 3)

        self.handout_choice.toggled.connect(self.handout_box.setVisible)
        self.generate_button.clicked.connect(self.generate)
        self.open_button.clicked.connect(self.open_selected)
        self.print_button.clicked.connect(self.print_selected)
        self.save_button.clicked.connect(self.save_selected)
        self.archive_table.itemSelectionChanged.connect(self._update_buttons)
        self.denied.setVisible(not self.allowed)
        for widget in (self.summary_choice, self.handout_choice, self.handout_box):
            widget.setEnabled(self.allowed)
        self._update_buttons()

    # -- patient ------------------------------------------------------------------

    def show_patient(self, patient_id: int | None) -> None:
        self.patient_id = patient_id
        self.status.clear()
        self.note.clear()
        self.discuss.clear()
        self._fill_findings()
        self.refresh()

    def refresh(self) -> None:
        """Reload the archive list (newest first)."""
        self.archive_table.setRowCount(0)
        self.archive_empty.hide()
        if self.patient_id is None or not self.allowed:
            self._update_buttons()
            return
        records = self._reports.archive(self.patient_id)
        self.archive_empty.setVisible(not records)
        self.archive_table.setRowCount(len(records))
        for row, record in enumerate(records):
            cells = (
                record.created_at.strftime("%Y-%m-%d %H:%M"),
                KIND_LABELS.get(record.kind, record.kind),
                record.created_by,
                record.sha256[:12],
            )
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(Qt.UserRole, record.id)
                if column == 3:
                    item.setToolTip(record.sha256)
                self.archive_table.setItem(row, column, item)
        self._update_buttons()

    def refresh_findings(self) -> None:
        """Re-list the findings after the patient's records changed; ticks stay where they can."""
        ticked = set(self.ticked_rule_ids())
        self._fill_findings()
        for i in range(self.findings_list.count()):
            item = self.findings_list.item(i)
            if item.data(Qt.UserRole) in ticked:
                item.setCheckState(Qt.Checked)

    def _fill_findings(self) -> None:
        self.findings_list.clear()
        if self.patient_id is None or not self.allowed:
            return
        evaluation = self._findings.evaluate(self.patient_id, with_checks=False)
        for finding in evaluation.visible:
            item = QListWidgetItem(finding.title)
            item.setFlags(item.flags() | Qt.ItemIsUserCheckable)
            item.setCheckState(Qt.Unchecked)
            item.setData(Qt.UserRole, finding.rule_id)
            item.setToolTip(finding.patient_text)
            self.findings_list.addItem(item)
        if not evaluation.visible:
            placeholder = QListWidgetItem("No findings to explain.")
            placeholder.setFlags(Qt.NoItemFlags)
            self.findings_list.addItem(placeholder)

    # -- generating --------------------------------------------------------------

    @property
    def kind(self) -> str:
        return "handout" if self.handout_choice.isChecked() else "summary"

    def ticked_rule_ids(self) -> list[str]:
        items = (self.findings_list.item(i) for i in range(self.findings_list.count()))
        return [
            item.data(Qt.UserRole)
            for item in items
            if item.data(Qt.UserRole) and item.checkState() == Qt.Checked
        ]

    def generate(self) -> None:
        if self.patient_id is None or not self.allowed or self.task is not None:
            return
        patient_id, kind = self.patient_id, self.kind
        options = {}
        if kind == "handout":
            options = dict(
                ticked_rule_ids=self.ticked_rule_ids(),
                clinician_note=self.note.toPlainText(),
                discuss=[line for line in self.discuss.toPlainText().splitlines() if line.strip()],
            )
            if not handout_has_content(
                options["ticked_rule_ids"], options["clinician_note"], options["discuss"]
            ):
                # The service refuses it too (the archive keeps every report for good);
                # asking first spares a background task and says it beside the button.
                self.status.setText(EMPTY_HANDOUT)
                return
        self.generate_button.setEnabled(False)
        self.progress.show()
        self.status.setText(f"Generating the {KIND_LABELS[kind].lower()}…")
        self.task = run_task(
            lambda _task: self._reports.generate(patient_id, kind, **options)[0],
            on_finished=self._generated,
            on_failed=self._failed,
        )

    def _generated(self, report_id: int) -> None:
        self.task = None
        self.progress.hide()
        self.status.setText("Generated and archived.")
        self.refresh()
        self.archive_table.selectRow(0)
        self._update_buttons()
        self.generated.emit(report_id)

    def _failed(self, exc: BaseException) -> None:
        self.task = None
        self.progress.hide()
        if isinstance(exc, ValidationError):
            # The service's own words (a ticked finding may have gone since it was listed).
            self.status.setText(" ".join(exc.errors.values()))
        else:
            self.status.setText(f"The report could not be generated: {exc}")
        self._update_buttons()

    # -- the archive ---------------------------------------------------------------

    def selected_report_id(self) -> int | None:
        rows = self.archive_table.selectionModel().selectedRows()
        if not rows:
            return None
        return self.archive_table.item(rows[0].row(), 0).data(Qt.UserRole)

    def _update_buttons(self) -> None:
        chosen = self.allowed and self.selected_report_id() is not None
        for button in (self.open_button, self.print_button, self.save_button):
            button.setEnabled(chosen)
        self.generate_button.setEnabled(
            self.allowed and self.patient_id is not None and self.task is None
        )

    def open_selected(self) -> Path | None:
        """Write the archived PDF to the clinic's data folder and open the system viewer."""
        report_id = self.selected_report_id()
        if report_id is None:
            return None
        path = self._reports.open_copy(report_id)
        if not QDesktopServices.openUrl(QUrl.fromLocalFile(str(path))):
            self.status.setText(f"No PDF viewer opened; the report is at {path}")
        return path

    def print_selected(self) -> None:
        """Choose a printer, then spool the archived PDF to it (see the module doc)."""
        from PySide6.QtPrintSupport import QPrintDialog, QPrinter

        report_id = self.selected_report_id()
        if report_id is None:
            return
        lp = shutil.which("lp")
        if sys.platform == "win32" or lp is None:
            path = self.open_selected()
            if path is not None:
                self.status.setText("Opened in your PDF viewer: print from there.")
            return
        printer = QPrinter()
        dialog = QPrintDialog(printer, self)
        dialog.setWindowTitle("Print report")
        if dialog.exec() != QPrintDialog.Accepted:
            return
        pdf = self._reports.reprint(report_id)  # audited as a print
        command = [lp, "-n", str(max(printer.copyCount(), 1))]
        if printer.printerName():
            command += ["-d", printer.printerName()]
        try:
            subprocess.run(command, input=pdf, check=True, capture_output=True, timeout=60)
        except (OSError, subprocess.SubprocessError) as exc:
            QMessageBox.warning(self, "Print", f"The printer did not take the report: {exc}")
            return
        self.status.setText(f"Sent to {printer.printerName() or 'the default printer'}.")

    def save_selected(self) -> None:
        report_id = self.selected_report_id()
        if report_id is None:
            return
        target, _ = QFileDialog.getSaveFileName(
            self, "Save report as", f"report-{report_id}.pdf", "PDF (*.pdf)"
        )
        if target:
            self.save_to(report_id, Path(target))

    def save_to(self, report_id: int, path: Path) -> None:
        """Save an archived report (audited as an export)."""
        self._reports.save_copy(report_id, path)
        self.status.setText(f"Saved as {path}")
