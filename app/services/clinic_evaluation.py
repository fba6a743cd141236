"""Every active patient's findings from one pass over a clinic (the worklist's run).

One query each for patients, regimens and suppressions and one query for the
results the rules can use (``reading_plan``), instead of three queries per
patient. A patient whose rules need older results than that read is read again
whole (same findings as a per-patient evaluation). It needs only an open
``ClinicDatabase`` and the knowledge base, so a worker process that opened the
clinic itself runs the same pass over its part of the patients.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import TYPE_CHECKING

from app.core.models import Patient
from app.store.clinic_scan import stream_held_results
from app.store.database import ClinicDatabase
from app.store.observations import ObservationRepository
from app.store.patients import PatientRepository
from app.store.regimen import RegimenRepository
from app.store.suppressions import SuppressionRepository

if TYPE_CHECKING:  # the engine is imported on first use, not when the app starts
    from app.core.evaluation import Evaluation, RulePack, Suppression
    from app.core.knowledge import KnowledgeBase


class ClinicEvaluation:
    """Findings (not checks) of every active patient in one part of the clinic.

    ``part`` of ``parts`` takes one of ``parts`` runs of patients of about equal
    length, in id order, so separate processes can share the work (each reads only
    its own patients' results). Iterate it for ``(patient, evaluation)`` in patient
    id order; afterwards ``reread`` counts the patients read whole.
    """

    def __init__(
        self,
        clinic: ClinicDatabase,
        kb: KnowledgeBase,
        pack: RulePack,
        as_of: date,
        part: int = 0,
        parts: int = 1,
    ) -> None:
        self._clinic = clinic
        self._kb = kb
        self._pack = pack
        self._as_of = as_of
        self._part = part
        self._parts = parts
        self.reread = 0

    def __iter__(self) -> Iterator[tuple[Patient, Evaluation]]:
        from app.core.evaluation import EvaluationOptions, evaluate
        from app.core.evaluation.held import HeldResults
        from app.core.evaluation.reading import reading_plan

        clinic, kb, as_of = self._clinic, self._kb, self._as_of
        options = EvaluationOptions(include_checks=False, rules=self._pack)
        patients = PatientRepository(clinic).all()
        count, part, parts = len(patients), self._part, self._parts
        patients = patients[count * part // parts : count * (part + 1) // parts]
        if not patients:
            return
        regimens = RegimenRepository(clinic).all_by_patient()
        suppressed = SuppressionRepository(clinic).all_active()
        plan = reading_plan(kb, self._pack, as_of)
        results = stream_held_results(clinic, plan, (patients[0].id, patients[-1].id))
        pending = next(results, None)
        no_results = HeldResults(frozenset(plan.analytes), {}, {})
        self.reread = 0
        for patient in patients:
            while pending is not None and pending[0] < patient.id:
                pending = next(results, None)
            held = no_results
            if pending is not None and pending[0] == patient.id:
                held = pending[1]
                pending = next(results, None)
            hidden = [as_suppression(r) for r in suppressed.get(patient.id, [])]
            regimen = regimens.get(patient.id, [])
            evaluation = _evaluate_held(patient, regimen, held, kb, as_of, hidden, options)
            if evaluation is None:  # the rules look further back than the clinic-wide read
                self.reread += 1
                observations = ObservationRepository(clinic).for_patient(patient.id)
                evaluation = evaluate(
                    patient, regimen, observations, kb, as_of, hidden, options=options
                )
            yield patient, evaluation


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


def as_suppression(record) -> Suppression:  # noqa: ANN001 - a SuppressionRecord
    """A stored suppression as the engine reads it."""
    from app.core.evaluation import Suppression

    return Suppression(
        record.rule_id,
        record.fingerprint,
        record.reason,
        record.created_by or "this workstation",
        record.created_at,
    )
