"""Importing lab files through the service: match, preview, one-transaction commit, undo."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest

from app.core.labfiles import FileRejected, NeedsDateOrder, ReadOptions
from app.services import ClinicService
from app.services.importing import (
    DUPLICATE,
    NEW,
    UNKNOWN_ANALYTE,
    UNMATCHED_PATIENT,
    Importer,
    NothingToImport,
)
from tests.conftest import TODAY, make_patient

LONG_CSV = (
    "MRN,Last Name,First Name,DOB,Test,LOINC,Result,Units,Reference Range,Collected\n"
    "MRN-1001,Okafor,Samir,1975-06-14,Testosterone Total,2986-8,612,ng/dL,264-916,2026-03-02 08:10\n"
    "MRN-1001,Okafor,Samir,1975-06-14,Estradiol,2243-4,<5,pg/mL,10-42,2026-03-02 08:10\n"
    "MRN-1001,Okafor,Samir,1975-06-14,Zinc,5763-8,11.2,umol/L,9.2-18.4,2026-03-02 08:10\n"
    "MRN-1001,Okafor,Samir,1975-06-14,Hematocrit,4544-3,52.1 H,%,38.5-50,2026-03-02 08:10\n"
    "MRN-1001,Okafor,Samir,1975-06-14,Glorbulin,,7,mg/dL,,2026-03-02 08:10\n"
    "MRN-9999,Ghost,Nobody,1980-01-01,Zinc,5763-8,80,ug/dL,60-120,2026-03-02 08:10\n"
    "MRN-1001,Okafor,Samir,1975-06-14,Zinc,5763-8,abc,ug/dL,60-120,2026-03-03 08:10\n"
)


@pytest.fixture
def clinic(tmp_path, kb):
    service = ClinicService.create(
        tmp_path / "clinic.db", name="T", today=lambda: TODAY, knowledge=kb
    )
    service.create_patient(make_patient())
    yield service
    service.close()


def _preview(service, text: str, name="labs.csv", options=None):
    importer = Importer(service)
    data = text.encode()
    parsed = importer.read(data, name, options)
    return importer, data, importer.preview(data, name, parsed)


def test_preview_sorts_every_row_and_writes_nothing(clinic):
    _, _, preview = _preview(clinic, LONG_CSV)
    assert preview.statuses.count(NEW) == 4
    assert preview.statuses.count(UNKNOWN_ANALYTE) == 1
    assert preview.statuses.count(UNMATCHED_PATIENT) == 1
    assert [p.line for p in preview.parsed.problems] == [8]  # 'abc' in a numeric column
    assert "glorbulin" in preview.unknown_analytes
    assert clinic.observations_repo.count() == 0


def test_commit_writes_values_units_and_censoring_exactly(clinic, kb):
    importer, data, preview = _preview(clinic, LONG_CSV)
    result = importer.commit(preview, data)
    assert (result.imported, result.rejected, result.skipped) == (4, 1, 2)
    patient = clinic.find_patient("MRN-1001")
    by_key = {o.analyte_key: o for o in clinic.observations(patient.id)}
    estradiol = by_key["estradiol"]
    assert (estradiol.comparator, estradiol.value, estradiol.raw_value) == ("<", 5.0, "<5")
    zinc = by_key["zinc"]
    assert zinc.unit == "umol/L" and zinc.value == 11.2
    assert zinc.unit_canonical == "ug/dL" and zinc.value_canonical == pytest.approx(
        11.2 * 6.538, rel=1e-3
    )
    assert by_key["hematocrit"].flag == "H" and by_key["hematocrit"].value == 52.1
    assert (
        by_key["testosterone_total"].ref_low == 264 and by_key["testosterone_total"].ref_high == 916
    )
    assert all(o.batch_id == result.batch_id and o.source == "csv" for o in by_key.values())
    assert result.stored_path and Path(result.stored_path).read_bytes() == data


def test_reimporting_the_same_file_adds_nothing(clinic):
    importer, data, preview = _preview(clinic, LONG_CSV)
    importer.commit(preview, data)
    importer2, data2, again = _preview(clinic, LONG_CSV)
    assert again.statuses.count(NEW) == 0 and again.statuses.count(DUPLICATE) == 4
    assert again.already_imported
    batches = len(importer2.batches())
    with pytest.raises(NothingToImport, match="4 already in the clinic") as refused:
        importer2.commit(again, data2)
    assert "no batch was made" in str(refused.value)
    assert len(importer2.batches()) == batches  # no empty batch to undo later
    assert clinic.observations_repo.count() == 4


def test_create_patients_says_who_it_cannot_create_and_why(clinic):
    text = (
        "MRN,Last Name,First Name,DOB,Test,Result,Units,Collected\n"
        "MRN-1001,Everywoman,Eve,1962-03-20,Zinc,80,ug/dL,2026-03-02 08:10\n"
        "MRN-7001,Doe,Jo,,Zinc,81,ug/dL,2026-03-02 08:10\n"
        "MRN-7002,Roe,Al,1970-01-01,Zinc,82,ug/dL,2026-03-02 08:10\n"
    )
    importer, data, preview = _preview(clinic, text)
    notes = {who.mrn: note for who, note in preview.patient_notes.items()}
    assert "belongs to" in notes["MRN-1001"]  # the MRN is another person's
    why = {who.mrn: importer.patients.why_not_created(who) for who in preview.unmatched_patients}
    assert why["MRN-1001"] == "MRN MRN-1001 belongs to another patient"
    assert why["MRN-7001"] == "the file gives no readable date of birth"
    assert why["MRN-7002"] == ""
    assert importer.importable_rows(preview, create_patients=False) == 0
    assert importer.importable_rows(preview, create_patients=True) == 1
    with pytest.raises(NothingToImport):
        importer.commit(preview, data)
    result = importer.commit(preview, data, create_patients=True)
    assert result.patients_created == 1 and result.imported == 1


def test_an_overlapping_export_with_other_spellings_adds_only_new_rows(clinic):
    importer, data, preview = _preview(clinic, LONG_CSV)
    importer.commit(preview, data)
    overlap = (
        "MRN;Test;Result;Units;Collected\n"
        "MRN-1001;Zinc;11,2;µmol/L;2026-03-02 08:10\n"
        "MRN-1001;Zinc;12,0;µmol/L;2026-06-02 08:10\n"
    )
    importer2, data2, preview2 = _preview(clinic, overlap, "export2.csv")
    assert preview2.statuses == [DUPLICATE, NEW]
    assert importer2.commit(preview2, data2).imported == 1


def test_undo_removes_exactly_the_batch(clinic, patient=None):
    manual = clinic.record_result(
        clinic.find_patient("MRN-1001").id,
        "zinc",
        "70",
        "ug/dL",
        __import__("datetime").datetime(2025, 1, 5, 9, 0),
    )
    importer, data, preview = _preview(clinic, LONG_CSV)
    result = importer.commit(preview, data)
    assert clinic.observations_repo.count() == 5
    assert importer.undo(result.batch_id) == 4
    remaining = clinic.observations(manual.patient_id)
    assert remaining == [manual]
    with pytest.raises(ValueError, match="already undone"):
        importer.undo(result.batch_id)


def test_a_failure_during_commit_leaves_no_rows_no_batch_and_no_file(clinic, tmp_path):
    importer, data, preview = _preview(clinic, LONG_CSV)

    def explode(*args, **kwargs):
        raise RuntimeError("disk full")

    importer._repo.finish_batch = explode  # this instance only
    with pytest.raises(RuntimeError):
        importer.commit(preview, data)
    assert clinic.observations_repo.count() == 0
    assert importer.batches() == []
    imports = tmp_path / "imports"
    assert not imports.exists() or list(imports.iterdir()) == []


def test_unknown_analyte_mapped_once_is_remembered(clinic):
    importer, data, preview = _preview(clinic, LONG_CSV)
    importer.map_analyte("glorbulin", "shbg")
    result = importer.commit(preview, data)
    assert result.imported == 5
    later = "MRN,Test,Result,Units,Collected\nMRN-1001,Glorbulin,9,nmol/L,2026-05-01\n"
    _, _, preview2 = _preview(clinic, later, "later.csv")
    assert preview2.analyte_keys == ["shbg"] and preview2.statuses == [NEW]


def test_patients_are_matched_by_name_and_birth_date_but_never_fuzzily(clinic):
    rows = (
        "Last Name,First Name,DOB,Test,Result,Units,Collected\n"
        "okafor,SAMIR,1975-06-14,Zinc,80,ug/dL,2026-04-01\n"
        "Okafor,Samir,1975-06-15,Zinc,81,ug/dL,2026-04-01\n"
        "Okafur,Samir,1975-06-14,Zinc,82,ug/dL,2026-04-01\n"
    )
    _, _, preview = _preview(clinic, rows)
    assert preview.statuses == [NEW, UNMATCHED_PATIENT, UNMATCHED_PATIENT]


def test_an_mrn_whose_birth_date_disagrees_is_not_attached(clinic):
    rows = "MRN,DOB,Test,Result,Units,Collected\nMRN-1001,1990-01-01,Zinc,80,ug/dL,2026-04-01\n"
    _, _, preview = _preview(clinic, rows)
    assert preview.statuses == [UNMATCHED_PATIENT]
    (note,) = preview.patient_notes.values()
    assert "differs" in note


def test_create_patients_creates_only_people_the_file_identifies(clinic):
    rows = (
        "MRN,Last Name,First Name,DOB,Sex,Test,Result,Units,Collected\n"
        "N-5,Ferreira,Ines,1966-02-01,F,Zinc,80,ug/dL,2026-04-01\n"
        "N-6,,,,,Zinc,81,ug/dL,2026-04-01\n"
    )
    importer, data, preview = _preview(clinic, rows)
    result = importer.commit(preview, data, create_patients=True)
    assert result.patients_created == 1 and result.imported == 1 and result.skipped == 1
    created = clinic.find_patient("N-5")
    assert created.date_of_birth == date(1966, 2, 1) and created.sex_at_birth == "female"
    assert clinic.find_patient("N-6") is None


def test_unrecognised_unit_is_kept_raw_and_flagged_not_converted(clinic):
    rows = "MRN,Test,Result,Units,Collected\nMRN-1001,Zinc,80,mg/furlong,2026-04-01\n"
    importer, data, preview = _preview(clinic, rows)
    assert preview.unrecognised_units == {("zinc", "mg/furlong"): 1}
    importer.commit(preview, data)
    (obs,) = clinic.observations(clinic.find_patient("MRN-1001").id)
    assert obs.unit == "mg/furlong" and obs.value == 80 and obs.value_canonical is None


def test_ambiguous_dates_need_the_users_choice(clinic):
    rows = "MRN,Test,Result,Units,Collected\nMRN-1001,Zinc,80,ug/dL,03/04/2026\n"
    with pytest.raises(NeedsDateOrder):
        _preview(clinic, rows)
    _, _, preview = _preview(clinic, rows, options=ReadOptions(date_order="dmy"))
    assert preview.parsed.rows[0].collected_at.date() == date(2026, 4, 3)


@pytest.mark.parametrize(
    "data",
    [b"", b"MRN,Test,Result\n", b"PK\x03\x04" + b"\x00" * 64, b"\x00\x01\x02binary" * 50],
)
def test_bad_files_are_refused_with_a_message_and_change_nothing(clinic, data):
    importer = Importer(clinic)
    with pytest.raises(FileRejected) as caught:
        importer.read(data, "bad.csv")
    assert str(caught.value).endswith(".")
    assert clinic.observations_repo.count() == 0 and importer.batches() == []


def test_a_fhir_resource_id_is_not_taken_for_an_mrn(clinic):
    """`Patient/f001` names the sender's record, not the clinic's MRN: say so, match nothing."""
    path = Path(__file__).resolve().parents[1] / "data" / "labfiles" / "observation_period.json"
    importer, data, preview = _preview(clinic, path.read_text(), "observation_period.json")
    [(who, note)] = preview.patient_notes.items()
    assert who.mrn == "Patient/f001" and "resource id, not an MRN" in note
    assert preview.count(NEW) == 0  # nothing is attached to a patient by the resource id


def test_impossible_rows_are_rejected_with_their_reason_and_left_out(clinic):
    text = (
        "MRN,Test,Result,Units,Collected\n"
        "MRN-1001,Zinc,80,ug/dL,2026-03-02 08:10\n"
        "MRN-1001,Testosterone Total,-50,ng/dL,2026-03-02 08:10\n"  # a sign slipped in
        "MRN-1001,Zinc,75,ug/dL,1950-07-01 08:10\n"  # born 1975: a date in the wrong place
        "MRN-1001,Bone density T-score,-2.6,,2026-03-02 08:10\n"  # T-scores run below zero
    )
    importer, data, preview = _preview(clinic, text)
    reasons = {p.line: p.reason for p in preview.rejected}
    assert reasons == {
        3: "-50 is below zero: Testosterone, total cannot be negative.",
        4: "The collection date 1950-07-01 is before the patient's birth (1975-06-14).",
    }
    summary = preview.summary()
    assert (summary["new"], summary["rejected"], summary["rows_read"]) == (2, 2, 4)
    result = importer.commit(preview, data)
    assert (result.imported, result.rejected, result.skipped) == (2, 2, 0)
    stored = clinic.observations(clinic.find_patient("MRN-1001").id)
    assert sorted((o.analyte_key, o.value) for o in stored) == [("bmd_tscore", -2.6), ("zinc", 80)]


def test_an_mrn_in_other_letter_case_matches_as_the_clinic_compares_mrns(clinic):
    text = (
        "MRN,Test,Result,Units,Collected\n"
        "mrn-1001,Zinc,70,ug/dL,2026-03-02 08:10\n"
        "MRN-1001,Zinc,71,ug/dL,2026-03-03 08:10\n"
        "MRN-1002,Zinc,72,ug/dL,2026-03-04 08:10\n"
    )
    _, _, preview = _preview(clinic, text)
    okafor = clinic.find_patient("MRN-1001").id
    assert preview.patient_ids == [okafor, okafor, None]
    assert preview.statuses == [NEW, NEW, UNMATCHED_PATIENT]


def test_a_batch_names_who_imported_it_and_who_undid_it(clinic):
    """The batch, its results and its undo are the signed-in user's, not left blank."""
    importer, data, preview = _preview(clinic, LONG_CSV)
    result = importer.commit(preview, data)
    me = clinic.user
    (batch,) = importer.batches()
    assert (batch.created_by, batch.undone_by) == (me.username, "")
    owners = clinic.database.conn.execute(
        "SELECT DISTINCT created_by FROM observations WHERE batch_id = ?", (result.batch_id,)
    ).fetchall()
    assert owners == [(me.id,)]
    importer.undo(result.batch_id)
    (batch,) = importer.batches()
    assert batch.undone_at and batch.undone_by == me.username


