"""An open clinic and its signed-in user: lifecycle, roles, audit, auto-lock.

``ClinicService`` builds on this: here is only what every service call relies on
(checking the role, writing the change and its audit row in one transaction, the
session's lock), kept apart from the clinical methods.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Self

from app import __version__
from app.core.validation import ValidationError
from app.security import roles
from app.security.kdf import DEFAULT_PARAMS, Argon2Params
from app.security.keyslots import KeySlots, WrongPassword, slots_path_for
from app.security.passwords import verify_password
from app.security.signin import SignInThrottle
from app.security.signin_journal import FailureJournal, journal_path_for
from app.services.session import (
    DEMO_USER,
    Session,
    SignInError,
    audit_journaled_failures,
    create_session,
    sign_in_session,
)
from app.store.database import ClinicDatabase
from app.store.observations import ObservationRepository
from app.store.patients import PatientRepository
from app.store.regimen import RegimenRepository
from app.store.settings import SettingsRepository
from app.store.users import UserRepository

log = logging.getLogger(__name__)

CLINIC_NAME = "clinic_name"
ENCRYPTED_META = "encrypted"


@dataclass
class AuditEvent:
    """The audit row an ``audited_write`` block will write; the block may fill it in."""

    patient_id: int | None = None
    detail: str = ""


class ClinicSession:
    """One open clinic for one signed-in user (see ``ClinicService``)."""

    """Patients, regimens and results of one open clinic, for one signed-in user."""

    def __init__(
        self,
        clinic: ClinicDatabase,
        session: Session,
        *,
        today: Callable[[], date] = date.today,
        knowledge=None,
    ):
        self._clinic = clinic
        self.session = session
        self._today = today
        self._knowledge = knowledge
        # The start-up warm-up loads it on a thread while the user may open a patient.
        self._knowledge_loading = threading.Lock()
        self.patients_repo = PatientRepository(clinic)
        self.regimen_repo = RegimenRepository(clinic)
        self.observations_repo = ObservationRepository(clinic)
        self.settings = SettingsRepository(clinic)

    # -- lifecycle ---------------------------------------------------------

    @classmethod
    def create(
        cls,
        path: Path | None,
        *,
        name: str,
        admin: str = "admin",
        password: str | None = None,
        encrypted: bool | None = None,
        demo: bool = False,
        params: Argon2Params = DEFAULT_PARAMS,
        **kwargs,
    ) -> Self:
        """Create a clinic with its first administrator, signed in.

        A clinic with a file and a password is encrypted (SQLCipher, key slots); a
        demo clinic is plain and its administrator is the password-less ``demo``.
        """
        if not name.strip():
            raise ValidationError({"name": "Enter the clinic's name."})
        if encrypted is None:
            encrypted = path is not None and password is not None
        clinic, session = create_session(
            path,
            admin=DEMO_USER if demo else admin,
            password=None if demo else password,
            encrypted=encrypted and not demo,
            app_version=__version__,
            params=params,
        )
        service = cls(clinic, session, **kwargs)
        with clinic.transaction():
            service.settings.set(CLINIC_NAME, name.strip())
            service.settings.set_meta(ENCRYPTED_META, "yes" if session.key else "no")
            if demo:
                service.settings.set_meta("demo", "yes")
        return service

    @classmethod
    def sign_in(
        cls,
        path: Path,
        username: str,
        password: str | None,
        *,
        throttle: SignInThrottle | None = None,
        params: Argon2Params = DEFAULT_PARAMS,
        verify_now: bool = True,
        **kwargs,
    ) -> Self:
        """Open a clinic as a user; raises ``SignInError`` with a message for the user."""
        clinic, session = sign_in_session(
            Path(path),
            username,
            password,
            app_version=__version__,
            throttle=throttle,
            params=params,
            verify_now=verify_now,
        )
        if clinic.migrated_from is not None:
            log.info("clinic schema upgraded from %s", clinic.migrated_from)
        return cls(clinic, session, **kwargs)

    @classmethod
    def open_demo(cls, path: Path, *, verify_now: bool = True, **kwargs) -> Self:
        """Open a plain demo clinic as its built-in user (no password: it holds no real data)."""
        if is_encrypted_clinic(path):
            raise SignInError("This clinic is encrypted: sign in with your user name and password.")
        service = cls.sign_in(path, DEMO_USER, None, verify_now=verify_now, **kwargs)
        if not service.is_demo:
            service.close()
            raise SignInError("This clinic needs a user name and password.")
        return service

    def close(self) -> None:
        """Sign out (audited) and close; the clinic's lock is released."""
        if not self.session.locked:
            if self._clinic.verified and self._clinic.damage is None:
                try:
                    self.session.complete_pending()
                    self.record_event("signout", "session")
                except Exception:  # closing must not fail because the audit could not be written
                    log.warning("sign-out could not be audited", exc_info=True)
            self._clinic.close()
        if self.session.lock is not None:
            self.session.lock.release()

    def verify_integrity(self) -> str | None:
        """Wait for (or run) the file's integrity check; returns the damage found, or None.

        Safe on a worker thread. Call ``complete_sign_in`` afterwards on the thread
        that owns the connection.
        """
        self._clinic.verify_integrity()
        self._clinic.wait_verified()
        return self._clinic.damage

    def complete_sign_in(self) -> None:
        """Write the sign-in bookkeeping held back while the integrity check ran."""
        if self._clinic.damage is None:
            self.session.complete_pending()

    # -- session: roles, audit, auto-lock ----------------------------------------

    @property
    def user(self):
        return self.session.user

    def can(self, permission: str) -> bool:
        """Whether the signed-in user's role allows ``permission`` (for enabling UI)."""
        return roles.allowed(self.session.user.role, permission)

    @contextmanager
    def audited_write(
        self,
        permission: str,
        action: str,
        category: str,
        patient_id: int | None = None,
        detail: str = "",
    ) -> Iterator[AuditEvent]:
        """Check the role, run the block and its audit event in one transaction.

        Yields the ``AuditEvent`` to be written, so a block that creates the record
        can name it (``event.patient_id = saved.id``).
        """
        self.session.require(permission, category, patient_id)
        event = AuditEvent(patient_id, detail)
        with self._clinic.transaction():
            yield event
            self.session.record(action, category, event.patient_id, detail=event.detail)
        self.session.audit.sync_anchor()

    def audited_read(
        self,
        permission: str,
        action: str,
        category: str,
        patient_id: int | None = None,
        detail: str = "",
    ) -> None:
        self.session.require(permission, category, patient_id)
        with self._clinic.transaction():
            self.session.record(action, category, patient_id, detail=detail)
        self.session.audit.sync_anchor()

    def record_event(
        self,
        action: str,
        category: str = "",
        patient_id: int | None = None,
        detail: str = "",
        outcome: str = "success",
    ) -> None:
        """Audit something the UI did (print, export, a search the user settled on)."""
        with self._clinic.transaction():
            self.session.record(action, category, patient_id, outcome, detail)
        self.session.audit.sync_anchor()

    def lock(self, reason: str = "timeout") -> None:
        """Auto-lock: audit it, then close the connection so the key leaves memory.

        The session is locked even when the audit row cannot be written (a damaged
        clinic, a full disk): a lock that stayed open because its own record failed
        would let the next unlock through without a password.
        """
        if self.session.locked:
            return
        try:
            self.record_event(reason, "session")
        except Exception:  # the lock matters more than its audit row; say so in the log
            log.warning(
                "the %s lock could not be audited; locking all the same", reason, exc_info=True
            )
        finally:
            self._clinic.detach()
            self.session.key = None
            self.session.locked = True

    def prove_password(self, password: str) -> bytes | None:
        """Check the signed-in user's password: the clinic key it unwraps from their key
        slot, or None on a plain clinic (its stored hash; the demo user has none).

        Raises:
            WrongPassword: It is not their password.
        """
        user = self.session.user
        path = self._clinic.path
        if path is not None and slots_path_for(path).exists():
            return KeySlots(slots_path_for(path)).unwrap(user.username, password)
        if user.username != DEMO_USER and not verify_password(user.password_hash, password):
            raise WrongPassword
        return None

    def unlock(self, password: str) -> None:
        """Sign the same user in again after a lock; a wrong password is audited.

        The password is checked even if the session is somehow not locked: an unlock
        never opens for anyone but the user.
        """
        user = self.session.user
        throttle = self.session.throttle
        path = self._clinic.path
        # The clinic is closed while locked: a wrong password is journaled beside it, as at
        # sign-in, so it counts towards the lockout across restarts and is audited on the
        # next unlock or sign-in.
        journal = (
            FailureJournal(journal_path_for(path), throttle.policy) if path is not None else None
        )
        locked_until = throttle.refuse_locked(user.username) or (
            journal.locked_until(user.username) if journal is not None else None
        )
        if locked_until is not None:
            if journal is not None:
                journal.record(user.username, "locked")
            raise SignInError("Too many failed attempts; wait a few minutes and try again.")
        try:
            key = self.prove_password(password)
        except WrongPassword as exc:
            throttle.record_failure(user.username)
            if journal is not None:
                journal.record(user.username, "wrong_password")
            raise SignInError("Wrong password.") from exc
        if not self.session.locked:
            return
        self._clinic.reattach(key)
        self.session.key = key
        self.session.locked = False
        throttle.record_success(user.username)
        throttle.drain_pending()  # the journal holds the same failures
        if journal is not None:
            audit_journaled_failures(self.session.audit, UserRepository(self._clinic), journal)
        self.record_event("signin", "session", detail="unlocked")
        if journal is not None:
            journal.clear()

    def set_setting(self, key: str, value: str) -> None:
        """Change a clinic-wide setting (administrators; audited with old and new value)."""
        from app.core.settings_keys import validate_setting

        value = validate_setting(key, value)
        old = self.settings.get(key)
        with self.audited_write(
            roles.SETTINGS_WRITE, "update", "settings", detail=f"{key}: {old!r} -> {value!r}"
        ):
            self.settings.set(key, value)

    @property
    def is_demo(self) -> bool:
        return self.settings.meta("demo") == "yes"

    @property
    def database(self) -> ClinicDatabase:
        return self._clinic

    @property
    def path(self) -> Path | None:
        return self._clinic.path

    @property
    def clinic_name(self) -> str:
        return self.settings.get(CLINIC_NAME, "Clinic")

    @property
    def encrypted(self) -> bool:
        return self.settings.meta(ENCRYPTED_META) == "yes"

    @property
    def knowledge(self):
        """The knowledge base, loaded on first use (start-up does not pay for it)."""
        if self._knowledge is None:
            with self._knowledge_loading:  # one load, whichever thread asks first
                if self._knowledge is None:
                    from app.core.knowledge import load_knowledge

                    self._knowledge = load_knowledge()
        return self._knowledge

    def today(self) -> date:
        return self._today()


def is_encrypted_clinic(path: Path) -> bool:
    """True when a key-slot file sits beside the clinic (it needs a user and password)."""
    return slots_path_for(Path(path)).exists()
