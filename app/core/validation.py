"""Field-level checks for what a user types, before anything is written.

Each check returns ``{field: message}``; an empty dict means the record may be
saved. The UI shows each message beside its field, the CLI prints them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from app.core.models import REGIMEN_KINDS, SEX_AT_BIRTH, Patient, RegimenItem

OLDEST_PLAUSIBLE_BIRTH_YEAR = 1900


class ValidationError(Exception):
    """Raised by services when a record fails validation; nothing was written."""

    def __init__(self, errors: dict[str, str]):
        self.errors = dict(errors)
        super().__init__("; ".join(f"{field}: {message}" for field, message in errors.items()))


def validate_patient(patient: Patient, today: date) -> dict[str, str]:
    """Check a patient record as a user would fill it in."""
    errors: dict[str, str] = {}
    if not patient.mrn.strip():
        errors["mrn"] = "Enter the medical record number."
    elif len(patient.mrn.strip()) > 40:
        errors["mrn"] = "The medical record number is longer than 40 characters."
    if not patient.family_name.strip():
        errors["family_name"] = "Enter the family name."
    if not patient.given_name.strip():
        errors["given_name"] = "Enter the given name."
    if patient.date_of_birth > today:
        errors["date_of_birth"] = "The date of birth is in the future."
    elif patient.date_of_birth.year < OLDEST_PLAUSIBLE_BIRTH_YEAR:
        errors["date_of_birth"] = f"The date of birth is before {OLDEST_PLAUSIBLE_BIRTH_YEAR}."
    if patient.sex_at_birth not in SEX_AT_BIRTH:
        errors["sex_at_birth"] = "Choose the sex assigned at birth."
    if patient.email and "@" not in patient.email:
        errors["email"] = "This does not look like an e-mail address."
    return errors


def validate_regimen_item(item: RegimenItem, today: date) -> dict[str, str]:
    """Check a regimen item (hormone drug, medication or supplement)."""
    errors: dict[str, str] = {}
    if item.kind not in REGIMEN_KINDS:
        errors["kind"] = "Choose hormone, medication or supplement."
    if not item.substance.strip():
        errors["substance"] = "Enter what is taken."
    if item.dose is not None and item.dose <= 0:
        errors["dose"] = "The dose must be more than zero."
    if item.dose is not None and not item.dose_unit.strip():
        errors["dose_unit"] = "Enter the unit of the dose."
    if item.interval_days is not None and item.interval_days <= 0:
        errors["interval_days"] = "The interval must be more than zero days."
    if item.stop_date is not None and item.stop_date < item.start_date:
        errors["stop_date"] = "The stop date is before the start date."
    if (item.start_date - today).days > 366:
        errors["start_date"] = "The start date is more than a year ahead."
    return errors


@dataclass(frozen=True, slots=True)
class DoseChange:
    """A new dose for an existing regimen item, effective on ``effective``."""

    item_id: int
    dose: float
    dose_unit: str
    interval_days: float | None
    effective: date
    note: str = ""


def validate_dose_change(current: RegimenItem, change: DoseChange) -> dict[str, str]:
    """A dose change must start after the current dose started and while it runs."""
    errors: dict[str, str] = {}
    if change.dose <= 0:
        errors["dose"] = "The dose must be more than zero."
    if change.interval_days is not None and change.interval_days <= 0:
        errors["interval_days"] = "The interval must be more than zero days."
    if change.effective <= current.start_date:
        errors["effective"] = (
            f"The change must take effect after the current dose started ({current.start_date})."
        )
    if current.stop_date is not None:
        errors["effective"] = "This item has already been stopped; add it again instead."
    return errors
