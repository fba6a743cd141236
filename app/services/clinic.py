"""The one door the UI and the command line use to work with a clinic.

Services validate, decide and call the store; they never hand SQL or widgets
around. Every write that changes more than one row runs in one transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path

from app import __version__
from app.core.models import Observation, Patient, PatientSummary, RegimenItem
from app.core.validation import (
    DoseChange,
    ValidationError,
    validate_dose_change,
    validate_patient,
    validate_regimen_item,
)
from app.security import roles
from app.security.kdf import DEFAULT_PARAMS, Argon2Params
from app.security.keyslots import KeySlots, WrongPassword, slots_path_for
from app.security.passwords import verify_password
from app.security.signin import SignInThrottle
from app.services.session import (
    DEMO_USER,
    Session,
    SignInError,
    create_session,
    sign_in_session,
)
from app.store.database import ClinicDatabase
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
    """Patients, regimens and results of one open clinic, for one signed-in user."""

    def __init__(
        self,
        clinic: ClinicDatabase,
        session: Session,
        *,
        today: Callable[[], date] = date.today,
        knowledge=None,
    ):
        self._clinic = clinic
        self.session = session
        self._today = today
        self._knowledge = knowledge
        self.patients_repo = PatientRepository(clinic)
        self.regimen_repo = RegimenRepository(clinic)
        self.observations_repo = ObservationRepository(clinic)
        self.settings = SettingsRepository(clinic)

    # -- lifecycle ---------------------------------------------------------

    @classmethod
    def create(
        cls,
        path: Path | None,
        *,
        name: str,
        admin: str = "admin",
        password: str | None = None,
        encrypted: bool | None = None,
        demo: bool = False,
        params: Argon2Params = DEFAULT_PARAMS,
        **kwargs,
    ) -> ClinicService:
        """Create a clinic with its first administrator, signed in.

        A clinic with a file and a password is encrypted (SQLCipher, key slots); a
        demo clinic is plain and its administrator is the password-less ``demo``.
        """
        if not name.strip():
            raise ValidationError({"name": "Enter the clinic's name."})
        if encrypted is None:
            encrypted = path is not None and password is not None
        clinic, session = create_session(
            path,
            admin=DEMO_USER if demo else admin,
            password=None if demo else password,
            encrypted=encrypted and not demo,
            app_version=__version__,
            params=params,
        )
        service = cls(clinic, session, **kwargs)
        with clinic.transaction():
            service.settings.set(CLINIC_NAME, name.strip())
            service.settings.set_meta(ENCRYPTED_META, "yes" if session.key else "no")
            if demo:
                service.settings.set_meta("demo", "yes")
        return service

    @classmethod
    def sign_in(
        cls,
        path: Path,
        username: str,
        password: str | None,
        *,
        throttle: SignInThrottle | None = None,
        params: Argon2Params = DEFAULT_PARAMS,
        verify_now: bool = True,
        **kwargs,
    ) -> ClinicService:
        """Open a clinic as a user; raises ``SignInError`` with a message for the user."""
        clinic, session = sign_in_session(
            Path(path),
            username,
            password,
            app_version=__version__,
            throttle=throttle,
            params=params,
            verify_now=verify_now,
        )
        if clinic.migrated_from is not None:
            log.info("clinic schema upgraded from %s", clinic.migrated_from)
        return cls(clinic, session, **kwargs)

    @classmethod
    def open_demo(cls, path: Path, *, verify_now: bool = True, **kwargs) -> ClinicService:
        """Open a plain demo clinic as its built-in user (no password: it holds no real data)."""
        if is_encrypted_clinic(path):
            raise SignInError("This clinic is encrypted: sign in with your user name and password.")
        service = cls.sign_in(path, DEMO_USER, None, verify_now=verify_now, **kwargs)
        if not service.is_demo:
            service.close()
            raise SignInError("This clinic needs a user name and password.")
        return service

    def close(self) -> None:
        """Sign out (audited) and close; the clinic's lock is released."""
        if not self.session.locked:
            if self._clinic.verified and self._clinic.damage is None:
                try:
                    self.session.complete_pending()
                    self.record_event("signout", "session")
                except Exception:  # closing must not fail because the audit could not be written
                    log.warning("sign-out could not be audited", exc_info=True)
            self._clinic.close()
        if self.session.lock is not None:
            self.session.lock.release()

    def verify_integrity(self) -> str | None:
        """Wait for (or run) the file's integrity check; returns the damage found, or None.

        Safe on a worker thread. Call ``complete_sign_in`` afterwards on the thread
        that owns the connection.
        """
        self._clinic.verify_integrity()
        self._clinic.wait_verified()
        return self._clinic.damage

    def complete_sign_in(self) -> None:
        """Write the sign-in bookkeeping held back while the integrity check ran."""
        if self._clinic.damage is None:
            self.session.complete_pending()

    # -- session: roles, audit, auto-lock ----------------------------------------

    @property
    def user(self):
        return self.session.user

    def can(self, permission: str) -> bool:
        """Whether the signed-in user's role allows ``permission`` (for enabling UI)."""
        return roles.allowed(self.session.user.role, permission)

    @contextmanager
    def _writing(
        self,
        permission: str,
        action: str,
        category: str,
        patient_id: int | None = None,
        detail: str = "",
    ) -> Iterator[None]:
        """Check the role, run the block and its audit event in one transaction."""
        self.session.require(permission, category, patient_id)
        with self._clinic.transaction():
            yield
            self.session.record(action, category, patient_id, detail=detail)
        self.session.audit.sync_anchor()

    def _read(
        self,
        permission: str,
        action: str,
        category: str,
        patient_id: int | None = None,
        detail: str = "",
    ) -> None:
        self.session.require(permission, category, patient_id)
        with self._clinic.transaction():
            self.session.record(action, category, patient_id, detail=detail)
        self.session.audit.sync_anchor()

    def record_event(
        self,
        action: str,
        category: str = "",
        patient_id: int | None = None,
        detail: str = "",
        outcome: str = "success",
    ) -> None:
        """Audit something the UI did (print, export, a search the user settled on)."""
        with self._clinic.transaction():
            self.session.record(action, category, patient_id, outcome, detail)
        self.session.audit.sync_anchor()

    def lock(self, reason: str = "timeout") -> None:
        """Auto-lock: audit it, then close the connection so the key leaves memory."""
        if self.session.locked:
            return
        self.record_event(reason, "session")
        self._clinic.detach()
        self.session.key = None
        self.session.locked = True

    def unlock(self, password: str) -> None:
        """Sign the same user in again after a lock; a wrong password is audited."""
        if not self.session.locked:
            return
        user = self.session.user
        throttle = self.session.throttle
        locked_until = throttle.refuse_locked(user.username)
        if locked_until is not None:
            raise SignInError("Too many failed attempts; wait a few minutes and try again.")
        path = self._clinic.path
        key = None
        try:
            if path is not None and slots_path_for(path).exists():
                key = KeySlots(slots_path_for(path)).unwrap(user.username, password)
            elif user.username != DEMO_USER and not verify_password(user.password_hash, password):
                raise WrongPassword
        except WrongPassword as exc:
            throttle.record_failure(user.username)
            raise SignInError("Wrong password.") from exc
        self._clinic.reattach(key)
        self.session.key = key
        self.session.locked = False
        throttle.record_success(user.username)
        self.record_event("signin", "session", detail="unlocked")

    def set_setting(self, key: str, value: str) -> None:
        """Change a clinic-wide setting (administrators; audited with old and new value)."""
        from app.core.settings_keys import validate_setting

        value = validate_setting(key, value)
        old = self.settings.get(key)
        with self._writing(
            roles.SETTINGS_WRITE, "update", "settings", detail=f"{key}: {old!r} -> {value!r}"
        ):
            self.settings.set(key, value)

    @property
    def is_demo(self) -> bool:
        return self.settings.meta("demo") == "yes"

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
        """Search as you type; the UI audits the search the user settles on (not each key)."""
        self.session.require(roles.PATIENT_READ, "demographics")
        return self.patients_repo.search(text, limit=limit, include_archived=include_archived)

    def audit_search(self, text: str, shown: int) -> None:
        self._read(
            roles.PATIENT_READ, "query", "demographics", detail=f"search {text!r}: {shown} shown"
        )

    def open_chart(self, patient_id: int) -> Patient:
        """The patient a user opens; audited as a chart read."""
        patient = self.get_patient(patient_id)
        self._read(roles.PATIENT_READ, "read", "chart", patient_id)
        return patient

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
        self.session.require(roles.PATIENT_WRITE, "demographics")
        self._check_patient(patient)
        try:
            with self._writing(roles.PATIENT_WRITE, "create", "demographics"):
                saved = self.patients_repo.add(replace(patient, id=None))
            return saved
        except DuplicateMrn as exc:
            raise ValidationError({"mrn": f"Another patient already has MRN {exc}."}) from exc

    def update_patient(self, patient: Patient) -> Patient:
        self.session.require(roles.PATIENT_WRITE, "demographics", patient.id)
        self._check_patient(patient)
        try:
            with self._writing(roles.PATIENT_WRITE, "update", "demographics", patient.id):
                saved = self.patients_repo.update(patient)
            return saved
        except DuplicateMrn as exc:
            raise ValidationError({"mrn": f"Another patient already has MRN {exc}."}) from exc

    def archive_patient(self, patient_id: int, archived: bool = True) -> None:
        self.get_patient(patient_id)
        action = "archive" if archived else "unarchive"
        with self._writing(roles.PATIENT_WRITE, action, "demographics", patient_id):
            self.patients_repo.set_archived(patient_id, archived)

    # -- regimen -----------------------------------------------------------

    def regimen(self, patient_id: int) -> list[RegimenItem]:
        """Every regimen row of a patient, stopped ones and earlier doses included."""
        self.session.require(roles.CLINICAL_READ, "medications", patient_id)
        return self.regimen_repo.for_patient(patient_id)

    def add_regimen_item(self, item: RegimenItem) -> RegimenItem:
        self.session.require(roles.REGIMEN_WRITE, "medications", item.patient_id)
        self.get_patient(item.patient_id)
        errors = validate_regimen_item(item, self.today())
        if errors:
            raise ValidationError(errors)
        with self._writing(
            roles.REGIMEN_WRITE,
            "create",
            "medications",
            item.patient_id,
            detail=f"{item.substance} added",
        ):
            saved = self.regimen_repo.add(replace(item, id=None, previous_id=None))
        return saved

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
        with self._writing(
            roles.REGIMEN_WRITE,
            "update",
            "medications",
            current.patient_id,
            detail=f"{current.substance} dose change",
        ):
            self.regimen_repo.stop(current.id, change.effective, "dose change")
            saved = self.regimen_repo.add(new_item)
        return saved

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
        with self._writing(
            roles.REGIMEN_WRITE,
            "update",
            "medications",
            current.patient_id,
            detail=f"{current.substance} stopped",
        ):
            self.regimen_repo.stop(item_id, stop_date, reason)

    # -- observations ------------------------------------------------------

    def observations(
        self, patient_id: int, analyte_keys: Iterable[str] | None = None
    ) -> list[Observation]:
        self.session.require(roles.CLINICAL_READ, "lab results", patient_id)
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
        from app.core.labfiles.values import parse_value_text  # not needed to start the app

        self.session.require(roles.RESULT_WRITE, "lab results", patient_id)
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
            with self._writing(
                roles.RESULT_WRITE,
                "create",
                "lab results",
                patient_id,
                detail=f"{analyte_key} entered by hand",
            ):
                saved = self.observations_repo.add(observation)
            return saved
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


def is_encrypted_clinic(path: Path) -> bool:
    """True when a key-slot file sits beside the clinic (it needs a user and password)."""
    return slots_path_for(Path(path)).exists()
