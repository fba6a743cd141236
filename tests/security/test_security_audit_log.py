"""The audit log: append-only, HMAC-chained, anchored outside the database (security.md B)."""

from __future__ import annotations

import csv
import json
import os
from datetime import UTC, date, datetime, timedelta

import pytest

from app.security.audit_chain import (
    AuditKeyMissing,
    anchor_path_for,
    audit_key_for,
    audit_key_from_database_key,
    audit_key_path_for,
)
from app.security.keyslots import new_database_key
from app.store.audit import AuditLog
from app.store.database import open_database
from app.store.sqlite import IntegrityError
from app.store.users import UserRepository

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


class FakeClock:
    def __init__(self, start: datetime = T0):
        self.now = start

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


@pytest.fixture
def clinic(tmp_path):
    db = open_database(tmp_path / "clinic.db", create=True, key=new_database_key())
    yield db
    db.close()


@pytest.fixture
def admin_id(clinic):
    return UserRepository(clinic).add("admin", "administrator", "h").id


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def log(tmp_path, clinic, clock):
    key = audit_key_from_database_key(new_database_key())
    return AuditLog(
        clinic, key, anchor_path_for(tmp_path / "clinic.db"), clock=clock, workstation="desk-3"
    )


def _fill(log, user_id, n=5):
    return [log.append(user_id, "admin", "read", "chart", patient_id=i) for i in range(1, n + 1)]


def _drop_guards(clinic):
    for trigger in ("audit_events_no_update", "audit_events_no_delete", "audit_events_in_sequence"):
        clinic.conn.execute(f"DROP TRIGGER {trigger}")


def test_append_writes_chained_rows_and_verifies(log, admin_id):
    assert _fill(log, admin_id) == [1, 2, 3, 4, 5]
    rows = log.rows()
    assert [r.seq for r in rows] == [1, 2, 3, 4, 5]
    first = rows[0]
    assert (
        first.user_id,
        first.username,
        first.patient_id,
        first.action,
        first.category,
        first.outcome,
        first.workstation,
    ) == (admin_id, "admin", 1, "read", "chart", "success", "desk-3")
    assert first.at_utc == "2026-11-23T09:00:01.000000+00:00" and first.prev_mac == ""
    assert all(b.prev_mac == a.mac for a, b in zip(rows, rows[1:], strict=False))
    result = log.verify()
    assert (result.ok, result.first_bad_seq, result.reason, result.checked) == (True, None, "ok", 5)


def test_workstation_defaults_to_the_host_name(clinic, admin_id):
    import socket

    log = AuditLog(clinic, b"k" * 32)
    log.append(admin_id, "admin", "signin")
    assert log.rows()[0].workstation == socket.gethostname()[:128]


def test_update_and_delete_are_refused(log, admin_id, clinic):
    _fill(log, admin_id, 2)
    with pytest.raises(IntegrityError, match="append-only"):
        clinic.conn.execute("UPDATE audit_events SET detail = 'x' WHERE seq = 1")
    with pytest.raises(IntegrityError, match="append-only"):
        clinic.conn.execute("DELETE FROM audit_events WHERE seq = 2")


def test_unchained_out_of_sequence_or_anonymous_rows_are_refused(log, admin_id, clinic):
    _fill(log, admin_id, 1)
    insert = (
        "INSERT INTO audit_events (seq, at_utc, user_id, action, prev_mac, mac) "
        "VALUES (?, 'x', ?, 'read', ?, ?)"
    )
    head = log.rows()[0].mac
    with pytest.raises(IntegrityError, match="in sequence and chained"):
        clinic.conn.execute(insert, (2, admin_id, head, ""))  # no MAC
    with pytest.raises(IntegrityError, match="in sequence and chained"):
        clinic.conn.execute(insert, (9, admin_id, head, "0" * 64))  # skips numbers
    with pytest.raises(IntegrityError, match="in sequence and chained"):
        clinic.conn.execute(insert, (2, admin_id, "f" * 64, "0" * 64))  # wrong link
    with pytest.raises(IntegrityError, match="must name a user"):
        log.append(None, "admin", "read", "chart")
    with pytest.raises(IntegrityError):
        log.append(4242, "ghost", "read", "chart")  # not an account (foreign key)


