"""A Synthea-style export of monitoring labs and vital signs imports onto the KB analytes."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.services import ClinicService
from app.services.importing import NEW, UNKNOWN_ANALYTE, Importer
from tests.conftest import TODAY, make_patient

FIXTURE = Path(__file__).parents[1] / "data" / "labfiles" / "synthea_monitoring.csv"
PATIENT_ID = "7c1e0b52-93a4-4d5e-b1f0-2a8d6c4e9f13"


@pytest.fixture
def clinic(tmp_path, kb):
    service = ClinicService.create(
        tmp_path / "clinic.db", name="T", today=lambda: TODAY, knowledge=kb
    )
    service.create_patient(make_patient(mrn=PATIENT_ID))
    yield service
    service.close()


def _import(service):
    importer = Importer(service)
    data = FIXTURE.read_bytes()
    parsed = importer.read(data, FIXTURE.name, None)
    preview = importer.preview(data, FIXTURE.name, parsed)
    return importer, data, preview


def test_every_row_has_an_analyte_and_only_the_bare_ml_min_egfr_is_unrecognised(clinic):
    _, _, preview = _import(clinic)
    assert preview.statuses.count(UNKNOWN_ANALYTE) == 0
    assert preview.statuses.count(NEW) == 39
    assert dict(preview.unrecognised_units) == {("egfr", "mL/min"): 1}


def _by_date(observations):
    found: dict[tuple[str, str], object] = {}
    for obs in observations:
        found[(obs.analyte_key, obs.collected_at.date().isoformat())] = obs
    return found


# (analyte, date, canonical value, canonical unit)
EXPECTED = [
    ("cholesterol_total", "2024-03-04", 200.0, "mg/dL"),  # 5.17 mmol/L
    ("cholesterol_hdl", "2024-03-04", 42.5, "mg/dL"),  # 1.10 mmol/L
    ("cholesterol_ldl", "2024-03-04", 118.0, "mg/dL"),  # 13457-7, calculated
    ("cholesterol_ldl", "2024-09-09", 141.0, "mg/dL"),  # 18262-6, direct
    ("triglycerides", "2024-03-04", 149.7, "mg/dL"),  # 1.69 mmol/L
    ("creatinine", "2024-03-04", 1.0, "mg/dL"),  # 88.4 umol/L
    ("creatinine", "2024-09-09", 1.08, "mg/dL"),  # 38483-4, blood
    ("urea_nitrogen", "2024-03-04", 14.0, "mg/dL"),
    ("egfr", "2024-03-04", 84.0, "mL/min/{1.73_m2}"),
    ("alt", "2024-03-04", 31.0, "U/L"),  # IU/L
    ("ast", "2024-03-04", 24.0, "U/L"),
    ("alkaline_phosphatase", "2024-03-04", 71.0, "U/L"),
    ("bilirubin_total", "2024-03-04", 0.702, "mg/dL"),  # 12 umol/L
    ("sodium", "2024-03-04", 140.0, "mmol/L"),  # mEq/L
    ("potassium", "2024-03-04", 4.3, "mmol/L"),
    ("wbc", "2024-03-04", 6.2, "10*3/uL"),  # x10E3/uL
    ("rbc", "2024-03-04", 5.41, "10*6/uL"),
    ("platelets", "2024-03-04", 251.0, "10*3/uL"),  # 10*9/L
    ("mcv", "2024-03-04", 88.5, "fL"),
    ("bp_systolic", "2024-03-04", 128.0, "mmHg"),  # mm[Hg]
    ("bp_diastolic", "2024-09-09", 86.0, "mmHg"),
    ("heart_rate", "2024-03-04", 68.0, "/min"),
    ("body_weight", "2024-03-04", 89.99, "kg"),  # 198.4 [lb_av]
    ("body_weight", "2024-09-09", 92.1, "kg"),
    ("body_height", "2024-03-04", 177.8, "cm"),  # 70 [in_i]
    ("bmi", "2024-03-04", 28.5, "kg/m2"),
]


@pytest.mark.parametrize(("key", "day", "value", "unit"), EXPECTED)
def test_rows_land_on_the_right_analyte_in_canonical_units(clinic, key, day, value, unit):
    importer, data, preview = _import(clinic)
    importer.commit(preview, data)
    patient = clinic.find_patient(PATIENT_ID)
    obs = _by_date(clinic.observations(patient.id))[(key, day)]
    assert obs.unit_canonical == unit
    assert obs.value_canonical == pytest.approx(value, abs=0.01 * max(1.0, abs(value)) / 10)


def test_bare_ml_min_egfr_is_kept_as_written_and_not_converted(clinic):
    importer, data, preview = _import(clinic)
    importer.commit(preview, data)
    patient = clinic.find_patient(PATIENT_ID)
    obs = _by_date(clinic.observations(patient.id))[("egfr", "2024-09-09")]
    assert (obs.value, obs.unit) == (79.0, "mL/min")
    assert obs.value_canonical is None and obs.unit_canonical == ""
