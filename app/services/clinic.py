"""The one door the UI and the command line use to work with a clinic.

Services validate, decide and call the store; they never hand SQL or widgets
around. Every write that changes more than one row runs in one transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path

from app import __version__
from app.core.labfiles.values import parse_value_text
from app.core.models import Observation, Patient, PatientSummary, RegimenItem
from app.core.validation import (
    DoseChange,
    ValidationError,
    validate_dose_change,
    validate_patient,
    validate_regimen_item,
)
from app.store.database import ClinicDatabase, open_database
from app.store.observations import DuplicateObservation, ObservationRepository
from app.store.patients import DuplicateMrn, PatientRepository
from app.store.regimen import RegimenRepository
from app.store.settings import SettingsRepository

log = logging.getLogger(__name__)

CLINIC_NAME = "clinic_name"
ENCRYPTED_META = "encrypted"


@dataclass(frozen=True)
class SubstanceChoice:
    key: str
    label: str
    kind: str
    route: str
    unit: str


@dataclass(frozen=True)
class AnalyteChoice:
    key: str
    label: str
    units: list[str]


class ClinicService:
    """Patients, regimens and results of one open clinic."""

    def __init__(
        self,
        clinic: ClinicDatabase,
        *,
        today: Callable[[], date] = date.today,
        knowledge=None,
    ):
        self._clinic = clinic
        self._today = today
        self._knowledge = knowledge
        self.patients_repo = PatientRepository(clinic)
        self.regimen_repo = RegimenRepository(clinic)
        self.observations_repo = ObservationRepository(clinic)
        self.settings = SettingsRepository(clinic)

    # -- lifecycle ---------------------------------------------------------

    @classmethod
    def create(
        cls, path: Path | None, *, name: str, key: bytes | None = None, **kwargs
    ) -> ClinicService:
        """Create a new clinic database at ``path`` (``None``: in memory)."""
        if not name.strip():
            raise ValidationError({"name": "Enter the clinic's name."})
        clinic = open_database(path, create=True, key=key, app_version=__version__)
        service = cls(clinic, **kwargs)
        with clinic.transaction():
            service.settings.set(CLINIC_NAME, name.strip())
            service.settings.set_meta(ENCRYPTED_META, "yes" if key else "no")
        return service

    @classmethod
    def open(
        cls, path: Path, *, key: bytes | None = None, verify_now: bool = True, **kwargs
    ) -> ClinicService:
        """Open a clinic; with ``verify_now=False`` call ``verify_integrity()`` soon after."""
        clinic = open_database(path, key=key, app_version=__version__, verify_now=verify_now)
        if clinic.migrated_from is not None:
            log.info("clinic schema upgraded from %s", clinic.migrated_from)
        return cls(clinic, **kwargs)

    def close(self) -> None:
        self._clinic.close()

    def verify_integrity(self) -> str | None:
        """Check the file (safe on a worker thread); returns the damage found, or None."""
        self._clinic.verify_integrity()
        return self._clinic.damage

    @property
    def database(self) -> ClinicDatabase:
        return self._clinic

    @property
    def path(self) -> Path | None:
        return self._clinic.path

    @property
    def clinic_name(self) -> str:
        return self.settings.get(CLINIC_NAME, "Clinic")

    @property
    def encrypted(self) -> bool:
        return self.settings.meta(ENCRYPTED_META) == "yes"

    @property
    def knowledge(self):
        """The knowledge base, loaded on first use (start-up does not pay for it)."""
        if self._knowledge is None:
            from app.core.knowledge import load_knowledge

            self._knowledge = load_knowledge()
        return self._knowledge

    def today(self) -> date:
        return self._today()

    def substance_choices(self) -> list[SubstanceChoice]:
        """Hormone drugs, medications and supplements the knowledge base knows, for pickers."""
        substances = self.knowledge.substances.values()
        return sorted(
            (
                SubstanceChoice(s.key, s.name, s.kind, s.default_route, s.default_unit)
                for s in substances
            ),
            key=lambda c: (c.kind != "hormone", c.label.casefold()),
        )

    def analyte_choices(self) -> list[AnalyteChoice]:
        """Analytes a user can record by hand (not the calculated ones), with their units."""
        choices = []
        for analyte in self.knowledge.analytes.values():
            if analyte.kind == "derived":
                continue
            units = [analyte.canonical_unit] + [
                u for u in analyte.units if u != analyte.canonical_unit
            ]
            choices.append(AnalyteChoice(analyte.key, analyte.name, units))
        return sorted(choices, key=lambda c: c.label.casefold())

    def analyte_label(self, key: str) -> str:
        analyte = self.knowledge.analytes.get(key)
        return analyte.name if analyte else key

    def substance_label(self, item: RegimenItem) -> str:
        """What a regimen row is called on screen and paper: the user's words, else the KB's."""
        if item.display_name:
            return item.display_name
        substance = self.knowledge.substances.get(item.substance)
        return substance.name if substance else item.label

    def protocol_label(self, key: str) -> str:
        protocol = self.knowledge.protocols.get(key)
        return protocol.name if protocol else key.replace("_", " ")

    def format_value(self, analyte_key: str, value: float) -> str:
        """A number with the analyte's usual decimals (``5.11``, not ``5.1104``)."""
        analyte = self.knowledge.analytes.get(analyte_key)
        if analyte is None:
            return f"{value:.4g}"
        return f"{value:.{analyte.decimals}f}"

    def unit_label(self, unit: str) -> str:
        """A unit as people write it (``µg/dL``, ``score (0-10)``), from its stored spelling."""
        return self.knowledge.unit_label(unit) if unit else ""

    # -- patients ----------------------------------------------------------

    def search_patients(
        self, text: str = "", *, limit: int = 500, include_archived: bool = False
    ) -> list[PatientSummary]:
        return self.patients_repo.search(text, limit=limit, include_archived=include_archived)

    def count_patients(self, include_archived: bool = False) -> int:
        return self.patients_repo.count(include_archived)

    def get_patient(self, patient_id: int) -> Patient:
        patient = self.patients_repo.get(patient_id)
        if patient is None:
            raise KeyError(f"No patient with id {patient_id}")
        return patient

    def find_patient(self, mrn: str) -> Patient | None:
        return self.patients_repo.by_mrn(mrn)

    def _check_patient(self, patient: Patient) -> None:
        errors = validate_patient(patient, self.today())
        if "mrn" not in errors and self.patients_repo.mrn_taken(patient.mrn, patient.id):
            errors["mrn"] = f"Another patient already has MRN {patient.mrn.strip()}."
        if errors:
            raise ValidationError(errors)

    def create_patient(self, patient: Patient) -> Patient:
        """Validate and save a new patient; raises ValidationError and writes nothing."""
        self._check_patient(patient)
        try:
            with self._clinic.transaction():
                return self.patients_repo.add(replace(patient, id=None))
        except DuplicateMrn as exc:
            raise ValidationError({"mrn": f"Another patient already has MRN {exc}."}) from exc

    def update_patient(self, patient: Patient) -> Patient:
        self._check_patient(patient)
        try:
            with self._clinic.transaction():
                return self.patients_repo.update(patient)
        except DuplicateMrn as exc:
            raise ValidationError({"mrn": f"Another patient already has MRN {exc}."}) from exc

    def archive_patient(self, patient_id: int, archived: bool = True) -> None:
        self.get_patient(patient_id)
        with self._clinic.transaction():
            self.patients_repo.set_archived(patient_id, archived)

    # -- regimen -----------------------------------------------------------

    def regimen(self, patient_id: int) -> list[RegimenItem]:
        """Every regimen row of a patient, stopped ones and earlier doses included."""
        return self.regimen_repo.for_patient(patient_id)

    def add_regimen_item(self, item: RegimenItem) -> RegimenItem:
        self.get_patient(item.patient_id)
        errors = validate_regimen_item(item, self.today())
        if errors:
            raise ValidationError(errors)
        with self._clinic.transaction():
            return self.regimen_repo.add(replace(item, id=None, previous_id=None))

    def change_dose(self, change: DoseChange) -> RegimenItem:
        """End the current row on the change date and start a new one chained to it."""
        current = self.regimen_repo.get(change.item_id)
        if current is None:
            raise KeyError(f"No regimen item with id {change.item_id}")
        errors = validate_dose_change(current, change)
        if errors:
            raise ValidationError(errors)
        new_item = replace(
            current,
            id=None,
            dose=change.dose,
            dose_unit=change.dose_unit,
            interval_days=change.interval_days,
            start_date=change.effective,
            stop_date=None,
            stop_reason="",
            note=change.note,
            previous_id=current.id,
        )
        with self._clinic.transaction():
            self.regimen_repo.stop(current.id, change.effective, "dose change")
            return self.regimen_repo.add(new_item)

    def stop_regimen_item(self, item_id: int, stop_date: date, reason: str = "") -> None:
        current = self.regimen_repo.get(item_id)
        if current is None:
            raise KeyError(f"No regimen item with id {item_id}")
        if current.stop_date is not None:
            raise ValidationError({"stop_date": "This item is already stopped."})
        if stop_date < current.start_date:
            raise ValidationError(
                {"stop_date": f"The stop date is before the start date ({current.start_date})."}
            )
        with self._clinic.transaction():
            self.regimen_repo.stop(item_id, stop_date, reason)

    # -- observations ------------------------------------------------------

    def observations(
        self, patient_id: int, analyte_keys: Iterable[str] | None = None
    ) -> list[Observation]:
        return self.observations_repo.for_patient(patient_id, analyte_keys)

    def record_result(
        self,
        patient_id: int,
        analyte_key: str,
        value_text: str,
        unit: str,
        collected_at: datetime,
        *,
        lab: str = "",
        note: str = "",
    ) -> Observation:
        """Save one manually entered result; ``value_text`` may be censored (``<0.5``)."""
        errors: dict[str, str] = {}
        kb = self.knowledge
        if analyte_key not in kb.analytes:
            errors["analyte"] = "Choose the analyte."
        try:
            parsed = parse_value_text(value_text)
        except ValueError as exc:
            errors["value"] = str(exc)
            parsed = None
        if collected_at.date() > self.today():
            errors["collected_at"] = "The collection date is in the future."
        if parsed is not None and parsed.value is None and not parsed.non_result:
            errors["value"] = "Enter a number, a censored value such as <0.5, or a lab remark."
        unit = unit.strip() or (parsed.unit if parsed else "")
        if errors:
            raise ValidationError(errors)
        self.get_patient(patient_id)
        canonical_value, canonical_unit = self.canonical(analyte_key, parsed.value, unit)
        observation = Observation(
            id=None,
            patient_id=patient_id,
            analyte_key=analyte_key,
            collected_at=collected_at,
            raw_value=parsed.raw,
            value=parsed.value,
            comparator=parsed.comparator,
            unit=unit,
            value_canonical=canonical_value,
            unit_canonical=canonical_unit,
            lab=lab.strip(),
            source="manual",
            flag=parsed.flag,
            note=note.strip(),
        )
        try:
            with self._clinic.transaction():
                return self.observations_repo.add(observation)
        except DuplicateObservation as exc:
            raise ValidationError(
                {"value": "This result is already recorded for that date and time."}
            ) from exc

    def canonical(
        self, analyte_key: str, value: float | None, unit: str
    ) -> tuple[float | None, str]:
        """Convert to the analyte's canonical unit, or ``(None, "")`` if the unit is unknown."""
        from app.core.knowledge import UnitNotConvertible

        if value is None:
            return None, ""
        analyte = self.knowledge.analyte(analyte_key)
        try:
            return self.knowledge.to_canonical(analyte_key, value, unit), analyte.canonical_unit
        except UnitNotConvertible:
            return None, ""
