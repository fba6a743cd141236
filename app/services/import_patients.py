"""Who a lab file's rows belong to: exact matching, and creating the patients it names.

A file patient is matched by MRN, else by full name and date of birth; an MRN whose
record names someone else, or a name shared by several patients, is not matched, and
the reason is kept for the user. Nothing is attached to a patient by a fuzzy guess.
"""

from __future__ import annotations

from datetime import date

from app.core.importing import FilePatient
from app.core.models import Patient
from app.services.import_assignments import Assignments
from app.services.import_model import ImportPreview


class FilePatients:
    """Matching and creating the patients of one clinic for imports."""

    def __init__(self, service):
        self._service = service
        self.assignments = Assignments(service)
        # The clinic patients the last resolve matched, by id (their birth dates are
        # checked against every draw next).
        self._matched: dict[int, Patient] = {}

    def resolve(
        self, people: list[FilePatient], preview: ImportPreview
    ) -> dict[FilePatient, int | None]:
        """Match each distinct file patient: the user's assignment, else MRN, else name and
        date of birth, exactly."""
        repo = self._service.patients_repo
        found: dict[FilePatient, int | None] = {}
        distinct = list(dict.fromkeys(people))
        by_mrn = repo.by_mrns(who.mrn for who in distinct if who.mrn)
        self._matched = {patient.id: patient for patient in by_mrn.values()}
        for who in distinct:
            found[who] = self.assignments.get(who)
            if found[who] is not None:
                preview.assigned_to[who] = found[who]
                continue
            if who.mrn:
                patient = by_mrn.get(who.mrn)
                if patient is None:
                    preview.patient_notes[who] = _no_mrn_match_text(who.mrn)
                elif _conflicts(patient, who):
                    preview.patient_notes[who] = (
                        f"MRN {who.mrn} belongs to {patient.display_name}, born "
                        f"{patient.date_of_birth}: the file's name or birth date differs"
                    )
                else:
                    found[who] = patient.id
                continue
            if who.family_name and who.given_name and who.date_of_birth:
                matches = repo.by_name_and_birth_date(
                    who.family_name, who.given_name, who.date_of_birth
                )
                if len(matches) == 1:
                    found[who] = matches[0].id
                    self._matched[matches[0].id] = matches[0]
                elif matches:
                    preview.patient_notes[who] = "several patients have this name and birth date"
                else:
                    preview.patient_notes[who] = "no patient with this name and birth date"
            elif who.sample_id or not (who.family_name or who.given_name):
                preview.patient_notes[who] = "the file gives no patient identifier"
            else:
                preview.patient_notes[who] = "the file gives no MRN, or no name with birth date"
        return found

    def birth_date(self, patient_id: int) -> date:
        """A matched or assigned patient's date of birth (read once per resolve)."""
        patient = self._matched.get(patient_id)
        if patient is None:
            patient = self._matched[patient_id] = self._service.get_patient(patient_id)
        return patient.date_of_birth

    def why_not_created(self, who: FilePatient) -> str:
        """Why ``--create-patients`` would not create this file patient ("" if it would)."""
        if not (who.family_name and who.given_name):
            return "the file gives no full name"  # an MRN alone says too little
        if not who.date_of_birth:
            return "the file gives no readable date of birth"
        if who.date_of_birth > self._service.today():
            return f"the date of birth {who.date_of_birth} is in the future"
        if who.mrn and self._service.patients_repo.mrn_taken(who.mrn):
            return f"MRN {who.mrn} belongs to another patient"
        return ""

    def create(self, preview: ImportPreview) -> dict[FilePatient, int]:
        created: dict[FilePatient, int] = {}
        repo = self._service.patients_repo
        for who in preview.unmatched_patients:
            if self.why_not_created(who):
                continue
            mrn = who.mrn or f"IMPORT-{preview.sha256[:6]}-{len(created) + 1}"
            if repo.mrn_taken(mrn):
                continue
            patient = repo.add(
                Patient(
                    id=None,
                    mrn=mrn,
                    family_name=who.family_name,
                    given_name=who.given_name,
                    date_of_birth=who.date_of_birth,
                    sex_at_birth=who.sex if who.sex in ("female", "male") else "unknown",
                    notes=f"Created by the import of {preview.file_name}.",
                )
            )
            created[who] = patient.id
        return created


def _no_mrn_match_text(mrn: str) -> str:
    if mrn.startswith(_RESOURCE_ID_PREFIXES):
        # FHIR files often name the patient only by the sending system's resource id.
        return (
            f"{mrn} is the sending system's resource id, not an MRN; no patient has it "
            "as MRN (the file gives no identifier to match)"
        )
    return "no patient with this MRN"


_RESOURCE_ID_PREFIXES = ("Patient/", "urn:uuid:")


def _conflicts(patient: Patient, who: FilePatient) -> bool:
    """True when the file names a different person than the MRN's record."""
    if who.date_of_birth and who.date_of_birth != patient.date_of_birth:
        return True
    return bool(who.family_name) and who.family_name.casefold() != patient.family_name.casefold()
