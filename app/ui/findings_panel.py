"""The Findings tab: what stands in the way of the protocol, grouped by severity.

The detail pane shows the trace (values, ranges and their sources, the rule and
knowledge-base version) and the citations, so a clinician can see why a finding
fired. Every data-derived string is HTML-escaped before it is shown.
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from html import escape
from typing import TYPE_CHECKING

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTextBrowser,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.core.citation_text import FindingSources
from app.core.formatting import trace_range_text
from app.core.validation import ValidationError

if TYPE_CHECKING:
    from app.core.evaluation import Finding

SEVERITY_LABELS = {
    "urgent": "Urgent: clinician review",
    "warning": "Warning",
    "consider": "Consider",
    "info": "For information",
}
SEVERITY_COLOURS = {
    "urgent": "#b00020",
    "warning": "#c25e00",
    "consider": "#1f5fa8",
    "info": "#555",
}
# The list's Evidence column: one word each, so the finding's title keeps the width.
GRADE_SHORT = {
    "guideline": "guideline",
    "randomised_trial": "trial",
    "observational": "observational",
    "mechanistic": "mechanistic",
    "expert_opinion": "expert opinion",
}
GRADE_WORDS = {
    "guideline": "guideline",
    "randomised_trial": "randomised trial",
    "observational": "observational evidence",
    "mechanistic": "mechanistic reasoning",
    "expert_opinion": "expert opinion",
}


class SuppressDialog(QDialog):
    def __init__(self, finding: Finding, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Suppress finding")
        self.reason = QLineEdit(objectName="suppress_reason")
        self.reason.setPlaceholderText("e.g. discussed with patient; declines supplementation")
        self.error = QLabel()
        self.error.setStyleSheet("color: #b00020;")
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        buttons.accepted.connect(self._check)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        hide = QLabel(
            f"Hide “{finding.title}” for this patient until the rule changes or a new "
            "result it reads is entered, imported or corrected."
        )
        hide.setWordWrap(True)
        layout.addWidget(hide)
        layout.addWidget(self.reason)
        layout.addWidget(self.error)
        layout.addWidget(buttons)

    def _check(self) -> None:
        if not self.reason.text().strip():
            self.error.setText("Say why this finding is suppressed.")
            return
        self.accept()


class FindingsPanel(QWidget):
    changed = Signal()  # a finding was suppressed or unsuppressed

    def __init__(self, service, findings_service, parent=None):
        super().__init__(parent)
        self._service = service
        self._findings = findings_service
        self._patient_id: int | None = None
        self.evaluation = None
        self.as_of = QDateEdit(objectName="findings_as_of")
        self.as_of.setDisplayFormat("yyyy-MM-dd")
        self.as_of.setCalendarPopup(True)
        self._set_as_of(service.today())
        self.show_suppressed = QCheckBox("Show suppressed", objectName="show_suppressed")
        self.summary = QLabel(objectName="findings_summary")
        self.summary.setWordWrap(True)
        self.tree = QTreeWidget(objectName="findings_tree")
        self.tree.setHeaderLabels(["Finding", "Status", "Evidence"])
        # The title takes what status and evidence leave; those two are short words
        # (the detail pane spells the grade out), so a title is not cut at the usual width.
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeToContents)
        self.detail = QTextBrowser(objectName="finding_detail")
        self.detail.setOpenExternalLinks(True)
        self.suppress_button = QPushButton("Suppress…", objectName="suppress_finding")
        self.unsuppress_button = QPushButton("Show again", objectName="unsuppress_finding")
        top = QHBoxLayout()
        top.addWidget(QLabel("As of"))
        top.addWidget(self.as_of)
        top.addWidget(self.show_suppressed)
        top.addStretch(1)
        top.addWidget(self.suppress_button)
        top.addWidget(self.unsuppress_button)
        splitter = QSplitter(Qt.Horizontal)
        splitter.addWidget(self.tree)
        splitter.addWidget(self.detail)
        splitter.setSizes([620, 480])
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.summary)
        layout.addWidget(splitter, 1)
        self.as_of.dateChanged.connect(self.refresh)
        self.show_suppressed.toggled.connect(self._fill)
        self.tree.currentItemChanged.connect(self._show_detail)
        self.suppress_button.clicked.connect(self.suppress_selected)
        self.unsuppress_button.clicked.connect(self.unsuppress_selected)
        self._update_buttons()

    def _set_as_of(self, day: date) -> None:
        self.as_of.setDate(QDate(day.year, day.month, day.day))

    def show_patient(self, patient_id: int | None) -> None:
        self._patient_id = patient_id
        self.refresh()

    def refresh(self, *_args) -> None:
        if self._patient_id is None:
            self.evaluation = None
        else:
            self.evaluation = self._findings.evaluate(
                self._patient_id, self.as_of.date().toPython()
            )
        self._fill()

    def _fill(self, *_args) -> None:
        self.tree.clear()
        self.detail.clear()
        evaluation = self.evaluation
        if evaluation is None:
            self.summary.clear()
            self._update_buttons()
            return
        shown = [
            f for f in evaluation.findings if self.show_suppressed.isChecked() or not f.suppressed
        ]
        hidden = sum(1 for f in evaluation.findings if f.suppressed)
        protocols = ", ".join(self._service.protocol_label(p) for p in evaluation.protocols)
        protocols = protocols or "none detected"
        self.summary.setText(
            f"Protocol: {protocols}. {len(shown)} finding(s)"
            + (f", {hidden} suppressed" if hidden else "")
            + f". Knowledge base {evaluation.kb_version}, rules {evaluation.rules_version}. "
            "Findings support clinical judgement; they are not a diagnosis."
        )
        from app.core.evaluation import severity_rank

        # One rule can fire for several markers (a monitoring gap per missing test):
        # a title that repeats names its marker, so the list tells them apart.
        repeated = {t for t, n in Counter(f.title for f in shown).items() if n > 1}
        groups: dict[str, QTreeWidgetItem] = {}
        for finding in sorted(shown, key=lambda f: -severity_rank(f.severity)):
            group = groups.get(finding.severity)
            if group is None:
                group = QTreeWidgetItem([SEVERITY_LABELS.get(finding.severity, finding.severity)])
                group.setFirstColumnSpanned(True)
                font = group.font(0)
                font.setBold(True)
                group.setFont(0, font)
                self.tree.addTopLevelItem(group)
                group.setExpanded(True)
                groups[finding.severity] = group
            title = finding.title
            if title in repeated:
                title += f": {self._service.analyte_label(finding.marker)}"
            title += "  (suppressed)" if finding.suppressed else ""
            status = finding.status.replace("_", " ")
            grade = GRADE_WORDS.get(finding.evidence_grade, finding.evidence_grade)
            item = QTreeWidgetItem([title, status, GRADE_SHORT.get(finding.evidence_grade, grade)])
            # The whole title, status and grade, whatever width the pane is given.
            for column, tip in enumerate((title, status, grade)):
                item.setToolTip(column, tip)
            item.setData(0, Qt.UserRole, finding)
            item.setForeground(0, self.palette().text())
            group.addChild(item)
        first = self.tree.topLevelItem(0)
        if first is not None and first.childCount():
            self.tree.setCurrentItem(first.child(0))
        elif not shown:
            # Say so, rather than leave both panes blank as if nothing had loaded.
            hint = (
                f" {hidden} suppressed finding(s) are hidden: tick Show suppressed to see them."
                if hidden
                else ""
            )
            self.detail.setHtml(
                "<p style='color:#555'>No findings as of "
                f"{escape(self.as_of.date().toString('yyyy-MM-dd'))}: the rules for this "
                f"patient's protocol found nothing to flag in the results on file.{escape(hint)}"
                "</p>"
            )
        self._update_buttons()

    def selected_finding(self) -> Finding | None:
        item = self.tree.currentItem()
        return item.data(0, Qt.UserRole) if item is not None else None

    def _update_buttons(self, *_args) -> None:
        finding = self.selected_finding()
        may = self._service.can("finding.suppress")
        self.suppress_button.setEnabled(may and finding is not None and not finding.suppressed)
        self.unsuppress_button.setEnabled(
            may and finding is not None and finding.suppressed is not None
        )

    def _show_detail(self, *_args) -> None:
        finding = self.selected_finding()
        self._update_buttons()
        self.detail.setHtml(detail_html(finding, self._service) if finding else "")

    def suppress_selected(self) -> None:
        finding = self.selected_finding()
        if finding is None or self._patient_id is None:
            return
        dialog = SuppressDialog(finding, self)
        if not dialog.exec():
            return
        try:
            self._findings.suppress(self._patient_id, finding, dialog.reason.text())
        except ValidationError as exc:
            self.summary.setText("; ".join(exc.errors.values()))
            return
        self.refresh()
        self.changed.emit()

    def unsuppress_selected(self) -> None:
        finding = self.selected_finding()
        if finding is None or self._patient_id is None:
            return
        self._findings.unsuppress(self._patient_id, finding.rule_id)
        self.refresh()
        self.changed.emit()


def detail_html(finding: Finding, service) -> str:
    """The finding as HTML: texts, the trace and the citations, all data escaped."""
    colour = SEVERITY_COLOURS.get(finding.severity, "#333")
    grade = GRADE_WORDS.get(finding.evidence_grade, finding.evidence_grade)
    parts = [
        f"<h3 style='color:{colour}'>{escape(finding.title)}</h3>",
        f"<p><b>Status:</b> {escape(finding.status.replace('_', ' '))} · "
        f"<b>Severity:</b> {escape(finding.severity)} · <b>Evidence:</b> {escape(grade)}</p>",
    ]
    if finding.suppressed:
        s = finding.suppressed
        parts.append(
            f"<p style='color:#666'><i>Suppressed by {escape(s.user)} on "
            f"{escape(s.at.date().isoformat())}: {escape(s.reason)}</i></p>"
        )
    parts += [
        f"<p>{escape(finding.clinician_text)}</p>",
        f"<p><b>What to check next:</b> {escape(finding.next_step)}</p>",
        f"<p style='color:#444'><b>For the patient:</b> {escape(finding.patient_text)}</p>",
        "<h4>Why this fired</h4>",
    ]
    if finding.trace.values:
        parts.append(
            "<table cellspacing='0' cellpadding='3' border='1'>"
            "<tr><th align='left'>Input</th><th align='left'>Value used</th></tr>"
        )
        for value in finding.trace.values:
            label = service.analyte_label(value.analyte) if value.analyte else value.name
            parts.append(
                f"<tr><td>{escape(label)}</td><td>{escape(service.trace_value_text(value))}</td></tr>"
            )
        parts.append("</table>")
    if finding.trace.regimen:
        parts.append("<p><b>Regimen used</b></p><ul>")
        for item in finding.trace.regimen:
            dose = f"{item.dose:g} {item.dose_unit}" if item.dose is not None else ""
            since = f" since {item.start_date.isoformat()}"
            parts.append(
                f"<li>{escape(item.substance.replace('_', ' '))} {escape(dose)}{escape(since)}</li>"
            )
        parts.append("</ul>")
    sources = FindingSources(finding.citations, finding.trace.ranges, service.knowledge.citations)
    if finding.trace.ranges:
        parts.append("<p><b>Ranges and thresholds applied</b></p><ul>")
        for applied in finding.trace.ranges:
            parts.append(
                f"<li>{escape(trace_range_text(applied, service.unit_label))}"
                f" ({escape(sources.range_note(applied))})</li>"
            )
        parts.append("</ul>")
    if finding.trace.notes:
        parts.append(
            "<ul>" + "".join(f"<li>{escape(n)}</li>" for n in finding.trace.notes) + "</ul>"
        )
    parts.append(
        f"<p style='color:#666'>Rule {escape(finding.rule_id)} v{finding.rule_version} · rules "
        f"{escape(finding.trace.rules_version)} · knowledge base {escape(finding.trace.kb_version)}"
        f" · as of {finding.trace.as_of.isoformat()}</p><h4>Sources</h4><ol>"
    )
    for entry in sources.entries:
        # The address itself, so the DOI or page is readable as well as clickable.
        url = escape(entry.url, quote=True)
        link = f" <a href='{url}'>{url}</a>" if entry.url else ""
        parts.append(f"<li>{escape(entry.text)}{link}</li>")
    parts.append("</ol>")
    return "".join(parts)
