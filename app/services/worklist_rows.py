"""Worklist rows: one line per patient finding, as the worklist, its CSV and reports show it.

A row is small and plain (no trace, no texts but the next step), so worker
processes of a clinic-wide run send rows back instead of whole findings.
"""

from __future__ import annotations

from collections.abc import Container
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from app.core.models import Patient

if TYPE_CHECKING:  # the engine is imported on first use, not when the app starts
    from app.core.evaluation import Evaluation, Finding


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

    def rows(self, patient: Patient, evaluation: Evaluation) -> list[WorklistRow]:
        """The rows of one patient's evaluation that pass the filter."""
        return [
            worklist_row(patient, finding)
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


def worklist_row(patient: Patient, finding: Finding) -> WorklistRow:
    latest = ""
    values = [v for v in finding.trace.values if v.collected_at is not None]
    if values:
        newest = max(values, key=lambda v: v.collected_at)
        shown = f"{newest.comparator or ''}{newest.value:g}" if newest.value is not None else ""
        latest = f"{shown} {newest.unit} on {newest.collected_at.date().isoformat()}".strip()
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
        latest=latest,
        next_step=finding.next_step,
    )
