"""Every action a user can take leaves an audit row; failures and lockouts survive restarts."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from app.core.validation import DoseChange
from app.services.admin import AdminService
from app.services.findings import FindingsService
from app.services.importing import Importer
from app.services.session import SignInError
from tests.conftest import ADMIN_PASSWORD as PASSWORD
from tests.conftest import create_encrypted_clinic, cypionate
from tests.conftest import sign_in as _sign_in


@pytest.fixture
def clinic_path(tmp_path, kb):
    path = tmp_path / "clinic.db"
    create_encrypted_clinic(path, kb).close()
    return path


def test_every_action_writes_an_audit_row(clinic_path, kb, tmp_path):
    service = _sign_in(clinic_path, kb)
    patient = service.find_patient("MRN-1001")  # created, and audited, with the clinic
    service.audit_search("okafor", 1)
    service.open_chart(patient.id)
    service.update_patient(service.get_patient(patient.id))
    service.archive_patient(patient.id)
    service.archive_patient(patient.id, archived=False)
    item = service.add_regimen_item(cypionate(patient.id))
    item = service.change_dose(DoseChange(item.id, 120.0, "mg", 7.0, date(2026, 3, 2)))
    service.record_result(patient.id, "hematocrit", "55.1", "%", datetime(2026, 9, 1, 8, 0))
    importer = Importer(service)
    data = b"MRN,Test,Result,Units,Collected\nMRN-1001,Zinc,70,ug/dL,2026-10-01\n"
    batch = importer.commit(importer.preview(data, "z.csv", importer.read(data, "z.csv")), data)
    importer.undo(batch.batch_id)
    findings = FindingsService(service)
    finding = findings.evaluate(patient.id).findings[0]
    findings.suppress(patient.id, finding, "discussed")
    findings.unsuppress(patient.id, finding.rule_id)
    rows = findings.worklist([finding.rule_id])
    findings.export_worklist(rows, tmp_path / "w.csv")
    service.stop_regimen_item(item.id, date(2026, 10, 1), "review")
    admin = AdminService(service)
    admin.add_user("ben", "clinician", "another long passphrase 77")
    admin.set_role("ben", "assistant")
    admin.set_disabled("ben", True)
    admin.back_up(tmp_path / "backups")
    service.lock()
    with pytest.raises(SignInError):
        service.unlock("not my password at all")
    service.unlock(PASSWORD)
    service.close()

    again = _sign_in(clinic_path, kb)
    seen = {(r.action, r.category, r.outcome) for r in again.session.audit.rows()}
    expected = {
        ("create", "clinic", "success"),
        ("signin", "session", "success"),
        ("create", "demographics", "success"),
        ("query", "demographics", "success"),
        ("read", "chart", "success"),
        ("update", "demographics", "success"),
        ("archive", "demographics", "success"),
        ("unarchive", "demographics", "success"),
        ("create", "medications", "success"),
        ("update", "medications", "success"),
        ("create", "lab results", "success"),
        ("import", "lab results", "success"),
        ("delete", "lab results", "success"),
        ("suppress", "findings", "success"),
        ("unsuppress", "findings", "success"),
        ("query", "findings", "success"),
        ("export", "findings", "success"),
        ("create", "users", "success"),
        ("role change", "users", "success"),
        ("disable", "users", "success"),
        ("backup", "backup", "success"),
        ("timeout", "session", "success"),
        ("signout", "session", "success"),
    }
    assert expected <= seen, expected - seen
    # Every event about one patient names that patient, creation included.
    patient_events = {"create", "read", "update", "archive", "unarchive"}
    for row in again.session.audit.rows():
        if row.category in ("demographics", "chart") and row.action in patient_events:
            assert row.patient_id == patient.id, row
    assert again.session.audit.verify().ok
    again.close()


def test_failed_sign_ins_are_audited_by_the_next_sign_in_even_across_runs(clinic_path, kb):
    for _ in range(2):  # two separate runs, each with its own throttle
        with pytest.raises(SignInError, match="Wrong user name or password"):
            _sign_in(clinic_path, kb, password="wrong wrong wrong wrong")
    service = _sign_in(clinic_path, kb)
    failures = [r for r in service.session.audit.rows(action="signin") if r.outcome == "failure"]
    assert len(failures) == 2 and all("wrong_password" in r.detail for r in failures)
    service.close()
    assert not (clinic_path.parent / "clinic.db.signin-failures").exists()


def test_repeated_failures_lock_the_account_across_runs_and_change_nothing(clinic_path, kb):
    import hashlib

    before = hashlib.sha256(clinic_path.read_bytes()).hexdigest()
    for _ in range(5):
        with pytest.raises(SignInError, match="Wrong"):
            _sign_in(clinic_path, kb, password="wrong wrong wrong wrong")
    with pytest.raises(SignInError, match="Too many failed sign-ins"):
        _sign_in(clinic_path, kb)  # even the right password waits out the lock
    assert hashlib.sha256(clinic_path.read_bytes()).hexdigest() == before
