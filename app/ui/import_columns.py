"""The import wizard's column mapping: which header plays which role, changeable."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QFormLayout, QGroupBox, QPushButton

from app.core.labfiles.model import ROLES
from app.core.labfiles.role_labels import role_label

# Every role a column can play (the command line's --column takes the same), in the
# order a person reads a row: a wrong guess of any of them can be put right here.
EDITABLE_ROLES = ROLES
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
