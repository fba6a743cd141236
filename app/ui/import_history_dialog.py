"""File > Import history: every lab import batch, its rejected rows, and undoing one.

Undoing removes exactly the batch's results (and any later corrections of them),
after the user has read how many results and patients that touches. Patients the
import created and the kept copy of the file stay.

Counting what an undo removes and the undo itself run off the GUI thread (a
million-row batch takes a while); while either runs the dialog cannot be closed and
``busy()`` says so, which the idle lock also asks before it closes the connection.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableView,
    QVBoxLayout,
)

from app.services.importing import Importer
from app.ui.item_roles import DISPLAY, TOOLTIP
from app.ui.local_time import local_time_text
from app.ui.table_model import Index, RowsTableModel
from app.ui.tasks import run_task

UNDO_PERMISSION = "import.undo"


class BatchTableModel(RowsTableModel):
    HEADERS = ("Batch", "Imported", "By", "File", "Results", "Duplicates", "Rejected", "Status")

    def set_batches(self, batches) -> None:  # noqa: ANN001 - BatchRecord list
        self.beginResetModel()
        self._rows = list(batches)
        self.endResetModel()

    def batch(self, row: int):  # noqa: ANN201 - BatchRecord
        return self._rows[row]

    def data(self, index: Index, role: int = DISPLAY):
        if not self._valid(index) or role not in (DISPLAY, TOOLTIP):
            return None
        return batch_cells(self._rows[index.row()])[index.column()]


def batch_cells(batch) -> list[str]:  # noqa: ANN001 - BatchRecord
    """A batch's row as the table shows it."""
    status = "in the clinic"
    if batch.undone_at:
        status = f"undone {local_time_text(batch.undone_at)}"
        status += f" by {batch.undone_by}" if batch.undone_by else ""
    return [
        str(batch.id),
        local_time_text(batch.created_at),
        batch.created_by or "—",
        batch.file_name,
        f"{batch.rows_imported:,}",
        f"{batch.rows_duplicate:,}",
        f"{batch.rows_rejected:,}",
        status,
    ]


#: How each stored layout reads to a clinician.
_LAYOUT_TEXT = {
    "long": "CSV, a result per row",
    "wide": "CSV, a sample per row",
    "date_columns": "CSV, a column per date",
    "hl7v2": "HL7 v2",
    "fhir": "FHIR",
}


def _plural(count: int, one: str, many: str) -> str:
    return f"{count:,} {one if count == 1 else many}"


def _size_text(size_bytes: int) -> str:
    if size_bytes >= 1_048_576:
        return f"{size_bytes / 1_048_576:.1f} MB"
    return f"{max(size_bytes / 1024, 0.1):.1f} KB"


