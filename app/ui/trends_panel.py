"""The Trends tab: pick analytes, units and a time range; the chart draws the series.

The panel asks ``services.series`` for a ``TrendSeries`` and hands it to the
``TrendChart``; the chart never queries. The same series object feeds the PDF.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.services import series as trends
from app.ui.flowsheet import NAME_COLUMN_MAX, OBSERVATION_ROLE, FlowsheetModel
from app.ui.result_record_dialog import ResultRecordDialog
from app.ui.trend_chart import TrendChart
from app.ui.trend_key import chart_key_html
from app.ui.trend_protocol import PinnedFooterScrollArea

log = logging.getLogger(__name__)

RANGES = (("1 y", 1.0), ("3 y", 3.0), ("All", None))
UNIT_SYSTEMS = (("Conventional", "conventional"), ("SI", "si"))
KEY_ROLE = Qt.UserRole
NO_PRESET = "Choose a preset…"


class TrendsPanel(QWidget):
    """Analyte checklist, presets, unit and range toggles beside the stacked chart."""

    drawn = Signal()
    changed = Signal()  # a result was corrected or excluded from here

    def __init__(self, service, parent=None):
        super().__init__(parent)
        self._service = service
        self.patient_id: int | None = None
        self.unit_system = "conventional"
        self.years: float | None = 3.0
        self.presets: dict[str, list[str]] = {}
        self.series = None
        self._filling = False
        self._choices: dict[QPushButton, object] = {}
        self.record_dialog: ResultRecordDialog | None = None
        self._order: list[str] = []
        self._build()
        self._connect()

    # -- layout --------------------------------------------------------------------

    def _build(self) -> None:
        self.search = QLineEdit(objectName="trend_search", placeholderText="Search analytes…")
        self.search.setClearButtonEnabled(True)
        self.checklist = QListWidget(objectName="trend_analytes")
        # Long names ("Testosterone, free (calculated, Vermeulen)") wrap onto a second
        # line at the pane's width instead of running under a horizontal scroll bar.
        self.checklist.setWordWrap(True)
        self.checklist.setTextElideMode(Qt.ElideNone)
        self.checklist.setResizeMode(QListView.Adjust)
        self.checklist.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.preset_combo = QComboBox(objectName="trend_presets")
        self.unit_buttons = self._toggle_group(UNIT_SYSTEMS, "conventional")
        self.range_buttons = self._toggle_group(RANGES, 3.0)
        self.export_png = QPushButton("Export PNG…", objectName="trend_export_png")
        self.export_svg = QPushButton("Export SVG…", objectName="trend_export_svg")
        self.status = QLabel(objectName="trend_status", wordWrap=True)
        self.status.setStyleSheet("color: #555;")

        left = QWidget()
        column = QVBoxLayout(left)
        column.addWidget(QLabel("Preset"))
        column.addWidget(self.preset_combo)
        column.addWidget(QLabel("Analytes"))
        column.addWidget(self.search)
        column.addWidget(self.checklist, 1)
        column.addWidget(QLabel("Units"))
        column.addLayout(self._row(self.unit_buttons))
        column.addWidget(QLabel("Range"))
        column.addLayout(self._row(self.range_buttons))
        column.addLayout(self._row_widgets(self.export_png, self.export_svg))
        column.addWidget(self.status)

        self.chart = TrendChart()
        self.chart.format_value = self._service.format_value
        self.chart.unit_label = self._service.unit_label
        self.chart.citations = self._service.knowledge.citations
        # The lab lanes scroll; the protocol lane stays pinned under them, as wide as they are.
        self.scroll = PinnedFooterScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setWidget(self.chart)
        self.scroll.set_footer(self.chart.protocol)
        self.flowsheet_model = FlowsheetModel(
            self._service.format_value, self._service.unit_label, self
        )
        self.flowsheet = QTableView(objectName="trend_flowsheet")
        self.flowsheet.setModel(self.flowsheet_model)
        self.flowsheet.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.flowsheet.horizontalHeader().setDefaultSectionSize(96)
        self.flowsheet.verticalHeader().setDefaultSectionSize(24)
        self.flowsheet.verticalHeader().setMaximumWidth(NAME_COLUMN_MAX)
        self.flowsheet.setTextElideMode(Qt.ElideRight)
        self.key = QLabel(chart_key_html(), objectName="trend_key", wordWrap=True)
        self.key.setTextFormat(Qt.RichText)
        self.key.setStyleSheet("color: #444; font-size: 9pt;")
        chart_page = QWidget()
        chart_column = QVBoxLayout(chart_page)
        chart_column.setContentsMargins(0, 0, 0, 0)
        chart_column.addWidget(self.key)
        chart_column.addWidget(self.scroll, 1)
        self.tabs = QTabWidget(objectName="trend_views")
        self.tabs.addTab(chart_page, "Chart")
        self.tabs.addTab(self.flowsheet, "Flowsheet")

        splitter = QSplitter(Qt.Horizontal)
        splitter.addWidget(left)
        splitter.addWidget(self.tabs)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([230, 900])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(splitter)

    def _toggle_group(self, choices, checked) -> QButtonGroup:
        group = QButtonGroup(self)
        group.setExclusive(True)
        for text, value in choices:
            button = QPushButton(text, checkable=True)
            # Kept in Python, not as a Qt property: a None QVariant read back from
            # PySide6 6.12 leaks a reference to None and eventually aborts.
            self._choices[button] = value
            button.setChecked(value == checked)
            group.addButton(button)
        return group

    @staticmethod
    def _row(group: QButtonGroup) -> QHBoxLayout:
        row = QHBoxLayout()
        for button in group.buttons():
            row.addWidget(button)
        return row

    @staticmethod
    def _row_widgets(*widgets) -> QHBoxLayout:
        row = QHBoxLayout()
        for widget in widgets:
            row.addWidget(widget)
        return row

    def _connect(self) -> None:
        self.search.textChanged.connect(self._filter)
        self.checklist.itemChanged.connect(self._checks_changed)
        self.preset_combo.currentTextChanged.connect(self.apply_preset)
        self.unit_buttons.buttonClicked.connect(lambda b: self.set_unit_system(self._choices[b]))
        self.range_buttons.buttonClicked.connect(lambda b: self.set_years(self._choices[b]))
        self.export_png.clicked.connect(lambda: self._ask_export("png"))
        self.export_svg.clicked.connect(lambda: self._ask_export("svg"))
        self.chart.point_clicked.connect(self.open_record)
        self.flowsheet.doubleClicked.connect(self._open_cell)

    # -- state ---------------------------------------------------------------------

    def show_patient(self, patient_id: int | None) -> None:
        """Fill the checklist and presets for a patient and draw the first preset."""
        self.patient_id = patient_id
        self._filling = True
        try:
            self.checklist.clear()
            self.preset_combo.clear()
            self.presets = {}
            self._order = []
            if patient_id is None:
                self.chart.clear_lanes()
                self.flowsheet_model.set_series(None)
                return
            self._fill_checklist(patient_id)
            self.presets = trends.presets(self._service, patient_id)
            self.preset_combo.addItems([NO_PRESET, *self.presets])
            protocols = trends.protocol_presets(self._service, patient_id)
        finally:
            self._filling = False
        self.search.clear()
        # The patient's protocol first; without one, the preset they have most results of
        # (a patient on no protocol is not shown the TRT preset for one haematocrit).
        first = next((name for name in protocols if self._available(self.presets[name])), None)
        if first is None:
            counts = {name: len(self._available(keys)) for name, keys in self.presets.items()}
            first = max(counts, key=counts.get, default=None)
            first = first if first and counts[first] else None
        if first:
            self.preset_combo.setCurrentText(first)
        else:
            self._check_keys(self.available_keys()[:4])
            self.refresh()

    def results_changed(self) -> None:
        """Results were added or corrected elsewhere: list any new analyte, keep the ticks."""
        checked, search = self.checked_keys(), self.search.text()
        self._filling = True
        try:
            self.checklist.clear()
            self._fill_checklist(self.patient_id)
        finally:
            self._filling = False
        self._check_keys(checked)
        self._filter(search)
        self.refresh()

    def _fill_checklist(self, patient_id: int) -> None:
        for key in trends.analytes_with_results(self._service, patient_id):
            item = QListWidgetItem(self._service.analyte_label(key))
            item.setToolTip(item.text())
            item.setData(KEY_ROLE, key)
            item.setFlags(item.flags() | Qt.ItemIsUserCheckable)
            item.setCheckState(Qt.Unchecked)
            self.checklist.addItem(item)

    def available_keys(self) -> list[str]:
        return [self.checklist.item(i).data(KEY_ROLE) for i in range(self.checklist.count())]

    def checked_keys(self) -> list[str]:
        return [
            self.checklist.item(i).data(KEY_ROLE)
            for i in range(self.checklist.count())
            if self.checklist.item(i).checkState() == Qt.Checked
        ]

    def _available(self, keys) -> list[str]:
        have = set(self.available_keys())
        return [k for k in keys if k in have]

    def _check_keys(self, keys) -> None:
        wanted = set(keys)
        self._filling = True
        try:
            for i in range(self.checklist.count()):
                item = self.checklist.item(i)
                state = Qt.Checked if item.data(KEY_ROLE) in wanted else Qt.Unchecked
                item.setCheckState(state)
        finally:
            self._filling = False

    def apply_preset(self, name: str) -> None:
        """Check exactly the preset's analytes that have results, and redraw."""
        if self._filling or name not in self.presets:
            return
        self._order = list(self.presets[name])
        self._check_keys(self._available(self.presets[name]))
        self.refresh()

    def set_unit_system(self, system: str) -> None:
        self.unit_system = system
        for button in self.unit_buttons.buttons():
            button.setChecked(self._choices[button] == system)
        self.refresh()

    def set_years(self, years: float | None) -> None:
        self.years = years
        for button in self.range_buttons.buttons():
            button.setChecked(self._choices[button] == years)
        self.refresh()

    def _filter(self, text: str) -> None:
        needle = text.strip().casefold()
        for i in range(self.checklist.count()):
            item = self.checklist.item(i)
            hay = f"{item.text()} {item.data(KEY_ROLE)}".casefold()
            item.setHidden(bool(needle) and needle not in hay)

    def _checks_changed(self, _item) -> None:
        if not self._filling:
            self.refresh()

    # -- drawing -------------------------------------------------------------------

    def refresh(self) -> None:
        """Ask the services layer for the series and draw it."""
        if self.patient_id is None:
            return
        # Lanes follow the last preset's order (total T first for TRT), then the checklist's.
        order = {key: i for i, key in enumerate(self._order)}
        keys = sorted(self.checked_keys(), key=lambda k: order.get(k, len(order)))
        self.series = trends.series_for(
            self._service, self.patient_id, keys, self.unit_system, self.years
        )
        self.chart.draw(self.series)
        self.flowsheet_model.set_series(self.series)
        if self.flowsheet_model.columnCount():
            self.flowsheet.scrollTo(
                self.flowsheet_model.index(0, self.flowsheet_model.columnCount() - 1)
            )
        unplotted = sum(a.unplotted for a in self.series.analytes)
        notes = [f"{unplotted} result(s) without a number or a known unit are not drawn."]
        notes = notes if unplotted else []
        notes += self._outside_range(keys)
        self.status.setText(" ".join(notes) if keys else "Tick analytes to draw them.")
        self.drawn.emit()

    def _outside_range(self, keys: list[str]) -> list[str]:
        """Say which ticked analytes have results, but none in the range shown."""
        if self.years is None:
            return []
        empty = [a.key for a in self.series.analytes if not a.points and a.key in keys]
        notes = []
        for key in empty:
            results = self._service.observations(self.patient_id, [key])
            if results:
                latest = max(r.collected_at for r in results).date()
                notes.append(
                    f"{self._service.analyte_label(key)}: none in this range "
                    f"(latest {latest}; choose All)."
                )
        return notes

    def open_record(self, observation_id: int) -> ResultRecordDialog:
        """Show a clicked result's record; a correction or exclusion redraws the chart."""
        dialog = ResultRecordDialog(self._service, observation_id, self)
        dialog.setAttribute(Qt.WA_DeleteOnClose)
        dialog.changed.connect(self._record_changed)
        self.record_dialog = dialog
        dialog.open()
        return dialog

    def _open_cell(self, index) -> None:
        observation_id = self.flowsheet_model.data(index, OBSERVATION_ROLE)
        if observation_id is not None:
            self.open_record(observation_id)

    def _record_changed(self, _observation_id: int) -> None:
        self.refresh()
        self.changed.emit()

    def export(self, path: str) -> None:
        """Write the chart to ``path`` (.png or .svg)."""
        self.chart.build_all()  # lanes not scrolled to yet are built only now
        # The lab lanes' scene, then the protocol lane's under it (two widgets on screen),
        # every protocol row of it (on screen, rows past four scroll).
        views = [self.chart]
        protocol = self.chart.protocol
        if protocol.lane is not None:
            views.append(protocol)
        protocol.show_every_row(True)
        try:
            if str(path).lower().endswith(".svg"):
                self._export_svg(str(path), views)
            else:
                self._export_png(str(path), views)
        finally:
            protocol.show_every_row(False)
        self._service.record_event("export", "chart", self.patient_id, detail="trend chart")

    @staticmethod
    def _paint_views(painter, views) -> None:
        """Paint each view's scene as the view shows it (its whole height), one under another."""
        from PySide6.QtCore import QRectF

        top = 0.0
        for view in views:
            # The view's rect, not the scene's: items far outside (bands) grow the scene's.
            rect = view.sceneRect()
            view.scene().render(painter, QRectF(0, top, rect.width(), rect.height()), rect)
            top += rect.height()

    @staticmethod
    def _export_size(views):
        from PySide6.QtCore import QSize

        rects = [view.sceneRect() for view in views]
        width = max(rect.width() for rect in rects)
        return QSize(round(width), round(sum(rect.height() for rect in rects)))

    def _export_png(self, path: str, views) -> None:
        from PySide6.QtGui import QImage, QPainter

        image = QImage(self._export_size(views), QImage.Format_ARGB32)
        image.fill(Qt.white)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.Antialiasing)
        painter.setRenderHint(QPainter.TextAntialiasing)
        try:
            self._paint_views(painter, views)
        finally:
            painter.end()
        image.save(path)

    def _export_svg(self, path: str, views) -> None:
        # Qt's generator, not pyqtgraph's SVGExporter: that one draws one view, and its
        # path rewriting fails on Qt 6.12's path syntax.
        from PySide6.QtCore import QRect
        from PySide6.QtGui import QPainter
        from PySide6.QtSvg import QSvgGenerator

        size = self._export_size(views)
        generator = QSvgGenerator()
        generator.setFileName(path)
        generator.setSize(size)
        generator.setViewBox(QRect(0, 0, size.width(), size.height()))
        generator.setTitle("Cofactor trend chart")
        painter = QPainter(generator)
        try:
            self._paint_views(painter, views)
        finally:
            painter.end()

    def _ask_export(self, kind: str) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, "Export chart", f"trends.{kind}", f"{kind.upper()} (*.{kind})"
        )
        if path:
            self.export(path)
