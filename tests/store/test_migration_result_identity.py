"""Schema 4: a result's identity is four columns under one unique index, not a long key.

Tried on the frozen schema-3 clinic: every row keeps its values, its old key becomes
the value key the code now writes, the same results are duplicates as before, and
reads by patient still go through an index.
"""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

import pytest

from app.core.dedupe import value_key
from app.core.models import Observation
from app.store.database import open_database
from app.store.observations import DuplicateObservation, ObservationRepository
from app.store.sqlite import dbapi2

FROZEN_V3 = Path(__file__).resolve().parents[1] / "data" / "clinic-schema-v3.db"
_OTHER_COLUMNS = (
    "id, patient_id, analyte_key, collected_at, raw_value, value, comparator, unit, "
    "value_canonical, unit_canonical, lab, source, loinc, ref_low, ref_high, ref_text, flag, "
    "batch_id, note, excluded_reason, created_at, created_by"
)


@pytest.fixture
def upgraded(tmp_path):
    target = tmp_path / "v3.db"
    shutil.copyfile(FROZEN_V3, target)
    conn = dbapi2.connect(str(target), isolation_level=None)
    # Two text results that differ only after a NUL (a FHIR valueString can hold one),
    # written as schema 3 wrote them: SQLite's text functions stop at the NUL.
    for text in ("pending\x00a", "pending\x00b"):
        conn.execute(
            "INSERT INTO observations (patient_id, analyte_key, collected_at, raw_value, lab, "
            "source, dedupe_key, created_at) VALUES ((SELECT id FROM patients WHERE mrn = "
            "'FROZEN-1'), 'shbg', '2024-07-01T08:00', ?, '', "
            "'fhir', ?, '2026-12-07T10:00:00+00:00')",
            (text, f"shbg|2024-07-01T08:00|{text}|"),
        )
    before = conn.execute(f"SELECT {_OTHER_COLUMNS}, dedupe_key FROM observations ORDER BY id")
    before = before.fetchall()
    conn.close()
    clinic = open_database(target)
    yield clinic, before
    clinic.close()


def test_rows_keep_their_values_and_their_key_becomes_the_value_key(upgraded):
    clinic, before = upgraded
    after = clinic.conn.execute(
        f"SELECT {_OTHER_COLUMNS}, value_key FROM observations ORDER BY id"
    ).fetchall()
    assert [row[:-1] for row in after] == [row[:-1] for row in before]
    assert len(after) == 8  # numbers, a censored value, text results, a µg unit
    for row in after:
        raw, value, comparator, unit = row[4], row[5], row[6], row[7]
        assert row[-1] == value_key(value, comparator, raw, unit)
    old_keys = {row[-1] for row in before}
    assert "zinc|2024-05-02T09:15|78|ug/dL" in old_keys
    assert {row[-1] for row in after} >= {
        "78|ug/dL", "pending|", ">150|ng/mL", "<5|pg/mL", "pending\x00a|", "pending\x00b|"
    }  # fmt: skip


def test_one_unique_index_replaces_the_key_and_the_patient_index(upgraded):
    clinic, _ = upgraded
    indexes = dict(
        clinic.conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' "
            "AND tbl_name = 'observations' AND sql IS NOT NULL"
        ).fetchall()
    )
    assert set(indexes) == {"observations_identity", "observations_by_batch"}
    assert "UNIQUE" in indexes["observations_identity"]
    assert clinic.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def _frozen_zinc(clinic, **changes) -> Observation:
    patient_id = clinic.conn.execute("SELECT id FROM patients WHERE mrn = 'FROZEN-1'").fetchone()
    values = dict(
        id=None, patient_id=patient_id[0], analyte_key="zinc",
        collected_at=datetime(2024, 5, 2, 9, 15), raw_value="78.0", value=78.0,
        comparator=None, unit="ug/dl", value_canonical=78.0, unit_canonical="ug/dL",
        lab="Another lab", source="manual", loinc="", ref_low=None, ref_high=None,
        ref_text="", flag="", batch_id=None, note="", excluded_reason="",
    )  # fmt: skip
    values.update(changes)
    return Observation(**values)


def test_a_result_stored_before_the_upgrade_is_still_a_duplicate(upgraded):
    clinic, _ = upgraded
    repo = ObservationRepository(clinic)
    # '78.0' in 'ug/dl' is the frozen '78' in 'µg/dL': same number, same normal unit.
    with pytest.raises(DuplicateObservation), clinic.transaction():
        repo.add(_frozen_zinc(clinic))
    with clinic.transaction():
        for changed in (
            {"value": 79.0, "raw_value": "79"},
            {"collected_at": datetime(2024, 5, 2, 9, 16)},
            {"analyte_key": "copper"},
            {"unit": "mg/dL"},
            {"comparator": "<"},
        ):
            repo.add(_frozen_zinc(clinic, **changed))
    assert repo.count() == 13


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT * FROM observations WHERE patient_id = 1 AND analyte_key IN ('zinc') "
        "ORDER BY collected_at, id",
        "SELECT patient_id, analyte_key, max(collected_at) FROM observations "
        "WHERE analyte_key IN ('zinc', 'shbg') GROUP BY patient_id, analyte_key",
    ],
    ids=["a patient's results", "the clinic-wide read"],
)
def test_reads_by_patient_and_analyte_use_the_identity_index(upgraded, sql):
    clinic, _ = upgraded
    plan = " ".join(r[-1] for r in clinic.conn.execute(f"EXPLAIN QUERY PLAN {sql}"))
    assert "observations_identity" in plan
