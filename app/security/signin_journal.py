"""Failed sign-ins kept beside an encrypted clinic until they can be audited.

A wrong password cannot be written into an encrypted clinic (nobody holds the key),
and a command-line run ends before anyone signs in successfully. So each failure is
appended to ``<db>.signin-failures`` (JSON lines: the user name as typed, sanitised,
the UTC time and the reason; never a password, never patient data). The next
successful sign-in writes them to the audit trail and clears the file, and the
lockout is computed from it, so it holds across restarts and command-line runs.
A sign-in that opens the clinic but then fails (an unknown or disabled account)
writes them to the audit trail too; it marks them audited instead of clearing them,
so they still count towards a lockout and are not audited again.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path

from app.security.accounts import sanitize_typed_username
from app.security.signin import FailedSignIn, LockoutPolicy


def journal_path_for(db_path: Path) -> Path:
    return Path(str(db_path) + ".signin-failures")


class FailureJournal:
    """The failed-sign-in file of one clinic."""

    def __init__(self, path: Path, policy: LockoutPolicy | None = None):
        self.path = Path(path)
        self.policy = policy or LockoutPolicy()

    def record(self, username: str, reason: str, at: datetime | None = None) -> None:
        entry = {
            "username": sanitize_typed_username(username),
            "at": (at or datetime.now(UTC)).isoformat(),
            "reason": reason,
        }
        # Owner-only from its first write, as every other file of a clinic (it names users).
        flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_BINARY", 0)
        with open(os.open(self.path, flags, 0o600), "a", encoding="utf-8") as handle:
            handle.write(json.dumps(entry) + "\n")
            handle.flush()
            os.fsync(handle.fileno())

    def mark_audited(self, failures: list[FailedSignIn]) -> None:
        """Mark these entries as written to the audit trail, keeping them for the lockout.

        Only the entries given are marked: one another process journaled meanwhile
        has not been audited. The file is rewritten whole, owner-only, and swapped in.
        """
        done = {(f.username, f.at, f.reason) for f in failures}
        lines = [
            json.dumps(
                {
                    "username": e.username,
                    "at": e.at.isoformat(),
                    "reason": e.reason,
                    **(
                        {"audited": True}
                        if e.audited or (e.username, e.at, e.reason) in done
                        else {}
                    ),
                }
            )
            for e in self.entries()
        ]
        temporary = self.path.with_name(self.path.name + ".new")
        flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_BINARY", 0)
        with open(os.open(temporary, flags, 0o600), "w", encoding="utf-8") as handle:
            handle.write("".join(line + "\n" for line in lines))
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, self.path)

    def entries(self) -> list[FailedSignIn]:
        try:
            lines = self.path.read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            return []
        found = []
        for line in lines:
            try:
                item = json.loads(line)
                found.append(
                    FailedSignIn(
                        str(item["username"])[:128],
                        datetime.fromisoformat(item["at"]),
                        str(item["reason"])[:32],
                        item.get("audited") is True,
                    )
                )
            except (ValueError, KeyError, TypeError):
                continue  # a torn last line after a crash: the others still count
        return found

    def locked_until(self, username: str, now: datetime | None = None) -> datetime | None:
        """When the lock on ``username`` ends, if its recent failures call for one."""
        now = now or datetime.now(UTC)
        key = sanitize_typed_username(username).casefold()
        recent = [
            e
            for e in self.entries()
            if e.username.casefold() == key
            and e.reason == "wrong_password"
            and now - e.at < self.policy.max_lock * 2
        ]
        lock = self.policy.lock_for(len(recent))
        if lock is None or not recent:
            return None
        until = recent[-1].at + lock
        return until if until > now else None

    def clear(self) -> None:
        self.path.unlink(missing_ok=True)
