"""A restore keeps the audit trail whole: what happened after the backup is carried over."""

from __future__ import annotations

import pytest

from app.security.roles import PermissionDenied
from app.services.admin import AdminService
from tests.conftest import create_encrypted_clinic, make_patient, sign_in

BEN_PASSWORD = "a fine long passphrase here"


def test_events_after_the_backup_are_carried_into_the_restored_trail(tmp_path, kb):
    path = tmp_path / "clinic.db"
    service = create_encrypted_clinic(path, kb)
    admin = AdminService(service)
    backup = admin.back_up().path
    # After the backup: an account, a patient, and a refusal.
    admin.add_user("ben", "clinician", BEN_PASSWORD)
    patient = service.create_patient(make_patient(mrn="MRN-2002", family_name="Lindqvist"))
    service.close()
    ben = sign_in(path, kb, "ben", BEN_PASSWORD)
    with pytest.raises(PermissionDenied):
        AdminService(ben).back_up()
    ben.close()
    before = sign_in(path, kb)
    later = [(r.action, r.category, r.username, r.outcome) for r in before.session.audit.rows()]
    # The backup holds the trail up to the moment it copied the file: its own event is later.
    backed_up_at = next(i for i, e in enumerate(later) if e[:2] == ("backup", "backup"))
    lost = later[backed_up_at:]
    assert ("create", "users", "ana", "success") in lost
    assert ("backup.create", "backup", "ben", "denied") in lost

    AdminService(before).restore(backup)
    trail = before.session.audit.rows()
    carried = [r for r in trail if r.detail.startswith("carried over from before the restore")]
    assert [(r.action, r.category, r.outcome) for r in carried] == [
        (action, category, outcome) for action, category, _user, outcome in lost
    ]
    # Ben's account came after the backup: the restoring administrator carries his events,
    # which still say who did them.
    (refusal,) = [r for r in carried if r.outcome == "denied"]
    assert refusal.username == "ana" and "by ben)" in refusal.detail
    created = next(r for r in carried if r.category == "demographics" and r.action == "create")
    assert created.patient_id == patient.id
    (restore,) = [r for r in trail if r.action == "restore"]
    assert f"{len(lost)} later audit events carried over" in restore.detail
    assert restore.seq > carried[-1].seq
    assert before.session.audit.verify().ok
    assert before.find_patient("MRN-2002") is None  # the data is the backup's
    before.close()
