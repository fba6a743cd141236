"""The one door the UI and the command line use to work with a clinic.

Services validate, decide and call the store; they never hand SQL or widgets
around. Every write that changes more than one row runs in one transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime

from app.core.models import Observation, Patient, PatientSummary, RegimenItem
from app.core.plausibility import before_birth_refusal, negative_refusal
from app.core.result_range import ResultLine, result_line
from app.core.validation import (
    DoseChange,
    ValidationError,
    validate_dose_change,
    validate_patient,
    validate_regimen_item,
)
from app.security import roles
from app.services.clinic_labels import AnalyteChoice, KnowledgeLabels, SubstanceChoice
from app.services.clinic_session import (
    CLINIC_NAME,
    ENCRYPTED_META,
    ClinicSession,
    is_encrypted_clinic,
)
from app.services.kept_results import ResultsKeeper
from app.services.suppression_expiry import end_for_new_results
from app.store.observations import DuplicateObservation
from app.store.patients import DuplicateMrn

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ResultRevision:
    """One earlier version of a result: what it was, who changed it, when and why."""

    changed_at: str
    changed_by: str
    change: str  # 'exclude' | 'correct' | ...
    reason: str
    previous: dict


@dataclass(frozen=True)
class ResultRecord:
    """A result as stored, where it came from, and its revision history (oldest first)."""

    observation: Observation
    source_label: str
    history: tuple[ResultRevision, ...]


class ClinicService(ClinicSession, KnowledgeLabels):
    """Patients, regimens and results of one open clinic, for one signed-in user."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._results = ResultsKeeper()  # the last patient's results while nothing is written

    # -- patients ----------------------------------------------------------

    def search_patients(
        self, text: str = "", *, limit: int = 500, include_archived: bool = False
    ) -> list[PatientSummary]:
        """Search as you type; the UI audits the search the user settles on (not each key)."""
        self.session.require(roles.PATIENT_READ, "demographics")
        return self.patients_repo.search(text, limit=limit, include_archived=include_archived)

    def audit_search(self, text: str, shown: int) -> None:
        self.audited_read(
            roles.PATIENT_READ, "query", "demographics", detail=f"search {text!r}: {shown} shown"
        )

    def open_chart(self, patient_id: int) -> Patient:
        """The patient a user opens; audited as a chart read."""
        patient = self.get_patient(patient_id)
        self.audited_read(roles.PATIENT_READ, "read", "chart", patient_id)
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

    def patient_problems(self, patient: Patient) -> dict[str, str]:
        """What saving ``patient`` would refuse, by field (empty when it would save)."""
        errors = validate_patient(patient, self.today())
        if "mrn" not in errors and self.patients_repo.mrn_taken(patient.mrn, patient.id):
            errors["mrn"] = f"Another patient already has MRN {patient.mrn.strip()}."
        return errors

    def namesakes(
        self, family_name: str, given_name: str, born: date, *, except_id: int | None = None
    ) -> list[Patient]:
        """Patients (archived too) with this family name, given name and date of birth.

        Most likely the same person: a second record under another MRN would split
        their results. The patient form asks before saving one; a patient list refuses it.
        Names compare without case; ``except_id`` leaves out the patient being edited.
        """
        self.session.require(roles.PATIENT_READ, "demographics")
        found = self.patients_repo.by_name_and_birth_date(family_name, given_name, born)
        return [p for p in found if p.id != except_id]

    def _check_patient(self, patient: Patient) -> None:
        if errors := self.patient_problems(patient):
            raise ValidationError(errors)

    def create_patient(self, patient: Patient) -> Patient:
        """Validate and save a new patient; raises ValidationError and writes nothing."""
        self.session.require(roles.PATIENT_WRITE, "demographics")
        self._check_patient(patient)
        try:
            with self.audited_write(roles.PATIENT_WRITE, "create", "demographics") as event:
                saved = self.patients_repo.add(replace(patient, id=None))
                event.patient_id = saved.id
            return saved
        except DuplicateMrn as exc:
            raise ValidationError({"mrn": f"Another patient already has MRN {exc}."}) from exc

    def update_patient(self, patient: Patient) -> Patient:
        self.session.require(roles.PATIENT_WRITE, "demographics", patient.id)
        self._check_patient(patient)
        try:
            with self.audited_write(roles.PATIENT_WRITE, "update", "demographics", patient.id):
                saved = self.patients_repo.update(patient)
            return saved
        except DuplicateMrn as exc:
            raise ValidationError({"mrn": f"Another patient already has MRN {exc}."}) from exc

    def archive_patient(self, patient_id: int, archived: bool = True) -> None:
        self.get_patient(patient_id)
        action = "archive" if archived else "unarchive"
        with self.audited_write(roles.PATIENT_WRITE, action, "demographics", patient_id):
            self.patients_repo.set_archived(patient_id, archived)

    # -- regimen -----------------------------------------------------------

    def substance_kind(self, item: RegimenItem) -> str:
        """A regimen row's kind as the knowledge base files its substance.

        Anastrozole is a medication whatever kind a row was saved with (the demo saved
        it as a hormone); a substance the knowledge base does not know keeps its own.
        """
        substance = self.knowledge.substances.get(item.substance)
        return substance.kind if substance is not None else item.kind

    def regimen(self, patient_id: int) -> list[RegimenItem]:
        """Every regimen row of a patient, stopped ones and earlier doses included."""
        self.session.require(roles.CLINICAL_READ, "medications", patient_id)
        return self.regimen_repo.for_patient(patient_id)

    def add_regimen_item(self, item: RegimenItem) -> RegimenItem:
        self.session.require(roles.REGIMEN_WRITE, "medications", item.patient_id)
        self.get_patient(item.patient_id)
        errors = validate_regimen_item(item, self.today())
        if not errors:
            errors = self._overlapping_item(item)
        if errors:
            raise ValidationError(errors)
        with self.audited_write(
            roles.REGIMEN_WRITE,
            "create",
            "medications",
            item.patient_id,
            detail=f"{item.substance} added",
        ):
            saved = self.regimen_repo.add(replace(item, id=None, previous_id=None))
        return saved

    def _overlapping_item(self, item: RegimenItem) -> dict[str, str]:
        """Refuse a second row of a substance for days it is already on the regimen.

        Two current rows of one drug read as two drugs to every rule (two anastrozole
        doses summed into the stack); a new dose is a dose change, which keeps history.
        """
        ends = item.stop_date or date.max
        for other in self.regimen_repo.for_patient(item.patient_id):
            if other.substance != item.substance or other.start_date > ends:
                continue
            if other.stop_date is None or other.stop_date > item.start_date:
                since = f"since {other.start_date}"
                if other.stop_date is not None:
                    since = f"from {other.start_date} to {other.stop_date}"
                return {
                    "substance": (
                        f"{self.substance_label(other)} is already on the regimen {since}: "
                        "change its dose, or stop it first."
                    )
                }
        return {}

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
        with self.audited_write(
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
        with self.audited_write(
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
        """The patient's results in time order; only ``analyte_keys`` when given.

        Served from the last read while nothing has been written (``kept_results``).
        """
        self.session.require(roles.CLINICAL_READ, "lab results", patient_id)
        keys = None if analyte_keys is None else frozenset(analyte_keys)
        if self.database.conn.in_transaction:
            # Rows read inside a transaction may yet be rolled back, and a rollback
            # leaves the data stamp where it was: such a read is never kept.
            return self.observations_repo.for_patient(patient_id, keys)
        return self._results.read(
            self._read_stamp(patient_id),
            keys,
            lambda wanted: self.observations_repo.for_patient(patient_id, wanted),
        )

    def analytes_with_values(self, patient_id: int) -> set[str]:
        """Analyte keys the patient has a numeric result for (the Trends checklist)."""
        self.session.require(roles.CLINICAL_READ, "lab results", patient_id)
        whole = self._results.kept_whole(self._read_stamp(patient_id))
        if whole is None:
            return self.observations_repo.analytes_with_values(patient_id)
        return {o.analyte_key for o in whole if o.value is not None}

    def _read_stamp(self, patient_id: int) -> tuple:
        return (patient_id, self.database.data_stamp())

    def forget_reads(self) -> None:
        """Drop the kept results read (benchmarks use it to time a cold read)."""
        self._results.forget()

    def result_lines(self, patient_id: int) -> list[ResultLine]:
        """Every result with the range it is read against and its L/H flag (Results tab)."""
        patient = self.get_patient(patient_id)
        return self.lines_for(patient, self.observations(patient_id))

    def lines_for(self, patient: Patient, observations: Iterable[Observation]) -> list[ResultLine]:
        """Ranges and flags of ``observations``, judged for ``patient``'s sex and age at each draw."""
        kb, sex = self.knowledge, patient.sex_at_birth
        return [
            result_line(kb, obs, sex, patient.age_on(obs.collected_at.date()))
            for obs in observations
        ]

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
        self.session.require(roles.RESULT_WRITE, "lab results", patient_id)
        patient = self.get_patient(patient_id)
        errors, parsed, unit = self._typed_result_check(
            patient, analyte_key, value_text, unit, collected_at
        )
        if errors:
            raise ValidationError(errors)
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
            with self.audited_write(
                roles.RESULT_WRITE,
                "create",
                "lab results",
                patient_id,
                detail=f"{analyte_key} entered by hand",
            ):
                saved = self.observations_repo.add(observation, self.session.user.id)
                end_for_new_results(
                    self, {patient_id: [analyte_key]}, f"a new {analyte_key} result was entered"
                )
            return saved
        except DuplicateObservation as exc:
            raise ValidationError(
                {"value": "This result is already recorded for that date and time."}
            ) from exc

    def _typed_result_check(
        self,
        patient: Patient,
        analyte_key: str,
        value_text: str,
        unit: str,
        collected_at: datetime,
        stored: Observation | None = None,
    ) -> tuple[dict[str, str], object, str]:
        """Check a result typed by hand: a new one, or a correction of ``stored``.

        Returns ``(errors, parsed value, unit)``; the unit falls back to the one written
        after the number. Entry and correction share these checks, so a correction can't
        save what entry refuses (a ``mg/dL`` testosterone kept unconverted). A correction
        keeps its collection time, which is not judged again (a birth date edited since
        must not make its number uncorrectable), and may keep the unit it was stored
        with (an import keeps a unit it does not know, unconverted).
        """
        from app.core.labfiles.values import parse_value_text  # not needed to start the app

        errors: dict[str, str] = {}
        if analyte_key not in self.knowledge.analytes:
            errors["analyte"] = "Choose the analyte."
        try:
            parsed = parse_value_text(value_text)
        except ValueError as exc:
            # The reader's advice is about files (choose the decimal mark); typed by hand
            # the number only needs writing plainly.
            errors["value"] = (
                "Write the number with a decimal point and no thousands separator (1234.5)."
                if "," in value_text
                else str(exc)
            )
            parsed = None
        if stored is None:  # a correction's collection time stays as it is
            if collected_at.date() > self.today():
                errors["collected_at"] = "The collection date is in the future."
            elif refusal := before_birth_refusal(collected_at.date(), patient.date_of_birth):
                errors["collected_at"] = refusal
        if parsed is not None and parsed.value is None and not parsed.non_result:
            errors["value"] = "Enter a number, a censored value such as <0.5, or a lab remark."
        unit = unit.strip() or (parsed.unit if parsed else "")
        if "analyte" not in errors and parsed is not None:
            kept_unit = stored is not None and unit == stored.unit and bool(unit)
            errors.update(
                self._typed_result_problems(analyte_key, parsed.value, unit, kept_unit=kept_unit)
            )
        return errors, parsed, unit

    def _typed_result_problems(
        self, analyte_key: str, value: float | None, unit: str, *, kept_unit: bool = False
    ) -> dict[str, str]:
        """What is impossible about a result typed by hand (a file's rows are checked apart).

        A unit the analyte does not accept is refused here rather than kept unconverted
        as an import keeps it: typed, it is a slip (``mg/dL`` for ``ng/dL``), and the form
        offers the accepted ones. ``kept_unit``: the unit is the one the result was
        stored with, not typed anew, and stands as it is.
        """
        analyte = self.knowledge.analyte(analyte_key)
        problems: dict[str, str] = {}
        if refusal := negative_refusal(analyte.name, analyte.canonical_unit, value):
            problems["value"] = refusal
        if value is not None and not kept_unit and self.unit_refusal(analyte_key, unit):
            accepted = ", ".join(self.knowledge.unit_label(u) for u in analyte.units)
            problems["unit"] = f"{analyte.name} is recorded in {accepted}" + (
                f", not {unit}." if unit else ": choose the unit."
            )
        return problems

    def result(self, observation_id: int) -> Observation:
        """One stored result (raises KeyError when there is none)."""
        obs = self.observations_repo.get(observation_id)
        if obs is None:
            raise KeyError(f"No result with id {observation_id}")
        self.session.require(roles.CLINICAL_READ, "lab results", obs.patient_id)
        return obs

    def result_history(self, observation_id: int) -> list[ResultRevision]:
        """Earlier versions of a result, oldest first, with who changed it and why."""
        self.result(observation_id)
        from app.store.users import UserRepository

        users = UserRepository(self._clinic)
        names: dict[int | None, str] = {None: "—"}
        history = []
        for row in self.observations_repo.revisions(observation_id):
            who = row["changed_by"]
            if who not in names:
                user = users.get(who)
                names[who] = user.username if user else f"user #{who}"
            history.append(
                ResultRevision(row["changed_at"], names[who], row["change"], row["reason"],
                               row["previous"])
            )  # fmt: skip
        return history

    def result_record(self, observation_id: int) -> ResultRecord:
        """A result with its source (manual entry, import batch) and history."""
        obs = self.result(observation_id)
        source = obs.source or "—"
        if obs.batch_id is not None:
            from app.store.imports import ImportRepository

            batch = ImportRepository(self._clinic).batch(obs.batch_id)
            name = f" ({batch.file_name}, {batch.created_at[:10]})" if batch else ""
            source = f"{source}: import batch #{obs.batch_id}{name}"
        return ResultRecord(obs, source, tuple(self.result_history(observation_id)))

    def exclude_result(self, observation_id: int, reason: str) -> Observation:
        """Leave a result out of trends and evaluation; the previous version is kept."""
        return self._set_excluded(observation_id, reason, exclude=True)

    def include_result(self, observation_id: int, reason: str) -> Observation:
        """Undo an exclusion: the result counts again; the excluded version is kept."""
        return self._set_excluded(observation_id, reason, exclude=False)

    def _set_excluded(self, observation_id: int, reason: str, *, exclude: bool) -> Observation:
        obs = self.observations_repo.get(observation_id)
        if obs is None:
            raise KeyError(f"No result with id {observation_id}")
        self.session.require(roles.RESULT_WRITE, "lab results", obs.patient_id)
        reason = reason.strip()
        if not reason:
            asked = "is excluded" if exclude else "counts again"
            raise ValidationError({"reason": f"Say why the result {asked}."})
        if obs.excluded == exclude:
            state = "already excluded" if exclude else "not excluded"
            raise ValidationError({"reason": f"This result is {state}."})
        change = "exclude" if exclude else "include"
        updated = replace(obs, excluded_reason=reason if exclude else "")
        with self.audited_write(
            roles.RESULT_WRITE,
            "update",
            "lab results",
            obs.patient_id,
            detail=f"{obs.analyte_key} result #{obs.id} {change}d",
        ):
            self.observations_repo.revise(updated, change, reason, self.session.user.id)
            end_for_new_results(
                self,
                {obs.patient_id: [obs.analyte_key]},
                f"a {obs.analyte_key} result was {change}d",
            )
        return updated

    def correct_result(
        self, observation_id: int, value_text: str, unit: str, reason: str
    ) -> Observation:
        """Replace a result's value and unit (a transcription fix); the old version is kept.

        The new value passes the checks a result entered by hand passes (its unit and
        sign), so a correction can't store what entry would refuse; it keeps the result's
        collection time, and may keep the unit the result was stored with.
        """
        obs = self.observations_repo.get(observation_id)
        if obs is None:
            raise KeyError(f"No result with id {observation_id}")
        self.session.require(roles.RESULT_WRITE, "lab results", obs.patient_id)
        errors, parsed, unit = self._typed_result_check(
            self.get_patient(obs.patient_id),
            obs.analyte_key,
            value_text,
            unit,
            obs.collected_at,
            stored=obs,
        )
        reason = reason.strip()
        if not reason:
            errors["reason"] = "Say why the result is corrected."
        if parsed is not None and not errors:
            same = (parsed.raw, parsed.value, parsed.comparator, unit) == (
                obs.raw_value, obs.value, obs.comparator, obs.unit,
            )  # fmt: skip
            if same:
                errors["value"] = "The corrected result is the same as the stored one."
        if errors:
            raise ValidationError(errors)
        canonical_value, canonical_unit = self.canonical(obs.analyte_key, parsed.value, unit)
        updated = replace(
            obs,
            raw_value=parsed.raw,
            value=parsed.value,
            comparator=parsed.comparator,
            unit=unit,
            value_canonical=canonical_value,
            unit_canonical=canonical_unit,
            flag=parsed.flag,
        )
        try:
            with self.audited_write(
                roles.RESULT_WRITE,
                "update",
                "lab results",
                obs.patient_id,
                detail=f"{obs.analyte_key} result #{obs.id} corrected",
            ):
                self.observations_repo.revise(updated, "correct", reason, self.session.user.id)
                end_for_new_results(
                    self,
                    {obs.patient_id: [obs.analyte_key]},
                    f"a {obs.analyte_key} result was corrected",
                )
        except DuplicateObservation as exc:
            raise ValidationError(
                {"value": "This result is already recorded for that date and time."}
            ) from exc
        return updated

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


__all__ = [
    "CLINIC_NAME",
    "ENCRYPTED_META",
    "AnalyteChoice",
    "ClinicService",
    "SubstanceChoice",
    "is_encrypted_clinic",
]
