"""The audit trail viewer: filter, sort, verify the chain and export, for administrators.

Every query goes through ``AdminService.audit_rows``, which audits the viewing itself
(security.md B1: reads of the audit log are accesses too).
"""

from __future__ import annotations

from datetime import timedelta

from PySide6.QtCore import (
    QAbstractTableModel,
    QDate,
    QModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QDialog,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
)

from app.services.admin import AdminService
from app.services.admin_refusals import ADMIN_REFUSALS, refusal_message
from app.ui.item_roles import ALIGNMENT, DISPLAY, HORIZONTAL, RIGHT_ALIGNED, TOOLTIP

SORT_ROLE = Qt.UserRole + 1
ROW_LIMIT = 10_000
ANY = "Any"
# Actions and categories the app writes; the boxes stay editable for anything else.
ACTIONS = (
    "read",
    "create",
    "update",
    "delete",
    "query",
    "import",
    "export",
    "print",
    "signin",
    "timeout",
    "role change",
    "disable",
    "enable",
    "backup",
    "restore",
    "verify",
    "clock_skew",
)
CATEGORIES = (
    "chart",
    "demographics",
    "lab results",
    "medications",
    "findings",
    "session",
    "users",
    "audit",
    "backup",
    "clinic",
)
OUTCOMES = ("success", "failure", "denied")
# The oldest date a filter offers; showing it means "no bound" (special value text).
_NO_DATE = QDate(2000, 1, 1)


class AuditTableModel(QAbstractTableModel):
    """Audit rows for a table view; ``set_rows()`` replaces them all."""

    SEQ, TIME, USER, PATIENT, ACTION, CATEGORY, OUTCOME, WORKSTATION, DETAIL = range(9)
    HEADERS = (
        "Seq",
        "Time (UTC)",
        "User",
        "Patient",
        "Action",
        "Category",
        "Outcome",
        "Workstation",
        "Detail",
    )

    def __init__(self, parent=None):
        super().__init__(parent)
        self._rows: list = []
        self._patients: dict[int, str] = {}

    def set_rows(self, rows: list, patients: dict[int, str] | None = None) -> None:
        """Show ``rows``; ``patients`` maps event seqs to the MRN shown for their patient."""
        self.beginResetModel()
        self._rows = list(rows)
        self._patients = dict(patients or {})
        self.endResetModel()

    def row_at(self, row: int):
        return self._rows[row]

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: N802 (Qt override)
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: N802 (Qt override)
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section, orientation, role=DISPLAY):  # noqa: N802
        if orientation == HORIZONTAL and role == DISPLAY:
            return self.HEADERS[section]
        return None

    def data(self, index, role=DISPLAY):
        if not index.isValid():
            return None
        row = self._rows[index.row()]
        column = index.column()
        if role == SORT_ROLE:
            if column == self.SEQ:
                return row.seq
            if column == self.PATIENT:
                return self._patient_text(row).casefold()
            return str(self.data(index, DISPLAY) or "").casefold()
        if role == TOOLTIP and column == self.DETAIL:
            return row.detail
        if role == ALIGNMENT and column == self.SEQ:
            return RIGHT_ALIGNED
        if role != DISPLAY:
            return None
        return (
            str(row.seq),
            # Seconds are enough on screen; the export keeps the exact stored text.
            row.at_utc[:19].replace("T", " "),
            row.username,
            self._patient_text(row),
            row.action,
            row.category,
            row.outcome,
            row.workstation,
            row.detail,
        )[column]

    def _patient_text(self, row) -> str:
        if row.patient_id is None:
            return ""
        # A patient the clinic no longer has (its events carried over a restore).
        return self._patients.get(row.seq, f"#{row.patient_id}")


def _combo(items, editable: bool = True) -> QComboBox:
    box = QComboBox()
    box.setEditable(editable)
    box.addItem(ANY if not editable else "")
    box.addItems(list(items))
    return box


def _date_edit() -> QDateEdit:
    edit = QDateEdit()
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("yyyy-MM-dd")
    edit.setMinimumDate(_NO_DATE)
    edit.setSpecialValueText(ANY)
    edit.setDate(_NO_DATE)
    return edit