def test_failed_sign_in_by_an_unknown_name_is_audited_without_a_user(log):
    seq = log.append(
        None, "n0body\r\nforged", "signin", "session", outcome="failure", detail="wrong password"
    )
    row = log.rows()[0]
    assert seq == 1 and row.user_id is None and row.username == "n0body\\r\\nforged"
    assert log.verify().ok


def test_cr_lf_and_controls_are_neutralised_in_free_text(log, admin_id):
    log.append(admin_id, "admin", "read", "chart", detail="line1\nline2\r\x1b[31m\u2028end")
    assert log.rows()[0].detail == "line1\\nline2\\r\\x1b[31m\\u2028end"


def test_tampering_after_dropping_the_triggers_is_detected_at_that_row(log, admin_id, clinic):
    _fill(log, admin_id)
    _drop_guards(clinic)
    clinic.conn.execute("UPDATE audit_events SET patient_id = 99 WHERE seq = 3")
    result = log.verify()
    assert (result.ok, result.first_bad_seq, result.checked) == (False, 3, 2)
    assert "altered" in result.reason


def test_deleting_a_middle_row_is_a_gap(log, admin_id, clinic):
    _fill(log, admin_id)
    _drop_guards(clinic)
    clinic.conn.execute("DELETE FROM audit_events WHERE seq = 2")
    result = log.verify()
    assert (result.ok, result.first_bad_seq) == (False, 2)
    assert "missing" in result.reason


def test_deleting_the_tail_is_detected_through_the_anchor(log, admin_id, clinic, tmp_path):
    _fill(log, admin_id)
    anchor = json.loads(anchor_path_for(tmp_path / "clinic.db").read_text())
    assert anchor["seq"] == 5 and anchor["mac"] == log.rows()[-1].mac
    _drop_guards(clinic)
    clinic.conn.execute("DELETE FROM audit_events WHERE seq >= 4")
    result = log.verify()
    assert (result.ok, result.first_bad_seq) == (False, 4)
    assert "deleted" in result.reason


def test_a_forged_anchor_is_reported(log, admin_id, tmp_path):
    _fill(log, admin_id, 3)
    path = anchor_path_for(tmp_path / "clinic.db")
    anchor = json.loads(path.read_text())
    anchor["seq"] = 2
    path.write_text(json.dumps(anchor))
    result = log.verify()
    assert not result.ok and "anchor" in result.reason


def test_missing_triggers_are_reported_even_with_an_intact_chain(log, admin_id, clinic):
    _fill(log, admin_id, 2)
    clinic.conn.execute("DROP TRIGGER audit_events_no_delete")
    result = log.verify()
    assert not result.ok and result.first_bad_seq is None
    assert "append-only" in result.reason


def test_a_clock_that_went_backwards_adds_a_clock_skew_row(log, admin_id, clock):
    log.append(admin_id, "admin", "read", "chart")
    clock.now = T0 - timedelta(hours=2)
    seq = log.append(admin_id, "admin", "update", "demographics", patient_id=7)
    rows = log.rows()
    assert seq == 3 and [r.action for r in rows] == ["read", "clock_skew", "update"]
    skew = rows[1]
    assert skew.user_id == admin_id and skew.patient_id is None and "before" in skew.detail
    assert log.verify().ok


def test_rows_filters_and_ordering(log, admin_id, clinic):
    other = UserRepository(clinic).add("nurse.li", "assistant", "h").id
    log.append(admin_id, "admin", "read", "chart", patient_id=1)
    log.append(other, "nurse.li", "update", "demographics", patient_id=2)
    log.append(other, "nurse.li", "read", "chart", patient_id=1, outcome="denied")
    log.append(None, "mallory", "signin", "session", outcome="failure")
    assert [r.seq for r in log.rows(user_id=other)] == [2, 3]
    assert [r.seq for r in log.rows(username="NURSE.LI")] == [2, 3]
    assert [r.seq for r in log.rows(username="mallory")] == [4]
    assert [r.seq for r in log.rows(patient_id=1)] == [1, 3]
    assert [r.seq for r in log.rows(action="read", outcome="denied")] == [3]
    assert [r.seq for r in log.rows(category="chart")] == [1, 3]
    assert [r.seq for r in log.rows(order_by="-seq", limit=2)] == [4, 3]
    assert [
        r.seq for r in log.rows(since=T0 + timedelta(seconds=2), until=T0 + timedelta(seconds=4))
    ] == [2, 3]
    assert [r.seq for r in log.rows(since=date(2026, 11, 23), until=date(2026, 11, 24))] == [
        1,
        2,
        3,
        4,
    ]
    with pytest.raises(ValueError):
        log.rows(order_by="mac; DROP TABLE users")
    with pytest.raises(ValueError):
        log.append(admin_id, "admin", "read", outcome="maybe")


