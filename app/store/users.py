"""User accounts: the only code that reads or writes the ``users`` table.

Methods run in the caller's transaction, so a change and its audit row commit
together. Administrative changes return a ``UserChange`` (before and after) that
the caller writes to the audit log (security.md A8).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from app.store.database import ClinicDatabase, utc_now
from app.store.sqlite import IntegrityError

ADMINISTRATOR = "administrator"  # the role the schema's CHECK names; see app.security.roles
_COLUMNS = (
    "id, username, display_name, role, disabled, failed_attempts, locked_until, "
    "emergency_access, created_at, updated_at, password_hash"
)


@dataclass(frozen=True)
class User:
    """One account. ``password_hash`` is left out of ``repr`` so it never reaches a log."""

    id: int
    username: str
    display_name: str
    role: str
    disabled: bool
    failed_attempts: int
    locked_until: datetime | None
    emergency_access: bool
    created_at: str
    updated_at: str
    password_hash: str = field(default="", repr=False)

    def locked_at(self, now: datetime) -> bool:
        """Tell whether the account is locked out at ``now`` (an aware time)."""
        return self.locked_until is not None and now < self.locked_until


@dataclass(frozen=True)
class UserChange:
    """An account before and after an administrative change, for the audit row (A8)."""

    before: User
    after: User

    def describe(self) -> str:
        """Describe what changed as ``field: old -> new``; never shows a password hash."""
        parts = []
        for name in ("username", "display_name", "role", "disabled", "emergency_access"):
            old, new = getattr(self.before, name), getattr(self.after, name)
            if old != new:
                parts.append(f"{name}: {old} -> {new}")
        if self.before.password_hash != self.after.password_hash:
            parts.append("password: changed")
        return "; ".join(parts) or "no change"


class DuplicateUsername(Exception):
    """Another account already has this username (compared case-insensitively)."""

    def __init__(self, username: str):
        super().__init__(f"There is already an account named {username}.")
        self.username = username


class UnknownUser(KeyError):
    """No account has this id."""


class NoSuchUsername(KeyError):
    """No account has this username; the message is meant for the user."""

    def __init__(self, username: str):
        super().__init__(f"No user named {username}.")
        self.username = username

    def __str__(self) -> str:  # not KeyError's quoted repr: the message is for the user
        return str(self.args[0])


class LastAdministrator(Exception):
    """The change would leave the clinic without an enabled administrator."""

    def __init__(self) -> None:
        super().__init__("The clinic needs at least one enabled administrator account.")


_ROLES = ("administrator", "clinician", "assistant")


def _check_role(role: str) -> None:
    if role not in _ROLES:
        raise ValueError(f"Unknown role {role!r}; choose one of {', '.join(_ROLES)}.")


def _from_row(row: tuple) -> User:
    return User(
        id=row[0],
        username=row[1],
        display_name=row[2],
        role=row[3],
        disabled=bool(row[4]),
        failed_attempts=row[5],
        locked_until=datetime.fromisoformat(row[6]) if row[6] else None,
        emergency_access=bool(row[7]),
        created_at=row[8],
        updated_at=row[9],
        password_hash=row[10],
    )


class UserRepository:
    """Accounts of one clinic."""

    def __init__(self, clinic: ClinicDatabase):
        self._clinic = clinic

    @property
    def _conn(self):
        return self._clinic.conn

    def add(
        self,
        username: str,
        role: str,
        password_hash: str,
        *,
        display_name: str = "",
        emergency_access: bool = False,
    ) -> User:
        """Create an account.

        The caller checks the name first with ``app.security.accounts.validate_username``;
        the schema enforces uniqueness (ignoring case) and the role list.

        Raises:
            DuplicateUsername: the name is taken (case-insensitively).
            ValueError: unknown role, or an empty name.
        """
        name = username.strip()
        if not name:
            raise ValueError("A username cannot be empty.")
        _check_role(role)
        now = utc_now()
        try:
            cursor = self._conn.execute(
                "INSERT INTO users (username, display_name, role, password_hash, disabled, "
                "emergency_access, created_at, updated_at) VALUES (?,?,?,?,0,?,?,?)",
                (name, display_name.strip(), role, password_hash, int(emergency_access), now, now),
            )
        except IntegrityError as exc:
            if "username" in str(exc):
                raise DuplicateUsername(name) from exc
            raise
        return self._require(cursor.lastrowid)

    def get(self, user_id: int) -> User | None:
        row = self._conn.execute(f"SELECT {_COLUMNS} FROM users WHERE id = ?", (user_id,))
        found = row.fetchone()
        return _from_row(found) if found else None

    def by_username(self, username: str) -> User | None:
        """Find an account by name, ignoring case."""
        row = self._conn.execute(
            f"SELECT {_COLUMNS} FROM users WHERE username = ?", (username.strip(),)
        ).fetchone()
        return _from_row(row) if row else None

    def list(self, *, include_disabled: bool = True) -> list[User]:
        where = "" if include_disabled else " WHERE disabled = 0"
        rows = self._conn.execute(
            f"SELECT {_COLUMNS} FROM users{where} ORDER BY username COLLATE NOCASE"
        )
        return [_from_row(r) for r in rows]

    def count(self) -> int:
        return self._conn.execute("SELECT count(*) FROM users").fetchone()[0]

    def enabled_administrators(self) -> int:
        return self._conn.execute(
            "SELECT count(*) FROM users WHERE role = ? AND disabled = 0", (ADMINISTRATOR,)
        ).fetchone()[0]

    # -- administrative changes (audited by the caller with UserChange) -------

    def set_role(self, user_id: int, role: str) -> UserChange:
        _check_role(role)
        before = self._require(user_id)
        if before.role == ADMINISTRATOR and role != ADMINISTRATOR and not before.disabled:
            self._keep_an_administrator()
        return self._update(before, "role = ?", (role,))

    def set_disabled(self, user_id: int, disabled: bool) -> UserChange:
        before = self._require(user_id)
        if disabled and before.role == ADMINISTRATOR and not before.disabled:
            self._keep_an_administrator()
        return self._update(before, "disabled = ?", (int(disabled),))

    def set_emergency_access(self, user_id: int, allowed: bool) -> UserChange:
        return self._update(self._require(user_id), "emergency_access = ?", (int(allowed),))

    def set_display_name(self, user_id: int, display_name: str) -> UserChange:
        return self._update(self._require(user_id), "display_name = ?", (display_name.strip(),))

    def set_password_hash(self, user_id: int, password_hash: str) -> UserChange:
        return self._update(self._require(user_id), "password_hash = ?", (password_hash,))

    # -- lockout state ---------------------------------------------------------

    def record_failed_attempt(self, user_id: int) -> int:
        """Count one more consecutive failure; return the new count."""
        self._require(user_id)
        self._conn.execute(
            "UPDATE users SET failed_attempts = failed_attempts + 1, updated_at = ? WHERE id = ?",
            (utc_now(), user_id),
        )
        return self._require(user_id).failed_attempts

    def reset_failures(self, user_id: int) -> None:
        """Clear the failure count and any lock (after a successful sign-in)."""
        self._require(user_id)
        self._conn.execute(
            "UPDATE users SET failed_attempts = 0, locked_until = NULL, updated_at = ? "
            "WHERE id = ?",
            (utc_now(), user_id),
        )

    def lock_until(self, user_id: int, until: datetime | None) -> None:
        """Lock the account until ``until`` (aware time, stored as UTC); ``None`` unlocks."""
        self._require(user_id)
        stored = until.astimezone(UTC).isoformat() if until is not None else None
        self._conn.execute(
            "UPDATE users SET locked_until = ?, updated_at = ? WHERE id = ?",
            (stored, utc_now(), user_id),
        )

    # -- helpers ---------------------------------------------------------------

    def _require(self, user_id: int) -> User:
        user = self.get(user_id)
        if user is None:
            raise UnknownUser(user_id)
        return user

    def _keep_an_administrator(self) -> None:
        if self.enabled_administrators() <= 1:
            raise LastAdministrator()

    def _update(self, before: User, assignment: str, values: tuple) -> UserChange:
        self._conn.execute(
            f"UPDATE users SET {assignment}, updated_at = ? WHERE id = ?",
            (*values, utc_now(), before.id),
        )
        return UserChange(before, self._require(before.id))
