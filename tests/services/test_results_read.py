"""The results a chart shows are never stale: a kept read is used only while nothing changed."""

from __future__ import annotations

from datetime import datetime

import pytest

from app.services.admin import AdminService
from tests.conftest import create_encrypted_clinic, make_patient


@pytest.fixture
def clinic(tmp_path, kb):
    service = create_encrypted_clinic(tmp_path / "clinic.db", kb)
    patient = service.find_patient("MRN-1001")
    service.record_result(patient.id, "zinc", "70", "ug/dL", datetime(2026, 9, 1, 8))
    yield service, patient
    service.close()


def _values(service, patient_id):
    return sorted(o.raw_value for o in service.observations(patient_id))


def test_a_repeated_read_gives_the_same_results_and_a_write_shows_at_once(clinic):
    service, patient = clinic
    first = service.observations(patient.id)
    first.clear()  # a caller's list is its own: the kept read is not changed
    assert _values(service, patient.id) == ["70"]
    service.record_result(patient.id, "zinc", "82", "ug/dL", datetime(2026, 10, 1, 8))
    assert _values(service, patient.id) == ["70", "82"]
    [zinc] = [o for o in service.observations(patient.id) if o.raw_value == "82"]
    service.exclude_result(zinc.id, "haemolysed")
    assert any(o.excluded for o in service.observations(patient.id))


def test_another_patients_results_are_not_served(clinic):
    service, patient = clinic
    other = service.create_patient(make_patient(mrn="MRN-2002", family_name="Haddad"))
    assert _values(service, patient.id) == ["70"]
    assert _values(service, other.id) == []


def test_a_write_through_another_connection_shows_at_once(clinic):
    service, patient = clinic
    assert _values(service, patient.id) == ["70"]
    writer = service.database.reader()  # a second connection to the same file
    with writer:
        writer.execute(
            "UPDATE observations SET raw_value = '71' WHERE patient_id = ?", (patient.id,)
        )
    writer.close()
    assert _values(service, patient.id) == ["71"]


def test_a_restore_shows_the_restored_results(clinic):
    service, patient = clinic
    backup = AdminService(service).back_up().path
    service.record_result(patient.id, "zinc", "90", "ug/dL", datetime(2026, 10, 2, 8))
    assert _values(service, patient.id) == ["70", "90"]
    AdminService(service).restore(backup)
    assert _values(service, patient.id) == ["70"]
