"""Rows an import reads well but must not write: impossible for their analyte or patient.

A negative concentration or a draw dated before the patient's birth is an error in
the file (a sign slipped in, a date in the wrong column); writing it would put a
result that cannot be true on a patient's chart. Such rows are rejected at the
preview with their line and reason, and the commit leaves them out.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from itertools import compress

from app.core.labfiles import ResultRows, RowProblem
from app.core.plausibility import before_birth_refusal, negative_refusal
from app.services.import_model import DUPLICATE, NEW, REJECTED, UNMATCHED_PATIENT, ImportPreview

_CHECKED = frozenset({NEW, DUPLICATE, UNMATCHED_PATIENT})


def reject_impossible(
    preview: ImportPreview,
    rows: ResultRows,
    visit_patients: Sequence[int | None],
    kb,  # noqa: ANN001 - the knowledge base
    birth_date_of: Callable[[int], date],
) -> None:
    """Mark REJECTED, with a reason in ``preview.row_problems``, the impossible rows."""
    statuses, keys = preview.statuses, preview.analyte_keys
    values, lines = rows.values, rows.lines
    # Negative numbers are rare: a C-level scan finds them, Python looks at those only.
    for index in compress(range(len(values)), map((0.0).__gt__, values)):
        key = keys[index]
        if key is None or statuses[index] not in _CHECKED:
            continue
        analyte = kb.analytes[key]
        reason = negative_refusal(analyte.name, analyte.canonical_unit, values[index])
        if reason:
            _reject(preview, index, lines[index], reason)
    early = _visits_before_birth(rows, visit_patients, birth_date_of)
    if early:
        for index in compress(range(len(rows.visit_ids)), map(early.__contains__, rows.visit_ids)):
            if statuses[index] in _CHECKED:
                _reject(preview, index, lines[index], early[rows.visit_ids[index]])


def _visits_before_birth(
    rows: ResultRows,
    visit_patients: Sequence[int | None],
    birth_date_of: Callable[[int], date],
) -> dict[int, str]:
    """Visit id -> why, for draws before the patient's birth (the clinic's record of the
    patient when matched, else the birth date the file gives)."""
    born: dict[int, date] = {}
    early: dict[int, str] = {}
    for visit_id, (visit, patient_id) in enumerate(zip(rows.visits, visit_patients, strict=True)):
        if visit.collected_at is None:
            continue
        if patient_id is not None:
            if patient_id not in born:
                born[patient_id] = birth_date_of(patient_id)
            birth = born[patient_id]
        else:
            birth = visit.date_of_birth
        if birth is not None:
            reason = before_birth_refusal(visit.collected_at.date(), birth)
            if reason:
                early[visit_id] = reason
    return early


def _reject(preview: ImportPreview, index: int, line: int, reason: str) -> None:
    preview.statuses[index] = REJECTED
    preview.row_problems[index] = RowProblem(line, "", reason)