class AuditDialog(QDialog):
    """Filter and read the audit trail, check its chain, export what is shown."""

    def __init__(self, service, parent=None, admin: AdminService | None = None):
        super().__init__(parent)
        self.setWindowTitle("Audit trail")
        self.setObjectName("audit_dialog")
        self._service = service
        self._admin = admin or AdminService(service)
        self._rows: list = []
        self._build()
        self._connect()
        self.resize(1200, 640)

    # -- layout ------------------------------------------------------------------------

    def _build(self) -> None:
        self.date_from = _date_edit()
        self.date_to = _date_edit()
        self.user = _combo(self._user_names())
        self.mrn = QLineEdit()
        self.mrn.setPlaceholderText("MRN, name or birth date")
        self.action = _combo(ACTIONS)
        self.category = _combo(CATEGORIES)
        self.outcome = _combo(OUTCOMES, editable=False)
        self.show_button = QPushButton("Show")
        self.show_button.setDefault(True)
        self.clear_button = QPushButton("Clear filters")

        filters = QGridLayout()
        for column, (label, widget) in enumerate(
            (("From (UTC)", self.date_from), ("To (UTC)", self.date_to), ("User", self.user))
        ):
            filters.addWidget(QLabel(label), 0, 2 * column)
            filters.addWidget(widget, 0, 2 * column + 1)
        for column, (label, widget) in enumerate(
            (("Patient", self.mrn), ("Action", self.action), ("Category", self.category))
        ):
            filters.addWidget(QLabel(label), 1, 2 * column)
            filters.addWidget(widget, 1, 2 * column + 1)
        filters.addWidget(QLabel("Outcome"), 0, 6)
        filters.addWidget(self.outcome, 0, 7)
        buttons = QHBoxLayout()
        buttons.addWidget(self.show_button)
        buttons.addWidget(self.clear_button)
        filters.addLayout(buttons, 1, 6, 1, 2)
        for column in (1, 3, 5, 7):
            filters.setColumnStretch(column, 1)

        self.model = AuditTableModel(self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(SORT_ROLE)
        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(AuditTableModel.SEQ, Qt.DescendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeToContents)
        header.setSectionResizeMode(AuditTableModel.DETAIL, QHeaderView.Stretch)

        self.count = QLabel()
        self.message = QLabel()
        self.message.setObjectName("audit_message")
        self.message.setWordWrap(True)
        self.verify_button = QPushButton("Verify chain")
        self.export_button = QPushButton("Export CSV…")
        self.export_button.setEnabled(self._service.can("audit.export"))
        self.close_button = QPushButton("Close")
        bottom = QHBoxLayout()
        bottom.addWidget(self.count)
        bottom.addStretch(1)
        bottom.addWidget(self.verify_button)
        bottom.addWidget(self.export_button)
        bottom.addWidget(self.close_button)

        layout = QVBoxLayout(self)
        layout.addLayout(filters)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.message)
        layout.addLayout(bottom)

    def _connect(self) -> None:
        self.show_button.clicked.connect(self.refresh)
        self.clear_button.clicked.connect(self.clear_filters)
        self.mrn.returnPressed.connect(self.refresh)
        self.verify_button.clicked.connect(self.verify)
        self.export_button.clicked.connect(lambda: self.export())
        self.close_button.clicked.connect(self.close)

    def _user_names(self) -> list[str]:
        if not self._service.can("user.manage"):
            return []
        try:
            return [user.username for user in self._admin.users()]
        except ADMIN_REFUSALS:
            return []

    # -- actions -----------------------------------------------------------------------

    def filters(self) -> dict:
        """The filters as ``audit_rows`` keywords.

        Raises:
            ValueError: the patient box names no patient, or several (its message says
                which MRNs to choose from).
        """
        found: dict = {}
        if self.date_from.date() != _NO_DATE:
            found["since"] = self.date_from.date().toPython()
        if self.date_to.date() != _NO_DATE:
            # "To" includes the whole day: the store's upper bound is exclusive.
            found["until"] = self.date_to.date().toPython() + timedelta(days=1)
        for key, box in (("username", self.user), ("action", self.action)):
            text = box.currentText().strip()
            if text:
                found[key] = text
        category = self.category.currentText().strip()
        if category:
            found["category"] = category
        if self.outcome.currentText() != ANY:
            found["outcome"] = self.outcome.currentText()
        named = self.mrn.text().strip()
        if named:
            found["patient_id"] = self._admin.audited_patient(named).id
        return found

    def refresh(self) -> None:
        """Run the query for the current filters (newest first, at most ``ROW_LIMIT``)."""
        try:
            rows = self._admin.audit_rows(**self.filters(), order_by="-seq", limit=ROW_LIMIT)
        except ADMIN_REFUSALS as exc:
            self._show([], refusal_message(exc))
            return
        more = f" (newest {ROW_LIMIT:,}: narrow the filters)" if len(rows) >= ROW_LIMIT else ""
        self._show(rows, "", more)

    def _show(self, rows: list, message: str, more: str = "") -> None:
        self._rows = rows
        self.model.set_rows(rows, self._mrns(rows))
        self.count.setText(f"{len(rows):,} row{'s' if len(rows) != 1 else ''}{more}")
        self._say(message)

    def _mrns(self, rows: list) -> dict[int, str]:
        """The MRN of each event's patient, by seq (one look-up for all the rows)."""
        try:
            patients = self._admin.audit_patients(rows)
        except ADMIN_REFUSALS:
            return {}
        return {seq: patient.mrn for seq, patient in patients.items()}

    def clear_filters(self) -> None:
        for edit in (self.date_from, self.date_to):
            edit.setDate(_NO_DATE)
        for box in (self.user, self.action, self.category):
            box.setCurrentText("")
        self.outcome.setCurrentIndex(0)
        self.mrn.clear()
        self.refresh()

    def verify(self):
        """Check the HMAC chain and the anchor; say OK or name the first bad row."""
        try:
            result = self._admin.verify_audit()
        except ADMIN_REFUSALS as exc:
            self._say(refusal_message(exc), error=True)
            return None
        if result.ok:
            self._say(f"Audit chain OK: {result.checked:,} rows verified.", error=False)
        elif result.first_bad_seq is not None:
            self._say(
                f"Audit chain broken at seq {result.first_bad_seq}: {result.reason}", error=True
            )
        else:
            self._say(f"Audit chain check failed: {result.reason}", error=True)
        return result

    def export(self, path: str | None = None) -> int | None:
        """Write the rows shown to a CSV file (asks where when no ``path`` is given)."""
        if path is None:
            path, _ = QFileDialog.getSaveFileName(
                self, "Export audit rows", "audit.csv", "CSV files (*.csv)"
            )
            if not path:
                return None
        try:
            written = self._admin.export_audit(self._rows, path)
        except (*ADMIN_REFUSALS, OSError) as exc:
            self._say(refusal_message(exc), error=True)
            return None
        self._say(f"{written:,} rows exported to {path}.")
        return written

    def _say(self, text: str, error: bool | None = None) -> None:
        colour = {True: "#b00020", False: "#1b5e20", None: ""}[error]
        self.message.setStyleSheet(f"color: {colour};" if colour else "")
        self.message.setText(text)
        self.message.setVisible(bool(text))

    def showEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().showEvent(event)
        if not self._rows and not self.count.text():
            self.refresh()
