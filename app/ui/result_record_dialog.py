"""One result's record: what the lab reported, where it came from, and its history.

Opened from a point in the trend chart or a row of the Results tab. Exclude… (or
Include again… for an excluded result) and Correct… change the result through the service (a reason is required, the old
version is kept as a revision, the change is audited); ``changed`` tells the
chart and the table to redraw.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from app.core.validation import ValidationError
from app.ui.converted_value import NOT_CONVERTED, converted_value_text
from app.ui.form_errors import FieldErrors

RESULT_WRITE = "result.write"
HISTORY_HEADERS = ("Changed (UTC)", "By", "Change", "Reason", "Before")


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


class ExcludeDialog(QDialog):
    """Ask why a result is excluded, or why an excluded one counts again.

    The service refuses an empty reason; both directions are kept in the history.
    """

    def __init__(self, service, observation_id: int, parent=None, *, include: bool = False):
        super().__init__(parent)
        self._service = service
        self._id = observation_id
        self._include = include
        self.setWindowTitle("Include result again" if include else "Exclude result")
        self.setMinimumWidth(460)
        self.reason = QLineEdit(objectName="exclude_reason")
        self.reason.setPlaceholderText(
            "e.g. excluded by mistake, the lab confirmed the sample"
            if include
            else "e.g. haemolysed sample, drawn at the wrong time"
        )
        form = QFormLayout()
        self.errors = FieldErrors()
        self.errors.add_row(form, "Reason", "reason", self.reason)
        explain = QLabel(
            "The result counts again in trend lines and findings. The excluded version "
            "and its reason stay in the history."
            if include
            else "The result stays on record, drawn faded and left out of trend lines and "
            "findings. The current version is kept in the history."
        )
        explain.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.Cancel)
        self.save_button = buttons.addButton(
            "Include again" if include else "Exclude", QDialogButtonBox.AcceptRole
        )
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(explain)
        layout.addLayout(form)
        layout.addWidget(buttons)

    def save(self) -> None:
        change = self._service.include_result if self._include else self._service.exclude_result
        try:
            change(self._id, self.reason.text())
        except ValidationError as exc:
            self.errors.show(exc.errors)
            return
        self.accept()


class CorrectDialog(QDialog):
    """Enter the corrected value and unit, and why."""

    def __init__(self, service, observation, parent=None):
        super().__init__(parent)
        self._service = service
        self._id = observation.id
        self.setWindowTitle("Correct result")
        self.setMinimumWidth(520)
        self.value = QLineEdit(observation.raw_value, objectName="correct_value")
        self.value.setPlaceholderText("e.g. 612, <0.5, >1500")
        self.unit = QComboBox(objectName="correct_unit")
        self.unit.setEditable(True)
        choice = next(
            (c for c in service.analyte_choices() if c.key == observation.analyte_key), None
        )
        units = list(choice.units) if choice else []
        if observation.unit and observation.unit not in units:
            units.insert(0, observation.unit)
        self.unit.addItems(units)
        self.unit.setCurrentText(observation.unit)
        self.reason = QLineEdit(objectName="correct_reason")
        self.reason.setPlaceholderText("e.g. transcription error, lab issued a corrected report")
        form = QFormLayout()
        self.errors = FieldErrors()
        self.errors.add_row(form, "Result", "value", self.value)
        self.errors.add_row(form, "Unit", "unit", self.unit)
        self.errors.add_row(form, "Reason", "reason", self.reason)
        buttons = QDialogButtonBox(QDialogButtonBox.Save | QDialogButtonBox.Cancel)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(buttons)

    def save(self) -> None:
        try:
            self._service.correct_result(
                self._id, self.value.text(), self.unit.currentText(), self.reason.text()
            )
        except ValidationError as exc:
            self.errors.show(exc.errors)
            return
        self.accept()


class ResultRecordDialog(QDialog):
    """The record of one result with its revision history, and Exclude… / Correct…."""

    changed = Signal(int)

    def __init__(self, service, observation_id: int, parent=None):
        super().__init__(parent)
        self._service = service
        self.observation_id = observation_id
        self.record = None
        self.action_dialog: QDialog | None = None
        self.setWindowTitle("Result record")
        self.setMinimumSize(720, 520)

        self.fields: dict[str, QLabel] = {}
        form = QFormLayout()
        for key, label in (
            ("analyte", "Analyte"),
            ("reported", "Result as reported"),
            ("unit", "Unit"),
            ("converted", "Converted"),
            ("collected", "Collected"),
            ("lab", "Lab"),
            ("flag", "Flag"),
            ("range", "Reference range"),
            ("source", "Source"),
            ("note", "Note"),
            ("status", "Status"),
        ):
            value = QLabel(objectName=f"record_{key}")
            value.setTextInteractionFlags(Qt.TextSelectableByMouse)
            value.setWordWrap(True)
            self.fields[key] = value
            form.addRow(label, value)

        self.history = QTableWidget(0, len(HISTORY_HEADERS), objectName="record_history")
        self.history.setHorizontalHeaderLabels(HISTORY_HEADERS)
        self.history.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.history.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.history.verticalHeader().hide()
        header = self.history.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeToContents)
        header.setStretchLastSection(True)
        self.no_history = QLabel("No changes: this is the result as first recorded.")
        self.no_history.setStyleSheet("color: #666;")

        self.exclude_button = QPushButton("Exclude…", objectName="record_exclude")
        self.correct_button = QPushButton("Correct…", objectName="record_correct")
        close = QPushButton("Close")
        buttons = QHBoxLayout()
        buttons.addWidget(self.exclude_button)
        buttons.addWidget(self.correct_button)
        buttons.addStretch(1)
        buttons.addWidget(close)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(QLabel("<b>History</b>"))
        layout.addWidget(self.no_history)
        layout.addWidget(self.history, 1)
        layout.addLayout(buttons)

        self.exclude_button.clicked.connect(self.ask_exclude)
        self.correct_button.clicked.connect(self.ask_correct)
        close.clicked.connect(self.accept)
        self.reload()

    # -- showing -------------------------------------------------------------------

    def reload(self) -> None:
        service = self._service
        self.record = record = service.result_record(self.observation_id)
        obs = record.observation
        unit = service.unit_label(obs.unit)
        f = self.fields
        f["analyte"].setText(service.analyte_label(obs.analyte_key))
        f["reported"].setText(obs.raw_value)
        f["unit"].setText(unit or "—")
        converted = converted_value_text(obs, service.format_value, service.unit_label)
        if converted == NOT_CONVERTED:
            converted += " (unit not recognised)"
        elif not converted:
            converted = "same as reported" if obs.value is not None else "—"
        f["converted"].setText(converted)
        f["collected"].setText(f"{obs.collected_at:%Y-%m-%d %H:%M}")
        f["lab"].setText(obs.lab or "—")
        f["flag"].setText(obs.flag or "—")
        f["range"].setText(self._range_text(obs, unit))
        f["source"].setText(record.source_label)
        f["note"].setText(obs.note or "—")
        if obs.excluded:
            f["status"].setText(f"Excluded: {obs.excluded_reason}")
            f["status"].setStyleSheet("color: #b00020;")
        else:
            f["status"].setText("Included in trends and findings")
            f["status"].setStyleSheet("")
        self._fill_history(record.history)
        writable = service.can(RESULT_WRITE)
        # One button toggles: an excluded result offers to count again (undo).
        self.exclude_button.setText("Include again…" if obs.excluded else "Exclude…")
        self.exclude_button.setEnabled(writable)
        self.correct_button.setEnabled(writable)
        tip = "" if writable else "Your role cannot change results."
        self.exclude_button.setToolTip(tip)
        self.correct_button.setToolTip(tip)

    @staticmethod
    def _range_text(obs, unit: str) -> str:
        if obs.ref_text:
            return obs.ref_text
        if obs.ref_low is None and obs.ref_high is None:
            return "— (not reported)"
        if obs.ref_low is None:
            return f"≤ {_number(obs.ref_high)} {unit}".rstrip()
        if obs.ref_high is None:
            return f"≥ {_number(obs.ref_low)} {unit}".rstrip()
        return f"{_number(obs.ref_low)}–{_number(obs.ref_high)} {unit}".rstrip()

    def _fill_history(self, history) -> None:
        self.history.setRowCount(len(history))
        for row, revision in enumerate(history):
            before = revision.previous
            was = f"{before.get('raw_value', '')} {before.get('unit', '')}".strip()
            if before.get("excluded_reason"):
                was += f" (excluded: {before['excluded_reason']})"
            cells = (
                revision.changed_at[:19].replace("T", " "),
                revision.changed_by,
                revision.change,
                revision.reason,
                was,
            )
            for column, text in enumerate(cells):
                self.history.setItem(row, column, QTableWidgetItem(text))
        self.history.setVisible(bool(history))
        self.no_history.setVisible(not history)

    # -- changing ------------------------------------------------------------------

    def ask_exclude(self) -> ExcludeDialog:
        """Exclude the result, or include it again when it is excluded."""
        include = self.record.observation.excluded
        dialog = ExcludeDialog(self._service, self.observation_id, self, include=include)
        return self._run(dialog)

    def ask_correct(self) -> CorrectDialog:
        dialog = CorrectDialog(self._service, self.record.observation, self)
        return self._run(dialog)

    def _run(self, dialog: QDialog):
        self.action_dialog = dialog
        dialog.accepted.connect(self._changed)
        dialog.open()
        return dialog

    def _changed(self) -> None:
        self.reload()
        self.changed.emit(self.observation_id)