def test_a_result_entered_by_hand_names_its_user(clinic):
    saved = clinic.record_result(
        clinic.find_patient("MRN-1001").id, "zinc", "70", "ug/dL", datetime(2025, 1, 5, 9, 0)
    )
    (owner,) = clinic.database.conn.execute(
        "SELECT created_by FROM observations WHERE id = ?", (saved.id,)
    ).fetchone()
    assert owner == clinic.user.id


def test_undoing_counts_what_goes_first_with_later_corrections(clinic):
    importer, data, preview = _preview(clinic, LONG_CSV)
    result = importer.commit(preview, data)
    impact = importer.batch_impact(result.batch_id)
    assert (impact.results, impact.patients, impact.changed) == (4, 1, 0)
    zinc = next(
        o
        for o in clinic.observations(clinic.find_patient("MRN-1001").id)
        if o.analyte_key == "zinc"
    )
    clinic.exclude_result(zinc.id, "haemolysed sample")
    impact = importer.batch_impact(result.batch_id)
    assert (impact.results, impact.changed) == (4, 1)
    report = importer.batch_report(result.batch_id)
    assert report.splitlines()[0] == "line\tcolumn\treason" and report.splitlines()[1].startswith(
        "8\t"
    )
    importer.undo(result.batch_id)
    assert importer.batch_impact(result.batch_id) == type(impact)(0, 0, 0)


