"""File > Import patient list: choose a CSV, see what it would add and refuse, then add it.

The preview lists every new patient and every row that will not be added, with its
line and reason, before anything is written; the add is one transaction
(``PatientListImporter``). A list whose birth dates read both ways asks for the
order first.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from app.core.labfiles import FileRejected, NeedsDateOrder
from app.services.patient_list_import import (
    PatientListChanged,
    PatientListImporter,
    PatientListPreview,
)

COLUMNS = ("Line", "MRN", "Patient", "Born", "Sex", "Outcome")
_DATE_ORDERS = (
    ("", "Decide from the file"),
    ("dmy", "Day first (31/12/1970)"),
    ("mdy", "Month first (12/31/1970)"),
)


class PatientListDialog(QDialog):
    """Preview and import one patient list."""

    added = Signal(int)  # how many patients were added

    def __init__(self, service, path: str | None = None, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Import patient list")
        self.resize(900, 560)
        self._importer = PatientListImporter(service)
        self.preview: PatientListPreview | None = None
        self.path: Path | None = Path(path) if path else None

        intro = QLabel(
            "A CSV list of patients exported from another system: one patient a row, "
            "with columns for the MRN or patient id, family and given name (or one name "
            "column), date of birth and sex. Patients already here are left as they are; "
            "nothing is added until you press Add."
        )
        intro.setWordWrap(True)
        self.choose_button = QPushButton("Choose file…", objectName="choose_list")
        self.file_label = QLabel("No file chosen.", objectName="list_file")
        self.date_order = QComboBox(objectName="list_date_order")
        for value, label in _DATE_ORDERS:
            self.date_order.addItem(label, value)
        self.summary = QLabel(objectName="list_summary")
        self.summary.setWordWrap(True)
        self.table = QTableWidget(0, len(COLUMNS), objectName="list_rows")
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.Cancel)
        self.add_button = self.buttons.addButton("Add", QDialogButtonBox.AcceptRole)
        self.add_button.setObjectName("add_patients")
        self.add_button.setEnabled(False)

        chooser = QHBoxLayout()
        chooser.addWidget(self.choose_button)
        chooser.addWidget(self.file_label, 1)
        chooser.addWidget(QLabel("Dates:"))
        chooser.addWidget(self.date_order)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(chooser)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.buttons)

        self.choose_button.clicked.connect(self.choose_file)
        self.date_order.currentIndexChanged.connect(self.read_file)
        self.buttons.rejected.connect(self.reject)
        self.add_button.clicked.connect(self.add_patients)

    def choose_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Patient list", "", "CSV files (*.csv *.txt);;All files (*)"
        )
        if path:
            self.path = Path(path)
            self.read_file()

    def read_file(self) -> None:
        """Preview the chosen file (nothing is written)."""
        self.preview = None
        self.table.setRowCount(0)
        self.add_button.setEnabled(False)
        if self.path is None:
            return
        self.file_label.setText(str(self.path))
        try:
            preview = self._importer.preview(self.path, self.date_order.currentData() or None)
        except NeedsDateOrder as exc:
            self.summary.setText(f"{exc} Choose it under Dates.")
            return
        except FileRejected as exc:
            self.summary.setText(f"Nothing can be added from this file. {exc}")
            return
        self.preview = preview
        self._fill(preview)
        self.add_button.setText(f"Add {len(preview.new)} patients")
        self.add_button.setEnabled(bool(preview.new))

    def _fill(self, preview: PatientListPreview) -> None:
        self.summary.setText(preview.summary[:1].upper() + preview.summary[1:] + ".")
        rows = [_cells(p, _new_text(p)) for p in preview.new]
        rows += [_cells(p, f"Not added: {why}") for p, why in preview.refused]
        rows += [
            (p.line, "", "", "", "", f"Not read ({p.column}): {p.reason}")
            for p in preview.listing.problems
        ]
        rows += [_cells(p, "Already in the clinic") for p in preview.already]
        rows.sort(key=lambda r: r[0])
        self.table.setRowCount(len(rows))
        for row, cells in enumerate(rows):
            for column, text in enumerate(cells):
                self.table.setItem(row, column, QTableWidgetItem(str(text)))

    def add_patients(self) -> None:
        if self.preview is None:
            return
        try:
            added = self._importer.add(self.preview)
        except PatientListChanged as exc:
            self.summary.setText(str(exc))
            self.add_button.setEnabled(False)
            return
        self.added.emit(len(added))
        self.accept()


def _cells(listed, outcome: str) -> tuple:  # noqa: ANN001 - a ListedPatient
    name = f"{listed.family_name}, {listed.given_name}"
    born = listed.date_of_birth.isoformat()
    return (listed.line, listed.mrn, name, born, listed.sex_at_birth, outcome)


def _new_text(listed) -> str:  # noqa: ANN001 - a ListedPatient
    if listed.date_of_death:
        return f"New (archived: date of death {listed.date_of_death})"
    return "New"
