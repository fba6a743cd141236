"""The import wizard's column mapping: which header plays which role, changeable."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QFormLayout, QGroupBox, QPushButton

from app.core.labfiles.role_labels import role_label

# The roles a clinic's CSV columns usually play, in the order a person reads a row.
EDITABLE_ROLES = (
    "mrn",
    "source_patient_id",
    "sample_id",
    "family_name",
    "given_name",
    "patient_name",
    "date_of_birth",
    "analyte",
    "loinc",
    "value",
    "unit",
    "ref_range",
    "flag",
    "collected_at",
    "lab",
)
NONE = "— none —"


class ColumnMappingBox(QGroupBox):
    """One combo per role; "Read again" re-reads the file with the chosen columns."""

    reread_requested = Signal(dict)

    def __init__(self, parent=None):
        super().__init__("Columns (change and read again if a guess is wrong)", parent)
        self.setObjectName("column_mapping")
        self.combos: dict[str, QComboBox] = {}
        form = QFormLayout(self)
        for role in EDITABLE_ROLES:
            combo = QComboBox(objectName=f"column_{role}")
            # Long header names must not widen the wizard's side panel past the screen.
            combo.setSizeAdjustPolicy(QComboBox.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(14)
            self.combos[role] = combo
            form.addRow(role_label(role), combo)
        self.reread_button = QPushButton("Read again with these columns")
        form.addRow(self.reread_button)
        self.reread_button.clicked.connect(lambda: self.reread_requested.emit(self.column_map()))

    def set_file(self, headers: list[str], columns: dict[str, str]) -> None:
        """Fill the choices from the file's header and select what the reader guessed."""
        for role, combo in self.combos.items():
            combo.clear()
            combo.addItem(NONE, "")
            for header in headers:
                if header:
                    combo.addItem(header, header)
            index = combo.findData(columns.get(role, ""))
            combo.setCurrentIndex(max(index, 0))

    def column_map(self) -> dict[str, str]:
        """Role → header for every role; ``''`` unsets a role the reader had guessed."""
        return {role: combo.currentData() or "" for role, combo in self.combos.items()}
