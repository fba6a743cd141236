"""Opening, creating and upgrading clinic databases."""

from __future__ import annotations

import hashlib
import shutil
import types
from pathlib import Path

import pytest

from app.store.database import (
    LATEST_VERSION,
    ClinicDatabaseError,
    DatabaseTooNew,
    NotAClinicDatabase,
    open_database,
)
from app.store.migrations import MIGRATIONS
from app.store.sqlite import dbapi2

FROZEN = Path(__file__).resolve().parents[1] / "data"


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_new_clinic_has_latest_schema_and_durable_pragmas(tmp_path):
    clinic = open_database(tmp_path / "c.db", create=True, app_version="test")
    conn = clinic.conn
    assert clinic.schema_version == LATEST_VERSION
    assert conn.execute("PRAGMA user_version").fetchone()[0] == LATEST_VERSION
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    tables = set(clinic.db.table_names())
    for needed in (
        "patients",
        "regimen_items",
        "observations",
        "import_batches",
        "evaluations",
        "reports",
        "users",
        "audit_events",
        "finding_suppressions",
    ):
        assert needed in tables
    clinic.close()


def test_create_refuses_an_existing_file(tmp_path):
    target = tmp_path / "c.db"
    target.write_bytes(b"keep me")
    with pytest.raises(ClinicDatabaseError, match="already exists"):
        open_database(target, create=True)
    assert target.read_bytes() == b"keep me"


def test_open_refuses_a_missing_file(tmp_path):
    with pytest.raises(ClinicDatabaseError, match="No clinic database"):
        open_database(tmp_path / "missing.db")
    assert not (tmp_path / "missing.db").exists()


def test_a_file_that_is_not_a_database_is_refused_unchanged(tmp_path):
    target = tmp_path / "notes.db"
    target.write_bytes(b"this is a text file, not SQLite" * 100)
    before = _sha(target)
    with pytest.raises(NotAClinicDatabase):
        open_database(target)
    assert _sha(target) == before


def test_a_foreign_sqlite_database_is_refused(tmp_path):
    target = tmp_path / "other.db"
    conn = dbapi2.connect(str(target))
    conn.execute("CREATE TABLE recipes (name TEXT)")
    conn.commit()
    conn.close()
    with pytest.raises(NotAClinicDatabase, match="not a Cofactor clinic"):
        open_database(target)


def test_a_database_from_a_newer_version_is_refused_unchanged(tmp_path):
    target = tmp_path / "c.db"
    open_database(target, create=True).close()
    conn = dbapi2.connect(str(target))
    conn.execute(f"PRAGMA user_version = {LATEST_VERSION + 5}")
    conn.close()
    before = _sha(target)
    with pytest.raises(DatabaseTooNew, match="newer version of Cofactor"):
        open_database(target)
    assert _sha(target) == before


@pytest.mark.parametrize("frozen", sorted(FROZEN.glob("clinic-schema-v*.db")), ids=lambda p: p.name)
def test_every_frozen_released_schema_upgrades_with_data_intact(tmp_path, frozen):
    target = tmp_path / frozen.name
    shutil.copyfile(frozen, target)  # a closed file, never a live one
    clinic = open_database(target)
    assert clinic.schema_version == LATEST_VERSION
    row = clinic.conn.execute(
        "SELECT mrn, family_name, date_of_birth FROM patients WHERE mrn = 'FROZEN-1'"
    ).fetchone()
    assert row == ("FROZEN-1", "Varga", "1970-02-03")
    results = clinic.conn.execute(
        "SELECT analyte_key, raw_value, comparator FROM observations ORDER BY id"
    ).fetchall()
    assert ("estradiol", "<5", "<") in results
    clinic.close()


def test_there_is_a_frozen_copy_of_the_latest_released_schema():
    versions = {int(p.stem.rsplit("v", 1)[1]) for p in FROZEN.glob("clinic-schema-v*.db")}
    assert 1 in versions