def test_inside_an_outer_transaction_the_anchor_waits_for_commit(log, admin_id, clinic, tmp_path):
    anchor_file = anchor_path_for(tmp_path / "clinic.db")
    log.append(admin_id, "admin", "read", "chart")
    with pytest.raises(RuntimeError), clinic.transaction():
        log.append(admin_id, "admin", "update", "demographics", patient_id=1)
        assert json.loads(anchor_file.read_text())["seq"] == 1
        raise RuntimeError("the change fails, its audit row goes with it")
    assert log.count() == 1 and log.verify().ok
    with clinic.transaction():
        log.append(admin_id, "admin", "update", "demographics", patient_id=1)
    assert json.loads(anchor_file.read_text())["seq"] == 1
    assert log.sync_anchor().seq == 2 and log.anchor().seq == 2
    assert log.verify().ok


def test_another_key_cannot_verify_the_chain(log, admin_id, clinic):
    _fill(log, admin_id, 2)
    stranger = AuditLog(clinic, audit_key_from_database_key(new_database_key()))
    result = stranger.verify()
    assert (result.ok, result.first_bad_seq) == (False, 1)


def test_audit_keys_encrypted_derived_plain_in_a_private_file(tmp_path):
    db_key = new_database_key()
    assert audit_key_for(tmp_path / "c.db", db_key) == audit_key_from_database_key(db_key)
    assert audit_key_from_database_key(db_key) != db_key
    assert not audit_key_path_for(tmp_path / "c.db").exists()  # nothing stored for encrypted
    with pytest.raises(AuditKeyMissing):
        audit_key_for(tmp_path / "demo.db", None)
    created = audit_key_for(tmp_path / "demo.db", None, create=True)
    path = audit_key_path_for(tmp_path / "demo.db")
    assert path.read_bytes() == created and len(created) == 32
    if os.name == "posix":
        assert path.stat().st_mode & 0o077 == 0
    assert audit_key_for(tmp_path / "demo.db", None) == created
    assert len(audit_key_for(None, None)) == 32


def test_export_csv_neutralises_formulas(log, admin_id, tmp_path):
    log.append(admin_id, "admin", "export", "lab results", detail='=HYPERLINK("http://x","y")')
    log.append(admin_id, "admin", "read", "chart", detail="@SUM(A1)")
    target = tmp_path / "audit.csv"
    assert AuditLog.export_csv(log.rows(), target) == 2
    raw = target.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw
    with open(target, encoding="utf-8-sig", newline="") as handle:
        table = list(csv.reader(handle))
    assert table[0][:3] == ["seq", "at_utc", "user_id"]
    assert table[1][9] == '\'=HYPERLINK("http://x","y")' and table[2][9] == "'@SUM(A1)"
    assert table[1][0] == "1"


def test_events_for_many_patients_at_once_chain_as_one_by_one(log, admin_id, clock):
    """An import writing to many charts records one row each, in one go: the same rows
    (and chain) that appending them one by one gives, the skew row included."""
    _fill(log, admin_id, 2)
    log.append_for_patients(admin_id, "admin", "import", "lab results", [7, 8, 9], "batch 4")
    rows = log.rows()
    assert [(r.patient_id, r.action, r.detail) for r in rows[-3:]] == [
        (7, "import", "batch 4"), (8, "import", "batch 4"), (9, "import", "batch 4")
    ]  # fmt: skip
    assert [r.seq for r in rows] == list(range(1, len(rows) + 1))
    assert log.verify().ok and log.sync_anchor().seq == rows[-1].seq
    clock.now = T0 - timedelta(hours=2)  # the clock went back: said first, as append does
    log.append_for_patients(admin_id, "admin", "import", "lab results", [10], "batch 5")
    assert [r.action for r in log.rows()[-2:]] == ["clock_skew", "import"]
    assert log.verify().ok
