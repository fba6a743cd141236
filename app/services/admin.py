"""Administration: user accounts, the audit trail and backups.

Every method checks the administrator's permission first; a refusal is audited.
Account changes keep the key-slot file in step with the ``users`` table: a new
user gets a slot, a password change rewraps that user's slot, a disabled user
loses it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from app import __version__
from app.core.models import PatientSummary
from app.security import roles
from app.security.accounts import validate_role, validate_username
from app.security.keyslots import KeySlots, WrongPassword, slots_path_for
from app.security.passwords import check_password_policy, hash_password
from app.store.audit import AuditLog, AuditRow
from app.store.backup import (
    BackupError,
    BackupInfo,
    RestoreInfo,
    backup_account,
    create_backup,
    restore_backup,
    restore_over_damaged,
    verify_backup,
)
from app.store.backup_files import default_backup_dir, list_backups, prune
from app.store.users import (
    DuplicateUsername,
    LastAdministrator,
    NoSuchUsername,
    User,
    UserRepository,
)

log = logging.getLogger(__name__)

DEFAULT_KEEP = 14
DEFAULT_EVERY_HOURS = 24


def audit_patient_text(row: AuditRow, patients: dict[int, PatientSummary]) -> str:
    """How an audit listing names an event's patient: MRN and name, not the internal id.

    ``patients``: ``AdminService.audit_patients``. ``-`` for an event about no patient;
    ``#id (not in this clinic)`` for one the clinic no longer has (an event carried
    over a restore that took the patient away).
    """
    if row.patient_id is None:
        return "-"
    patient = patients.get(row.seq)
    if patient is None:
        return f"#{row.patient_id} (not in this clinic)"
    archived = "; archived" if patient.archived else ""
    return f"{patient.mrn} ({patient.family_name}, {patient.given_name}{archived})"


class CurrentPasswordWrong(ValueError):
    """The current password given to change one's own password is not right."""

    def __init__(self, too_many: bool = False) -> None:
        super().__init__(
            "Too many wrong passwords; wait a few minutes and try again."
            if too_many
            else "The current password is not right; the password was not changed."
        )


# How many patients a filter that matches several names, to choose an MRN from.
_NAMED_CHOICES = 5


class PatientNotFound(ValueError):
    """An audit filter's patient text matches no patient, or more than one."""


