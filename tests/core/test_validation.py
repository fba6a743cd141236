"""Patient and regimen validation, as a user filling in the form meets it."""

from __future__ import annotations

from datetime import date

import pytest

from app.core.models import Patient, RegimenItem
from app.core.validation import (
    DoseChange,
    validate_dose_change,
    validate_patient,
    validate_regimen_item,
)

TODAY = date(2026, 11, 23)


def _patient(**kw) -> Patient:
    base = dict(
        id=None,
        mrn="M1",
        family_name="Rossi",
        given_name="Luca",
        date_of_birth=date(1979, 5, 5),
        sex_at_birth="male",
    )
    base.update(kw)
    return Patient(**base)


def test_a_complete_patient_is_valid():
    assert validate_patient(_patient(), TODAY) == {}


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"mrn": "  "}, "mrn", "medical record number"),
        ({"family_name": ""}, "family_name", "family name"),
        ({"given_name": " "}, "given_name", "given name"),
        ({"date_of_birth": date(2026, 11, 24)}, "date_of_birth", "future"),
        ({"date_of_birth": date(1850, 1, 1)}, "date_of_birth", "before 1900"),
        ({"sex_at_birth": ""}, "sex_at_birth", "sex assigned at birth"),
        ({"email": "not-an-address"}, "email", "e-mail"),
    ],
)
def test_each_problem_is_reported_on_its_field(change, field, words):
    errors = validate_patient(_patient(**change), TODAY)
    assert list(errors) == [field]
    assert words in errors[field]


def test_birth_today_is_allowed():
    assert validate_patient(_patient(date_of_birth=TODAY), TODAY) == {}


def _item(**kw) -> RegimenItem:
    base = dict(
        id=None,
        patient_id=1,
        kind="hormone",
        substance="anastrozole",
        dose=0.5,
        dose_unit="mg",
        route="oral",
        interval_days=3.5,
        start_date=date(2026, 1, 1),
    )
    base.update(kw)
    return RegimenItem(**base)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"dose": 0.0}, "dose"),
        ({"dose": -1.0}, "dose"),
        ({"dose_unit": ""}, "dose_unit"),
        ({"interval_days": 0.0}, "interval_days"),
        ({"stop_date": date(2025, 12, 1)}, "stop_date"),
        ({"substance": " "}, "substance"),
        ({"kind": "food"}, "kind"),
    ],
)
def test_regimen_item_problems(change, field):
    assert field in validate_regimen_item(_item(**change), TODAY)


def test_supplement_without_fixed_schedule_is_fine():
    assert validate_regimen_item(_item(kind="supplement", interval_days=None), TODAY) == {}


def test_a_dose_change_must_fall_after_the_current_start():
    current = _item(id=5)
    early = DoseChange(5, 1.0, "mg", 3.5, date(2026, 1, 1))
    assert "effective" in validate_dose_change(current, early)
    assert validate_dose_change(current, DoseChange(5, 1.0, "mg", 3.5, date(2026, 2, 1))) == {}
