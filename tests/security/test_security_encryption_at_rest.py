"""Encryption at rest with the real ``open_database`` and a raw key (security.md C1-C4)."""

from __future__ import annotations

import hashlib
import os
import stat
import subprocess
import sys
import textwrap

import pytest

from app.security.keyslots import new_database_key
from app.store.database import NotAClinicDatabase, open_database

MARKER = "ZEBRA-MARKER-7f3a91"


def _files(db):
    return [db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")]


def _assert_marker_absent(db):
    for path in _files(db):
        if path.exists():
            assert MARKER.encode() not in path.read_bytes(), path.name
            assert MARKER.encode("utf-16-le") not in path.read_bytes(), path.name


def _stdlib_read(db) -> subprocess.CompletedProcess:
    # A separate process: the stdlib sqlite3 and SQLCipher never share a process or file.
    script = textwrap.dedent(
        f"""
        import sqlite3, sys
        conn = sqlite3.connect("file:{db.as_posix()}?mode=ro", uri=True)
        try:
            print(conn.execute("SELECT count(*) FROM sqlite_master").fetchone())
        except sqlite3.DatabaseError as exc:
            print("refused:", exc); sys.exit(3)
        """
    )
    return subprocess.run(
        [sys.executable, "-I", "-c", script], capture_output=True, text=True, timeout=60
    )


@pytest.fixture
def encrypted(tmp_path):
    key = new_database_key()
    db = tmp_path / "clinic.db"
    clinic = open_database(db, create=True, key=key)
    with clinic.transaction() as conn:
        conn.execute(
            "INSERT INTO patients (mrn, family_name, given_name, date_of_birth, sex_at_birth, "
            "notes, search_text, created_at, updated_at) VALUES "
            "('M-1', 'Haddad', 'Rana', '1980-01-01', 'female', ?, ?, 'now', 'now')",
            (MARKER, MARKER),
        )
    return db, key, clinic


def test_marker_is_absent_from_db_wal_and_shm_while_open_and_after_close(encrypted):
    db, key, clinic = encrypted
    assert db.with_name(db.name + "-wal").exists()  # WAL really holds the new page now
    _assert_marker_absent(db)
    clinic.close()
    _assert_marker_absent(db)
    reopened = open_database(db, key=key)
    assert reopened.conn.execute("SELECT notes FROM patients").fetchone() == (MARKER,)
    reopened.close()


def test_file_has_no_sqlite_header_and_stdlib_sqlite_cannot_read_it(encrypted):
    db, _, clinic = encrypted
    clinic.close()
    assert not db.read_bytes().startswith(b"SQLite format 3\x00")
    result = _stdlib_read(db)
    assert result.returncode == 3, result.stdout + result.stderr
    assert "not a database" in result.stdout


def test_plain_clinic_is_readable_by_stdlib_for_contrast(tmp_path):
    db = tmp_path / "demo.db"
    open_database(db, create=True).close()
    assert db.read_bytes().startswith(b"SQLite format 3\x00")
    assert _stdlib_read(db).returncode == 0


def test_wrong_key_is_refused_and_leaves_the_file_unchanged(encrypted):
    db, _, clinic = encrypted
    clinic.close()
    before = [hashlib.sha256(p.read_bytes()).hexdigest() for p in _files(db) if p.exists()]
    with pytest.raises(NotAClinicDatabase, match="password is wrong"):
        open_database(db, key=new_database_key())
    with pytest.raises(NotAClinicDatabase):
        open_database(db)  # no key at all
    after = [hashlib.sha256(p.read_bytes()).hexdigest() for p in _files(db) if p.exists()]
    assert after == before


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permission bits")
def test_clinic_its_wal_and_its_backups_are_readable_by_the_owner_only(tmp_path, kb):
    """Encrypted or not, a clinic's files are not left world-readable (umask 022)."""
    from app.services.admin import AdminService
    from tests.conftest import create_encrypted_clinic

    path = tmp_path / "clinic.db"
    service = create_encrypted_clinic(path, kb)
    backup = AdminService(service).back_up().path
    files = [path, backup, *tmp_path.glob("clinic.db-wal")]
    assert len(files) == 3  # the open clinic's write-ahead log too
    for file in files:
        assert stat.S_IMODE(file.stat().st_mode) == 0o600, file
    service.close()


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permission bits")
def test_the_failed_sign_in_file_is_readable_by_the_owner_only(tmp_path, kb):
    """It names the user names people typed: not world-readable either."""
    from app.services.session import SignInError
    from tests.conftest import create_encrypted_clinic, sign_in

    path = tmp_path / "clinic.db"
    create_encrypted_clinic(path, kb).close()
    old_umask = os.umask(0o022)  # a usual desktop's: files world-readable unless made private
    try:
        with pytest.raises(SignInError):
            sign_in(path, kb, "ana", "not the password at all")
    finally:
        os.umask(old_umask)
    (journal,) = tmp_path.glob("clinic.db.signin-failures")
    assert stat.S_IMODE(journal.stat().st_mode) == 0o600
