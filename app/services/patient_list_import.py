"""Import a patient list: preview what it would add, then add it in one transaction.

Each listed patient is new (added), already here (same MRN, same name and birth date:
nothing to do), or refused with the reason: its MRN belongs to someone else, or a
patient with the same name and birth date is kept under another MRN (the same person
twice would split their results). Patients the list gives a date of death are added
archived, with the date in their notes, so lab history can still attach to them.
Every patient added is audited; a list whose clinic changed since its preview is
refused whole.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from app.core.labfiles.model import FileRejected
from app.core.models import Patient
from app.core.patient_list import ListedPatient, PatientList, read_patient_list
from app.security import roles


class PatientListChanged(Exception):
    """The clinic's patients changed between the preview and the import."""


@dataclass
class PatientListPreview:
    """What importing the list would do (nothing is written until ``add``)."""

    listing: PatientList
    sha256: str
    new: list[ListedPatient] = field(default_factory=list)
    already: list[ListedPatient] = field(default_factory=list)
    refused: list[tuple[ListedPatient, str]] = field(default_factory=list)

    @property
    def summary(self) -> str:
        rejected = len({p.line for p in self.listing.problems})
        parts = [
            f"{self.listing.rows_read} rows read",
            f"{len(self.new)} new",
            f"{len(self.already)} already in the clinic",
            f"{len(self.refused)} refused",
            f"{rejected} unreadable",
        ]
        deceased = sum(1 for p in self.new if p.date_of_death)
        if deceased:
            parts.append(f"{deceased} of the new with a date of death (added archived)")
        return ", ".join(parts)


class PatientListImporter:
    """Patient lists into one clinic, for a user allowed to add patients."""

    def __init__(self, service):
        self._service = service

    def preview(self, path: Path, date_order: str | None = None) -> PatientListPreview:
        """Read ``path`` and sort its patients into new, already here and refused.

        Raises:
            FileRejected: Not a readable patient list (the message says why).
            NeedsDateOrder: Every birth date reads both ways; pass ``date_order``.
        """
        self._service.session.require(roles.PATIENT_WRITE, "demographics")
        path = Path(path)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise FileRejected(f"The file could not be read: {exc.strerror or exc}.") from exc
        listing = read_patient_list(data, path.name, self._service.today(), date_order)
        preview = PatientListPreview(listing, hashlib.sha256(data).hexdigest())
        for listed in listing.patients:
            reason = self._refusal(listed)
            if reason is None:
                preview.already.append(listed)
            elif reason:
                preview.refused.append((listed, reason))
            else:
                preview.new.append(listed)
        return preview

    def add(self, preview: PatientListPreview) -> list[int]:
        """Add the preview's new patients, all or none; returns their ids.

        Raises:
            PatientListChanged: A patient was added or changed since the preview.
        """
        service = self._service
        listing = preview.listing
        added: list[int] = []
        with service.audited_write(
            roles.PATIENT_WRITE,
            "import",
            "demographics",
            detail=(
                f"patient list {listing.file_name} (SHA-256 {preview.sha256[:16]}): "
                f"{len(preview.new)} new"
            ),
        ):
            for listed in preview.new:
                if self._refusal(listed) != "":
                    raise PatientListChanged(
                        f"The clinic's patients changed since the preview (line {listed.line}, "
                        f"MRN {listed.mrn}); nothing was added. Preview the list again."
                    )
                saved = service.patients_repo.add(_as_patient(listed, listing.file_name))
                service.session.record(
                    "create",
                    "demographics",
                    saved.id,
                    detail=f"from patient list {listing.file_name}, line {listed.line}",
                )
                added.append(saved.id)
        return added

    def _refusal(self, listed: ListedPatient) -> str | None:
        """ "" to add, None when already here, else why the patient is not added."""
        repo = self._service.patients_repo
        holder = repo.by_mrn(listed.mrn)
        if holder is not None:
            same = (
                holder.date_of_birth == listed.date_of_birth
                and holder.family_name.casefold() == listed.family_name.casefold()
                and holder.given_name.casefold() == listed.given_name.casefold()
            )
            if same:
                return None
            return (
                f"MRN {listed.mrn} belongs to {holder.display_name}, born "
                f"{holder.date_of_birth}: the list names someone else"
            )
        twins = self._service.namesakes(listed.family_name, listed.given_name, listed.date_of_birth)
        if twins:
            return (
                f"{twins[0].display_name}, born {listed.date_of_birth}, is already here as MRN "
                f"{twins[0].mrn}; change one of the MRNs if these are two people"
            )
        return ""


def _as_patient(listed: ListedPatient, file_name: str) -> Patient:
    notes = f"Added from the patient list {file_name}."
    if listed.date_of_death:
        notes += f" Date of death in that list: {listed.date_of_death.isoformat()}."
    return Patient(
        id=None,
        mrn=listed.mrn,
        family_name=listed.family_name,
        given_name=listed.given_name,
        date_of_birth=listed.date_of_birth,
        sex_at_birth=listed.sex_at_birth,
        notes=notes,
        archived=listed.date_of_death is not None,
    )