def test_a_batch_counts_and_reports_the_rows_found_impossible_too(clinic):
    """A negative zinc is refused by the preview, not the reader: the batch, its report,
    its audit record and the wizard's count all name it."""
    text = LONG_CSV.replace(",11.2,umol/L,", ",-5,umol/L,")
    importer, data, preview = _preview(clinic, text)
    result = importer.commit(preview, data)
    (batch,) = importer.batches()
    assert result.rejected == batch.rows_rejected == 2  # 'abc' and the negative zinc
    report = importer.batch_report(result.batch_id).splitlines()
    assert [line.split("\t")[0] for line in report[1:]] == ["4", "8"]
    (event,) = [
        r for r in clinic.session.audit.rows() if r.action == "import" and r.patient_id is None
    ]
    assert "2 rejected" in event.detail


def test_an_undo_that_lost_a_race_changes_nothing(clinic, monkeypatch):
    """Two undos at once (two windows, the command line): the second finds the batch
    undone inside its transaction and leaves the first one's record as it was."""
    importer, data, preview = _preview(clinic, LONG_CSV)
    batch_id = importer.commit(preview, data).batch_id
    importer.undo(batch_id)
    (first,) = importer.batches()
    # The second undo's check ran before the first committed: it saw the batch in place.
    monkeypatch.setattr(importer, "_undo_refusal", lambda _id: None)
    with pytest.raises(ValueError, match="changed"):
        importer.undo(batch_id)
    (after,) = importer.batches()
    assert (after.undone_at, after.undone_by) == (first.undone_at, first.undone_by)
    undos = [
        r for r in clinic.session.audit.rows() if r.action == "delete" and r.patient_id is None
    ]
    assert len(undos) == 1


