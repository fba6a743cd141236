"""Who is signed in to an open clinic: creating a clinic, signing in, locking, auditing.

A real clinic is a SQLCipher file whose random key is wrapped once per user in a
key-slot file beside it; any user's password opens it. A demo clinic is plain and
signs in as its built-in ``demo`` user; the window title says it is not encrypted.
Every action is checked against the user's role, and a refusal is audited too.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from app.security.audit_chain import anchor_path_for, audit_key_for
from app.security.kdf import DEFAULT_PARAMS, Argon2Params
from app.security.keyslots import (
    KeySlots,
    WrongPassword,
    new_database_key,
    slots_path_for,
)
from app.security.passwords import (
    check_needs_rehash,
    check_password_policy,
    hash_password,
    verify_password,
)
from app.security.roles import ADMINISTRATOR, PermissionDenied, require
from app.security.signin import FailedSignIn, SignInThrottle
from app.security.signin_journal import FailureJournal, journal_path_for
from app.store.audit import AuditLog
from app.store.database import ClinicDatabase, NotAClinicDatabase, open_database
from app.store.locking import ClinicInUse, ClinicLock
from app.store.users import User, UserRepository

log = logging.getLogger(__name__)

DEMO_USER = "demo"


class SignInError(Exception):
    """Sign-in refused; the message is shown to the user as it is."""


class ClinicUnreadable(SignInError):
    """The password is right but the clinic file cannot be read: it is damaged."""


class SessionLocked(Exception):
    """The session is locked (idle time-out); sign in again to continue."""


@dataclass
class Session:
    """The signed-in user of one open clinic, its audit log and its lock."""

    user: User
    audit: AuditLog
    lock: ClinicLock | None
    key: bytes | None
    params: Argon2Params = DEFAULT_PARAMS
    locked: bool = False
    throttle: SignInThrottle = field(default_factory=SignInThrottle)
    # Sign-in bookkeeping (audit row, failure reset, rehash) held back while the
    # file's integrity check is still running, so the window opens at once.
    pending: list = field(default_factory=list)

    def complete_pending(self) -> None:
        """Run the held-back sign-in writes (on the thread that owns the connection)."""
        pending, self.pending = self.pending, []
        for write in pending:
            write()

    def record(
        self,
        action: str,
        category: str = "",
        patient_id: int | None = None,
        outcome: str = "success",
        detail: str = "",
    ) -> None:
        """Append one audit event for the signed-in user."""
        self.audit.append(
            self.user.id, self.user.username, action, category, patient_id, outcome, detail
        )

    def record_for_patients(
        self, action: str, category: str, patient_ids: list[int], detail: str = ""
    ) -> None:
        """Append one successful audit event per patient for the signed-in user."""
        self.audit.append_for_patients(
            self.user.id, self.user.username, action, category, patient_ids, detail
        )

    def require(self, permission: str, category: str = "", patient_id: int | None = None) -> None:
        """Check the role; a refusal is audited and re-raised with its user-facing message."""
        if self.locked:
            raise SessionLocked("The session is locked; sign in again to continue.")
        try:
            require(self.user.role, permission)
        except PermissionDenied:
            self.record(permission, category, patient_id, outcome="denied")
            self.audit.sync_anchor()
            raise


def _audit_for(clinic: ClinicDatabase, key: bytes | None, create: bool) -> AuditLog:
    path = clinic.path
    return AuditLog(
        clinic,
        audit_key_for(path, key, create=create),
        anchor_path_for(path) if path is not None else None,
    )


def create_session(
    path: Path | None,
    *,
    admin: str,
    password: str | None,
    encrypted: bool,
    app_version: str,
    params: Argon2Params = DEFAULT_PARAMS,
) -> tuple[ClinicDatabase, Session]:
    """Create a clinic file with its first administrator, signed in.

    Raises ``PasswordPolicyError`` for a weak password (nothing written).
    """
    if encrypted:
        if path is None or password is None:
            raise ValueError("an encrypted clinic needs a file and a password")
        check_password_policy(password, admin)
    lock = ClinicLock.acquire(path) if path is not None else None
    slots_file = slots_path_for(path) if path is not None else None
    key = None
    try:
        if encrypted:
            if path.exists() or slots_file.exists():
                raise SignInError(
                    f"A clinic already exists at {path}; to create another, name a new "
                    "file with --clinic FILE (or choose another file in the app)."
                )
            key = new_database_key()
            # The key slot is written first: a database nobody can open is worse than
            # a stray slot file, which is removed below if the database fails.
            KeySlots.create(slots_file, admin, password, key, params=params)
        clinic = open_database(path, create=True, key=key, app_version=app_version)
    except BaseException:
        if encrypted and slots_file is not None and not (path and path.exists()):
            slots_file.unlink(missing_ok=True)
        if lock is not None:
            lock.release()
        raise
    audit = _audit_for(clinic, key, create=True)
    users = UserRepository(clinic)
    with clinic.transaction():
        user = users.add(
            admin,
            ADMINISTRATOR,
            hash_password(password, params) if password else "",
            display_name=admin,
        )
        audit.append(user.id, user.username, "create", "clinic", detail="clinic created")
    audit.sync_anchor()
    return clinic, Session(user, audit, lock, key, params)


def sign_in_session(
    path: Path,
    username: str,
    password: str | None,
    *,
    app_version: str,
    throttle: SignInThrottle | None = None,
    params: Argon2Params = DEFAULT_PARAMS,
    verify_now: bool = True,
) -> tuple[ClinicDatabase, Session]:
    """Open a clinic as ``username``; a wrong password says so and changes nothing on disk."""
    throttle = throttle or SignInThrottle()
    lock = ClinicLock.acquire(path)
    try:
        key = unwrap_clinic_key(path, slots_path_for(path), username, password, throttle)
        try:
            clinic = open_database(path, key=key, app_version=app_version, verify_now=verify_now)
        except NotAClinicDatabase as exc:
            if key is not None:
                # The password opened its key slot, so the key is right: the file is bad.
                raise ClinicUnreadable(
                    f"The clinic database {path} cannot be read although the password is "
                    "right: the file is damaged. Nothing was changed; an administrator can "
                    "restore it from the newest backup (cofactor restore BACKUP)."
                ) from exc
            raise SignInError(str(exc)) from exc
    except BaseException:
        lock.release()
        raise
    try:
        return clinic, _finish_sign_in(clinic, key, lock, username, password, throttle, params)
    except BaseException:
        clinic.close()
        lock.release()
        raise


def unwrap_clinic_key(
    clinic_path: Path,
    slots_file: Path,
    username: str,
    password: str | None,
    throttle: SignInThrottle | None = None,
) -> bytes | None:
    """The clinic's key from ``username``'s slot in ``slots_file`` (None: a plain clinic).

    Refuses a user locked out by repeated failures, and journals a wrong password
    beside the clinic, so the lockout holds across runs and the next sign-in audits it.
    """
    throttle = throttle or SignInThrottle()
    journal = FailureJournal(journal_path_for(clinic_path), throttle.policy)
    locked_until = throttle.refuse_locked(username) or journal.locked_until(username)
    if locked_until is not None:
        journal.record(username, "locked")
        raise SignInError(
            f"Too many failed sign-ins for {username}; try again after "
            f"{locked_until.astimezone().strftime('%H:%M')}."
        )
    if not slots_file.exists():
        return None
    try:
        return KeySlots(slots_file).unwrap(username, password or "")
    except WrongPassword as exc:
        throttle.record_failure(username)
        journal.record(username, "wrong_password")
        raise SignInError("Wrong user name or password.") from exc


def audit_journaled_failures(
    audit: AuditLog, users: UserRepository, journal: FailureJournal
) -> list[FailedSignIn]:
    """Write the failed sign-ins (and unlocks) journaled beside the clinic into its audit
    trail: they could not be written when they happened (no key, or the clinic locked).
    Entries already audited are skipped. Returns those written: the caller clears the
    journal once its own event is recorded, or marks them audited if it fails."""
    waiting = [failure for failure in journal.entries() if not failure.audited]
    # A run that stopped between auditing them and marking or clearing the journal
    # left them there: each failure's row names its time, so none is written twice.
    since = min((failure.at for failure in waiting), default=None)
    already = (
        {
            (row.username, row.detail)
            for row in audit.rows(since=since, action="signin", outcome="failure")
        }
        if since is not None
        else set()
    )
    for failure in waiting:
        detail = f"{failure.reason} at {failure.at.isoformat()}"
        if (failure.username, detail) in already:
            continue
        known = users.by_username(failure.username)
        audit.append(
            known.id if known else None,
            failure.username,
            "signin",
            "session",
            outcome="failure",
            detail=detail,
        )
    return waiting


def _finish_sign_in(
    clinic: ClinicDatabase,
    key: bytes | None,
    lock: ClinicLock,
    username: str,
    password: str | None,
    throttle: SignInThrottle,
    params: Argon2Params,
) -> Session:
    audit = _audit_for(clinic, key, create=key is None)
    users = UserRepository(clinic)
    throttle.drain_pending()  # the journal below holds the same failures, across runs too
    journal = FailureJournal(journal_path_for(clinic.path)) if clinic.path else None
    journaled = audit_journaled_failures(audit, users, journal) if journal is not None else []

    def refuse(user_id: int | None, why: str) -> SignInError:
        audit.append(user_id, username, "signin", "session", outcome="failure", detail=why)
        audit.sync_anchor()
        if journaled:
            journal.mark_audited(journaled)  # in the trail now; still counted for a lockout
        return SignInError("Wrong user name or password.")

    user = users.by_username(username)
    demo = key is None and user is not None and user.username == DEMO_USER
    if user is None or user.disabled:
        raise refuse(None, "unknown or disabled")
    if key is None and not demo and not verify_password(user.password_hash, password or ""):
        raise refuse(user.id, "wrong password")
    session = Session(user, audit, lock, key, params, throttle=throttle)

    def record_sign_in() -> None:
        with clinic.transaction():
            if password and check_needs_rehash(user.password_hash, params):
                users.set_password_hash(user.id, hash_password(password, params))
            users.reset_failures(user.id)
            session.record("signin", "session")
        audit.sync_anchor()
        if journal is not None:
            journal.clear()  # its failures are in the audit trail now

    if not clinic.verified:
        session.pending.append(record_sign_in)
    elif clinic.damage is None:
        record_sign_in()
    # else: the background check already found damage; the file is never written to,
    # and the window says so and offers a restore from the newest backup.
    throttle.record_success(username)
    if (
        key is not None
        and password
        and KeySlots(slots_path_for(clinic.path)).needs_rewrap(username, params)
    ):
        KeySlots(slots_path_for(clinic.path)).rewrap(username, password, key, params=params)
    return session


# What a sign-in screen shows as a message rather than an error dialog.
SIGN_IN_REFUSALS: tuple[type[Exception], ...] = (SignInError, ClinicInUse)
