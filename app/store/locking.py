"""One app instance per clinic database: an OS advisory lock on ``<db>.lock``.

SQLite's own locking keeps a file consistent between connections, but two copies of
the app on one clinic would still fight (lost edits between screens, an audit chain
written from two places, a restore under another user's feet). The lock is held for
as long as the clinic is open and released by the OS if the process dies, so it is
never stale. The lock file is never deleted: removing it while another process holds
a lock on it would let a third process lock a new file of the same name.

POSIX uses ``flock`` (per open file, so it also refuses a second open in the same
process); Windows uses ``msvcrt.locking`` on a byte far past the holder text, so the
text stays readable. Locks on network filesystems may not be honoured; the app
should warn about clinics on network shares anyway (security.md D4).
"""

from __future__ import annotations

import json
import os
import socket
from datetime import UTC, datetime
from pathlib import Path

if os.name == "nt":  # pragma: no cover - exercised on Windows only
    import msvcrt
else:
    import fcntl

_WINDOWS_LOCK_OFFSET = 1 << 30


class ClinicInUse(Exception):
    """The clinic is open in another Cofactor window or on another workstation.

    Attributes:
        holder: what the holder wrote (``workstation``, ``pid``, ``since``), if readable.
    """

    def __init__(self, holder: dict | None):
        self.holder = holder or {}
        where = self.holder.get("workstation") or "another workstation"
        since = self.holder.get("since")
        detail = f" (process {self.holder['pid']}, since {since})" if since else ""
        super().__init__(
            f"This clinic is already open on {where}{detail}. Close it there first; "
            "two copies of Cofactor cannot work on one clinic at the same time."
        )


def lock_path_for(db_path: Path) -> Path:
    """Return ``<db>.lock``."""
    db_path = Path(db_path)
    return db_path.with_name(db_path.name + ".lock")


def _try_lock(fd: int) -> bool:
    try:
        if os.name == "nt":  # pragma: no cover
            os.lseek(fd, _WINDOWS_LOCK_OFFSET, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        else:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


def _unlock(fd: int) -> None:
    if os.name == "nt":  # pragma: no cover
        os.lseek(fd, _WINDOWS_LOCK_OFFSET, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)


def read_holder(db_path: Path) -> dict | None:
    """Return who holds (or last held) the lock, as written in the lock file."""
    try:
        text = lock_path_for(db_path).read_text(encoding="utf-8").strip("\0 \n")
        holder = json.loads(text)
    except (OSError, ValueError):
        return None
    return holder if isinstance(holder, dict) else None


class ClinicLock:
    """An exclusive lock on one clinic, held until ``release`` (or the process ends).

    Use ``ClinicLock.acquire(db_path)`` before ``open_database`` and keep the lock
    while the clinic is open; as a context manager it releases on exit.
    """

    def __init__(self, path: Path, fd: int):
        self.path = path
        self._fd: int | None = fd

    @classmethod
    def acquire(cls, db_path: Path, *, workstation: str | None = None) -> ClinicLock:
        """Take the lock or raise ``ClinicInUse`` at once (never waits).

        Args:
            db_path: the clinic database file (the lock file sits beside it).
            workstation: recorded for the refusal message; defaults to the host name.
        """
        path = lock_path_for(db_path)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_BINARY", 0), 0o600)
        if not _try_lock(fd):
            os.close(fd)
            raise ClinicInUse(read_holder(db_path))
        holder = {
            "workstation": workstation or socket.gethostname(),
            "pid": os.getpid(),
            "since": datetime.now(UTC).replace(microsecond=0).isoformat(),
        }
        os.lseek(fd, 0, os.SEEK_SET)
        os.ftruncate(fd, 0)
        os.write(fd, (json.dumps(holder) + "\n").encode("utf-8"))
        return cls(path, fd)

    @property
    def held(self) -> bool:
        return self._fd is not None

    def release(self) -> None:
        """Release the lock (the file stays; see the module note)."""
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        try:
            _unlock(fd)
        finally:
            os.close(fd)

    def __enter__(self) -> ClinicLock:
        return self

    def __exit__(self, *exc_info) -> None:
        self.release()
