"""One app instance per clinic: a second opener is refused with a message (security.md D4)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from app.store.locking import ClinicInUse, ClinicLock, lock_path_for, read_holder

ROOT = Path(__file__).resolve().parents[2]


def test_second_opener_in_the_same_process_is_refused(tmp_path):
    db = tmp_path / "clinic.db"
    with ClinicLock.acquire(db, workstation="desk-3") as lock:
        assert lock.held and lock.path == lock_path_for(db)
        with pytest.raises(ClinicInUse) as refused:
            ClinicLock.acquire(db)
        message = str(refused.value)
        assert "already open on desk-3" in message and "Close it there first" in message
        assert refused.value.holder["workstation"] == "desk-3"
    assert not lock.held
    again = ClinicLock.acquire(db)  # released, so free again
    again.release()
    again.release()  # harmless twice


def _child(db: Path) -> subprocess.CompletedProcess:
    script = textwrap.dedent(
        f"""
        import sys
        sys.path.insert(0, {str(ROOT)!r})
        from app.store.locking import ClinicInUse, ClinicLock
        try:
            ClinicLock.acquire({str(db)!r}).release()
        except ClinicInUse as exc:
            print(exc); sys.exit(3)
        print("acquired")
        """
    )
    return subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60
    )


def test_another_process_is_refused_while_held_and_allowed_after(tmp_path):
    db = tmp_path / "clinic.db"
    lock = ClinicLock.acquire(db, workstation="desk-3")
    refused = _child(db)
    assert refused.returncode == 3 and "already open on desk-3" in refused.stdout
    lock.release()
    assert _child(db).stdout.strip() == "acquired"


def test_a_crashed_holder_leaves_no_stale_lock(tmp_path):
    db = tmp_path / "clinic.db"
    script = textwrap.dedent(
        f"""
        import os, sys
        sys.path.insert(0, {str(ROOT)!r})
        from app.store.locking import ClinicLock
        ClinicLock.acquire({str(db)!r})
        os._exit(9)  # dies holding the lock
        """
    )
    subprocess.run([sys.executable, "-c", script], timeout=60)
    assert lock_path_for(db).exists()
    ClinicLock.acquire(db).release()
    assert read_holder(db)["pid"]
