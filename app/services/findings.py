"""Evaluate patients against their protocols: findings, suppressions, worklists.

The engine (``app.core.evaluation``) is a pure function; this module gathers its
inputs from the store and keeps the clinician's suppressions.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from app.core.csv_safety import neutralize_row
from app.core.models import Patient
from app.core.validation import ValidationError
from app.security import roles
from app.store.clinic_scan import stream_held_results
from app.store.suppressions import SuppressionRepository

if TYPE_CHECKING:  # the engine is imported on first use, not when the app starts
    from app.core.evaluation import Evaluation, Finding, Suppression


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


class FindingsService:
    """Findings for one clinic, through its ``ClinicService``."""

    def __init__(self, service):
        self._service = service
        self._suppressions = SuppressionRepository(service.database)
        self._rules = None
        # Patients the last clinic-wide run had to read whole (for benchmarks and tests).
        self.reread = 0

    @property
    def rules(self):
        """The validated rule pack (loaded once)."""
        if self._rules is None:
            from app.core.evaluation import load_rules

            self._rules = load_rules(self._service.knowledge)
        return self._rules

    def suppressions(self, patient_id: int) -> list[Suppression]:
        return [_as_suppression(r) for r in self._suppressions.active_for(patient_id)]

    def evaluate(
        self, patient_id: int, as_of: date | None = None, *, with_checks: bool = True
    ) -> Evaluation:
        """Findings for one patient; ``with_checks`` also keeps the rules that did not fire."""
        from app.core.evaluation import EvaluationOptions, evaluate

        service = self._service
        return evaluate(
            service.get_patient(patient_id),
            service.regimen(patient_id),
            service.observations(patient_id),
            service.knowledge,
            as_of or service.today(),
            self.suppressions(patient_id),
            options=EvaluationOptions(include_checks=with_checks),
        )

    def suppress(
        self, patient_id: int, finding: Finding, reason: str, user_id: int | None = None
    ) -> None:
        """Hide a finding for this patient until its rule changes; the reason is required."""
        if not reason.strip():
            raise ValidationError({"reason": "Say why this finding is suppressed."})
        with self._service.audited_write(
            roles.FINDING_SUPPRESS,
            "suppress",
            "findings",
            patient_id,
            detail=f"{finding.rule_id} v{finding.rule_version}: {reason.strip()}",
        ):
            self._suppressions.add(
                patient_id,
                finding.rule_id,
                finding.fingerprint,
                reason.strip(),
                user_id if user_id is not None else self._service.user.id,
            )

    def unsuppress(self, patient_id: int, rule_id: str) -> None:
        with self._service.audited_write(
            roles.FINDING_SUPPRESS, "unsuppress", "findings", patient_id, detail=rule_id
        ):
            for record in self._suppressions.active_for(patient_id):
                if record.rule_id == rule_id:
                    self._suppressions.revoke(record.id)

    def evaluate_clinic(
        self,
        as_of: date,
        part: int = 0,
        parts: int = 1,
        rule_ids: Iterable[str] | None = None,
    ) -> Iterator[tuple[Patient, Evaluation]]:
        """Findings (not checks) for every active patient, reading the clinic in one pass.

        One query each for patients, regimens and suppressions and one query for the
        results the rules can use (``reading_plan``), instead of three queries per
        patient. A patient whose rules need older results than that read is read
        again whole (same findings as ``evaluate``). ``part`` of ``parts`` takes
        every ``parts``-th patient, so separate processes can share the work.
        ``rule_ids`` runs only those rules (a worklist's): the same findings of theirs,
        without the cost of the others, and only the results they read.
        """
        from app.core.evaluation import EvaluationOptions, evaluate, rules_for, rules_subset
        from app.core.evaluation.held import HeldResults
        from app.core.evaluation.reading import reading_plan

        service = self._service
        service.session.require(roles.CLINICAL_READ, "findings")
        kb = service.knowledge
        pack = rules_for(kb) if rule_ids is None else rules_subset(kb, rule_ids)
        options = EvaluationOptions(include_checks=False, rules=pack)
        regimens = service.regimen_repo.all_by_patient()
        suppressed = self._suppressions.all_active()
        plan = reading_plan(kb, pack, as_of)
        results = stream_held_results(service.database, plan, part, parts)
        pending = next(results, None)
        no_results = HeldResults(frozenset(plan.analytes), {}, {})
        self.reread = 0
        for patient in service.patients_repo.all():
            if patient.id % parts != part:
                continue
            while pending is not None and pending[0] < patient.id:
                pending = next(results, None)
            held = no_results
            if pending is not None and pending[0] == patient.id:
                held = pending[1]
                pending = next(results, None)
            hidden = [_as_suppression(r) for r in suppressed.get(patient.id, [])]
            regimen = regimens.get(patient.id, [])
            evaluation = _evaluate_held(patient, regimen, held, kb, as_of, hidden, options)
            if evaluation is None:  # the rules look further back than the clinic-wide read
                self.reread += 1
                observations = service.observations_repo.for_patient(patient.id)
                evaluation = evaluate(
                    patient, regimen, observations, kb, as_of, hidden, options=options
                )
            yield patient, evaluation

    def export_worklist(self, rows: list[WorklistRow], path: Path) -> None:
        """Write a worklist CSV (audited as an export of patient data)."""
        self._service.session.require(roles.DATA_EXPORT, "findings")
        export_worklist_csv(rows, path)
        self._service.record_event(
            "export", "findings", detail=f"worklist of {len(rows)} rows to {Path(path).name}"
        )

    def rule_choices(self) -> list[tuple[str, str]]:
        """(rule id, title) of every rule, for the worklist picker."""
        return sorted(((r.id, r.title) for r in self.rules.rules), key=lambda c: c[1].casefold())

    def worklist(
        self,
        rule_ids: Iterable[str],
        *,
        as_of: date | None = None,
        statuses: Iterable[str] | None = None,
        include_suppressed: bool = False,
        progress: Callable[[int, int], None] | None = None,
        is_cancelled: Callable[[], bool] | None = None,
    ) -> list[WorklistRow]:
        """Every active patient with a finding from one of ``rule_ids``."""
        wanted = set(rule_ids)
        unknown = wanted - {r.id for r in self.rules.rules}
        if unknown:
            raise ValidationError({"rule": f"Unknown rule(s): {', '.join(sorted(unknown))}."})
        status_filter = set(statuses) if statuses else None
        as_of = as_of or self._service.today()
        self._service.audited_read(
            roles.CLINICAL_READ,
            "query",
            "findings",
            detail=f"worklist {', '.join(sorted(wanted))} as of {as_of}",
        )
        rows: list[WorklistRow] = []
        total = self._service.count_patients()
        clinic = self.evaluate_clinic(as_of, rule_ids=wanted)
        for done, (patient, evaluation) in enumerate(clinic, start=1):
            if is_cancelled and is_cancelled():
                break
            for finding in evaluation.findings:
                if finding.rule_id not in wanted:
                    continue
                if finding.suppressed and not include_suppressed:
                    continue
                if status_filter and finding.status not in status_filter:
                    continue
                rows.append(_row(patient, finding))
            if progress and (done % 200 == 0 or done == total):
                progress(done, total)
        return rows


def _evaluate_held(patient, regimen, held, kb, as_of, hidden, options) -> Evaluation | None:  # noqa: ANN001
    """Findings from a clinic-wide read; None when the rules need results it did not keep."""
    from app.core.evaluation import evaluate
    from app.core.evaluation.held import HistoryNotHeld

    if held is None:
        return None
    try:
        return evaluate(patient, regimen, held, kb, as_of, hidden, options=options)
    except HistoryNotHeld:
        return None


def _as_suppression(record) -> Suppression:
    """A stored suppression as the engine reads it."""
    from app.core.evaluation import Suppression

    return Suppression(
        record.rule_id,
        record.fingerprint,
        record.reason,
        record.created_by or "this workstation",
        record.created_at,
    )


def _row(patient: Patient, finding: Finding) -> WorklistRow:
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


WORKLIST_COLUMNS = (
    "MRN",
    "Patient",
    "Date of birth",
    "Finding",
    "Status",
    "Severity",
    "Latest value",
    "Next step",
)


def worklist_cells(row: WorklistRow) -> list[str]:
    return [
        row.mrn,
        row.name,
        row.date_of_birth.isoformat(),
        row.title,
        row.status,
        row.severity,
        row.latest,
        row.next_step,
    ]


def export_worklist_csv(rows: list[WorklistRow], path: Path) -> None:
    """Write the worklist as CSV, every cell safe from spreadsheet formula injection."""
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(WORKLIST_COLUMNS)
        for row in rows:
            writer.writerow(neutralize_row(worklist_cells(row)))
