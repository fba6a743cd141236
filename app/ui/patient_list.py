"""Left pane: search-as-you-type over name, MRN and date of birth, and the list."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.ui.patient_table_model import PatientTableModel

LIST_LIMIT = 500
SEX_COLUMN_WIDTH = 60  # "female" with the cell's margins


class PatientListPane(QWidget):
    patient_selected = Signal(object)  # patient id, or None
    new_patient_requested = Signal()

    def __init__(self, service, parent=None):
        super().__init__(parent)
        self._service = service
        self.search = QLineEdit(objectName="patient_search")
        self.search.setPlaceholderText("Search name, MRN or date of birth…")
        self.search.setClearButtonEnabled(True)
        self.show_archived = QCheckBox("Show archived", objectName="show_archived")
        self.model = PatientTableModel(self)
        self.table = QTableView(objectName="patient_table")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SingleSelection)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(24)
        # Fixed widths: sizing columns to their contents re-measures every row on each
        # keystroke, which costs more than the search itself on a large clinic.
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.Interactive)
        # The last column (Sex) stretches to the edge but never past it: at its default
        # 100 px the four columns overran the pane and a horizontal scroll bar showed.
        header.setDefaultSectionSize(SEX_COLUMN_WIDTH)
        header.setStretchLastSection(True)
        for column, width in enumerate((140, 104, 84)):  # leaves room for "female"
            header.resizeSection(column, width)
        self.count = QLabel(objectName="patient_count")
        self.count.setStyleSheet("color: #666;")
        self.new_button = QPushButton("New patient…", objectName="new_patient")
        self.new_button.setEnabled(service.can("patient.write"))
        # The audit records the search a user settles on, not every keystroke.
        self._audit_timer = QTimer(self, singleShot=True, interval=1500)
        bottom = QHBoxLayout()
        bottom.addWidget(self.count, 1)
        bottom.addWidget(self.new_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.search)
        layout.addWidget(self.show_archived)
        layout.addWidget(self.table)
        layout.addLayout(bottom)
        self._connect()

    def _connect(self) -> None:
        self.search.textChanged.connect(self.refresh)
        self.show_archived.toggled.connect(self.refresh)
        self.table.selectionModel().currentRowChanged.connect(self._row_changed)
        self.new_button.clicked.connect(self.new_patient_requested)
        self._audit_timer.timeout.connect(self._audit_search)
        self.search.returnPressed.connect(self.open_first_match)
        self.search.installEventFilter(self)

    def eventFilter(self, watched, event) -> bool:
        """Down (or Page Down) in the search box moves into the list, as in any finder."""
        if (
            watched is self.search
            and event.type() == QEvent.KeyPress
            and event.key() in (Qt.Key_Down, Qt.Key_PageDown)
            and self.model.rowCount()
        ):
            self._enter_list()
            return True
        return super().eventFilter(watched, event)

    def open_first_match(self) -> None:
        """Enter in the search box opens the match (the first one when several are listed)."""
        if self.model.rowCount():
            self._enter_list()

    def _enter_list(self) -> None:
        """Give the list the keyboard, on the chosen patient or else the first row."""
        if self.selected_patient_id() is None or not self.table.selectionModel().hasSelection():
            self.table.selectRow(0)
        self.table.setFocus(Qt.ShortcutFocusReason)

    def refresh(self, *_args) -> None:
        """Run the search for the current text (called on every keystroke)."""
        selected = self.selected_patient_id()
        rows = self._service.search_patients(
            self.search.text(), limit=LIST_LIMIT, include_archived=self.show_archived.isChecked()
        )
        self.model.set_rows(rows)
        shown = len(rows)
        if shown >= LIST_LIMIT:  # the list stops there: it is not every match
            self.count.setText(f"{shown} shown, not all matches: type more to narrow")
        else:
            self.count.setText(f"{shown} patient{'s' if shown != 1 else ''}")
        if self.search.text().strip():
            self._audit_timer.start()
        if selected is not None:
            self.select_patient(selected, emit=False)

    def _audit_search(self) -> None:
        text = self.search.text().strip()
        if text and self.isVisible():
            self._service.audit_search(text, self.model.rowCount())

    def selected_patient_id(self) -> int | None:
        index = self.table.selectionModel().currentIndex()
        if not index.isValid():
            return None
        return self.model.patient_at(index.row()).id

    def select_patient(self, patient_id: int, emit: bool = True) -> None:
        row = self.model.row_of(patient_id)
        if row is None:
            return
        if not emit:
            self.table.selectionModel().blockSignals(True)
        self.table.selectRow(row)
        if not emit:
            self.table.selectionModel().blockSignals(False)

    def hideEvent(self, event) -> None:
        self._audit_timer.stop()
        super().hideEvent(event)

    def _row_changed(self, current, _previous) -> None:
        if current.isValid():
            self.patient_selected.emit(self.model.patient_at(current.row()).id)
        else:
            self.patient_selected.emit(None)
