"""A correction passes the checks a result typed by hand passes, from the same code."""

from __future__ import annotations

from datetime import datetime

import pytest

from app.core.validation import ValidationError


@pytest.fixture
def result(service, patient):
    return service.record_result(
        patient.id, "testosterone_total", "6120", "ng/dL", datetime(2026, 6, 1, 8)
    )


@pytest.mark.parametrize(
    ("value", "unit", "field"),
    [
        ("612", "mg/dL", "unit"),  # the trial's slip: a unit testosterone is never in
        ("612", "", "unit"),  # no unit at all
        ("-612", "ng/dL", "value"),  # a negative concentration
        ("6,12", "ng/dL", "value"),  # a decimal comma typed by hand
    ],
)
def test_a_correction_is_refused_where_entry_is_refused(
    service, patient, result, value, unit, field
):
    when = datetime(2026, 7, 1, 8)
    with pytest.raises(ValidationError) as entered:
        service.record_result(patient.id, "testosterone_total", value, unit, when)
    with pytest.raises(ValidationError) as corrected:
        service.correct_result(result.id, value, unit, "transcription error")
    # The same message, under the same field, as hand entry gives.
    assert corrected.value.errors[field] == entered.value.errors[field]
    stored = service.result(result.id)
    assert (stored.raw_value, stored.unit, stored.value_canonical) == ("6120", "ng/dL", 6120)
    assert service.result_history(result.id) == []


def test_the_wrong_unit_message_names_the_accepted_units(service, result):
    with pytest.raises(ValidationError) as caught:
        service.correct_result(result.id, "612", "mg/dL", "transcription error")
    message = caught.value.errors["unit"]
    assert message.startswith("Testosterone, total is recorded in ng/dL")
    assert message.endswith("not mg/dL.")


def test_a_correction_in_an_accepted_unit_still_saves(service, result):
    updated = service.correct_result(result.id, "612", "ng/dL", "transcription error")
    assert updated.value_canonical == 612 and updated.unit_canonical == "ng/dL"


def test_an_imported_result_in_an_unknown_unit_can_still_have_its_number_corrected(
    service, patient
):
    # An import keeps a unit it does not know, unconverted; the lab did report in it.
    from app.services.importing import Importer

    data = f"MRN,Test,Result,Units,Collected\n{patient.mrn},Zinc,58,ug/dl-x,2026-06-01 08:00\n"
    importer = Importer(service)
    body = data.encode()
    importer.commit(importer.preview(body, "labs.csv", importer.read(body, "labs.csv")), body)
    (stored,) = service.observations_repo.for_patient(patient.id)
    assert stored.unit == "ug/dl-x" and stored.value_canonical is None
    corrected = service.correct_result(stored.id, "85", "ug/dl-x", "transcription error")
    assert (corrected.value, corrected.unit, corrected.value_canonical) == (85, "ug/dl-x", None)
    # A unit typed anew must still be one zinc is recorded in.
    with pytest.raises(ValidationError) as caught:
        service.correct_result(stored.id, "85", "mg/dL-y", "transcription error")
    assert "is recorded in µg/dL" in caught.value.errors["unit"]


def test_a_result_drawn_before_a_corrected_birth_date_can_still_be_corrected(
    service, patient, result
):
    # The birth date was corrected to after the draw; the result's number is still fixable.
    from dataclasses import replace
    from datetime import date

    service.update_patient(replace(patient, date_of_birth=date(2026, 6, 15)))
    updated = service.correct_result(result.id, "612", "ng/dL", "transcription error")
    assert updated.value == 612 and updated.collected_at == result.collected_at
