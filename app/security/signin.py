"""Sign-in throttling: lockout policy and the failures seen before the database opens.

An encrypted clinic cannot be written until someone's password has unwrapped the key,
so failed attempts are first counted here, in memory, and written to the audit log
and the ``users`` table by the next successful sign-in (``drain_pending``). The
persistent lockout (``users.locked_until``) is enforced once the database is open.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from app.security.accounts import sanitize_typed_username


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class LockoutPolicy:
    """After ``max_failures`` wrong passwords in a row, lock; each further one doubles it.

    Attributes:
        max_failures: failures allowed before the first lock.
        first_lock: how long the first lock lasts.
        max_lock: the longest lock.
    """

    max_failures: int = 5
    first_lock: timedelta = timedelta(minutes=5)
    max_lock: timedelta = timedelta(hours=1)

    def lock_for(self, failures: int) -> timedelta | None:
        """Return how long to lock after ``failures`` consecutive failures, or ``None``."""
        if failures < self.max_failures:
            return None
        doubled = self.first_lock * (2 ** min(failures - self.max_failures, 16))
        return min(doubled, self.max_lock)


@dataclass(frozen=True)
class FailedSignIn:
    """One failed attempt, waiting to be audited.

    Attributes:
        username: the name as typed, sanitised.
        at: when it happened (aware UTC).
        reason: ``wrong_password`` or ``locked``.
        audited: already written to the audit trail by a sign-in that then failed
            itself (the journal keeps it for the lockout until a sign-in succeeds).
    """

    username: str
    at: datetime
    reason: str
    audited: bool = False


class SignInThrottle:
    """Count failures per username (case-insensitive) for one running app.

    Args:
        policy: when to lock and for how long.
        clock: returns the current aware UTC time (tests pass their own).
    """

    def __init__(
        self, policy: LockoutPolicy | None = None, clock: Callable[[], datetime] = _utc_now
    ):
        self.policy = policy or LockoutPolicy()
        self._clock = clock
        self._failures: dict[str, int] = {}
        self._locked: dict[str, datetime] = {}
        self._pending: list[FailedSignIn] = []

    @staticmethod
    def _key(username: str) -> str:
        return username.strip().casefold()

    def locked_until(self, username: str) -> datetime | None:
        """Return when a lock on ``username`` ends, or ``None`` if it may try now."""
        until = self._locked.get(self._key(username))
        return until if until is not None and self._clock() < until else None

    def refuse_locked(self, username: str) -> datetime | None:
        """Check before trying a password; a locked name is refused and the refusal queued."""
        until = self.locked_until(username)
        if until is not None:
            self._pending.append(
                FailedSignIn(sanitize_typed_username(username), self._clock(), "locked")
            )
        return until

    def record_failure(self, username: str) -> datetime | None:
        """Count a wrong password; return the end of the lock it triggers, if any."""
        key = self._key(username)
        count = self._failures.get(key, 0) + 1
        self._failures[key] = count
        now = self._clock()
        self._pending.append(FailedSignIn(sanitize_typed_username(username), now, "wrong_password"))
        duration = self.policy.lock_for(count)
        if duration is None:
            return None
        self._locked[key] = now + duration
        return self._locked[key]

    def record_success(self, username: str) -> None:
        key = self._key(username)
        self._failures.pop(key, None)
        self._locked.pop(key, None)

    def failures(self, username: str) -> int:
        return self._failures.get(self._key(username), 0)

    def drain_pending(self) -> list[FailedSignIn]:
        """Hand over the queued failures (oldest first) to be audited, and forget them."""
        pending, self._pending = self._pending, []
        return pending
