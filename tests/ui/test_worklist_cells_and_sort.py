"""The worklist shows the same texts, in the same order, however it is sorted.

The table model keeps each row's texts and sorts on per-column ranks; a reference
model here asks ``worklist_cells`` on every call and lets Qt sort the texts, as the
worklist did before. Both must show the same table after each sort, ties included
(Qt's sort is stable: tied rows keep the order the previous sort left them in).
"""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QSortFilterProxyModel, Qt
from PySide6.QtWidgets import QTableView

from app.services.findings import WORKLIST_COLUMNS, FindingsService, worklist_cells
from app.services.worklist_rows import WorklistRow, triage_key
from app.ui.worklist_dialog import WorklistDialog


class ReferenceTableModel(QAbstractTableModel):
    """The worklist's model as it was: each cell built from its row when asked."""

    def __init__(self, rows, label):
        super().__init__()
        self.rows = list(rows)
        self.label = label

    def rowCount(self, parent=QModelIndex()):  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent=QModelIndex()):  # noqa: B008
        return 0 if parent.isValid() else len(WORKLIST_COLUMNS)

    def data(self, index, role=Qt.DisplayRole):
        if role in (Qt.DisplayRole, Qt.ToolTipRole):
            return worklist_cells(self.rows[index.row()], self.label)[index.column()]
        if role == Qt.UserRole:
            return self.rows[index.row()].patient_id
        return None


def _rows() -> list[WorklistRow]:
    """Rows with many ties per column, mixed case, accents, a non-BMP and a fullwidth letter.

    Qt orders texts by UTF-16 code unit: the emoji (a surrogate pair) before the
    fullwidth z, though its code point is the greater.
    """
    names = [
        "Ada Åberg",
        "ada Aberg",
        "Zoë Park",
        "Ben Ng",
        "Ben Ng",
        "émile Roux",
        "Ω Test",
        "🙂 Smile",
        "ｚeta Wide",
    ]
    titles = ["Hematocrit high", "Monitoring gap", "monitoring gap", "B12 low", "Hematocrit high"]
    markers = ["hematocrit", "psa", "", "ferritin", "vitamin_b12", "hematocrit", "magnesium"]
    statuses = ["action_needed", "watch", "no_baseline", "watch"]
    severities = ["high", "low", "moderate", "high"]
    latest = ["52 %", "", "no usable result", "9.5 ng/mL", "52 %", "1,200 pg/mL"]
    rows = []
    for i in range(60):
        rows.append(
            WorklistRow(
                patient_id=i,  # unique: tells the rows apart, never shown
                mrn=f"MRN{(i * 7) % 13:03d}",
                name=names[i % len(names)],
                date_of_birth=date(1960 + (i * 5) % 9, 1 + i % 3, 1),
                rule_id="r",
                title=titles[i % len(titles)],
                status=statuses[i % len(statuses)],
                severity=severities[i % len(severities)],
                marker=markers[i % len(markers)],
                latest=latest[i % len(latest)],
                next_step="Repeat the test" if i % 4 else "Review the dose",
            )
        )
    return rows


def _triaged(rows):
    return sorted(rows, key=triage_key)


def _shown(model) -> list[tuple]:
    """Every displayed row, top to bottom: its cells, tooltips and patient id."""
    return [
        (
            tuple(model.index(r, c).data() for c in range(model.columnCount())),
            tuple(model.index(r, c).data(Qt.ToolTipRole) for c in range(model.columnCount())),
            model.index(r, 0).data(Qt.UserRole),
        )
        for r in range(model.rowCount())
    ]


@pytest.fixture
def dialog(qtbot, service):
    dialog = WorklistDialog(service, FindingsService(service))
    qtbot.addWidget(dialog)
    dialog._done(_rows())
    return dialog


@pytest.fixture
def reference(qtbot, service):
    proxy = QSortFilterProxyModel()
    # The worklist opens in triage order (no sort column); so does the reference.
    proxy.setSourceModel(ReferenceTableModel(_triaged(_rows()), service.analyte_label))
    view = QTableView()
    qtbot.addWidget(view)
    view.setModel(proxy)
    view.horizontalHeader().setSortIndicator(-1, Qt.AscendingOrder)
    view.setSortingEnabled(True)
    return view


