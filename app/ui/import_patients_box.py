"""The import wizard's Patients section: who the file names that the clinic could not match.

Each unmatched file patient (an MRN the clinic does not know, a sample with no patient
identifier...) gets a row with a patient chooser. Nothing is attached by a guess
(issue #4): a row goes to a patient only when the user picks one here, for this import.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

NOT_ASSIGNED = "— not assigned —"
# A combo holds every choice; past this many patients the user narrows by typing a name.
_CHOICES = 2000
# The reason a file patient was not matched is the second line of its cell: as a column
# of its own beside a long file patient (a Synthea id, an MRN with a name) it pushed the
# chooser, the one thing to do here, out of the side panel and out of sight.
_WHO, _ROWS, _ASSIGN = range(3)
_ASSIGN_WIDTH = 190


class FilePatientsBox(QWidget):
    """Unmatched and assigned file patients, each with a searchable "assign to" chooser."""

    #: The user chose a clinic patient (id) for a file patient, or ``None`` to undo it.
    assignment_changed = Signal(object, object)

    def __init__(self, search_patients: Callable[..., list], parent=None):
        super().__init__(parent)
        self._search = search_patients
        self._people: list = []
        self.summary = QLabel(objectName="unmatched_patients")
        self.summary.setWordWrap(True)
        self.table = QTableWidget(0, 3, objectName="file_patients")
        self.table.setHorizontalHeaderLabels(["In the file", "Rows", "Assign to"])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QTableWidget.NoEditTriggers)
        self.table.setWordWrap(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(_WHO, QHeaderView.Stretch)
        header.setSectionResizeMode(_ROWS, QHeaderView.ResizeToContents)
        header.setSectionResizeMode(_ASSIGN, QHeaderView.Fixed)
        self.table.setColumnWidth(_ASSIGN, _ASSIGN_WIDTH)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeToContents)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)

    def set_preview(self, preview, why_not_created: Callable[[object], str]) -> None:
        """Show the preview's unmatched and assigned file patients, assigned ones first."""
        self._people = [*preview.assigned_to, *preview.unmatched_patients]
        self.table.setRowCount(len(self._people))
        choices = self._search("", limit=_CHOICES) if self._people else []
        for row, who in enumerate(self._people):
            assigned = who in preview.assigned_to
            lines = preview.assigned_lines.get(who) if assigned else preview.unmatched_patients[who]
            if assigned:
                why = "assigned by you"
                if not why_not_created(who):
                    why += " (so it is not created as a new patient)"
            else:
                why = preview.patient_notes.get(who, "")
                cannot = why_not_created(who)
                if cannot:
                    why += f" (cannot be created: {cannot})"
            described = QTableWidgetItem(f"{who.describe()}\n{why}" if why else who.describe())
            described.setToolTip(described.text())
            self.table.setItem(row, _WHO, described)
            self.table.setItem(row, _ROWS, _number(len(lines or ())))
            # At the top of a row made tall by its reason, not stretched down its height.
            cell = QWidget()
            cell_layout = QVBoxLayout(cell)
            cell_layout.setContentsMargins(0, 0, 0, 0)
            cell_layout.addWidget(self._chooser(who, choices, preview.assigned_to.get(who)))
            cell_layout.addStretch(1)
            self.table.setCellWidget(row, _ASSIGN, cell)
        self.table.setVisible(bool(self._people))
        self.summary.setText(_summary(preview))

    def chooser(self, row: int) -> QComboBox:
        """The "assign to" combo of table row ``row`` (for keyboard users and tests)."""
        return self.table.cellWidget(row, _ASSIGN).findChild(QComboBox)

    def row_of(self, description: str) -> int:
        """The table row of the file patient described as ``description``, or -1."""
        for row, who in enumerate(self._people):
            if who.describe() == description:
                return row
        return -1

    def _chooser(self, who, choices: list, current: int | None) -> QComboBox:
        combo = QComboBox()
        combo.setEditable(True)  # type part of a name or MRN to find the patient
        combo.setInsertPolicy(QComboBox.NoInsert)
        combo.addItem(NOT_ASSIGNED, None)
        for patient in choices:
            combo.addItem(
                f"{patient.display_name} · {patient.mrn} · {patient.date_of_birth}", patient.id
            )
        completer = combo.completer()
        completer.setFilterMode(Qt.MatchContains)
        completer.setCompletionMode(QCompleter.PopupCompletion)
        completer.setCaseSensitivity(Qt.CaseInsensitive)
        found = combo.findData(current) if current is not None else 0
        combo.setCurrentIndex(max(found, 0))
        combo.lineEdit().setCursorPosition(0)  # the name, not the end of the text
        combo.currentIndexChanged.connect(
            lambda _index: self.assignment_changed.emit(who, combo.currentData())
        )
        return combo


def _number(value: int) -> QTableWidgetItem:
    item = QTableWidgetItem(str(value))
    item.setTextAlignment(Qt.AlignRight | Qt.AlignVCenter)
    return item


def _summary(preview) -> str:
    if not preview.statuses:
        return "No rows to match to patients: every row was rejected."
    unmatched, assigned = len(preview.unmatched_patients), len(preview.assigned_to)
    if not unmatched and not assigned:
        return "Every row's patient was matched."
    parts = []
    if unmatched:
        parts.append(
            f"{unmatched} file patient(s) not matched: their rows are left out unless you "
            "assign them to a patient below or create them."
        )
    if assigned:
        parts.append(f"{assigned} assigned by you, for this import only.")
    return " ".join(parts)
