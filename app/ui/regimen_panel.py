"""The Regimen tab: current hormone drugs and supplements above their history."""

from __future__ import annotations

from PySide6.QtCore import Signal
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

from app.ui.regimen_dialogs import AddRegimenItemDialog, ChangeDoseDialog, StopItemDialog
from app.ui.regimen_table_model import RegimenTableModel


class RegimenPanel(QWidget):
    """Table of regimen rows plus Add / Change dose / Stop buttons."""

    changed = Signal()

    def __init__(self, service, parent=None):
        super().__init__(parent)
        self._service = service
        self._patient_id: int | None = None
        self._may_write = service.can("regimen.write")
        self.model = RegimenTableModel(service.substance_label, self, kind=service.substance_kind)
        self.table = QTableView(objectName="regimen_table")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SingleSelection)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(24)
        self.add_button = QPushButton("Add…", objectName="add_regimen")
        self.change_button = QPushButton("Change dose…", objectName="change_dose")
        self.stop_button = QPushButton("Stop…", objectName="stop_item")
        self.hint = QLabel("Grey rows are earlier doses and stopped items.")
        self.hint.setStyleSheet("color: #666;")
        buttons = QHBoxLayout()
        for button in (self.add_button, self.change_button, self.stop_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.hint)
        layout = QVBoxLayout(self)
        layout.addLayout(buttons)
        layout.addWidget(self.table)
        self._connect()
        self._update_buttons()

    def _connect(self) -> None:
        self.add_button.clicked.connect(self.add_item)
        self.change_button.clicked.connect(self.change_dose)
        self.stop_button.clicked.connect(self.stop_item)
        self.table.selectionModel().selectionChanged.connect(self._update_buttons)

    def show_patient(self, patient_id: int | None) -> None:
        self._patient_id = patient_id
        self.refresh()

    def refresh(self) -> None:
        items = self._service.regimen(self._patient_id) if self._patient_id else []
        self.model.set_rows(items, self._service.today())
        self._update_buttons()

    def selected_row(self) -> int | None:
        rows = self.table.selectionModel().selectedRows()
        return rows[0].row() if rows else None

    def _update_buttons(self, *_args) -> None:
        row = self.selected_row()
        current = row is not None and self.model.is_current(row) and self._may_write
        self.add_button.setEnabled(self._patient_id is not None and self._may_write)
        self.change_button.setEnabled(current)
        self.stop_button.setEnabled(current)

    def add_item(self) -> None:
        if self._patient_id is None:
            return
        dialog = AddRegimenItemDialog(self._service, self._patient_id, self)
        if dialog.exec():
            self.refresh()
            self.changed.emit()

    def change_dose(self) -> None:
        row = self.selected_row()
        if row is None:
            return
        dialog = ChangeDoseDialog(self._service, self.model.item_at(row), self)
        if dialog.exec():
            self.refresh()
            self.changed.emit()

    def stop_item(self) -> None:
        row = self.selected_row()
        if row is None:
            return
        dialog = StopItemDialog(self._service, self.model.item_at(row), self)
        if dialog.exec():
            self.refresh()
            self.changed.emit()