class AdminService:
    """Accounts, audit and backups of one open clinic, for its administrators."""

    def __init__(self, service):
        self._service = service
        self._users = UserRepository(service.database)

    @property
    def _session(self):
        return self._service.session

    def _slots(self) -> KeySlots | None:
        path = self._service.path
        if path is None or not slots_path_for(path).exists():
            return None
        return KeySlots(slots_path_for(path))

    # -- users -----------------------------------------------------------------------

    def users(self) -> list[User]:
        self._session.require(roles.USER_MANAGE, "users")
        return self._users.list()

    def add_user(self, username: str, role: str, password: str, display_name: str = "") -> User:
        """Create an account; its key slot is written first and removed if saving fails."""
        self._session.require(roles.USER_MANAGE, "users")
        username = validate_username(username)
        validate_role(role)
        check_password_policy(password, username)
        with self._refusal_audited("create", f"user {username} ({role})"):
            if self._users.by_username(username) is not None:  # before a key slot is written
                raise DuplicateUsername(username)
        slots = self._slots()
        if slots is not None:
            slots.add(username, password, self._session.key, params=self._session.params)
        try:
            with self._service.audited_write(
                roles.USER_MANAGE, "create", "users", detail=f"user {username} ({role}) created"
            ):
                user = self._users.add(
                    username,
                    role,
                    hash_password(password, self._session.params),
                    display_name=display_name or username,
                )
        except BaseException:
            if slots is not None:
                slots.remove(username)
            raise
        return user

    def set_role(self, username: str, role: str) -> bool:
        """Give an account another role; False (nothing written) when it has it already."""
        self._session.require(roles.USER_MANAGE, "users")
        validate_role(role)
        user = self._user(username)
        if user.role == role:
            return False
        with (
            self._refusal_audited("role change", f"{username} to {role}"),
            self._service.database.transaction(),
        ):
            change = self._users.set_role(user.id, role)
            self._session.record("role change", "users", detail=change.describe())
        self._session.audit.sync_anchor()
        return True

    def set_disabled(self, username: str, disabled: bool, password: str | None = None) -> None:
        """Disable (its key slot goes) or re-enable (it needs a new password) an account."""
        self._session.require(roles.USER_MANAGE, "users")
        user = self._user(username)
        slots = self._slots()
        if not disabled and slots is not None:
            if not password:
                raise ValueError(
                    "Re-enabling an account on an encrypted clinic needs a new password."
                )
            check_password_policy(password, username)
            slots.add(username, password, self._session.key, params=self._session.params)
        with (
            self._refusal_audited("disable" if disabled else "enable", username),
            self._service.database.transaction(),
        ):
            change = self._users.set_disabled(user.id, disabled)
            if password and not disabled:
                self._users.set_password_hash(
                    user.id, hash_password(password, self._session.params)
                )
            self._session.record(
                "disable" if disabled else "enable", "users", detail=change.describe()
            )
        self._session.audit.sync_anchor()
        if disabled and slots is not None and slots.has(username):
            slots.remove(username)

    def change_own_password(self, current_password: str, new_password: str) -> None:
        """The signed-in user changes their password, proving the current one first (a
        workstation left signed in must not let a passer-by take the account)."""
        user = self._session.user
        # Guesses at the current password count as sign-in failures do: a few, then a
        # wait, so an unlocked workstation cannot be used to find it by trying.
        throttle = self._session.throttle
        if throttle.refuse_locked(user.username) is not None:
            raise CurrentPasswordWrong(too_many=True)
        try:
            self._service.prove_password(current_password)
        except WrongPassword as exc:
            throttle.record_failure(user.username)
            self._service.record_event(
                "update",
                "users",
                detail=f"password of {user.username} not changed: the current one was wrong",
                outcome="failure",
            )
            raise CurrentPasswordWrong from exc
        throttle.record_success(user.username)
        self.change_password(user.username, new_password)

    def change_password(self, username: str, new_password: str) -> None:
        """A user changes their own password, or an administrator resets someone's."""
        own = username.casefold() == self._session.user.username.casefold()
        permission = roles.ACCOUNT_PASSWORD if own else roles.USER_MANAGE
        self._session.require(permission, "users")
        user = self._user(username)
        check_password_policy(new_password, username)
        slots = self._slots()
        if slots is not None:
            slots.rewrap(username, new_password, self._session.key, params=self._session.params)
        with self._service.audited_write(
            permission, "update", "users", detail=f"password of {username} changed"
        ):
            self._users.set_password_hash(
                user.id, hash_password(new_password, self._session.params)
            )
        if own:  # the session's copy of the account holds the hash an unlock checks
            self._session.user = self._users.get(user.id)

    @contextmanager
    def _refusal_audited(self, action: str, what: str) -> Iterator[None]:
        """A change to accounts refused by a rule of the clinic (its last administrator, a
        name already taken) is audited as a failure, then raised; its own transaction
        rolled back, so the event is written after it."""
        try:
            yield
        except (LastAdministrator, DuplicateUsername) as exc:
            self._service.record_event(
                action, "users", detail=f"{what} refused: {exc}", outcome="failure"
            )
            raise

    def _user(self, username: str) -> User:
        user = self._users.by_username(username)
        if user is None:
            raise NoSuchUsername(username)
        return user

    # -- audit -------------------------------------------------------------------------

    def audit_log(self) -> AuditLog:
        return self._session.audit

    def audited_patient(self, text: str) -> PatientSummary:
        """The one patient an audit filter names: by MRN, or a name or birth date that
        finds exactly one (archived patients too: their trail is still read).

        Raises:
            PatientNotFound: nobody, or several patients, match; the message says which
                MRNs to choose from.
        """
        self._session.require(roles.AUDIT_VIEW, "audit")
        text = text.strip()
        exact = self._service.patients_repo.by_mrn(text)
        if exact is not None:
            found = [self._service.patients_repo.summaries({exact.id})[exact.id]]
        else:
            found = self._service.patients_repo.search(
                text, limit=_NAMED_CHOICES + 1, include_archived=True
            )
        # A search of the patients, as the patient list's is (security.md B1).
        self._service.record_event(
            "query",
            "demographics",
            found[0].id if len(found) == 1 else None,
            detail=f"audit trail filter {text!r}: {len(found)} matched",
        )
        if len(found) == 1:
            return found[0]
        if not found:
            raise PatientNotFound(f"No patient has the MRN, name or birth date {text!r}.")
        shown = "; ".join(f"{p.display_name} (MRN {p.mrn})" for p in found[:_NAMED_CHOICES])
        more = " and more" if len(found) > _NAMED_CHOICES else ""
        raise PatientNotFound(f"Several patients match {text!r}: {shown}{more}. Enter one MRN.")

    def audit_rows(self, **filters) -> list[AuditRow]:
        self._session.require(roles.AUDIT_VIEW, "audit")
        rows = self._session.audit.rows(**filters)
        # Reading one patient's trail is an access to that patient's record: name them.
        self._service.record_event(
            "read", "audit", filters.get("patient_id"), detail=f"{len(rows)} audit rows viewed"
        )
        return rows

    def verify_audit(self):
        self._session.require(roles.AUDIT_VIEW, "audit")
        result = self._session.audit.verify()
        outcome = "success" if result.ok else "failure"
        self._service.record_event(
            "verify",
            "audit",
            outcome=outcome,
            detail=result.reason or f"{result.checked} rows checked",
        )
        return result

    def audit_patients(self, rows: list[AuditRow]) -> dict[int, PatientSummary]:
        """The patient each event names, by the event's seq, archived ones too.

        An event whose patient the clinic no longer has is left out: a restore that
        took the patient away carries its events over, and the next patient added is
        given the freed id. An event before the newest creation of the patient holding
        an id is about an earlier holder, not this one.
        """
        self._session.require(roles.AUDIT_VIEW, "audit")
        ids = {row.patient_id for row in rows if row.patient_id is not None}
        if not ids:
            return {}
        known = self._service.patients_repo.summaries(ids)
        created = self._session.audit.last_seqs(known, "create", "demographics")
        return {
            row.seq: known[row.patient_id]
            for row in rows
            if row.patient_id in known and row.seq >= created.get(row.patient_id, 0)
        }

    def export_audit(self, rows: list[AuditRow], path: Path) -> int:
        """Write ``rows`` to a CSV file; each row also names its patient's MRN."""
        self._session.require(roles.AUDIT_EXPORT, "audit")
        mrns = {seq: patient.mrn for seq, patient in self.audit_patients(rows).items()}
        written = AuditLog.export_csv(rows, Path(path), mrns)
        self._service.record_event("export", "audit", detail=f"{written} rows to {Path(path).name}")
        return written

    # -- backups -----------------------------------------------------------------------

    def backup_dir(self) -> Path:
        path = self._service.path
        if path is None:
            raise ValueError("An in-memory clinic cannot be backed up.")
        return default_backup_dir(path)

    def back_up(self, dest_dir: Path | None = None, keep: int = DEFAULT_KEEP) -> BackupInfo:
        """A verified backup through the online backup API; keeps the newest ``keep``."""
        self._session.require(roles.BACKUP_CREATE, "backup")
        dest = Path(dest_dir) if dest_dir else self.backup_dir()
        path = self._service.path
        key_file = slots_path_for(path) if path and slots_path_for(path).exists() else None
        info = create_backup(
            self._service.database,
            self._session.key,
            dest,
            self._session.audit.anchor_document(),
            app_version=__version__,
            key_file=key_file,
        )
        self._service.record_event(
            "backup", "backup", detail=f"{info.path.name} {info.sha256[:16]}"
        )
        removed = prune(dest, keep)
        if removed:
            log.info("pruned %d old backups", len(removed))
        return info

    def backups(self, dest_dir: Path | None = None) -> list[tuple[Path, dict]]:
        return list_backups(Path(dest_dir) if dest_dir else self.backup_dir())

    def backup_due(self, every_hours: float = DEFAULT_EVERY_HOURS) -> bool:
        """True when the newest backup is older than ``every_hours`` (or there is none)."""
        found = self.backups()
        if not found:
            return True
        newest = datetime.fromisoformat(found[-1][1]["created_at"])
        if newest.tzinfo is None:
            newest = newest.replace(tzinfo=UTC)
        return datetime.now(UTC) - newest > timedelta(hours=every_hours)

    def verify_backup(self, backup: Path) -> dict:
        self._session.require(roles.BACKUP_CREATE, "backup")
        return verify_backup(Path(backup), self._session.key)

    def restore(self, backup: Path) -> RestoreInfo:
        """Replace the clinic with a verified backup.

        A fresh backup of the clinic is taken first; a clinic whose integrity check
        failed cannot be backed up, so its file is moved aside whole instead.
        """
        self._session.require(roles.BACKUP_RESTORE, "backup")
        clinic = self._service.database
        key = self._session.key
        checked = verify_backup(Path(backup), key)
        self._refuse_unless_restorer_in(Path(backup), key)
        clinic.wait_verified()
        damaged = clinic.damage is not None
        # Events since the backup (who changed what, the refusals, the backup itself)
        # would vanish with the replaced file; they are written again after the restore.
        later = None if damaged else self._session.audit.rows_after(checked.get("audit_head"))
        clinic.detach()
        try:
            if damaged:
                info = restore_over_damaged(Path(backup), key, clinic.path)
            else:
                info = restore_backup(
                    Path(backup),
                    key,
                    clinic.path,
                    safety_dir=self.backup_dir(),
                    app_version=__version__,
                )
        finally:
            clinic.reattach(key)
        if damaged:
            # The file now is the backup, whose integrity the restore checked.
            clinic.mark_verified(None)
        self._session.audit.sync_anchor()
        carried = self._carry_over(later or [])
        try:
            matched = self.match_key_slots_to_accounts()
        except Exception as exc:  # noqa: BLE001 - the restore happened: it is recorded anyway
            log.exception("key slots not fitted to the restored accounts")
            matched = [f"key slots NOT fitted to the restored accounts ({exc})"]
        if damaged:
            where = f"the damaged clinic file is kept as {info.damaged_copy}"
        else:
            where = f"safety copy {info.kept_copy}; previous audit head {info.previous_audit_head}"
            if later is None:
                where += "; the backup's audit trail is not an earlier state of this one, so "
                where += "the replaced trail is kept only in the safety copy"
            else:
                where += f"; {carried} later audit events carried over"
        if matched:
            where += "; " + "; ".join(matched)
        self._service.record_event("restore", "backup", detail=f"from {Path(backup).name}; {where}")
        return info

    def _refuse_unless_restorer_in(self, backup: Path, key: bytes | None) -> None:
        """Refuse, with nothing changed, a restore whose restorer the backup does not know
        as an enabled account allowed to restore: after it, their own key slot would go
        (or be the last), and the clinic could be left with nobody able to sign in."""
        restorer = self._session.user.username
        account = backup_account(backup, key, restorer)
        if (
            account is None
            or account["disabled"]
            or not roles.allowed(account["role"], roles.BACKUP_RESTORE)
        ):
            raise BackupError(
                f"In this backup {restorer} is not an enabled administrator, so restoring it "
                "could leave the clinic with nobody able to sign in; ask an administrator the "
                "backup knows to restore it."
            )

    def match_key_slots_to_accounts(self) -> list[str]:
        """After a restore: make the key slots (the live file's) fit the accounts (the
        backup's), and say what changed.

        A slot with no enabled account (added or kept after the backup) would still
        unwrap the clinic key for a password nobody can revoke: it is removed. An enabled
        account without a slot (disabled after the backup) could never sign in while
        the list called it active: it is disabled, to be re-enabled with a new password.
        A plain clinic has no slots.
        """
        slots = self._slots()
        if slots is None:
            return []
        accounts = {user.username.casefold(): user for user in self._users.list()}
        changes = []
        for name in slots.usernames():
            account = accounts.get(name.casefold())
            if account is None or account.disabled:
                slots.remove(name)
                changes.append(f"key slot of {name} removed (no enabled account in the backup)")
        with_slot = {name.casefold() for name in slots.usernames()}
        stranded = [u for u in accounts.values() if not u.disabled and u.username.casefold()
                    not in with_slot]  # fmt: skip
        if stranded:
            with self._service.database.transaction():
                for user in stranded:
                    self._users.set_disabled(user.id, True)
                    changes.append(
                        f"{user.username} disabled (no key slot since the backup; re-enable "
                        "with a new password)"
                    )
        return changes

    def _carry_over(self, events) -> int:  # noqa: ANN001 - AuditRows of the replaced trail
        """Write the replaced trail's later events into the restored one, marked as such."""
        audit = self._session.audit
        restorer = self._session.user
        for event in events:
            # Every audit row names an account of its clinic; one added after the backup
            # is not in the restored clinic, so the restorer carries its events over.
            known = event.user_id is not None and self._users.get(event.user_id) is not None
            audit.append(
                event.user_id if known else restorer.id,
                event.username if known else restorer.username,
                event.action,
                event.category,
                event.patient_id,
                event.outcome,
                f"carried over from before the restore (was #{event.seq} at {event.at_utc} by "
                f"{event.username or 'nobody signed in'}): {event.detail}",
                workstation=event.workstation,
            )
        return len(events)
