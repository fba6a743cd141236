"""Worklist rows: one line per patient finding, as the worklist, its CSV and reports show it.

A row is small and plain (no trace, no texts but the next step), so worker
processes of a clinic-wide run send rows back instead of whole findings.
"""

from __future__ import annotations

from collections.abc import Container
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from app.core.formatting import used_value_text
from app.core.models import Patient

if TYPE_CHECKING:  # the engine is imported on first use, not when the app starts
    from app.core.evaluation import Evaluation, Finding
    from app.core.knowledge import KnowledgeBase

NO_RESULT = "no usable result"
# Most pressing first: the worklist opens in this order. ``app.core.evaluation``'s
# SEVERITIES reversed, written here so the worklist need not import the engine.
SEVERITY_ORDER = ("urgent", "warning", "consider", "info")


@dataclass(frozen=True)
class WorklistRow:
    patient_id: int
    mrn: str
    name: str
    date_of_birth: date
    rule_id: str
    title: str
    status: str
    severity: str
    marker: str
    latest: str
    next_step: str


@dataclass(frozen=True)
class WorklistFilter:
    """Which findings make worklist rows: their rules, statuses, and suppressed or not.

    Attributes:
        rule_ids: The worklist's rules.
        statuses: Only these statuses (None: any).
        include_suppressed: Keep findings a clinician suppressed.
    """

    rule_ids: frozenset[str]
    statuses: frozenset[str] | None = None
    include_suppressed: bool = False

    def rows(
        self, patient: Patient, evaluation: Evaluation, kb: KnowledgeBase
    ) -> list[WorklistRow]:
        """The rows of one patient's evaluation that pass the filter."""
        return [
            worklist_row(patient, finding, kb)
            for finding in evaluation.findings
            if _wanted(finding, self.rule_ids, self.statuses, self.include_suppressed)
        ]

    def hidden(self, evaluation: Evaluation) -> int:
        """Findings left out only because a clinician suppressed them (0 when included)."""
        if self.include_suppressed:
            return 0
        return sum(
            1
            for finding in evaluation.findings
            if finding.suppressed and _wanted(finding, self.rule_ids, self.statuses, True)
        )


def _wanted(
    finding: Finding,
    rule_ids: Container[str],
    statuses: Container[str] | None,
    include_suppressed: bool,
) -> bool:
    if finding.rule_id not in rule_ids:
        return False
    if finding.suppressed and not include_suppressed:
        return False
    return statuses is None or finding.status in statuses


def worklist_row(patient: Patient, finding: Finding, kb: KnowledgeBase) -> WorklistRow:
    """One finding's row; its latest value is that of the finding's own test."""
    return WorklistRow(
        patient_id=patient.id,
        mrn=patient.mrn,
        name=patient.display_name,
        date_of_birth=patient.date_of_birth,
        rule_id=finding.rule_id,
        title=finding.title,
        status=finding.status,
        severity=finding.severity,
        marker=finding.marker,
        latest=latest_value(finding, kb),
        next_step=finding.next_step,
    )


def triage_key(row: WorklistRow) -> tuple:
    """Where a row stands in the worklist as it opens: most severe first, then by name.

    A clinic-wide list sorted by MRN buried its one warning at row 15 of 16. Ties on
    severity go by patient name (case-insensitive), then MRN, so equal lists open alike.
    """
    rank = SEVERITY_ORDER.index(row.severity) if row.severity in SEVERITY_ORDER else 99
    return (rank, row.name.casefold(), row.name, row.mrn, row.patient_id)


def marker_analytes(marker: str, kb: KnowledgeBase) -> tuple[str, ...]:
    """The analytes that measure a finding's marker, the one it is judged on first.

    A marker is an analyte (``hematocrit``) or a nutrient, measured by its related
    analytes in the order the knowledge base lists them (magnesium: serum, then RBC).
    """
    nutrient = kb.nutrients.get(marker)
    related = nutrient.related_analytes if nutrient is not None else ()
    return tuple(dict.fromkeys([marker, *related] if marker in kb.analytes else related))


def latest_value(finding: Finding, kb: KnowledgeBase) -> str:
    """The newest result of the finding's own test, as the worklist shows it.

    Never another input's value: a magnesium finding also reads SHBG, and the newest
    of all its inputs may be that SHBG. Empty when the finding reads no result of
    its test (an intake finding); ``NO_RESULT`` when it looked for one and had none.
    """
    values = finding.trace.values
    looked = False
    for analyte in marker_analytes(finding.marker, kb):
        own = [v for v in values if v.analyte == analyte]
        looked = looked or bool(own)
        dated = [v for v in own if v.value is not None and v.collected_at is not None]
        if dated:  # else the next test of the marker (B12 missing: its MMA)
            return used_value_text(max(dated, key=lambda v: v.collected_at), kb)
    return NO_RESULT if looked else ""
