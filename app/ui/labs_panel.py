"""The Results tab: every result of the patient, newest first, and manual entry.

Double-clicking a row opens the result's record (history, Exclude…, Correct…).

Columns are sized to their contents when a patient's results are first shown, from
the visible rows and a sample of the rest, not on every show or edit: a header in ResizeToContents mode
measured every cell of a long history (1,600 results) each time the tab came back.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.ui.lab_entry_dialog import LabEntryDialog
from app.ui.observation_table_model import ObservationTableModel
from app.ui.result_record_dialog import ResultRecordDialog

# Rows, besides the visible ones, whose cells size the columns.
SIZE_SAMPLE_ROWS = 200


class LabsPanel(QWidget):
    changed = Signal()

    def __init__(self, service, parent=None):
        super().__init__(parent)
        self._service = service
        self._patient_id: int | None = None
        self.model = ObservationTableModel(
            service.analyte_label, service.unit_label, self, format_value=service.format_value
        )
        self.table = QTableView(objectName="results_table")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.Interactive)
        header.setResizeContentsPrecision(SIZE_SAMPLE_ROWS)
        header.setStretchLastSection(True)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(24)
        self.add_button = QPushButton("Add result…", objectName="add_result")
        self.count = QLabel()
        self.count.setStyleSheet("color: #666;")
        top = QHBoxLayout()
        top.addWidget(self.add_button)
        top.addStretch(1)
        top.addWidget(self.count)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table)
        self.add_button.clicked.connect(self.add_result)
        self.table.doubleClicked.connect(lambda index: self.open_row(index.row()))
        self.record_dialog: ResultRecordDialog | None = None

    def show_patient(self, patient_id: int | None) -> None:
        self._patient_id = patient_id
        self.refresh()
        self.table.resizeColumnsToContents()  # once per patient: an edit keeps the widths

    def refresh(self) -> None:
        rows = self._service.result_lines(self._patient_id) if self._patient_id else []
        self.model.set_rows(rows)
        self.count.setText(f"{len(rows)} result{'' if len(rows) == 1 else 's'}")
        self.add_button.setEnabled(
            self._patient_id is not None and self._service.can("result.write")
        )

    def add_result(self) -> None:
        if self._patient_id is None:
            return
        dialog = LabEntryDialog(self._service, self._patient_id, self)
        if dialog.exec():
            self.refresh()
            self.changed.emit()

    def open_row(self, row: int) -> ResultRecordDialog | None:
        if not 0 <= row < self.model.rowCount():
            return None
        return self.open_record(self.model.observation_at(row).id)

    def open_record(self, observation_id: int) -> ResultRecordDialog:
        """Show a result's record; a correction or exclusion refreshes the table."""
        dialog = ResultRecordDialog(self._service, observation_id, self)
        dialog.setAttribute(Qt.WA_DeleteOnClose)
        dialog.changed.connect(self._record_changed)
        self.record_dialog = dialog
        dialog.open()
        return dialog

    def _record_changed(self, _observation_id: int) -> None:
        self.refresh()
        self.changed.emit()
