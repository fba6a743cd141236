"""The clinic service: validation before writing, regimen history, manual results."""

from __future__ import annotations

import unicodedata
from dataclasses import replace
from datetime import date, datetime

import pytest

from app.core.models import RegimenItem
from app.core.validation import DoseChange, ValidationError
from tests.conftest import TODAY, cypionate, make_patient


def test_create_patient_saves_and_finds(service):
    saved = service.create_patient(make_patient())
    assert saved.id is not None
    assert [p.id for p in service.search_patients("okaf")] == [saved.id]


def test_duplicate_mrn_is_reported_on_the_field_and_nothing_written(service):
    service.create_patient(make_patient())
    with pytest.raises(ValidationError) as caught:
        service.create_patient(make_patient(family_name="Someone", given_name="Else"))
    assert "MRN-1001" in caught.value.errors["mrn"]
    assert service.count_patients() == 1


def test_future_birth_date_and_missing_names_write_nothing(service):
    with pytest.raises(ValidationError) as caught:
        service.create_patient(
            make_patient(family_name="", given_name="", date_of_birth=date(2030, 1, 1))
        )
    assert set(caught.value.errors) == {"family_name", "given_name", "date_of_birth"}
    assert service.count_patients() == 0


def test_editing_to_another_patients_mrn_is_refused(service):
    first = service.create_patient(make_patient())
    second = service.create_patient(make_patient(mrn="MRN-2002", family_name="Silva"))
    with pytest.raises(ValidationError):
        service.update_patient(replace(second, mrn=first.mrn))
    assert service.get_patient(second.id).mrn == "MRN-2002"


def test_archive_and_unarchive(service, patient):
    service.archive_patient(patient.id)
    assert service.search_patients("okafor") == []
    service.archive_patient(patient.id, archived=False)
    assert len(service.search_patients("okafor")) == 1


def test_dose_change_ends_the_old_row_and_chains_a_new_one(service, patient):
    first = service.add_regimen_item(cypionate(patient.id))
    second = service.change_dose(
        DoseChange(first.id, 140.0, "mg", 7.0, date(2026, 4, 6), "low trough")
    )
    third = service.change_dose(DoseChange(second.id, 120.0, "mg", 3.5, date(2026, 8, 3)))
    history = service.regimen(patient.id)
    assert [(i.dose, i.start_date, i.stop_date) for i in history] == [
        (100.0, date(2026, 1, 5), date(2026, 4, 6)),
        (140.0, date(2026, 4, 6), date(2026, 8, 3)),
        (120.0, date(2026, 8, 3), None),
    ]
    assert third.previous_id == second.id and second.previous_id == first.id
    assert [i.active_on(TODAY) for i in history] == [False, False, True]


def test_a_dose_change_before_the_current_start_changes_nothing(service, patient):
    first = service.add_regimen_item(cypionate(patient.id))
    with pytest.raises(ValidationError):
        service.change_dose(DoseChange(first.id, 140.0, "mg", 7.0, date(2025, 12, 1)))
    assert service.regimen(patient.id) == [first]


def test_stopping_keeps_the_row_with_its_reason(service, patient):
    item = service.add_regimen_item(cypionate(patient.id))
    service.stop_regimen_item(item.id, date(2026, 9, 1), "polycythaemia review")
    (stopped,) = service.regimen(patient.id)
    assert stopped.stop_date == date(2026, 9, 1) and stopped.stop_reason == "polycythaemia review"
    with pytest.raises(ValidationError):
        service.stop_regimen_item(item.id, date(2026, 10, 1))


def test_manual_result_is_converted_to_the_canonical_unit(service, patient, kb):
    saved = service.record_result(
        patient.id, "testosterone_total", "20.8", "nmol/L", datetime(2026, 3, 2, 8, 0), lab="City"
    )
    assert saved.value == 20.8 and saved.unit == "nmol/L"
    assert saved.unit_canonical == kb.analyte("testosterone_total").canonical_unit
    assert saved.value_canonical == pytest.approx(20.8 * 28.84, rel=1e-3)


def test_manual_censored_result_keeps_its_comparator(service, patient):
    saved = service.record_result(
        patient.id, "estradiol", "<5", "pg/mL", datetime(2026, 3, 2, 8, 0)
    )
    assert (saved.comparator, saved.value, saved.raw_value) == ("<", 5.0, "<5")
    assert service.observations(patient.id) == [saved]