class ImportHistoryDialog(QDialog):
    """The clinic's import batches, newest first; a batch can be undone or its report saved."""

    #: A batch was undone (its id): charts showing its results must be read again.
    undone = Signal(int)

    def __init__(self, service, parent=None):  # noqa: ANN001 - ClinicService
        super().__init__(parent)
        self.setWindowTitle("Import history")
        self._service = service
        self._importer = Importer(service)
        self._task = None
        self.model = BatchTableModel(self)
        self.table = QTableView(objectName="import_batches")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.detail = QLabel(objectName="batch_detail")
        self.detail.setWordWrap(True)
        self.save_report_button = QPushButton("Save rejected rows…")
        self.undo_button = QPushButton("Undo import…")
        self.close_button = QPushButton("Close")
        buttons = QHBoxLayout()
        buttons.addWidget(self.save_report_button)
        buttons.addStretch(1)
        buttons.addWidget(self.undo_button)
        buttons.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.detail)
        layout.addLayout(buttons)
        self.table.selectionModel().currentRowChanged.connect(self._show_selected)
        self.save_report_button.clicked.connect(self.save_report)
        self.undo_button.clicked.connect(self.ask_undo)
        self.close_button.clicked.connect(self.accept)
        self.resize(1000, 480)
        self.refresh()

    def refresh(self, select_id: int | None = None) -> None:
        batches = self._importer.batches()
        self.model.set_batches(batches)
        self.table.resizeColumnsToContents()
        self.table.horizontalHeader().setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        row = next((i for i, b in enumerate(batches) if b.id == select_id), 0)
        if batches:
            self.table.selectRow(row)
        self._show_selected()

    def selected_batch(self):  # noqa: ANN201 - BatchRecord or None
        index = self.table.currentIndex()
        return self.model.batch(index.row()) if index.isValid() else None

    def _show_selected(self, *_: QModelIndex) -> None:
        batch = self.selected_batch()
        busy = self.busy()
        self.close_button.setEnabled(not busy)
        if batch is None:
            self.detail.setText("No lab file has been imported into this clinic yet.")
            self.save_report_button.setEnabled(False)
            self.undo_button.setEnabled(False)
            return
        self.detail.setText(self._detail_text(batch))
        self.save_report_button.setEnabled(batch.rows_rejected > 0 and not busy)
        may_undo = self._service.can(UNDO_PERMISSION)
        self.undo_button.setEnabled(may_undo and not batch.undone_at and not busy)
        self.undo_button.setToolTip(
            ""
            if may_undo
            else "Your role cannot undo an import; ask a clinician or an administrator."
        )

    def _detail_text(self, batch) -> str:  # noqa: ANN001 - BatchRecord
        layout = _LAYOUT_TEXT.get(batch.format, batch.format)
        size = _size_text(batch.size_bytes)
        profile = f", profile {batch.profile_name}" if batch.profile_name else ""
        text = (
            f"Batch {batch.id}: {batch.file_name} ({layout}, {size}, SHA-256 "
            f"{batch.sha256[:16]}…){profile}: {_plural(batch.rows_read, 'row', 'rows')} read"
        )
        left_out = (
            batch.rows_read - batch.rows_imported - batch.rows_duplicate - batch.rows_rejected
        )
        if left_out > 0:
            text += (
                f", of which {left_out:,} left out (unmatched patients, or tests unknown or "
                "not tracked)"
            )
        text += "."
        if batch.stored_path:
            kept = Path(batch.stored_path)
            text += f" The original file is kept at {kept}" + (
                "." if kept.exists() else " (it is no longer there)."
            )
        return text

    def save_report(self) -> None:
        batch = self.selected_batch()
        if batch is None:
            return
        path, _ = QFileDialog.getSaveFileName(
            self,
            "Save rejected rows",
            f"batch-{batch.id}-rejected.tsv",
            "Tab-separated text (*.tsv *.txt)",
        )
        if path:
            self.write_report(batch.id, Path(path))

    def write_report(self, batch_id: int, path: Path) -> None:
        file_name = self._importer.batch(batch_id).file_name
        self._importer.save_rejected(self._importer.batch_report(batch_id), path, file_name)

    def ask_undo(self) -> None:
        """Count what undoing the selected batch removes (off the GUI thread), then ask."""
        batch = self.selected_batch()
        if batch is None or batch.undone_at or self.busy():
            return
        self._start(
            lambda task: self._importer.batch_impact(batch.id),
            on_finished=lambda impact: self._confirm_undo(batch, impact),
            on_failed=self._count_failed,
            text=f"Counting what undoing batch {batch.id} removes…",
        )

    def _confirm_undo(self, batch, impact) -> None:  # noqa: ANN001 - BatchRecord, BatchImpact
        self._ended()
        self._show_selected()
        answer = QMessageBox.question(
            self,
            "Undo import",
            self.undo_question(batch, impact),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel,
        )
        if answer == QMessageBox.StandardButton.Yes:
            self.undo(batch.id)

    def _count_failed(self, exc: BaseException) -> None:
        self._ended()
        self._show_selected()
        self.detail.setText(f"What the undo would remove could not be counted: {exc}")

    @staticmethod
    def undo_question(batch, impact) -> str:  # noqa: ANN001 - BatchRecord, BatchImpact
        """What undoing ``batch`` removes (``impact``, just counted), as the confirmation asks."""
        text = (
            f"Undo batch {batch.id} ({batch.file_name}, imported "
            f"{local_time_text(batch.created_at)})?\n\n"
            f"This removes its {_plural(impact.results, 'result', 'results')} for "
            f"{_plural(impact.patients, 'patient', 'patients')}."
        )
        if impact.changed:
            text += (
                f" {_plural(impact.changed, 'of them was', 'of them were')} corrected, "
                "excluded or included again since; those changes go with them."
            )
        text += (
            "\n\nPatients the import created and the kept copy of the file stay. "
            "The undo is recorded in the audit trail."
        )
        return text

    def undo(self, batch_id: int) -> None:
        """Undo the batch off the GUI thread (a large batch takes a few seconds)."""
        self._start(
            lambda task: self._importer.undo(batch_id),
            on_finished=lambda removed: self._undone(batch_id, removed),
            on_failed=self._undo_failed,
            text=f"Undoing batch {batch_id}…",
        )

    def _start(self, job, *, on_finished, on_failed, text: str) -> None:  # noqa: ANN001
        """Run ``job`` in the background: buttons off, a busy cursor and ``text`` meanwhile."""
        self._task = run_task(job, on_finished=on_finished, on_failed=on_failed)
        self._show_selected()  # buttons off while it runs
        self.setCursor(Qt.CursorShape.BusyCursor)
        self.detail.setText(text)

    def _ended(self) -> None:
        self._task = None
        self.unsetCursor()

    def _undone(self, batch_id: int, removed: int) -> None:
        self._ended()
        self.refresh(select_id=batch_id)
        self.detail.setText(
            f"Batch {batch_id} was undone: {_plural(removed, 'result', 'results')} removed. "
            + self.detail.text()
        )
        self.undone.emit(batch_id)

    def busy(self) -> bool:
        """A count or an undo is running: the dialog stays open until it has ended."""
        return self._task is not None

    def done(self, result: int) -> None:
        # Closing (Close, Esc, the window's X) waits for a running undo: its transaction
        # shares the clinic's connection with the window, which must not write meanwhile.
        if self.busy():
            return
        super().done(result)

    def closeEvent(self, event) -> None:  # noqa: ANN001 - QCloseEvent
        if self.busy():
            event.ignore()
            return
        super().closeEvent(event)

    def _undo_failed(self, exc: BaseException) -> None:
        self._ended()
        self.refresh()
        self.detail.setText(f"The batch was not undone: {exc}")
