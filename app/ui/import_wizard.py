"""The import wizard: choose a file, check every row, then commit the batch whole.

Reading and committing run off the GUI thread with a progress bar and Cancel; the
preview shows every problem before anything is written.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QStackedWidget,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.core.labfiles import FileRejected, ImportCancelled, NeedsDateOrder, ReadOptions
from app.core.labfiles.role_labels import describe_columns
from app.services.importing import (
    NOT_TRACKED,
    Importer,
    NothingToImport,
    apply_profile,
    nothing_to_import_text,
    problems_report,
    profile_settings,
)
from app.ui.import_columns import ColumnMappingBox
from app.ui.import_patients_box import FilePatientsBox
from app.ui.import_preview_model import ImportPreviewTableModel, fitted_widths
from app.ui.tasks import run_task

FILE_FILTER = "Lab files (*.csv *.txt *.tsv *.hl7 *.json);;All files (*)"


class ImportWizard(QDialog):
    """One file from choice to committed batch."""

    imported = Signal(int)  # batch id

    def __init__(self, service, path: str | None = None, parent=None):
        super().__init__(parent)
        self._service = service
        self._importer = Importer(service)
        self._data: bytes = b""
        self._parsed = None
        self._preview = None
        self._content_widths: list[int] = []  # the preview columns' widths before capping
        self._options = ReadOptions()
        self._column_map: dict | None = None
        self._task = None
        self.result_text = ""
        self.setWindowTitle("Import lab results")
        self.resize(1100, 720)
        self.pages = QStackedWidget()
        self.pages.addWidget(self._build_source_page())
        self.pages.addWidget(self._build_check_page())
        self.pages.addWidget(self._build_done_page())
        self.progress = QProgressBar(objectName="import_progress")
        self.progress.setRange(0, 100)
        self.progress.hide()
        self.cancel_button = QPushButton("Cancel", objectName="cancel_import")
        self.back_button = QPushButton("Back")
        self.commit_button = QPushButton("Import", objectName="commit_import")
        self.commit_button.setDefault(True)
        self.close_button = QPushButton("Close")
        buttons = QHBoxLayout()
        buttons.addWidget(self.progress, 1)
        buttons.addWidget(self.back_button)
        buttons.addWidget(self.commit_button)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.pages, 1)
        layout.addLayout(buttons)
        self._connect()
        self._show_page(0)
        if path:
            self.path_edit.setText(path)

    # -- pages ----------------------------------------------------------------------

    def _build_source_page(self) -> QWidget:
        page = QWidget()
        self.path_edit = QLineEdit(objectName="import_path")
        self.path_edit.setPlaceholderText("Choose a CSV, HL7 v2 or FHIR file, or drop it here")
        self.browse_button = QPushButton("Browse…")
        self.profile_combo = QComboBox(objectName="import_profile")
        self.profile_combo.addItem("Detect automatically", "")
        for name in self._importer.profile_names():
            self.profile_combo.addItem(name, name)
        self.read_button = QPushButton("Read file", objectName="read_file")
        self.source_message = QLabel(objectName="source_message")
        self.source_message.setWordWrap(True)
        self.source_message.setStyleSheet("color: #b00020;")
        self.date_box = QGroupBox("The dates in this file can be read two ways")
        self.date_samples = QLabel()
        self.date_dmy = QRadioButton("Day first (31/12/2024, European)")
        self.date_mdy = QRadioButton("Month first (12/31/2024, US)")
        self.date_group = QButtonGroup(self)
        self.date_group.addButton(self.date_dmy)
        self.date_group.addButton(self.date_mdy)
        box_layout = QVBoxLayout(self.date_box)
        box_layout.addWidget(self.date_samples)
        box_layout.addWidget(self.date_dmy)
        box_layout.addWidget(self.date_mdy)
        self.date_box.hide()
        row = QHBoxLayout()
        row.addWidget(self.path_edit, 1)
        row.addWidget(self.browse_button)
        form = QFormLayout()
        form.addRow("File", row)
        form.addRow("Import profile", self.profile_combo)
        layout = QVBoxLayout(page)
        layout.addLayout(form)
        layout.addWidget(self.date_box)
        layout.addWidget(self.read_button, 0, Qt.AlignLeft)
        layout.addWidget(self.source_message)
        layout.addStretch(1)
        return page

    def _fit_preview_columns(self) -> None:
        """Cap each preview column (``fitted_widths``) so Range, Collected, Lab and the
        Problem column stay in sight in a 1200-px-wide wizard."""
        header = self.preview_table.horizontalHeader()
        room = self.preview_table.viewport().width() if self.preview_table.isVisible() else 0
        for column, width in enumerate(fitted_widths(self._content_widths, room)):
            header.resizeSection(column, width)

    def _build_check_page(self) -> QWidget:
        page = QWidget()
        self.file_info = QLabel(objectName="file_info")
        self.file_info.setWordWrap(True)
        self.counts = QLabel(objectName="import_counts")
        self.counts.setStyleSheet("font-weight: 600;")
        self.preview_model = ImportPreviewTableModel(
            self._service.analyte_label,
            self,
            patient_label=self._patient_label,
            unit_refusal=self._service.unit_refusal,
        )
        self.preview_table = QTableView(objectName="preview_table")
        self.preview_table.setModel(self.preview_model)
        self.preview_table.verticalHeader().hide()
        self.preview_table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.preview_table.horizontalHeader().setSectionResizeMode(QHeaderView.Interactive)
        self.preview_table.horizontalHeader().setStretchLastSection(True)
        self.preview_table.setWordWrap(False)  # one line a row; a cut cell's tooltip has it all
        self.mapping_table = QTableWidget(0, 3, objectName="analyte_mapping")
        self.mapping_table.setHorizontalHeaderLabels(["Name in the file", "Rows", "Analyte"])
        header = self.mapping_table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.Stretch)  # the name, read in full
        header.setSectionResizeMode(1, QHeaderView.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.Fixed)
        header.resizeSection(2, 230)
        self.mapping_table.setWordWrap(False)
        self.mapping_table.verticalHeader().hide()
        self.mapping_table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.mapping_table.setSelectionMode(QAbstractItemView.ExtendedSelection)
        # An EHR export can name dozens of tests the clinic does not track: room for ten
        # rows at least (the side panel scrolls), not three.
        self.mapping_table.setMinimumHeight(
            11 * self.mapping_table.verticalHeader().defaultSectionSize()
        )
        self.not_tracked_button = QPushButton(
            "Selected: not tracked", objectName="mark_not_tracked"
        )
        self.not_tracked_button.setToolTip(
            "Choose 'Not tracked' for every selected name (vital signs, questionnaires); "
            "then apply the mappings."
        )
        self.apply_mapping_button = QPushButton("Apply mappings")
        self.patients_box = FilePatientsBox(self._service.search_patients)
        self.patients_label = self.patients_box.summary
        self.create_patients = QCheckBox(
            "Create unmatched patients named with birth date", objectName="create_patients"
        )
        self.create_patients.setToolTip(
            "Create the unmatched patients the file names with a full name and date of "
            "birth (not those you assigned to a clinic patient)."
        )
        self.create_patients.toggled.connect(self._update_commit_button)
        self.profile_name = QLineEdit(objectName="save_profile")
        self.profile_name.setPlaceholderText("optional: save these settings as a profile")
        self.save_report_button = QPushButton("Save rejected rows…")
        self.columns_box = ColumnMappingBox()
        # What needs a decision first (unknown tests, unmatched patients); the column
        # guesses, named above the counts already, are corrected below when wrong.
        side = QVBoxLayout()
        unknown = QLabel(
            "<b>Unknown analytes</b>: map each once to an analyte, or mark it not tracked; "
            "the clinic remembers either."
        )
        unknown.setWordWrap(True)
        side.addWidget(unknown)
        side.addWidget(self.mapping_table, 1)
        mapping_buttons = QHBoxLayout()
        mapping_buttons.addWidget(self.not_tracked_button)
        mapping_buttons.addWidget(self.apply_mapping_button)
        side.addLayout(mapping_buttons)
        side.addWidget(QLabel("<b>Patients</b>"))
        side.addWidget(self.patients_box, 1)
        side.addWidget(self.create_patients)
        side.addWidget(self.columns_box)
        side.addWidget(self.profile_name)
        side.addWidget(self.save_report_button)
        # The side panel and the file's notes scroll, so a file with many columns or
        # many notes (an analyzer's scale factors) never pushes the buttons off screen.
        side_panel = QWidget()
        side_panel.setLayout(side)
        side_scroll = QScrollArea(objectName="check_side")
        side_scroll.setWidgetResizable(True)
        side_scroll.setFrameShape(QFrame.NoFrame)
        side_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        side_scroll.setWidget(side_panel)
        info_scroll = QScrollArea(objectName="file_info_area")
        info_scroll.setWidgetResizable(True)
        info_scroll.setFrameShape(QFrame.NoFrame)
        info_scroll.setWidget(self.file_info)
        info_scroll.setMaximumHeight(110)
        middle = QHBoxLayout()
        # The preview takes 7/11: its ten columns fit there (``fitted_widths``), and the
        # side panel keeps room for the names of unknown tests beside their choosers.
        middle.addWidget(self.preview_table, 7)
        middle.addWidget(side_scroll, 4)
        layout = QVBoxLayout(page)
        layout.addWidget(info_scroll)
        layout.addWidget(self.counts)
        layout.addLayout(middle, 1)
        return page

    def _patient_label(self, patient_id: int) -> str:
        patient = self._service.get_patient(patient_id)
        return f"{patient.display_name} ({patient.mrn})"

    def _build_done_page(self) -> QWidget:
        page = QWidget()
        self.done_label = QLabel(objectName="import_done")
        self.done_label.setWordWrap(True)
        self.done_label.setStyleSheet("font-size: 15px;")
        layout = QVBoxLayout(page)
        layout.addWidget(self.done_label)
        layout.addStretch(1)
        return page

    def _connect(self) -> None:
        self.browse_button.clicked.connect(self.browse)
        self.read_button.clicked.connect(self.read_file)
        self.cancel_button.clicked.connect(self.cancel)
        self.back_button.clicked.connect(lambda: self._show_page(0))
        self.commit_button.clicked.connect(self.commit)
        self.close_button.clicked.connect(self.accept)
        self.apply_mapping_button.clicked.connect(self.apply_mappings)
        self.not_tracked_button.clicked.connect(self.mark_selected_not_tracked)
        self.save_report_button.clicked.connect(self.save_report)
        self.columns_box.reread_requested.connect(self.reread_with_columns)
        self.patients_box.assignment_changed.connect(self.assign_patient)

    def _show_page(self, index: int) -> None:
        self.pages.setCurrentIndex(index)
        self.back_button.setVisible(index == 1)
        self.commit_button.setVisible(index == 1)
        self.close_button.setVisible(index == 2)
        self.cancel_button.setVisible(index != 2)

    def _busy(self, busy: bool) -> None:
        self.progress.setVisible(busy)
        self.progress.setValue(0)
        for widget in (self.read_button, self.commit_button, self.back_button):
            widget.setEnabled(not busy)

    # -- step 1: read -------------------------------------------------------------------

    def browse(self) -> None:
        chosen, _ = QFileDialog.getOpenFileName(self, "Import lab results", "", FILE_FILTER)
        if chosen:
            self.path_edit.setText(chosen)

    def reread_with_columns(self, column_map: dict) -> None:
        """Read the same file again with the user's column choices."""
        self._column_map = column_map
        self.read_file()

    def read_file(self) -> None:
        path = Path(self.path_edit.text().strip())
        self.source_message.clear()
        try:
            self._data = path.read_bytes()
        except OSError as exc:
            self.source_message.setText(f"Cannot read {path}: {exc.strerror or exc}.")
            return
        options = ReadOptions()
        profile = self.profile_combo.currentData()
        if self.date_box.isVisible():
            if not self.date_group.checkedButton():
                self.source_message.setText("Choose whether the day or the month comes first.")
                return
            options.date_order = "dmy" if self.date_dmy.isChecked() else "mdy"
        if self._column_map:
            options.column_map = dict(self._column_map)
        if profile:
            apply_profile(options, self._importer.profile(profile) or {})
        self._options = options
        name = path.name
        self._busy(True)
        self._task = run_task(
            lambda task: self._read_and_preview(task, name, options, profile),
            on_finished=self._read_done,
            on_failed=self._read_failed,
            on_progress=lambda f: self.progress.setValue(int(f * 100)),
        )

    def _read_and_preview(self, task, name: str, options: ReadOptions, profile: str):
        """Worker thread: parse the bytes, then match rows against the clinic."""
        parsed = self._importer.read(
            self._data, name, options, lambda f: task.progress.emit(f), task.is_cancelled
        )
        if not profile:
            found = self._importer.profile_for(parsed)
            profile = found[0] if found else ""
        return parsed, self._importer.preview(self._data, name, parsed, profile)

    def _read_failed(self, exc: BaseException) -> None:
        self._busy(False)
        if isinstance(exc, NeedsDateOrder):
            self.date_samples.setText("For example: " + ", ".join(exc.samples[:4]))
            self.date_box.show()
            self.source_message.setText(str(exc))
        elif isinstance(exc, FileRejected):
            self.source_message.setText(str(exc))
        elif isinstance(exc, ImportCancelled):
            self.source_message.setText("Reading was cancelled; nothing was imported.")
        else:
            raise exc

    def _read_done(self, result) -> None:
        self._busy(False)
        self._parsed, self._preview = result
        self._fill_check_page()
        self._show_page(1)

    # -- step 2: check ------------------------------------------------------------------------

    def _fill_check_page(self) -> None:
        preview, parsed = self._preview, self._parsed
        columns = describe_columns(dict(parsed.columns))
        again = ""
        if preview.already_imported:
            again = (
                f" This exact file was imported before (batch {preview.already_imported[0].id})."
            )
        profile = f" Profile: {preview.profile_name}." if preview.profile_name else ""
        self.file_info.setText(
            f"{preview.file_name}: {parsed.format}, {parsed.layout} layout, {parsed.encoding}"
            f"{', delimiter ' + repr(parsed.delimiter) if parsed.delimiter else ''}"
            f"{', decimal comma' if parsed.decimal_mark == ',' else ''}."
            f"{profile}{again}\nColumns: {columns or 'n/a'}"
            + ("\n" + "\n".join(parsed.notes) if parsed.notes else "")
        )
        summary = preview.summary()
        assigned = (
            f" (of them {summary['assigned_rows']:,} assigned by you)"
            if summary["assigned_rows"]
            else ""
        )
        self.counts.setText(
            f"{summary['new']:,} new{assigned} · {summary['duplicates']:,} already in the clinic · "
            f"{summary['rejected']:,} rejected · {summary['unmatched_patient_rows']:,} for "
            f"unmatched patients · {summary['unknown_analyte_rows']:,} with unknown analytes"
            + (
                f" · {summary['untracked_analyte_rows']:,} of tests not tracked"
                if summary["untracked_analyte_rows"]
                else ""
            )
            + (
                f" · {summary['unrecognised_unit_rows']:,} in units kept as reported"
                if summary["unrecognised_unit_rows"]
                else ""
            )
        )
        self.columns_box.setVisible(parsed.format == "csv")
        if parsed.format == "csv":
            self.columns_box.set_file(list(parsed.headers), dict(parsed.columns))
        self.preview_model.set_preview(preview)
        self.preview_table.resizeColumnsToContents()
        # A patient with a 36-character EHR id or a long test name would push Result,
        # Unit and Problem out of sight; each cell's full text is its tooltip.
        header = self.preview_table.horizontalHeader()
        self._content_widths = [header.sectionSize(c) for c in range(header.count() - 1)]
        self._fit_preview_columns()
        # Again once the page is laid out: only then is the table's width known.
        QTimer.singleShot(0, self._fit_preview_columns)
        self._fill_mappings()
        self.patients_box.set_preview(preview, self._importer.patients.why_not_created)
        self.create_patients.setEnabled(bool(preview.unmatched_patients))
        self._update_commit_button()

    def _update_commit_button(self) -> None:
        """Import only when the commit would add rows; say why not otherwise.

        A file with nothing new may still carry choices about later files (a test
        mapped or marked not tracked): the button then remembers those alone.
        """
        if self._preview is None:
            return
        create = self.create_patients.isChecked()
        importable = self._importer.importable_rows(self._preview, create)
        choices = 0 if importable else self._importer.choices_to_remember()
        self.commit_button.setText("Remember choices" if choices else "Import")
        self.commit_button.setEnabled(importable > 0 or choices > 0)
        self.commit_button.setToolTip(
            ""
            if importable
            else nothing_to_import_text(self._preview)
            + (
                f" The {choices} test names you mapped or marked not tracked can still be "
                "remembered for later files."
                if choices
                else ""
            )
        )

    def _fill_mappings(self) -> None:
        """Unknown tests to map, then those the clinic said it does not track (to undo)."""
        unknown = sorted(self._preview.unknown_analytes.items())
        untracked = sorted(self._preview.untracked_analytes.items())
        self.mapping_table.setRowCount(len(unknown) + len(untracked))
        choices = self._service.analyte_choices()
        for row, (text, lines) in enumerate([*unknown, *untracked]):
            name = QTableWidgetItem(text)
            name.setToolTip(text)  # long names are cut short in the column
            self.mapping_table.setItem(row, 0, name)
            self.mapping_table.setItem(row, 1, QTableWidgetItem(str(len(lines))))
            combo = QComboBox()
            combo.addItem("— leave out this time —", "")
            combo.addItem("Not tracked: leave out of every import", NOT_TRACKED)
            for choice in choices:
                combo.addItem(choice.label, choice.key)
            if row >= len(unknown):
                combo.setCurrentIndex(1)
            combo.setToolTip(
                "Map the name to an analyte (remembered for later files), leave its rows out "
                "of this import, or say the clinic does not track it (vital signs, "
                "questionnaires): its rows are then left out of every import without asking."
            )
            self.mapping_table.setCellWidget(row, 2, combo)

    def mark_selected_not_tracked(self) -> None:
        """Set the selected names' choice to 'Not tracked' (applied with the others)."""
        for index in self.mapping_table.selectionModel().selectedRows():
            combo = self.mapping_table.cellWidget(index.row(), 2)
            combo.setCurrentIndex(combo.findData(NOT_TRACKED))

    def apply_mappings(self) -> None:
        """Take the chosen mappings; each is remembered when the import is committed."""
        untracked = self._preview.untracked_analytes
        for row in range(self.mapping_table.rowCount()):
            text = self.mapping_table.item(row, 0).text()
            key = self.mapping_table.cellWidget(row, 2).currentData()
            if key and not (key == NOT_TRACKED and text in untracked):
                self._importer.map_analyte(text, key)
        self._refresh_preview()

    def assign_patient(self, who, patient_id: int | None) -> None:
        """The user's choice of clinic patient for a file patient; the counts follow."""
        self._importer.assign(who, patient_id)
        # Later: the chooser that emitted this is replaced when the table is refilled.
        QTimer.singleShot(0, self._refresh_preview)

    def _refresh_preview(self) -> None:
        self._preview = self._importer.preview(
            self._data, self._preview.file_name, self._parsed, self._preview.profile_name
        )
        self._fill_check_page()

    def save_report(self) -> None:
        target, _ = QFileDialog.getSaveFileName(self, "Save rejected rows", "rejected-rows.tsv")
        if target:
            report = problems_report(self._preview.rejected)
            self._importer.save_rejected(report, Path(target), self._preview.file_name)

    # -- step 3: commit -----------------------------------------------------------------------

    def commit(self) -> None:
        profile_name = self.profile_name.text().strip()
        save = (
            (profile_name, profile_settings(self._options, self._parsed)) if profile_name else None
        )
        create = self.create_patients.isChecked()
        self._busy(True)
        self.progress.setRange(0, 0)  # one transaction: no partial progress to report
        self._task = run_task(
            lambda task: self._importer.commit(
                self._preview, self._data, create_patients=create, save_profile=save
            ),
            on_finished=self._committed,
            on_failed=self._commit_failed,
        )

    def _committed(self, result) -> None:
        self.progress.setRange(0, 100)
        self._busy(False)
        self.result_text = done_text(
            result,
            self._preview.file_name,
            can_undo=self._service.can("import.undo"),
        )
        self.done_label.setText(self.result_text)
        self._show_page(2)
        self.imported.emit(result.batch_id)

    def _commit_failed(self, exc: BaseException) -> None:
        self.progress.setRange(0, 100)
        self._busy(False)
        if isinstance(exc, NothingToImport):
            self.counts.setText(str(exc))  # says what was remembered, if anything
            self._update_commit_button()
            return
        self.counts.setText(f"Nothing was imported: {exc}")

    def cancel(self) -> None:
        if self._task is not None and self.progress.isVisible():
            self._task.cancel()
            return
        self.reject()


def done_text(result, file_name: str, *, can_undo: bool = True) -> str:  # noqa: ANN001
    """What the import did, in counts a clinician reads at a glance (zeros left out)."""
    imported = f"{result.imported:,} result{'' if result.imported == 1 else 's'}"
    lines = [f"Imported {imported} from {file_name} as batch {result.batch_id}."]
    for count, one, many in (
        (result.patients_created, "patient was created", "patients were created"),
        (result.duplicates, "result already in the clinic was skipped",
         "results already in the clinic were skipped"),
        (result.rejected, "row was rejected", "rows were rejected"),
        (result.skipped, "row was left out (unmatched patient or a test not imported)",
         "rows were left out (unmatched patients or tests not imported)"),
        (result.unconverted, "result is kept in the unit the lab wrote, not converted",
         "results are kept in the unit the lab wrote, not converted"),
    ):  # fmt: skip
        if count:
            lines.append(f"{count:,} {one if count == 1 else many}.")
    if result.stored_path:
        lines.append(f"The original file is kept at {result.stored_path}.")
    lines.append(
        "File > Import history… shows this batch and can undo it."
        if can_undo
        else "File > Import history… shows this batch; a clinician or an administrator can undo it."
    )
    return "\n".join(lines)