def test_the_result_counts_only_written_rows_kept_in_an_unconvertible_unit(clinic):
    text = (
        "MRN,Test,Result,Units,Collected\n"
        "MRN-1001,Zinc,70,furlongs,2026-03-02 08:10\n"
        "MRN-1001,Zinc,71,furlongs,2026-03-03 08:10\n"
        "MRN-9999,Zinc,72,furlongs,2026-03-03 08:10\n"
    )
    importer, data, preview = _preview(clinic, text)
    assert preview.summary()["unrecognised_unit_rows"] == 3  # the unmatched patient's too
    assert importer.commit(preview, data).unconverted == 2
    importer, data, preview = _preview(clinic, LONG_CSV)
    assert importer.commit(preview, data).unconverted == 0


def test_a_role_that_may_not_undo_is_refused_and_audited_whatever_the_batch(tmp_path, kb):
    from app.security.roles import PermissionDenied
    from app.services.admin import AdminService
    from tests.conftest import create_encrypted_clinic, sign_in

    path = tmp_path / "clinic.db"
    admin = create_encrypted_clinic(path, kb)
    importer, data, preview = _preview(admin, LONG_CSV)
    batch_id = importer.commit(preview, data).batch_id
    importer.undo(batch_id)  # already undone: the assistant's try is still a refusal
    AdminService(admin).add_user("desk1", "assistant", "front desk phrase 2024 ok")
    admin.close()
    assistant = sign_in(path, kb, "desk1", "front desk phrase 2024 ok")
    try:
        for batch in (batch_id, 999):
            with pytest.raises(PermissionDenied):
                Importer(assistant).undo(batch)
        denied = [r for r in assistant.session.audit.rows() if r.outcome == "denied"]
        assert [r.action for r in denied] == ["import.undo", "import.undo"]
    finally:
        assistant.close()


