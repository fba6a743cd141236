"""Restoring a damaged clinic: inside the open clinic, and one too damaged to open.

A damaged file cannot be backed up before a restore, so it is moved aside whole
(never deleted); the person restoring must still prove they are an administrator.
"""

from __future__ import annotations

import hashlib
import io
import sys

import pytest

from app.cli import main
from app.security.roles import PermissionDenied
from app.services import ClinicService
from app.services.admin import AdminService
from app.services.recovery import restore_unopenable_clinic
from app.services.session import ClinicUnreadable, SignInError
from tests.conftest import (
    ADMIN_PASSWORD,
    cheap_params,
    create_encrypted_clinic,
    make_patient,
    sign_in,
)

CLINICIAN_PASSWORD = "a fine long passphrase here"


@pytest.fixture
def backed_up(tmp_path, kb):
    """An encrypted clinic with a clinician, one verified backup, then a later patient."""
    path = tmp_path / "clinic.db"
    service = create_encrypted_clinic(path, kb)
    admin = AdminService(service)
    admin.add_user("ben", "clinician", CLINICIAN_PASSWORD)
    backup = admin.back_up().path
    service.create_patient(make_patient(mrn="MRN-2002", family_name="Lindqvist"))
    service.close()
    return path, backup


def _damage_a_page(path, page: int = 3) -> bytes:
    """Overwrite part of one page, as a failing disk would; returns the damaged bytes."""
    with open(path, "r+b") as handle:
        handle.seek(4096 * page + 200)
        handle.write(b"\xa5" * 128)
    return path.read_bytes()


def _sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_sign_in_to_an_unreadable_encrypted_clinic_says_it_is_damaged(backed_up, kb):
    path, _ = backed_up
    _damage_a_page(path, page=0)
    with pytest.raises(ClinicUnreadable, match="damaged") as caught:
        sign_in(path, kb)
    assert "password is wrong" not in str(caught.value)


def test_restore_from_inside_a_clinic_that_failed_its_integrity_check(backed_up, kb, tmp_path):
    path, backup = backed_up
    damaged = _damage_a_page(path)
    service = ClinicService.sign_in(
        path, "ana", ADMIN_PASSWORD, params=cheap_params(), knowledge=kb, verify_now=False
    )
    assert service.verify_integrity() is not None  # the check found the damage
    info = AdminService(service).restore(backup)
    assert info.damaged_copy is not None and info.damaged_copy.read_bytes() == damaged
    assert info.kept_copy == info.damaged_copy
    # The restored clinic is usable at once: readable and writable, the restore audited.
    assert service.find_patient("MRN-1001") is not None
    assert service.find_patient("MRN-2002") is None  # made after the backup
    service.create_patient(make_patient(mrn="MRN-3003", family_name="Haddad"))
    assert service.session.audit.rows(action="restore")
    assert AdminService(service).verify_audit().ok
    service.close()


def test_a_clinic_too_damaged_to_open_is_restored_by_an_administrator(backed_up, kb):
    path, backup = backed_up
    damaged = _damage_a_page(path, page=0)
    info = restore_unopenable_clinic(path, backup, "ana", ADMIN_PASSWORD, params=cheap_params())
    assert info.damaged_copy.name.startswith("clinic.db.damaged-")
    assert info.damaged_copy.read_bytes() == damaged  # kept whole, never deleted
    service = sign_in(path, kb)
    assert service.find_patient("MRN-1001") is not None
    [row] = service.session.audit.rows(action="restore")
    assert row.username == "ana" and "could not be opened" in row.detail
    assert info.damaged_copy.name in row.detail
    assert AdminService(service).verify_audit().ok
    service.close()


@pytest.mark.parametrize(
    ("user", "password", "refusal"),
    [
        ("ana", "not the password at all", SignInError),
        ("nobody", ADMIN_PASSWORD, SignInError),
        ("ben", CLINICIAN_PASSWORD, PermissionDenied),
    ],
)
def test_a_refused_cold_restore_changes_nothing(backed_up, user, password, refusal):
    path, backup = backed_up
    _damage_a_page(path, page=0)
    before = _sha(path)
    with pytest.raises(refusal):
        restore_unopenable_clinic(path, backup, user, password, params=cheap_params())
    assert _sha(path) == before
    assert not list(path.parent.glob("clinic.db.damaged-*"))


def test_a_backup_that_fails_verification_changes_nothing(backed_up):
    path, backup = backed_up
    _damage_a_page(path, page=0)
    before = _sha(path)
    with open(backup, "r+b") as handle:
        handle.seek(5000)
        handle.write(b"\x00" * 16)
    with pytest.raises(Exception, match="does not match its manifest"):
        restore_unopenable_clinic(path, backup, "ana", ADMIN_PASSWORD, params=cheap_params())
    assert _sha(path) == before and not list(path.parent.glob("clinic.db.damaged-*"))


