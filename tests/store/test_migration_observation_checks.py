"""Schema 3 rebuilds the results table with cheaper CHECKs: same rows, same rules, same links."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from app.store.database import open_database
from app.store.migrations import m0001_initial, m0002_security, m0003_observation_checks
from app.store.sqlite import IntegrityError, dbapi2

FROZEN_V2 = Path(__file__).resolve().parents[1] / "data" / "clinic-schema-v2.db"
# Schema 3 as released: later migrations have their own tests.
UP_TO_V3 = [m0001_initial, m0002_security, m0003_observation_checks]


@pytest.fixture
def upgraded(tmp_path):
    """The frozen schema-2 clinic with one revised result, before and after the upgrade."""
    target = tmp_path / "v2.db"
    shutil.copyfile(FROZEN_V2, target)
    conn = dbapi2.connect(str(target), isolation_level=None)
    observation_id = conn.execute("SELECT min(id) FROM observations").fetchone()[0]
    conn.execute(
        "INSERT INTO observation_revisions (observation_id, changed_at, change, previous) "
        "VALUES (?, '2026-01-01T00:00:00+00:00', 'exclude', '{}')",
        (observation_id,),
    )
    before = {
        table: conn.execute(f"SELECT * FROM {table} ORDER BY id").fetchall()
        for table in ("observations", "observation_revisions")
    }
    conn.close()
    clinic = open_database(target, migrations=UP_TO_V3)
    yield clinic, before
    clinic.close()


def test_rows_and_revisions_survive_unchanged(upgraded):
    clinic, before = upgraded
    conn = clinic.conn
    for table, rows in before.items():
        assert conn.execute(f"SELECT * FROM {table} ORDER BY id").fetchall() == rows
    assert before["observation_revisions"]  # the fixture really had a revision to carry over
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_links_and_indexes_point_at_the_new_table(upgraded):
    clinic, _ = upgraded
    conn = clinic.conn
    parents = {r[2] for r in conn.execute("PRAGMA foreign_key_list(observation_revisions)")}
    assert parents == {"observations", "users"}
    assert "_v3" not in "".join(
        r[0] for r in conn.execute("SELECT sql FROM sqlite_master WHERE sql IS NOT NULL")
    )
    indexes = {
        r[0]
        for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
            "AND tbl_name IN ('observations', 'observation_revisions')"
        )
    }
    assert indexes == {
        "observations_dedupe",
        "observations_by_patient",
        "observations_by_batch",
        "observation_revisions_by_observation",
    }


@pytest.mark.parametrize(
    ("column", "value"), [("comparator", "=="), ("comparator", "<>"), ("source", "excel")]
)
def test_the_rules_still_refuse_what_they_refused(upgraded, column, value):
    clinic, _ = upgraded
    conn = clinic.conn
    row = conn.execute("SELECT id FROM observations WHERE comparator IS NULL LIMIT 1").fetchone()
    with pytest.raises(IntegrityError):
        conn.execute(f"UPDATE observations SET {column} = ? WHERE id = ?", (value, row[0]))


def test_the_rules_still_accept_what_they_accepted(upgraded):
    clinic, _ = upgraded
    conn = clinic.conn
    row = conn.execute("SELECT id FROM observations WHERE value IS NOT NULL LIMIT 1").fetchone()
    for comparator in ("<", "<=", ">", ">=", None):
        conn.execute("UPDATE observations SET comparator = ? WHERE id = ?", (comparator, row[0]))
    for source in ("manual", "csv", "hl7", "fhir", "demo"):
        conn.execute("UPDATE observations SET source = ? WHERE id = ?", (source, row[0]))