def test_an_import_is_in_the_audit_trail_of_each_chart_it_wrote_to(clinic):
    """security.md B1: every access to a patient's data names the patient, imports too."""
    importer, data, preview = _preview(clinic, LONG_CSV)
    result = importer.commit(preview, data)
    patient = clinic.find_patient("MRN-1001")
    events = [r for r in clinic.session.audit.rows() if r.action == "import"]
    assert [(r.patient_id, r.category, r.detail) for r in events[:-1]] == [
        (patient.id, "lab results", f"batch {result.batch_id}")
    ]
    assert events[-1].patient_id is None and "4 imported" in events[-1].detail
    importer.undo(result.batch_id)
    undone = [r for r in clinic.session.audit.rows() if r.action == "delete"]
    assert [(r.patient_id, r.detail) for r in undone] == [
        (patient.id, f"import batch {result.batch_id} undone"),
        (None, f"import batch {result.batch_id} undone: 4 rows"),
    ]


def test_a_chart_whose_rows_were_all_duplicates_gets_no_import_row(clinic):
    second = clinic.create_patient(make_patient(mrn="MRN-2002", family_name="Lindqvist"))
    first_file = "MRN,Test,Result,Units,Collected\nMRN-1001,Zinc,70,ug/dL,2026-03-02 08:10\n"
    importer, data, preview = _preview(clinic, first_file)
    importer.commit(preview, data)
    again = first_file + "MRN-2002,Zinc,81,ug/dL,2026-03-02 08:10\n"
    importer, data, preview = _preview(clinic, again, "again.csv")
    batch_id = importer.commit(preview, data).batch_id
    charts = [
        r.patient_id
        for r in clinic.session.audit.rows()
        if r.action == "import" and r.detail == f"batch {batch_id}"
    ]
    assert charts == [second.id]  # MRN-1001's only row was already there