def test_a_lost_clinic_file_is_rebuilt_from_its_backup(backed_up, kb):
    path, backup = backed_up
    path.unlink()
    info = restore_unopenable_clinic(path, backup, "ana", ADMIN_PASSWORD, params=cheap_params())
    assert info.damaged_copy is None
    service = sign_in(path, kb)
    assert service.find_patient("MRN-1001") is not None
    service.close()


def test_the_command_line_restores_a_damaged_clinic(backed_up, tmp_path, monkeypatch, capsys):
    path, backup = backed_up
    _damage_a_page(path)
    monkeypatch.setattr(sys, "stdin", io.StringIO(ADMIN_PASSWORD + "\n"))
    code = main(
        [
            "restore",
            str(backup),
            "--clinic",
            str(path),
            "--user",
            "ana",
            "--password-stdin",
            "--data-dir",
            str(tmp_path / "data"),
        ]
    )
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "is damaged" in err and "without opening it" in err
    assert "Restored from" in out and "damaged file is kept as" in out
    assert len(list(path.parent.glob("clinic.db.damaged-*"))) == 1


def test_a_clinic_whose_key_slots_are_lost_too_opens_with_the_backups_copy(backed_up, kb):
    path, backup = backed_up
    path.unlink()
    (path.parent / "clinic.db.keys").unlink()  # the whole folder's clinic files are gone
    restore_unopenable_clinic(path, backup, "ana", ADMIN_PASSWORD, params=cheap_params())
    service = sign_in(path, kb)
    assert service.find_patient("MRN-1001") is not None
    service.close()


def test_a_plain_demo_clinic_is_rebuilt_without_any_key(tmp_path, kb):
    demo = ClinicService.create(tmp_path / "demo.db", name="Demo", demo=True, knowledge=kb)
    backup = AdminService(demo).back_up().path
    demo.close()
    (tmp_path / "demo.db").unlink()
    info = restore_unopenable_clinic(tmp_path / "demo.db", backup, "demo", None)
    assert info.damaged_copy is None
    ClinicService.open_demo(tmp_path / "demo.db", knowledge=kb).close()


def test_the_command_line_restores_into_a_data_folder_with_no_clinic_yet(
    backed_up, tmp_path, monkeypatch, capsys, kb
):
    # A replacement workstation: a new data folder, the backup and its key copy.
    _, backup = backed_up
    data = tmp_path / "new-workstation"
    monkeypatch.setattr(sys, "stdin", io.StringIO(ADMIN_PASSWORD + "\n"))
    code = main(
        ["restore", str(backup), "--user", "ana", "--password-stdin", "--data-dir", str(data)]
    )
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "Restored from" in out and "damaged" not in out
    # The folder's clinic is now the backup, and later commands find it without --clinic.
    monkeypatch.setattr(sys, "stdin", io.StringIO(ADMIN_PASSWORD + "\n"))
    assert (
        main(["audit", "list", "--user", "ana", "--password-stdin", "--data-dir", str(data)]) == 0
    )
    listed, _ = capsys.readouterr()
    assert "there was no clinic file, so the backup is now the clinic" in listed
    assert "None" not in listed.split("restore", 1)[1].splitlines()[0]


def test_a_restore_never_splits_a_clinic_whose_drive_is_not_connected(
    backed_up, tmp_path, monkeypatch, capsys
):
    # The workstation remembers a clinic on a shared drive that is out of reach now:
    # restoring into the data folder would leave this workstation on a copy of its own.
    _, backup = backed_up
    data = tmp_path / "workstation"
    data.mkdir()
    shared = tmp_path / "unmounted-share" / "clinic.db"
    (data / "workstation.json").write_text(f'{{"clinic": "{shared}"}}')
    monkeypatch.setattr(sys, "stdin", io.StringIO(ADMIN_PASSWORD + "\n"))
    code = main(
        ["restore", str(backup), "--user", "ana", "--password-stdin", "--data-dir", str(data)]
    )
    _, err = capsys.readouterr()
    assert code == 1 and f"clinic {shared} cannot be found" in err
    assert not (data / "clinic.db").exists()
    assert str(shared) in (data / "workstation.json").read_text()
    # An old local copy in the data folder changes nothing: it is not restored into.
    (data / "clinic.db").write_bytes(b"an old local copy")
    monkeypatch.setattr(sys, "stdin", io.StringIO(ADMIN_PASSWORD + "\n"))
    code = main(
        ["restore", str(backup), "--user", "ana", "--password-stdin", "--data-dir", str(data)]
    )
    _, err = capsys.readouterr()
    assert code == 1 and f"clinic {shared} cannot be found" in err
    assert (data / "clinic.db").read_bytes() == b"an old local copy"
    # Other commands say the same instead of opening the local copy.
    assert main(["patients", "list", "--data-dir", str(data)]) == 1
    assert f"clinic {shared} cannot be found" in capsys.readouterr()[1]
