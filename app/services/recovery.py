"""Restoring a clinic too damaged to open, from one of its verified backups.

The ordinary restore (``AdminService.restore``) runs inside an open clinic, as a
signed-in administrator. When the file is so damaged that it cannot be opened, there
is nobody signed in to ask, so this path checks the same things another way before
it changes anything:

- the password opens the user's key slot (beside the clinic, or the copy beside the
  backup if the clinic's is gone), with the same lockout as a sign-in;
- the backup verifies with that key (SHA-256, integrity, row counts);
- in the backup, the user is enabled and their role may restore (administrators).

Then the damaged file is moved aside (never deleted) and the backup written in its
place; the user is signed in to the restored clinic and the restore is audited there.
"""

from __future__ import annotations

from pathlib import Path

from app.core.atomic_file import write_atomic
from app.security.kdf import DEFAULT_PARAMS, Argon2Params
from app.security.keyslots import slots_path_for
from app.security.passwords import verify_password
from app.security.roles import BACKUP_RESTORE, require
from app.services.session import DEMO_USER, SignInError, unwrap_clinic_key
from app.store.backup import RestoreInfo, backup_account, restore_over_damaged
from app.store.backup_files import default_backup_dir, key_copy_path_for, list_backups
from app.store.locking import ClinicLock


def restore_unopenable_clinic(
    clinic_path: Path,
    backup: Path,
    username: str,
    password: str | None,
    *,
    params: Argon2Params = DEFAULT_PARAMS,
) -> RestoreInfo:
    """Replace the clinic at ``clinic_path`` with ``backup``, as administrator ``username``.

    Raises:
        SignInError: wrong user name or password, or locked out; nothing changed.
        PermissionDenied: the user's role in the backup may not restore; nothing changed.
        BackupError: the backup does not verify with this clinic's key; nothing changed.
        ClinicInUse: the clinic is open elsewhere; nothing changed.
    """
    clinic_path, backup = Path(clinic_path), Path(backup)
    lock = ClinicLock.acquire(clinic_path)
    try:
        slots_file = _slots_file(clinic_path, backup)
        key = unwrap_clinic_key(clinic_path, slots_file, username, password)
        account = backup_account(backup, key, username)
        _require_administrator(account, key, password)
        info = restore_over_damaged(backup, key, clinic_path)
        if slots_file != slots_path_for(clinic_path) and slots_file.exists():
            # The clinic's own key slots were lost too: the backup's copy opens it again.
            write_atomic(slots_path_for(clinic_path), slots_file.read_bytes())
    finally:
        lock.release()
    _audit_restore(clinic_path, backup, info, username, password, params)
    return info


def backups_beside(clinic_path: Path) -> list[tuple[Path, dict]]:
    """The clinic's backups in its usual folder, oldest first (readable without signing in)."""
    return list_backups(default_backup_dir(clinic_path))


def _slots_file(clinic_path: Path, backup: Path) -> Path:
    """The clinic's key slots, or the copy kept beside the backup if they are gone too."""
    live = slots_path_for(clinic_path)
    if live.exists():
        return live
    return key_copy_path_for(backup)


def _require_administrator(account: dict | None, key: bytes | None, password: str | None):
    if account is None or account["disabled"]:
        raise SignInError("Wrong user name or password.")
    # An encrypted clinic's password was proven by its key slot; a plain (demo) clinic
    # has only the stored hash, and its built-in demo user has no password at all.
    password_needed = key is None and account["username"] != DEMO_USER
    if password_needed and not verify_password(account["password_hash"], password or ""):
        raise SignInError("Wrong user name or password.")
    require(account["role"], BACKUP_RESTORE)  # the same role matrix as a signed-in restore


def _audit_restore(clinic_path, backup, info, username, password, params) -> None:
    """Sign in to the restored clinic and record the restore in its audit trail."""
    from app.services import ClinicService  # the full service only once the file is back
    from app.services.admin import AdminService

    service = ClinicService.sign_in(clinic_path, username, password, params=params)
    try:
        # The anchor beside the clinic may name a later audit head than the backup has.
        service.session.audit.sync_anchor()
        matched = AdminService(service).match_key_slots_to_accounts()
        what = (
            f"the clinic file could not be opened; the damaged file is kept as {info.damaged_copy}"
            if info.damaged_copy
            else "there was no clinic file, so the backup is now the clinic"
        )
        service.record_event(
            "restore",
            "backup",
            detail=f"from {backup.name}, {what}" + "".join(f"; {change}" for change in matched),
        )
    finally:
        service.close()
