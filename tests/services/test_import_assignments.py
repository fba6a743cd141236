"""Assigning an unmatched file patient to a clinic patient the user chooses (issue #4)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from app.core.labfiles import ReadOptions
from app.services import ClinicService
from app.services.importing import DUPLICATE, NEW, AssignmentError, Importer
from tests.conftest import TODAY, make_patient

ANALYZER = Path(__file__).parents[1] / "data" / "labfiles" / "analyzer_samples_no_patient.csv"

LAB_MRN_CSV = (
    "MRN,Last Name,First Name,DOB,Test,Result,Units,Collected\n"
    "LAB-77,Okafor,Samir,1975-06-14,Zinc,80,ug/dL,2026-03-02 08:10\n"
    "LAB-77,Okafor,Samir,1975-06-14,Estradiol,28,pg/mL,2026-03-02 08:10\n"
)


@pytest.fixture
def clinic(tmp_path, kb):
    service = ClinicService.create(
        tmp_path / "clinic.db", name="T", today=lambda: TODAY, knowledge=kb
    )
    service.create_patient(make_patient())
    # A patient whose MRN happens to equal a sample id: a sample id must never match it.
    service.create_patient(
        make_patient(mrn="S-501", family_name="Quinn", given_name="Maya", sex_at_birth="female")
    )
    yield service
    service.close()


def _analyzer(service):
    importer = Importer(service)
    data = ANALYZER.read_bytes()
    parsed = importer.read(data, ANALYZER.name, ReadOptions(date_order="dmy"))
    return importer, data, parsed, importer.preview(data, ANALYZER.name, parsed)


def _unmatched(preview) -> dict[str, int]:
    return {who.describe(): len(lines) for who, lines in preview.unmatched_patients.items()}


def test_a_two_sample_analyzer_file_shows_each_sample_unmatched(clinic):
    _, _, _, preview = _analyzer(clinic)
    assert _unmatched(preview) == {
        "Sample S-501": 3,
        "Sample S-502": 2,
        "no patient identifier": 1,
    }
    assert {preview.patient_notes[who] for who in preview.unmatched_patients} == {
        "the file gives no patient identifier"
    }
    assert preview.count(NEW) == 0  # 'S-501' is also a clinic MRN, but a sample is no patient


def test_assigning_one_sample_imports_only_its_rows_onto_that_patient(clinic):
    importer, data, parsed, preview = _analyzer(clinic)
    okafor = clinic.find_patient("MRN-1001")
    sample = next(who for who in preview.unmatched_patients if who.sample_id == "S-501")
    importer.assign(sample, okafor.id)
    preview = importer.preview(data, ANALYZER.name, parsed)
    assert preview.count(NEW) == 3
    assert preview.summary()["assigned_rows"] == 3
    assert preview.assigned_to == {sample: okafor.id}
    assert preview.assigned_lines == {sample: [2, 3, 4]}
    assert _unmatched(preview) == {"Sample S-502": 2, "no patient identifier": 1}
    result = importer.commit(preview, data)
    assert result.imported == 3 and result.skipped == 3
    stored = clinic.observations(okafor.id)
    assert sorted(o.value for o in stored) == [28, 80, 612]
    assert clinic.observations(clinic.find_patient("S-501").id) == []
    # The assignment is written into the batch's audit record.
    detail = clinic.session.audit.rows(action="import")[-1].detail
    assert f"assigned by the user: Sample S-501 (3 rows) to patient {okafor.id}" in detail


def test_undo_removes_exactly_the_assigned_rows(clinic):
    okafor = clinic.find_patient("MRN-1001")
    manual = clinic.record_result(okafor.id, "zinc", "70", "ug/dL", datetime(2025, 1, 5, 9, 0))
    importer, data, parsed, preview = _analyzer(clinic)
    importer.assign_text(preview, "S-502=MRN-1001")
    preview = importer.preview(data, ANALYZER.name, parsed)
    result = importer.commit(preview, data)
    assert result.imported == 2
    assert importer.undo(result.batch_id) == 2
    assert clinic.observations(okafor.id) == [manual]


def test_assigned_rows_still_go_through_duplicate_detection(clinic):
    importer, data, parsed, preview = _analyzer(clinic)
    importer.assign_text(preview, "S-501=MRN-1001")
    importer.commit(importer.preview(data, ANALYZER.name, parsed), data)
    again, data, parsed, preview = _analyzer(clinic)
    again.assign_text(preview, "S-501=MRN-1001")
    preview = again.preview(data, ANALYZER.name, parsed)
    assert preview.count(DUPLICATE) == 3 and preview.count(NEW) == 0


def test_a_lab_mrn_can_be_assigned_to_the_clinic_mrn(clinic):
    importer = Importer(clinic)
    data = LAB_MRN_CSV.encode()
    parsed = importer.read(data, "lab.csv")
    preview = importer.preview(data, "lab.csv", parsed)
    assert _unmatched(preview) == {"MRN LAB-77 · Okafor, Samir · born 1975-06-14": 2}
    who, patient = importer.assign_text(preview, "LAB-77=MRN-1001")
    assert (who.mrn, patient.mrn) == ("LAB-77", "MRN-1001")
    preview = importer.preview(data, "lab.csv", parsed)
    assert preview.count(NEW) == 2 and preview.unmatched_patients == {}


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("S-501=MRN-404", "no patient in this clinic has MRN 'MRN-404'"),
        ("S-999=MRN-1001", "has no unmatched patient 'S-999'"),
        ("S-501", "write the file patient, '=', and a clinic MRN"),
        ("=MRN-1001", "write the file patient"),
    ],
)
def test_a_wrong_assignment_is_one_line_and_changes_nothing(clinic, spec, message):
    importer, data, parsed, preview = _analyzer(clinic)
    with pytest.raises(AssignmentError, match=message) as caught:
        importer.assign_text(preview, spec)
    assert "\n" not in str(caught.value)
    assert importer.preview(data, ANALYZER.name, parsed).assigned_to == {}
    assert clinic.observations_repo.count() == 0


def test_assignment_wins_over_creating_the_patient(clinic):
    text = (
        "MRN,Last Name,First Name,DOB,Test,Result,Units,Collected\n"
        "N-1,Amin,Ola,1980-02-02,Zinc,70,ug/dL,2026-10-01 08:00\n"
    )
    importer = Importer(clinic)
    data = text.encode()
    parsed = importer.read(data, "new.csv")
    preview = importer.preview(data, "new.csv", parsed)
    who = next(iter(preview.unmatched_patients))
    assert importer.patients.why_not_created(who) == ""  # it could have been created
    importer.assign(who, clinic.find_patient("MRN-1001").id)
    preview = importer.preview(data, "new.csv", parsed)
    result = importer.commit(preview, data, create_patients=True)
    assert (result.imported, result.patients_created) == (1, 0)
    assert clinic.find_patient("N-1") is None
    assert clinic.count_patients() == 2


def test_taking_an_assignment_back_leaves_the_sample_unmatched(clinic):
    importer, data, parsed, preview = _analyzer(clinic)
    sample = next(who for who in preview.unmatched_patients if who.sample_id == "S-502")
    importer.assign(sample, clinic.find_patient("MRN-1001").id)
    importer.assign(sample, None)
    preview = importer.preview(data, ANALYZER.name, parsed)
    assert preview.assigned_to == {} and "Sample S-502" in _unmatched(preview)
    with pytest.raises(AssignmentError):
        importer.assign(sample, 999_999)
