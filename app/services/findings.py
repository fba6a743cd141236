"""Evaluate patients against their protocols: findings, suppressions, worklists.

The engine (``app.core.evaluation``) is a pure function; this module gathers its
inputs from the store and keeps the clinician's suppressions.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Iterator
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from app.core.csv_safety import neutralize_row
from app.core.models import Patient
from app.core.validation import ValidationError
from app.security import roles
from app.services.clinic_evaluation import ClinicEvaluation, as_suppression
from app.services.worklist_rows import WorklistFilter, WorklistRow
from app.store.suppressions import SuppressionRepository

if TYPE_CHECKING:  # the engine is imported on first use, not when the app starts
    from app.core.evaluation import Evaluation, Finding, Suppression


class FindingsService:
    """Findings for one clinic, through its ``ClinicService``."""

    def __init__(self, service):
        self._service = service
        self._suppressions = SuppressionRepository(service.database)
        self._rules = None
        # Patients the last clinic-wide run had to read whole (for benchmarks and tests).
        self.reread = 0
        # The last worklist's findings left out because a clinician suppressed them.
        self.suppressed_left_out = 0

    @property
    def rules(self):
        """The validated rule pack (loaded once)."""
        if self._rules is None:
            from app.core.evaluation import load_rules

            self._rules = load_rules(self._service.knowledge)
        return self._rules

    def suppressions(self, patient_id: int) -> list[Suppression]:
        return [as_suppression(r) for r in self._suppressions.active_for(patient_id)]

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
        """Hide a finding for this patient until its rule changes or a result it reads
        changes (``suppression_expiry``); the reason is required."""
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

        See ``ClinicEvaluation``: the same findings as ``evaluate``, from one query
        for the results the rules can use. ``part`` of ``parts`` takes one of
        ``parts`` equal runs of patients (id order), so processes can share the work.
        ``rule_ids`` runs only those rules (a worklist's): the same findings of theirs,
        without the cost of the others, and only the results they read.
        """
        service = self._service
        service.session.require(roles.CLINICAL_READ, "findings")
        run = ClinicEvaluation(
            service.database, service.knowledge, self._pack(rule_ids), as_of, part, parts
        )
        yield from run
        self.reread = run.reread

    def _pack(self, rule_ids: Iterable[str] | None):  # noqa: ANN202 - a RulePack
        """The bundled rule pack, or its subset of ``rule_ids`` (both cached per KB)."""
        from app.core.evaluation import rules_for, rules_subset

        kb = self._service.knowledge
        return rules_for(kb) if rule_ids is None else rules_subset(kb, rule_ids)

    def export_worklist(self, rows: list[WorklistRow], path: Path) -> None:
        """Write a worklist CSV (audited as an export of patient data)."""
        self._service.session.require(roles.DATA_EXPORT, "findings")
        export_worklist_csv(rows, path, self._service.analyte_label)
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
        processes: int = 1,
    ) -> list[WorklistRow]:
        """Every active patient with a finding from one of ``rule_ids``, in patient order.

        ``processes`` above 1 shares the patients with worker processes that open
        the clinic themselves (``clinic_workers``); this process runs its own part
        meanwhile, and the rows are the same.
        """
        wanted = frozenset(rule_ids)
        unknown = wanted - {r.id for r in self.rules.rules}
        if unknown:
            raise ValidationError({"rule": f"Unknown rule(s): {', '.join(sorted(unknown))}."})
        keep = WorklistFilter(wanted, frozenset(statuses) if statuses else None, include_suppressed)
        as_of = as_of or self._service.today()
        self._service.audited_read(
            roles.CLINICAL_READ,
            "query",
            "findings",
            detail=f"worklist {', '.join(sorted(wanted))} as of {as_of}",
        )
        self.suppressed_left_out = 0
        parts = processes if self._service.database.path is not None else 1
        workers = None
        if parts > 1:
            from app.services.clinic_workers import WorkerParts

            # Permission is checked here, before any process opens the clinic.
            self._service.session.require(roles.CLINICAL_READ, "findings")
            kb = self._service.knowledge
            workers = WorkerParts(self._service.database, kb.version, as_of, wanted, keep, parts)
        try:
            rows = self._rows_of_part(as_of, keep, parts, progress, is_cancelled)
        except BaseException:
            if workers is not None:
                workers.cancel()
            raise
        if workers is None:
            return rows
        if is_cancelled and is_cancelled():
            workers.cancel()
            return rows
        rows += workers.rows()  # the later runs of patients, in order
        self.suppressed_left_out += workers.hidden
        if progress:
            total = self._service.count_patients()
            progress(total, total)
        return rows

    def _rows_of_part(
        self,
        as_of: date,
        keep: WorklistFilter,
        parts: int,
        progress: Callable[[int, int], None] | None,
        is_cancelled: Callable[[], bool] | None,
    ) -> list[WorklistRow]:
        """This process's part of a worklist (the whole of it, with one part)."""
        rows: list[WorklistRow] = []
        total = self._service.count_patients()
        clinic = self.evaluate_clinic(as_of, 0, parts, rule_ids=keep.rule_ids)
        for done, (patient, evaluation) in enumerate(clinic, start=1):
            if is_cancelled and is_cancelled():
                break
            rows += keep.rows(patient, evaluation, self._service.knowledge)
            self.suppressed_left_out += keep.hidden(evaluation)
            # With workers, this part is about one in ``parts`` of the patients.
            shown = min(done * parts, total)
            if progress and (done % 200 == 0 or shown == total):
                progress(shown, total)
        return rows


WORKLIST_COLUMNS = (
    "MRN",
    "Patient",
    "Date of birth",
    "Finding",
    "Test",
    "Status",
    "Severity",
    "Latest value",
    "Next step",
)


def worklist_cells(row: WorklistRow, analyte_label: Callable[[str], str]) -> list[str]:
    """A row as the worklist shows and exports it; ``analyte_label`` names its test.

    The test column tells apart the findings one rule gives per test (a monitoring gap
    for hematocrit and another for PSA on one patient).
    """
    return [
        row.mrn,
        row.name,
        row.date_of_birth.isoformat(),
        row.title,
        analyte_label(row.marker) if row.marker else "",
        row.status.replace("_", " "),
        row.severity,
        row.latest,
        row.next_step,
    ]


def export_worklist_csv(
    rows: list[WorklistRow], path: Path, analyte_label: Callable[[str], str]
) -> None:
    """Write the worklist as CSV, every cell safe from spreadsheet formula injection."""
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(WORKLIST_COLUMNS)
        for row in rows:
            writer.writerow(neutralize_row(worklist_cells(row, analyte_label)))
