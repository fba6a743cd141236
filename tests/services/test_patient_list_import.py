"""Importing a patient list: new, already here and refused patients; all or nothing; audited."""

from __future__ import annotations

from datetime import date

import pytest

from app.core.models import Patient
from app.services.importing import Importer
from app.services.patient_list_import import PatientListChanged, PatientListImporter

LIST = (
    "MRN,Last name,First name,DOB,Sex,Date of death\n"
    "MRN-1001,Okafor,Samir,1975-06-14,M,\n"  # already here (the fixture's patient)
    "MRN-2001,Lindqvist,Zoe,1975-12-08,F,\n"
    "MRN-2002,Haddad,Uma,1966-07-09,F,2024-02-01\n"
    "MRN-1002,Becker,Farah,1962-09-09,F,\n"  # MRN-1002 is someone else here
    "MRN-2003,Novak,Ivan,1970-04-28,M,\n"  # the same person as MRN-3003 here
    "MRN-2004,Dubois,Ana,not a date,F,\n"
)


@pytest.fixture
def clinic(service, patient):
    service.create_patient(
        Patient(None, "MRN-1002", "Castillo", "Pavel", date(1976, 11, 5), "male")
    )
    service.create_patient(Patient(None, "MRN-3003", "Novak", "Ivan", date(1970, 4, 28), "male"))
    return service


@pytest.fixture
def list_file(tmp_path):
    path = tmp_path / "patients.csv"
    path.write_text(LIST, encoding="utf-8")
    return path


def test_preview_sorts_the_list_and_writes_nothing(clinic, list_file):
    before = clinic.count_patients()
    preview = PatientListImporter(clinic).preview(list_file)
    assert [p.mrn for p in preview.new] == ["MRN-2001", "MRN-2002"]
    assert [p.mrn for p in preview.already] == ["MRN-1001"]
    refused = {p.mrn: reason for p, reason in preview.refused}
    assert "belongs to Castillo, Pavel" in refused["MRN-1002"]
    assert "already here as MRN MRN-3003" in refused["MRN-2003"]
    assert [p.line for p in preview.listing.problems] == [7]
    assert preview.summary.startswith("6 rows read, 2 new, 1 already in the clinic, 2 refused")
    assert clinic.count_patients() == before


def test_adding_creates_the_new_patients_archives_the_deceased_and_audits_each(clinic, list_file):
    importer = PatientListImporter(clinic)
    added = importer.add(importer.preview(list_file))
    zoe, uma = (clinic.get_patient(pid) for pid in added)
    assert (zoe.mrn, zoe.display_name, zoe.sex_at_birth) == (
        "MRN-2001",
        "Lindqvist, Zoe",
        "female",
    )
    assert not zoe.archived and "patients.csv" in zoe.notes
    assert uma.archived and "Date of death in that list: 2024-02-01" in uma.notes
    events = [r for r in clinic.session.audit.rows() if r.category == "demographics"]
    created = {r.patient_id for r in events if r.action == "create"}
    assert set(added) <= created
    (summary,) = [r for r in events if r.action == "import"]
    assert "patients.csv" in summary.detail and "2 new" in summary.detail

    # A second run of the same list adds nothing.
    again = importer.preview(list_file)
    assert again.new == [] and len(again.already) == 3


def test_a_clinic_changed_since_the_preview_refuses_the_whole_list(clinic, list_file):
    importer = PatientListImporter(clinic)
    preview = importer.preview(list_file)
    clinic.create_patient(Patient(None, "MRN-2002", "Other", "Person", date(1990, 1, 1), "male"))
    count = clinic.count_patients()
    with pytest.raises(PatientListChanged, match="line 4, MRN MRN-2002"):
        importer.add(preview)
    assert clinic.count_patients() == count
    assert clinic.find_patient("MRN-2001") is None  # listed before the clash: not kept


def test_lab_rows_naming_listed_ids_match_once_the_list_is_in(clinic, tmp_path):
    # An export that names patients by the sending system's id only.
    listing = tmp_path / "people.csv"
    listing.write_text("Id,FIRST,LAST,BIRTHDATE,GENDER\nab12-cd34,Lee,Ng,1970-03-04,F\n")
    labs = b"DATE,PATIENT,CODE,DESCRIPTION,VALUE,UNITS\n2026-10-01,ab12-cd34,5763-8,Zinc,70,ug/dL\n"
    importer = Importer(clinic)
    before = importer.preview(labs, "labs.csv", importer.read(labs, "labs.csv"))
    assert before.summary()["unmatched_patient_rows"] == 1
    lists = PatientListImporter(clinic)
    (pid,) = lists.add(lists.preview(listing))
    after = importer.preview(labs, "labs.csv", importer.read(labs, "labs.csv"))
    importer.commit(after, labs)
    (result,) = clinic.observations(pid)
    assert result.analyte_key == "zinc" and result.value == 70