def test_a_unit_typed_by_hand_must_be_one_the_analyte_is_recorded_in(service, patient):
    # Typed, a wrong unit is a slip (an import keeps a file's unknown unit, unconverted).
    with pytest.raises(ValidationError) as caught:
        service.record_result(
            patient.id, "testosterone_total", "350", "mg/dL", datetime(2026, 3, 2, 8)
        )
    message = caught.value.errors["unit"]
    assert message.startswith("Testosterone, total is recorded in ng/dL") and "not mg/dL" in message
    with pytest.raises(ValidationError) as caught:
        service.record_result(patient.id, "zinc", "80", "", datetime(2026, 3, 2, 8))
    assert caught.value.errors["unit"].endswith("choose the unit.")
    assert service.observations(patient.id) == []
    # A T-score can be below zero; a score needs no unit.
    saved = service.record_result(patient.id, "bmd_tscore", "-2.6", "", datetime(2026, 3, 2, 8))
    assert saved.value == -2.6


@pytest.mark.parametrize(
    ("value", "when", "field"),
    [
        ("abc", datetime(2026, 3, 2), "value"),
        ("12", datetime(2027, 1, 1), "collected_at"),
        ("-5", datetime(2026, 3, 2), "value"),
        ("12", datetime(1950, 7, 1), "collected_at"),  # before the patient was born
        ("1.234,5", datetime(2026, 3, 2), "value"),
    ],
)
def test_bad_manual_results_write_nothing(service, patient, value, when, field):
    with pytest.raises(ValidationError) as caught:
        service.record_result(patient.id, "zinc", value, "ug/dL", when)
    assert field in caught.value.errors
    assert service.observations(patient.id) == []


def test_entering_the_same_result_twice_is_refused(service, patient):
    when = datetime(2026, 3, 2, 8, 0)
    service.record_result(patient.id, "zinc", "71", "ug/dL", when)
    with pytest.raises(ValidationError, match="already recorded"):
        service.record_result(patient.id, "zinc", "71", "ug/dL", when)


def test_a_substance_already_on_the_regimen_is_not_added_twice(service, patient):
    def anastrozole(start: date, stop: date | None = None, dose: float = 0.5) -> RegimenItem:
        return RegimenItem(
            None, patient.id, "hormone", "anastrozole", dose, "mg", "oral", 3.5, start, stop
        )

    first = service.add_regimen_item(anastrozole(date(2026, 1, 5)))
    with pytest.raises(ValidationError) as caught:
        service.add_regimen_item(anastrozole(date(2026, 6, 1), dose=1.0))
    assert caught.value.errors["substance"] == (
        "Anastrozole is already on the regimen since 2026-01-05: change its dose, or stop it first."
    )
    # A course that ended before the current one began can still be entered as history.
    service.add_regimen_item(anastrozole(date(2025, 3, 1), date(2025, 9, 1)))
    assert [i.id for i in service.regimen(patient.id) if i.stop_date is None] == [first.id]


def test_namesakes_finds_the_same_name_and_birth_date_under_any_mrn(service, patient):
    found = service.namesakes("OKAFOR", " samir ", patient.date_of_birth)
    assert [p.mrn for p in found] == [patient.mrn]
    assert service.namesakes("Okafor", "Samir", patient.date_of_birth, except_id=patient.id) == []
    assert service.namesakes("Okafor", "Samir", date(1975, 6, 15)) == []


def test_namesakes_fold_case_beyond_ascii(service):
    # SQLite's NOCASE folds ASCII only: "MÜLLER, JÖRG" was a new person beside "Müller, Jörg".
    kept = service.create_patient(
        make_patient(
            mrn="M-1", family_name="Müller", given_name="Jörg", date_of_birth=date(1970, 2, 3)
        )
    )
    found = service.namesakes("MÜLLER", "JÖRG", date(1970, 2, 3))
    assert [p.id for p in found] == [kept.id]
    # Accents still tell names apart: the index folds them, the comparison does not.
    assert service.namesakes("Muller", "Jorg", date(1970, 2, 3)) == []
    # A "ü" sent as "u" and a combining mark (some keyboards and lab files) is the same.
    decomposed = unicodedata.normalize("NFD", "Müller"), unicodedata.normalize("NFD", "Jörg")
    assert [p.id for p in service.namesakes(*decomposed, date(1970, 2, 3))] == [kept.id]