def test_cells_and_first_order_are_those_of_the_texts(dialog, reference, service):
    assert _shown(dialog.proxy) == _shown(reference.model())
    rows = {row.patient_id: row for row in _rows()}
    for cells, _tips, patient_id in _shown(dialog.proxy):
        assert list(cells) == worklist_cells(rows[patient_id], service.analyte_label)


def test_every_sort_gives_the_order_the_texts_gave(dialog, reference):
    clicks = [3, 1, 1, 5, 0, 6, 4, 2, 8, 7, 3, 3, 1]
    for n, column in enumerate(clicks):
        order = Qt.AscendingOrder if n % 3 else Qt.DescendingOrder
        dialog.table.sortByColumn(column, order)
        reference.sortByColumn(column, order)
        assert _shown(dialog.proxy) == _shown(reference.model()), (column, order)


def test_new_rows_are_sorted_by_their_own_texts(dialog, reference):
    dialog.table.sortByColumn(1, Qt.AscendingOrder)
    fewer = _rows()[::3]
    dialog._done(fewer)
    reference.sortByColumn(1, Qt.AscendingOrder)
    reference.model().sourceModel().beginResetModel()
    reference.model().sourceModel().rows = _triaged(fewer)
    reference.model().sourceModel().endResetModel()
    assert _shown(dialog.proxy) == _shown(reference.model())


def test_sorting_leaves_the_worklist_order_for_export_and_keeps_the_selection(dialog):
    dialog.table.selectRow(5)
    chosen = dialog.table.currentIndex().data(Qt.UserRole)
    dialog.table.sortByColumn(1, Qt.DescendingOrder)
    dialog.table.sortByColumn(4, Qt.AscendingOrder)
    assert [row.patient_id for row in dialog.model.rows] == list(range(60))
    assert dialog.table.currentIndex().data(Qt.UserRole) == chosen
    selected = dialog.table.selectionModel().selectedRows()
    assert [index.data(Qt.UserRole) for index in selected] == [chosen]


def test_the_model_passes_qt_model_tester(qtmodeltester, dialog):
    dialog.table.sortByColumn(3, Qt.AscendingOrder)
    qtmodeltester.check(dialog.model)


def _severity_rows() -> list[WorklistRow]:
    """The trial's magnesium worklist in small: MRNs descending put the warning last."""
    people = [
        ("DEMO-000040", "Zed Young", "info"),
        ("DEMO-000033", "Amy Clark", "consider"),
        ("DEMO-000021", "bea Stone", "info"),
        ("DEMO-000015", "Carl Moss", "consider"),
        ("DEMO-000002", "Dana Hill", "warning"),
    ]
    return [
        WorklistRow(n, mrn, name, date(1970, 1, 1), "mg", "Magnesium status on testosterone therapy",
                    "watch", severity, "magnesium", "", "Repeat the test")
        for n, (mrn, name, severity) in enumerate(people)
    ]  # fmt: skip


def test_the_worklist_opens_most_severe_first_then_by_name(qtbot, service):
    dialog = WorklistDialog(service, FindingsService(service))
    qtbot.addWidget(dialog)
    dialog._done(_severity_rows())
    patient = WORKLIST_COLUMNS.index("Patient")
    shown = [dialog.proxy.index(r, patient).data() for r in range(dialog.proxy.rowCount())]
    assert shown == ["Dana Hill", "Amy Clark", "Carl Moss", "bea Stone", "Zed Young"]
    assert dialog.table.horizontalHeader().sortIndicatorSection() == -1
    # The user's own column sort still works, and a new run keeps it.
    dialog.table.sortByColumn(0, Qt.DescendingOrder)
    mrns = [dialog.proxy.index(r, 0).data() for r in range(dialog.proxy.rowCount())]
    assert mrns == sorted(mrns, reverse=True)
    # The CSV keeps the worklist's own order.
    assert [row.mrn for row in dialog.model.rows] == [row.mrn for row in _severity_rows()]