def _extra_migration(version: int, statements: list[str]):
    return types.SimpleNamespace(VERSION=version, STATEMENTS=statements)


def test_a_migration_copies_the_file_first_and_applies_in_order(tmp_path):
    target = tmp_path / "c.db"
    clinic = open_database(target, create=True)
    clinic.conn.execute("INSERT INTO settings (key, value) VALUES ('clinic_name', 'Riverside')")
    clinic.close()
    upgrade = [
        *MIGRATIONS,
        _extra_migration(
            LATEST_VERSION + 1,
            [
                "ALTER TABLE patients ADD COLUMN preferred_language TEXT NOT NULL DEFAULT ''",
            ],
        ),
    ]
    clinic = open_database(target, migrations=upgrade)
    assert clinic.schema_version == LATEST_VERSION + 1
    assert clinic.migrated_from == LATEST_VERSION
    columns = {c.name for c in clinic.db["patients"].columns}
    assert "preferred_language" in columns
    copy = clinic.backup_before_migration
    assert copy is not None and copy.exists()
    clinic.close()
    old = open_database(copy)
    assert old.schema_version == LATEST_VERSION
    assert old.conn.execute("SELECT value FROM settings").fetchone() == ("Riverside",)
    old.close()


def test_a_failing_migration_changes_nothing(tmp_path):
    target = tmp_path / "c.db"
    open_database(target, create=True).close()
    broken = [
        *MIGRATIONS,
        _extra_migration(
            LATEST_VERSION + 1,
            [
                "CREATE TABLE half_done (x INTEGER)",
                "THIS IS NOT SQL",
            ],
        ),
    ]
    with pytest.raises(dbapi2.OperationalError):
        open_database(target, migrations=broken)
    clinic = open_database(target)
    assert clinic.schema_version == LATEST_VERSION
    assert "half_done" not in clinic.db.table_names()
    clinic.close()


def _damaged_clinic(tmp_path) -> Path:
    target = tmp_path / "c.db"
    clinic = open_database(target, create=True)
    with clinic.transaction() as conn:
        for n in range(400):
            conn.execute("INSERT INTO settings (key, value) VALUES (?, ?)", (f"k{n}", "x" * 200))
    clinic.close()  # the last close checkpoints the WAL into the file
    data = bytearray(target.read_bytes())
    page = 4096
    last_page = len(data) // page - 1
    data[last_page * page + 8 : last_page * page + 4000] = b"\xff" * 3992
    target.write_bytes(bytes(data))
    return target


def test_a_damaged_file_is_refused_on_open_and_left_unchanged(tmp_path):
    from app.store.database import DatabaseDamaged

    target = _damaged_clinic(tmp_path)
    before = _sha(target)
    with pytest.raises((DatabaseDamaged, NotAClinicDatabase)):
        open_database(target)
    assert _sha(target) == before


def test_deferred_check_blocks_writes_to_a_damaged_file(tmp_path):
    from app.store.database import DatabaseDamaged

    target = _damaged_clinic(tmp_path)
    before = _sha(target)
    clinic = open_database(target, verify_now=False)  # the check runs on its own thread
    clinic.verify_integrity()  # waits for that check rather than running a second
    assert clinic.verified and clinic.damage
    with pytest.raises(DatabaseDamaged, match="restore it"), clinic.transaction() as conn:
        conn.execute("INSERT INTO settings (key, value) VALUES ('late', 'write')")
    clinic.close()
    assert _sha(target) == before


def test_deferred_check_of_a_sound_file_lets_writes_through(tmp_path):
    target = tmp_path / "c.db"
    open_database(target, create=True).close()
    clinic = open_database(target, verify_now=False)
    clinic.verify_integrity()
    assert clinic.verified and clinic.damage is None
    with clinic.transaction() as conn:
        conn.execute("INSERT INTO settings (key, value) VALUES ('ok', 'yes')")
    clinic.close()
