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


def test_a_chart_of_some_analytes_reads_the_same_rows_kept_or_not(clinic):
    service, patient = clinic
    service.record_result(patient.id, "magnesium_serum", "1.9", "mg/dL", datetime(2026, 9, 2, 8))
    service.record_result(patient.id, "zinc", "TNP", "ug/dL", datetime(2026, 10, 1, 8))
    service.record_result(patient.id, "vitamin_c", "QNS", "mg/dL", datetime(2026, 10, 1, 8))

    def zinc(service):
        return [(o.raw_value, o.collected_at) for o in service.observations(patient.id, ["zinc"])]

    service.forget_reads()
    cold = zinc(service)  # read from the file: only zinc's rows
    service.observations(patient.id)  # the whole read, now kept
    assert (
        zinc(service)
        == cold
        == [("70", datetime(2026, 9, 1, 8)), ("TNP", datetime(2026, 10, 1, 8))]
    )
    # The checklist lists analytes with a number, kept read or not (vitamin C has none).
    assert service.analytes_with_values(patient.id) == {"zinc", "magnesium_serum"}
    service.forget_reads()
    assert service.analytes_with_values(patient.id) == {"zinc", "magnesium_serum"}
    # A write after the whole read is seen by the subset read too.
    service.record_result(patient.id, "zinc", "75", "ug/dL", datetime(2026, 11, 1, 8))
    assert [v for v, _ in zinc(service)] == ["70", "TNP", "75"]


def test_a_derived_lane_alone_reads_its_inputs(clinic):
    from app.services.series import series_for

    service, patient = clinic
    at = datetime(2026, 9, 1, 8)
    service.record_result(patient.id, "testosterone_total", "500", "ng/dL", at)
    service.record_result(patient.id, "shbg", "40", "nmol/L", at)
    service.record_result(patient.id, "albumin", "4.3", "g/dL", at)
    service.forget_reads()
    [lane] = series_for(service, patient.id, ["free_testosterone_calc"]).analytes
    [point] = lane.points
    assert lane.unit == "pg/mL" and 80 < point.value < 110  # Vermeulen: about 9 ng/dL


def test_a_read_inside_a_transaction_that_rolls_back_is_not_kept(clinic):
    from app.core.models import Observation

    service, patient = clinic
    assert _values(service, patient.id) == ["70"]
    at = datetime(2026, 10, 5, 8)
    with pytest.raises(RuntimeError), service.database.transaction():
        service.observations_repo.add(
            Observation(None, patient.id, "zinc", at, "99", 99.0, None, "ug/dL", 99.0, "ug/dL")
        )
        assert _values(service, patient.id) == ["70", "99"]  # seen inside the transaction
        raise RuntimeError("the import failed half way")
    assert _values(service, patient.id) == ["70"]  # and gone after the rollback
