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


def test_a_restore_fits_the_key_slots_to_the_restored_accounts(tmp_path, kb):
    """The backup's accounts come back but the key slots are the live file's: an account
    added after the backup would keep a password that opens the clinic key, which nobody
    could revoke; one disabled since would be listed active yet never sign in."""
    from app.security.keyslots import KeySlots, slots_path_for
    from app.services.session import SignInError

    path = tmp_path / "clinic.db"
    service = create_encrypted_clinic(path, kb)
    admin = AdminService(service)
    admin.add_user("desk1", "assistant", BEN_PASSWORD)
    backup = admin.back_up().path
    admin.add_user("ben", "clinician", BEN_PASSWORD)  # after the backup
    admin.set_disabled("desk1", True)  # its slot goes with it
    admin.restore(backup)
    assert sorted(KeySlots(slots_path_for(path)).usernames()) == ["ana"]
    desk1 = next(u for u in admin.users() if u.username == "desk1")
    assert desk1.disabled  # listed as it really is: it cannot sign in
    (restore,) = [r for r in service.session.audit.rows() if r.action == "restore"]
    assert "key slot of ben removed" in restore.detail and "desk1 disabled" in restore.detail
    admin.set_disabled("desk1", False, password="a new long passphrase 2")
    service.close()
    with pytest.raises(SignInError):
        sign_in(path, kb, "ben", BEN_PASSWORD)
    sign_in(path, kb, "desk1", "a new long passphrase 2").close()


def test_wrong_passwords_at_the_lock_screen_are_audited_and_outlast_a_restart(tmp_path, kb):
    """security.md A5: failures at the lock screen are audited (on the unlock that follows)
    and count towards the lockout, which a restart of the app does not reset."""
    from app.services.session import SignInError
    from tests.conftest import ADMIN_PASSWORD

    path = tmp_path / "clinic.db"
    service = create_encrypted_clinic(path, kb)
    service.lock()
    for _ in range(2):
        with pytest.raises(SignInError, match="Wrong password"):
            service.unlock("not my password at all")
    service.unlock(ADMIN_PASSWORD)
    rows = service.session.audit.rows()
    failures = [r for r in rows if r.action == "signin" and r.outcome == "failure"]
    assert len(failures) == 2 and all(r.username == "ana" for r in failures)
    assert rows[-1].detail == "unlocked"
    # Locked again, out of attempts, then the app quits: the next start still refuses.
    service.lock()
    for _ in range(10):
        with pytest.raises(SignInError):
            service.unlock("not my password at all")
    service.close()
    with pytest.raises(SignInError, match="Too many failed sign-ins"):
        sign_in(path, kb)


@pytest.mark.parametrize("then", ["added after", "clinician in it", "disabled in it"])
def test_a_restorer_the_backup_does_not_know_as_an_administrator_is_refused(tmp_path, kb, then):
    """After such a restore their own key slot would go (or be the last): the clinic could
    be left with nobody able to sign in. Refused before anything changes."""
    from app.security.keyslots import KeySlots, slots_path_for
    from app.store.backup import BackupError

    path = tmp_path / "clinic.db"
    service = create_encrypted_clinic(path, kb)
    admin = AdminService(service)
    if then == "clinician in it":
        admin.add_user("ben", "clinician", BEN_PASSWORD)
    elif then == "disabled in it":
        admin.add_user("ben", "administrator", BEN_PASSWORD)
        admin.set_disabled("ben", True)
    backup = admin.back_up().path
    if then == "added after":
        admin.add_user("ben", "administrator", BEN_PASSWORD)
    elif then == "clinician in it":
        admin.set_role("ben", "administrator")
    else:
        admin.set_disabled("ben", False, password=BEN_PASSWORD)
    service.close()
    ben = sign_in(path, kb, "ben", BEN_PASSWORD)
    slots_before = sorted(KeySlots(slots_path_for(path)).usernames())
    try:
        with pytest.raises(BackupError, match="not an enabled administrator"):
            AdminService(ben).restore(backup)
        assert sorted(KeySlots(slots_path_for(path)).usernames()) == slots_before
        assert {u.username for u in AdminService(ben).users() if not u.disabled} >= {"ana", "ben"}
    finally:
        ben.close()
