"""Verified backups and restores through the online backup API (security.md D5, C5)."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime

import pytest

from app.security.audit_chain import anchor_path_for, audit_key_from_database_key
from app.security.keyslots import new_database_key
from app.store.audit import AuditLog
from app.store.backup import (
    BackupTampered,
    BackupTooNew,
    BackupVerificationFailed,
    create_backup,
    key_copy_path_for,
    list_backups,
    manifest_path_for,
    prune,
    read_manifest,
    restore_backup,
    verify_backup,
)
from app.store.database import LATEST_VERSION, open_database
from app.store.users import UserRepository


def _populate(clinic, audit: AuditLog) -> None:
    """Put at least one row in every table."""
    now = "2026-11-23T09:00:00"
    with clinic.transaction() as c:
        uid = UserRepository(clinic).add("admin", "administrator", "h").id
        c.execute("INSERT INTO settings VALUES ('clinic_name', 'Riverside')")
        c.execute(
            "INSERT INTO patients (id, mrn, family_name, given_name, date_of_birth, "
            "sex_at_birth, search_text, created_at, updated_at) VALUES "
            "(1, 'M-1', 'Haddad', 'Rana', '1980-01-01', 'female', 'haddad rana m-1', ?, ?)",
            (now, now),
        )
        c.execute(
            "INSERT INTO regimen_items (patient_id, kind, substance, dose, dose_unit, route, "
            "interval_days, start_date, created_at, created_by) "
            "VALUES (1, 'hormone', 'estradiol_valerate', 5, 'mg', 'im', 7, '2026-01-01', ?, ?)",
            (now, uid),
        )
        c.execute(
            "INSERT INTO import_batches (id, file_name, sha256, size_bytes, format, created_at, "
            "created_by) VALUES (1, 'labs.csv', 'ab', 10, 'csv', ?, ?)",
            (now, uid),
        )
        c.execute(
            "INSERT INTO import_profiles (name, created_at, updated_at) VALUES ('lab A', ?, ?)",
            (now, now),
        )
        c.execute("INSERT INTO analyte_mappings VALUES ('E2', 'estradiol', ?, ?)", (now, uid))
        c.execute(
            "INSERT INTO observations (id, patient_id, analyte_key, collected_at, raw_value, "
            "value, comparator, unit, source, batch_id, value_key, created_at, created_by) "
            "VALUES (1, 1, 'estradiol', '2026-02-01T08:00:00', '<5', 5, '<', 'pg/mL', 'csv', 1, "
            "'k1', ?, ?)",
            (now, uid),
        )
        c.execute(
            "INSERT INTO observation_revisions (observation_id, changed_at, changed_by, change, "
            "previous) VALUES (1, ?, ?, 'exclude', '{}')",
            (now, uid),
        )
        c.execute(
            "INSERT INTO evaluations (id, patient_id, as_of, kb_version, findings, created_at, "
            "created_by) VALUES (1, 1, '2026-02-02', 'kb-1', '[]', ?, ?)",
            (now, uid),
        )
        c.execute(
            "INSERT INTO finding_suppressions (patient_id, rule_id, fingerprint, reason, "
            "created_at, created_by) VALUES (1, 'r1', 'f1', 'known', ?, ?)",
            (now, uid),
        )
        c.execute(
            "INSERT INTO reports (patient_id, kind, created_at, created_by, sha256, "
            "evaluation_id, pdf) VALUES (1, 'summary', ?, ?, 'cd', 1, ?)",
            (now, uid, b"%PDF-1.4 fake"),
        )
    audit.append(uid, "admin", "create", "demographics", patient_id=1)
    audit.append(uid, "admin", "read", "chart", patient_id=1)


def _snapshot(conn) -> dict[str, list[tuple]]:
    tables = [
        r[0]
        for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' "
            "AND sql NOT LIKE 'CREATE VIRTUAL%' ORDER BY name"
        )
    ]
    # Some FTS shadow tables are WITHOUT ROWID: compare the rows as sorted lists.
    return {t: sorted(conn.execute(f'SELECT * FROM "{t}"').fetchall(), key=repr) for t in tables}


def _sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _make_live(tmp_path, encrypted: bool):
    key = new_database_key() if encrypted else None
    path = tmp_path / "clinic.db"
    clinic = open_database(path, create=True, key=key)
    audit_key = audit_key_from_database_key(key) if key else b"\0" * 32
    audit = AuditLog(clinic, audit_key, anchor_path_for(path))
    _populate(clinic, audit)
    return clinic, key, audit


@pytest.fixture(params=["encrypted", "plain"])
def live(request, tmp_path):
    clinic, key, audit = _make_live(tmp_path, request.param == "encrypted")
    yield clinic, key, audit
    clinic.close()


def test_backup_is_verified_and_described_by_its_manifest(live, tmp_path):
    clinic, key, audit = live
    info = create_backup(
        clinic, key, tmp_path / "backups", audit.anchor_document(), app_version="0.1.0"
    )
    manifest = json.loads(info.manifest_path.read_text())
    assert info.path.exists() and info.manifest_path == manifest_path_for(info.path)
    assert manifest["sha256"] == _sha(info.path) == info.sha256
    assert manifest["schema_version"] == LATEST_VERSION == info.schema_version
    assert manifest["encrypted"] is (key is not None)
    assert manifest["app_version"] == "0.1.0"
    counts = manifest["tables"]
    populated = set(counts) - {
        "patients_fts_config",
        "patients_fts_data",
        "patients_fts_docsize",
        "patients_fts_idx",
    }
    assert all(counts[t] >= 1 for t in populated), counts
    assert manifest["audit_head"] == {"seq": 2, "mac": audit.head().mac}
    assert manifest["audit_anchor"]["seq"] == 2
    assert datetime.fromisoformat(manifest["created_at"]).tzinfo == UTC
    assert sorted(p.name for p in info.path.parent.iterdir()) == sorted(
        [info.path.name, info.manifest_path.name]
    )  # no partial files, no -wal/-shm
    header = info.path.read_bytes()[:16]
    assert (header == b"SQLite format 3\x00") is (key is None)
    assert verify_backup(info.path, key)["sha256"] == info.sha256


def test_an_encrypted_backup_does_not_open_with_another_key(tmp_path):
    clinic, key, _ = _make_live(tmp_path, encrypted=True)
    try:
        info = create_backup(clinic, key, tmp_path / "backups")
    finally:
        clinic.close()
    with pytest.raises(BackupVerificationFailed, match="cannot be opened"):
        verify_backup(info.path, new_database_key())
    with pytest.raises(BackupVerificationFailed):
        verify_backup(info.path, None)


def test_backup_then_restore_round_trips_every_table(live, tmp_path):
    clinic, key, audit = live
    audit_key = audit_key_from_database_key(key) if key else b"\0" * 32
    info = create_backup(clinic, key, tmp_path / "backups", audit.anchor_document())
    expected = _snapshot(clinic.conn)
    # Life goes on after the backup...
    with clinic.transaction() as c:
        c.execute("UPDATE settings SET value = 'Changed' WHERE key = 'clinic_name'")
        c.execute("DELETE FROM finding_suppressions")
        c.execute("UPDATE patients SET notes = 'later note' WHERE id = 1")
    audit.append(1, "admin", "update", "demographics", patient_id=1)
    live_head = audit.head()
    path = clinic.path
    clinic.close()

    result = restore_backup(info.path, key, path, safety_dir=tmp_path / "safety")

    restored = open_database(path, key=key)
    try:
        assert _snapshot(restored.conn) == expected
        assert restored.conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        assert restored.conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert restored.conn.execute(
            "SELECT rowid FROM patients_fts WHERE patients_fts MATCH 'haddad'"
        ).fetchall() == [(1,)]
        audit_after = AuditLog(restored, audit_key, anchor_path_for(path))
        assert not audit_after.verify().ok  # the live anchor is ahead of the restored log...
        audit_after.sync_anchor()  # ...until the restore is acknowledged
        assert audit_after.verify().ok
    finally:
        restored.close()
    assert result.previous_audit_head == live_head.as_dict()
    assert result.safety_backup is not None and result.safety_backup.label == "pre-restore"
    safety = open_database(result.safety_backup.path, key=key)
    try:
        assert safety.conn.execute("SELECT value FROM settings").fetchone() == ("Changed",)
    finally:
        safety.close()


def test_a_tampered_backup_is_refused_and_the_live_database_is_untouched(live, tmp_path):
    clinic, key, _ = live
    info = create_backup(clinic, key, tmp_path / "backups")
    path = clinic.path
    clinic.close()
    data = bytearray(info.path.read_bytes())
    data[len(data) // 2] ^= 0x01
    info.path.write_bytes(bytes(data))
    before = {p.name: _sha(p) for p in path.parent.glob("clinic.db*")}
    with pytest.raises(BackupTampered, match="changed or damaged"):
        restore_backup(info.path, key, path, safety_dir=tmp_path / "safety")
    assert {p.name: _sha(p) for p in path.parent.glob("clinic.db*")} == before
    assert not (tmp_path / "safety").exists()


def test_edited_counts_in_the_manifest_are_caught(live, tmp_path):
    clinic, key, _ = live
    info = create_backup(clinic, key, tmp_path / "backups")
    manifest = read_manifest(info.path)
    manifest["tables"]["patients"] += 1
    info.manifest_path.write_text(json.dumps(manifest))
    with pytest.raises(BackupVerificationFailed, match="row counts"):
        verify_backup(info.path, key)


def test_a_backup_from_a_newer_schema_is_refused(live, tmp_path):
    clinic, key, _ = live
    clinic.conn.execute(f"PRAGMA user_version = {LATEST_VERSION + 1}")
    info = create_backup(clinic, key, tmp_path / "backups")
    clinic.conn.execute(f"PRAGMA user_version = {LATEST_VERSION}")
    path = clinic.path
    clinic.close()
    before = _sha(path)
    with pytest.raises(BackupTooNew, match="newer Cofactor"):
        restore_backup(info.path, key, path)
    assert _sha(path) == before


def test_restore_rebuilds_a_lost_live_database(live, tmp_path):
    clinic, key, _ = live
    info = create_backup(clinic, key, tmp_path / "backups")
    expected = _snapshot(clinic.conn)
    clinic.close()
    gone = tmp_path / "new-home" / "clinic.db"
    gone.parent.mkdir()
    result = restore_backup(info.path, key, gone)
    assert result.safety_backup is None
    reopened = open_database(gone, key=key)
    try:
        assert _snapshot(reopened.conn) == expected
    finally:
        reopened.close()


def test_backup_during_an_open_change_holds_only_committed_data(live, tmp_path):
    clinic, key, _ = live
    before = clinic.conn.execute("SELECT count(*) FROM settings").fetchone()[0]
    with clinic.transaction() as conn:
        conn.execute("INSERT INTO settings (key, value) VALUES ('half', 'done')")
        info = create_backup(clinic, key, tmp_path / "backups")
    assert info.table_counts["settings"] == before


def test_prune_keeps_the_newest_backups(live, tmp_path):
    clinic, key, _ = live
    folder = tmp_path / "backups"
    made = [create_backup(clinic, key, folder).path for _ in range(4)]
    safety = create_backup(clinic, key, folder, label="pre-restore").path
    removed = prune(folder, keep=2)
    assert removed == made[:2]
    assert [p for p, _ in list_backups(folder)] == made[2:]
    assert safety.exists() and all(not p.exists() for p in removed)
    assert all(not manifest_path_for(p).exists() for p in removed)
    with pytest.raises(ValueError):
        prune(folder, keep=0)


def test_the_key_slot_file_travels_with_the_backup(live, tmp_path):
    clinic, key, _ = live
    slots = tmp_path / "clinic.db.keys"
    slots.write_text('{"format": "cofactor-keyslots", "slots": []}\n')
    folder = tmp_path / "backups"
    info = create_backup(clinic, key, folder, key_file=slots)
    copy = key_copy_path_for(info.path)
    manifest = read_manifest(info.path)
    assert copy.read_bytes() == slots.read_bytes()
    assert manifest["key_file"] == copy.name
    assert manifest["key_file_sha256"] == _sha(slots)
    create_backup(clinic, key, folder)
    prune(folder, keep=1)
    assert not copy.exists() and not info.path.exists()
