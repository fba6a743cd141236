"""Audit listings name an event's patient by MRN and name, archived or gone since."""

from __future__ import annotations

import csv

import pytest

from app.security.roles import PermissionDenied
from app.services.admin import AdminService, audit_patient_text
from tests.conftest import create_encrypted_clinic, make_patient, sign_in

BEN_PASSWORD = "a fine long passphrase here"


def test_listing_names_patients_archived_and_gone_after_a_restore(tmp_path, kb):
    path = tmp_path / "clinic.db"
    service = create_encrypted_clinic(path, kb)  # with MRN-1001, Okafor, Samir
    admin = AdminService(service)
    okafor = service.find_patient("MRN-1001")
    service.open_chart(okafor.id)
    service.archive_patient(okafor.id)
    backup = admin.back_up().path
    # After the backup: a patient the restore takes away, whose events it carries over.
    gone = service.create_patient(make_patient(mrn="MRN-2002", family_name="Lindqvist"))
    service.open_chart(gone.id)
    admin.restore(backup)

    rows = admin.audit_rows()
    patients = admin.audit_patients(rows)
    texts = {audit_patient_text(r, patients) for r in rows}
    assert "MRN-1001 (Okafor, Samir; archived)" in texts
    assert f"#{gone.id} (not in this clinic)" in texts
    assert "-" in texts  # sign-ins, backups: no patient
    assert not any("MRN-2002" in text for text in texts)

    target = tmp_path / "audit.csv"
    assert admin.export_audit(rows, target) == len(rows)
    with open(target, encoding="utf-8-sig", newline="") as handle:
        table = list(csv.DictReader(handle))
    mrns = {(r["patient_id"], r["patient_mrn"]) for r in table}
    assert mrns == {("", ""), (str(okafor.id), "MRN-1001"), (str(gone.id), "")}
    service.close()


def test_only_those_who_may_view_the_audit_get_its_patient_names(tmp_path, kb):
    path = tmp_path / "clinic.db"
    service = create_encrypted_clinic(path, kb)
    AdminService(service).add_user("ben", "clinician", BEN_PASSWORD)
    rows = AdminService(service).audit_rows()
    service.close()
    ben = sign_in(path, kb, "ben", BEN_PASSWORD)
    with pytest.raises(PermissionDenied):
        AdminService(ben).audit_patients(rows)
    ben.close()


def _restored_without_a_patient(tmp_path, kb):
    """A clinic restored from a backup made before Lindqvist was added and opened: the
    restore takes Lindqvist away and carries the events about Lindqvist over."""
    service = create_encrypted_clinic(tmp_path / "clinic.db", kb)
    admin = AdminService(service)
    backup = admin.back_up().path
    gone = service.create_patient(make_patient(mrn="MRN-2002", family_name="Lindqvist"))
    service.open_chart(gone.id)
    admin.restore(backup)
    return service, admin, gone


def test_a_patient_added_after_a_restore_never_takes_an_id_the_trail_names(tmp_path, kb):
    service, admin, gone = _restored_without_a_patient(tmp_path, kb)
    novak = service.create_patient(make_patient(mrn="MRN-3003", family_name="Novak"))
    service.open_chart(novak.id)
    # SQLite alone would give Novak the freed id, and with it Lindqvist's history.
    assert novak.id > gone.id

    rows = admin.audit_rows()
    patients = admin.audit_patients(rows)
    carried = [r for r in rows if r.patient_id == gone.id]
    assert [r.action for r in carried] == ["create", "read"]
    assert all(r.detail.startswith("carried over") for r in carried)
    assert {audit_patient_text(r, patients) for r in carried} == {
        f"#{gone.id} (not in this clinic)"
    }
    novaks = [r for r in rows if r.patient_id == novak.id]
    assert [r.action for r in novaks] == ["create", "read"]
    assert {audit_patient_text(r, patients) for r in novaks} == {"MRN-3003 (Novak, Samir)"}
    service.close()


def test_events_of_an_earlier_holder_of_a_reused_id_are_not_named_for_this_one(tmp_path, kb):
    """A clinic whose ids were reused by an older version: what it already holds."""
    from dataclasses import replace

    from app.security import roles

    service, admin, gone = _restored_without_a_patient(tmp_path, kb)
    # As an older version did: the next patient is given the freed id.
    novak = replace(make_patient(mrn="MRN-3003", family_name="Novak"), id=gone.id)
    with service.audited_write(roles.PATIENT_WRITE, "create", "demographics", gone.id):
        service.patients_repo.add_many([novak])
    service.open_chart(gone.id)

    rows = [r for r in admin.audit_rows() if r.patient_id == gone.id]
    patients = admin.audit_patients(rows)
    carried = [r for r in rows if r.detail.startswith("carried over")]
    own = [r for r in rows if not r.detail.startswith("carried over")]
    assert [r.action for r in carried] == ["create", "read"]
    assert {audit_patient_text(r, patients) for r in carried} == {
        f"#{gone.id} (not in this clinic)"
    }
    assert {audit_patient_text(r, patients) for r in own} == {"MRN-3003 (Novak, Samir)"}
    service.close()


def test_events_about_no_patient_look_nothing_up(service):
    admin = AdminService(service)
    rows = admin.audit_rows()
    assert rows and all(r.patient_id is None for r in rows)
    assert admin.audit_patients(rows) == {}
    assert {audit_patient_text(r, {}) for r in rows} == {"-"}
