"""Clinic worklist: every patient with a chosen finding, sortable, exportable to CSV.

A clinic-wide list runs to thousands of rows. The view asks ``data()`` for each cell
many times (painting, sizing, every comparison of a sort), so the table model works
out a row's texts once, when its rows are set, sorts in Python on keys made once per
column, and sizes columns from a sample of rows.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import (
    QAbstractTableModel,
    QDate,
    QEvent,
    QIdentityProxyModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QTableView,
    QVBoxLayout,
)

from app.services.findings import WORKLIST_COLUMNS, worklist_cells
from app.services.worklist_rows import triage_key
from app.ui.item_roles import DISPLAY, HORIZONTAL, TOOLTIP, USER
from app.ui.tasks import run_task

_Index = QModelIndex | QPersistentModelIndex

# Rows whose cells size the columns (besides the visible ones): measuring every
# cell of a 6,000-row list took about a second; the widths rarely differ.
SIZE_SAMPLE_ROWS = 200


class WorklistTableModel(QAbstractTableModel):
    """The worklist's rows, each shown as ``worklist_cells`` gives it, sortable by column.

    ``rows`` keeps the worklist's own order (export and batch reports use it); the
    table opens on them by severity, most pressing first, then by patient name
    (``triage_key``: no sort column), and shows them in ``_order``, which ``sort`` rearranges as a
    ``QSortFilterProxyModel`` would (a stable sort of the order shown, so rows tied
    on this column keep the order the previous sort gave them), but in Python, on
    sort keys made once per column: the proxy called ``data()`` from C++ for both
    sides of each of its 75,000 comparisons (0.5 s for 6,000 rows).
    """

    def __init__(self, analyte_label, parent=None):  # noqa: ANN001 - key -> display name
        super().__init__(parent)
        self.rows = []
        self._analyte_label = analyte_label
        self._cells: list[list[str]] = []
        self._order: list[int] = []
        self._sort_keys: dict[int, list[bytes]] = {}
        self._sorted_by: tuple[int, Qt.SortOrder] | None = None

    def set_rows(self, rows) -> None:
        """Show new rows, sorted as the last ``sort`` asked (a proxy re-sorts too)."""
        self.beginResetModel()
        self.rows = list(rows)
        self._cells = [worklist_cells(row, self._analyte_label) for row in self.rows]
        self._sort_keys = {}
        self._order = self._triage_order()
        if self._sorted_by is not None:
            self._order = self._sorted(self._order, *self._sorted_by)
        self.endResetModel()

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(WORKLIST_COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = DISPLAY):
        if orientation == HORIZONTAL and role == DISPLAY:
            return WORKLIST_COLUMNS[section]
        return None

    def data(self, index: _Index, role: int = DISPLAY):
        if not index.isValid():
            return None
        if role in (DISPLAY, TOOLTIP):  # the tooltip: a long next step is cut in its cell
            return self._cells[self._order[index.row()]][index.column()]
        if role == USER:
            return self.rows[self._order[index.row()]].patient_id
        return None

    def _triage_order(self) -> list[int]:
        return sorted(range(len(self.rows)), key=lambda i: triage_key(self.rows[i]))

    def sort(self, column: int, order: Qt.SortOrder = Qt.AscendingOrder) -> None:
        self._sorted_by = (column, order)
        self.layoutAboutToBeChanged.emit()
        before = self._order
        self._order = self._sorted(before, column, order)
        place = [0] * len(self._order)
        for shown, row in enumerate(self._order):
            place[row] = shown
        kept = self.persistentIndexList()  # the selection and current row follow their rows
        moved = [self.index(place[before[i.row()]], i.column()) for i in kept]
        self.changePersistentIndexList(kept, moved)
        self.layoutChanged.emit()

    def _sorted(self, order: list[int], column: int, how: Qt.SortOrder) -> list[int]:
        descending = how == Qt.DescendingOrder
        if column < 0:  # no sort column: most severe first, then by name
            return self._triage_order()
        keys = self._sort_keys.get(column)
        if keys is None:
            # Qt compares texts case-sensitively by UTF-16 code unit; so do these bytes.
            keys = [cells[column].encode("utf-16-be") for cells in self._cells]
            self._sort_keys[column] = keys
        # Stable either way, as Qt's: reverse=True keeps tied rows in their order.
        return sorted(order, key=keys.__getitem__, reverse=descending)


class WorklistDialog(QDialog):
    """Pick a rule, run it over the clinic, sort, open a patient or export."""

    open_patient = Signal(int)

    def __init__(self, service, findings_service, parent=None):
        super().__init__(parent)
        self._service = service
        self._findings = findings_service
        self._task = None
        self.setWindowTitle("Clinic worklist")
        self.resize(1100, 640)
        self.rule = QComboBox(objectName="worklist_rule")
        for rule_id, title in findings_service.rule_choices():
            self.rule.addItem(title, rule_id)
        self.as_of = QDateEdit(objectName="worklist_as_of")
        self.as_of.setDisplayFormat("yyyy-MM-dd")
        self.as_of.setCalendarPopup(True)
        today = service.today()
        self.as_of.setDate(QDate(today.year, today.month, today.day))
        self.run_button = QPushButton("Run", objectName="run_worklist")
        self.cancel_button = QPushButton("Cancel")
        self.export_button = QPushButton("Export CSV…", objectName="export_worklist")
        self.handouts_button = QPushButton("Handouts for all…", objectName="batch_handouts")
        self.summaries_button = QPushButton("Summaries for all…", objectName="batch_summaries")
        self.progress = QProgressBar()
        self.progress.hide()
        self.count = QLabel()
        self.model = WorklistTableModel(service.analyte_label, self)
        # The model sorts itself (see its docstring); the proxy passes sorts on.
        self.proxy = QIdentityProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.table = QTableView(objectName="worklist_table")
        self.table.setModel(self.proxy)
        # No sort column until the user clicks one: Qt's default indicator (column 0,
        # descending) opened the list by MRN, the one warning at row 15 of 16.
        self.table.horizontalHeader().setSortIndicator(-1, Qt.AscendingOrder)
        self.table.setSortingEnabled(True)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.Interactive)
        self.table.horizontalHeader().setResizeContentsPrecision(SIZE_SAMPLE_ROWS)
        self.table.horizontalHeader().setStretchLastSection(True)
        top = QHBoxLayout()
        top.addWidget(QLabel("Finding"))
        top.addWidget(self.rule, 1)
        top.addWidget(QLabel("as of"))
        top.addWidget(self.as_of)
        top.addWidget(self.run_button)
        top.addWidget(self.cancel_button)
        bottom = QHBoxLayout()
        bottom.addWidget(self.count, 1)
        bottom.addWidget(self.progress)
        bottom.addWidget(self.handouts_button)
        bottom.addWidget(self.summaries_button)
        bottom.addWidget(self.export_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addLayout(bottom)
        self.run_button.clicked.connect(self.run)
        self.cancel_button.clicked.connect(self._cancel)
        self.export_button.clicked.connect(self.export)
        self.handouts_button.clicked.connect(lambda: self.batch_reports("handout"))
        self.summaries_button.clicked.connect(lambda: self.batch_reports("summary"))
        self.table.doubleClicked.connect(self._open)
        self.table.installEventFilter(self)
        self.export_button.setEnabled(False)
        self._may_export = service.can("data.export")
        self._may_report = service.can("report.generate")
        for button in (self.handouts_button, self.summaries_button):
            button.setEnabled(False)

    def run(self) -> None:
        rule_id = self.rule.currentData()
        as_of = self.as_of.date().toPython()
        self.progress.show()
        self.progress.setValue(0)
        self.run_button.setEnabled(False)
        self._task = run_task(
            lambda task: self._findings.worklist(
                [rule_id],
                as_of=as_of,
                progress=lambda done, total: task.progress.emit(done / max(total, 1)),
                is_cancelled=task.is_cancelled,
            ),
            on_finished=self._done,
            on_failed=self._failed,
            on_progress=lambda f: self.progress.setValue(int(f * 100)),
        )

    def _done(self, rows) -> None:
        self.progress.hide()
        self.run_button.setEnabled(True)
        self.model.set_rows(rows)
        self.table.resizeColumnsToContents()
        patients = len({row.patient_id for row in rows})
        hidden = self._findings.suppressed_left_out
        self.count.setText(
            f"{len(rows)} finding{'s' * (len(rows) != 1)} for "
            f"{patients} patient{'s' * (patients != 1)}"
            + (f"; {hidden} suppressed by a clinician not listed" if hidden else "")
        )
        self.export_button.setEnabled(bool(rows) and self._may_export)
        for button in (self.handouts_button, self.summaries_button):
            button.setEnabled(bool(rows) and self._may_report)

    def _failed(self, exc: BaseException) -> None:
        self.progress.hide()
        self.run_button.setEnabled(True)
        self.count.setText(f"The worklist could not be built: {exc}")

    def _cancel(self) -> None:
        if self._task is not None and self.progress.isVisible():
            self._task.cancel()
        else:
            self.reject()

    def export(self) -> None:
        target, _ = QFileDialog.getSaveFileName(
            self, "Export worklist", "worklist.csv", "CSV (*.csv)"
        )
        if target:
            # The CSV keeps the worklist's own order (``model.rows``: as the service
            # built it, patient by patient), not the severity or column order on screen.
            self._findings.export_worklist(self.model.rows, Path(target))

    def batch_reports(self, kind: str, out_dir: str | None = None) -> None:
        """One PDF per patient on the list, archived; progress shown, Cancel stops cleanly."""
        from app.services.reports import ReportService

        target = out_dir or QFileDialog.getExistingDirectory(self, "Save the PDFs in")
        if not target:
            return
        rows = list(self.model.rows)
        reports = ReportService(self._service)
        self.progress.show()
        self.progress.setValue(0)
        self._task = run_task(
            lambda task: reports.batch(
                rows,
                kind,
                Path(target),
                progress=lambda done, total: task.progress.emit(done / max(total, 1)),
                is_cancelled=task.is_cancelled,
            ),
            on_finished=self._batch_done,
            on_failed=self._failed,
            on_progress=lambda f: self.progress.setValue(int(f * 100)),
        )

    def _batch_done(self, result) -> None:
        self.progress.hide()
        stopped = " (cancelled)" if result.cancelled else ""
        text = f"{len(result.written)} of {result.total} PDFs written{stopped}."
        if result.empty:
            text += (
                f" Left out, their handout would be empty (the finding is no longer shown): "
                f"{', '.join(result.empty)}."
            )
        self.count.setText(text)

    def eventFilter(self, watched, event) -> bool:
        """Enter on a row opens its patient, as a double click does."""
        if (
            watched is self.table
            and event.type() == QEvent.KeyPress
            and event.key() in (Qt.Key_Return, Qt.Key_Enter)
            and self.table.currentIndex().isValid()
        ):
            self._open(self.table.currentIndex())
            return True
        return super().eventFilter(watched, event)

    def _open(self, index) -> None:
        source = self.proxy.mapToSource(index)
        self.open_patient.emit(self.model.data(source, Qt.UserRole))
