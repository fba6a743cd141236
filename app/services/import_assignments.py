"""The user's explicit choice of clinic patient for a file patient the import could not match.

Issue #4: nothing is attached to a patient by a guess. An assignment is made by the user,
for one import only (it is not remembered for the next file), is shown in the preview,
and is recorded with the batch, so undoing the batch removes exactly those rows.
"""

from __future__ import annotations

from app.core.importing import FilePatient
from app.core.models import Patient
from app.services.import_model import ImportPreview

__all__ = ["AssignmentError", "Assignments", "assignment_text"]


class AssignmentError(ValueError):
    """An assignment names a file patient or a clinic patient that does not exist."""


class Assignments:
    """File patient → clinic patient id, as the user chose them for one import."""

    def __init__(self, service):
        self._service = service
        self._chosen: dict[FilePatient, int] = {}

    def get(self, who: FilePatient) -> int | None:
        return self._chosen.get(who)

    def assign(self, who: FilePatient, patient_id: int | None) -> None:
        """Attach ``who``'s rows to the patient ``patient_id``; ``None`` undoes the choice."""
        if patient_id is None:
            self._chosen.pop(who, None)
            return
        try:
            self._service.get_patient(patient_id)
        except KeyError as exc:
            raise AssignmentError(f"No patient with id {patient_id} in this clinic.") from exc
        self._chosen[who] = patient_id

    def assign_text(self, preview: ImportPreview, spec: str) -> tuple[FilePatient, Patient]:
        """Apply one ``WHO=MRN`` choice (the CLI's ``--assign``); raise a one-line error.

        WHO is the file patient as the preview prints it: a sample id, the file's MRN,
        or the whole description (``'Okafor, Samir · born 1975-06-14'``). MRN is the
        clinic patient's MRN. The last ``=`` splits the two, so WHO may contain one.
        """
        who_text, equals, mrn = (part.strip() for part in spec.rpartition("="))
        if not equals or not who_text or not mrn:
            raise AssignmentError(
                f"--assign {spec!r}: write the file patient, '=', and a clinic MRN "
                "(for example --assign '25255=MRN-1001')."
            )
        who = file_patient_named(preview, who_text)
        patient = self._service.find_patient(mrn)
        if patient is None:
            raise AssignmentError(f"--assign {spec!r}: no patient in this clinic has MRN {mrn!r}.")
        self.assign(who, patient.id)
        return who, patient


def file_patient_named(preview: ImportPreview, text: str) -> FilePatient:
    """The unmatched (or already assigned) file patient ``text`` names, exactly."""
    candidates = [*preview.unmatched_patients, *preview.assigned_to]
    folded = text.casefold()
    found = [
        who
        for who in dict.fromkeys(candidates)
        if text in (who.mrn, who.sample_id) or folded == who.describe().casefold()
    ]
    if len(found) == 1:
        return found[0]
    if found:
        shown = "; ".join(who.describe() for who in found)
        raise AssignmentError(
            f"--assign: {text!r} names several file patients ({shown}); write the whole "
            "description instead."
        )
    known = ", ".join(who.describe() for who in candidates[:5])
    more = f" and {len(candidates) - 5} more" if len(candidates) > 5 else ""
    listing = f" (unmatched: {known}{more})" if candidates else " (every row's patient matched)"
    raise AssignmentError(
        f"--assign: {preview.file_name} has no unmatched patient {text!r}{listing}."
    )


def assignment_text(preview: ImportPreview) -> str:
    """The assignments of a batch for its audit record: who, how many rows, to whom."""
    parts = []
    for who, patient_id in preview.assigned_to.items():
        rows = len(preview.assigned_lines.get(who, ()))
        parts.append(
            f"{who.describe()} ({rows} row{'' if rows == 1 else 's'}) to patient {patient_id}"
        )
    return "; assigned by the user: " + ", ".join(parts) if parts else ""
