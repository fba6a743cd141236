"""Large import batches: the index-rebuild path writes exactly what ``add_rows`` writes."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from app.core.models import Observation, Patient
from app.store.database import open_database, utc_now
from app.store.observations import (
    BATCH_ROW_COLUMNS,
    BATCH_SHARED_COLUMNS,
    ObservationRepository,
    batch_insert_sql,
    observation_values,
)
from app.store.patients import PatientRepository
from app.store.sqlite import IntegrityError


@pytest.fixture
def clinic():
    db = open_database(None, create=True)
    yield db
    db.close()


def _patient_id(clinic) -> int:
    patient = Patient(None, "A-1", "Lindqvist", "Elena", date(1968, 3, 4), "female")
    return PatientRepository(clinic).add(patient).id


def _rows(patient_id: int, values: list[str]) -> list[tuple]:
    now = utc_now()
    return [
        observation_values(
            Observation(
                id=None,
                patient_id=patient_id,
                analyte_key="zinc",
                collected_at=datetime(2026, 3, 1, 8, minute),
                raw_value=text,
                value=float(text),
                unit="ug/dL",
            ),
            now,
            None,
        )
        for minute, text in enumerate(values)
    ]


def _batch(rows: list[tuple]) -> tuple[list[tuple], list[tuple]]:
    """``add_batch``'s rows and shared parts for rows in INSERT_SQL order (no conversions)."""
    shared: dict[tuple, int] = {}
    batch_rows = []
    for row in rows:
        assert row[7] is None  # these tests convert no units
        part = (row[1], row[5], row[6], None, None, "", row[11], row[12], row[13], row[14],
                row[15], row[17])  # fmt: skip
        part_id = shared.setdefault(part, len(shared))
        batch_rows.append((part_id, row[0], row[2], row[3], row[4], row[9], row[19]))
    assert all(len(part) == len(BATCH_SHARED_COLUMNS) for part in shared)
    return batch_rows, [(part_id, *part) for part, part_id in shared.items()]


def _add_batch(repo, rows: list[tuple], **options) -> int:
    batch_rows, shared = _batch(rows)
    return repo.add_batch(lambda: iter(batch_rows), len(batch_rows), CONSTANTS, shared, **options)


def _rebuilds(monkeypatch) -> list[int | None]:
    """What each index-rebuild attempt returned (None: it found a duplicate)."""
    attempts: list[int | None] = []
    rebuild = ObservationRepository._insert_then_index

    def counted(self, sql, make_rows):
        attempts.append(rebuild(self, sql, make_rows))
        return attempts[-1]

    monkeypatch.setattr(ObservationRepository, "_insert_then_index", counted)
    return attempts


CONSTANTS = {
    "source": "csv",
    "batch_id": None,
    "excluded_reason": "",
    "created_at": "2026-11-23T10:00:00+00:00",
    "created_by": None,
}


def _indexes(clinic) -> list[tuple]:
    return clinic.conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE tbl_name = 'observations' "
        "AND type = 'index' ORDER BY name"
    ).fetchall()


def test_a_batch_into_an_empty_table_rebuilds_the_same_indexes(clinic):
    patient_id = _patient_id(clinic)
    before = _indexes(clinic)
    repo = ObservationRepository(clinic)
    repo.bulk_from = 1
    with clinic.transaction():
        added = _add_batch(repo, _rows(patient_id, ["1", "2", "3"]))
    assert added == 3 and repo.count() == 3
    assert _indexes(clinic) == before


def test_a_normalised_duplicate_in_the_batch_falls_back_and_is_skipped(clinic, monkeypatch):
    patient_id = _patient_id(clinic)
    repo = ObservationRepository(clinic)
    repo.bulk_from = 1
    rows = _rows(patient_id, ["5", "6", "7"])
    # The same result spelt '5.0': another text, the same value key.
    rows.append(rows[0][:3] + ("5.0",) + rows[0][4:])
    attempts = _rebuilds(monkeypatch)
    with clinic.transaction():
        added = _add_batch(repo, rows)
    assert (added, repo.count(), attempts) == (3, 3, [None])
    stored = clinic.conn.execute("SELECT raw_value FROM observations ORDER BY id").fetchall()
    assert stored == [("5",), ("6",), ("7",)]  # the first spelling kept, in file order
    assert [name for name, _ in _indexes(clinic)] == [
        "observations_by_batch",
        "observations_identity",
    ]


@pytest.mark.parametrize("bulk_from", [1, 10**9], ids=["index rebuilt", "row by row"])
def test_a_batch_larger_than_a_staged_chunk_is_written_whole_in_file_order(
    clinic, monkeypatch, bulk_from
):
    import app.store.observations as observations

    monkeypatch.setattr(observations, "_STAGED_ROWS", 3)
    patient_id = _patient_id(clinic)
    repo = ObservationRepository(clinic)
    repo.bulk_from = bulk_from
    values = [str(n) for n in (9, 4, 7, 1, 8, 2, 6, 3)]  # 8 rows: chunks of 3, 3 and 2
    with clinic.transaction():
        added = _add_batch(repo, _rows(patient_id, values))
    stored = clinic.conn.execute("SELECT raw_value FROM observations ORDER BY id").fetchall()
    assert (added, [v for (v,) in stored]) == (8, values)
    temporary = clinic.conn.execute("SELECT name FROM temp.sqlite_master").fetchall()
    assert temporary == []  # the batch's working tables are gone


def test_a_batch_smaller_than_the_table_uses_add_rows(clinic):
    patient_id = _patient_id(clinic)
    repo = ObservationRepository(clinic)
    repo.bulk_from = 1
    with clinic.transaction():
        repo.add_rows(_rows(patient_id, ["1", "2", "3"]))
    with clinic.transaction():
        # Two rows into three stored: one already there, one new.
        added = _add_batch(repo, _rows(patient_id, ["1", "9"]))
    assert added == 1 and repo.count() == 4


def test_a_refused_row_undoes_the_whole_batch_and_keeps_the_indexes(clinic):
    before = _indexes(clinic)
    repo = ObservationRepository(clinic)
    repo.bulk_from = 1
    with pytest.raises(IntegrityError), clinic.transaction():
        _add_batch(repo, _rows(999, ["1", "2"]))  # no patient 999
    assert repo.count() == 0
    assert _indexes(clinic) == before


def test_known_duplicates_skip_the_rebuild(clinic, monkeypatch):
    patient_id = _patient_id(clinic)
    repo = ObservationRepository(clinic)
    repo.bulk_from = 1
    attempts = _rebuilds(monkeypatch)
    with clinic.transaction():
        added = _add_batch(repo, _rows(patient_id, ["1", "2"]), duplicates_expected=True)
    assert (added, attempts) == (2, [])


def test_stored_identities_finds_exactly_the_stored_results_across_chunks(clinic):
    from app.store.imports import ImportRepository

    patient_id = _patient_id(clinic)
    rows = _rows(patient_id, [str(n) for n in range(50)])
    with clinic.transaction():
        ObservationRepository(clinic).add_rows(rows)
    stored = [(patient_id, row[1], row[2], row[19]) for row in rows]
    missing = [
        changed
        for p, analyte, when, key in stored
        for changed in (
            (p, analyte, when, f"{key}x"),
            (p, f"{analyte}x", when, key),
            (p, analyte, f"{when}x", key),
            (p + 1, analyte, when, key),
        )
    ] * 5  # 1,000 near misses: every part of the identity counts, over many chunks
    repo = ImportRepository(clinic)
    assert repo.stored_identities(missing + stored) == set(stored)
    assert repo.patients_with_results([patient_id, 999]) == {patient_id}


def test_batch_constants_are_written_as_quoted_literals():
    sql = batch_insert_sql(dict(CONSTANTS, created_at="it's", created_by=7), ignore=True)
    assert sql.startswith("INSERT OR IGNORE INTO observations (")
    assert "'it''s'" in sql and ", 7 FROM" in sql
    # Every column of a batch row is read, and nothing is left to bind.
    assert {f"r.{column}" for column in BATCH_ROW_COLUMNS} <= set(sql.replace(",", " ").split())
    assert "?" not in sql
    with pytest.raises(TypeError):
        batch_insert_sql(dict(CONSTANTS, batch_id=1.5), ignore=False)


@pytest.mark.parametrize("bulk_from", [1, 10**9], ids=["index rebuilt", "row by row"])
def test_a_row_naming_no_shared_part_stops_the_batch_on_either_path(clinic, bulk_from):
    patient_id = _patient_id(clinic)
    repo = ObservationRepository(clinic)
    repo.bulk_from = bulk_from
    batch_rows, shared = _batch(_rows(patient_id, ["1", "2"]))
    batch_rows[1] = (99, *batch_rows[1][1:])  # no part 99: the row would vanish unseen
    with pytest.raises(RuntimeError), clinic.transaction():
        repo.add_batch(lambda: iter(batch_rows), len(batch_rows), CONSTANTS, shared)
    assert repo.count() == 0


@pytest.mark.parametrize("bulk_from", [1, 10**9], ids=["index rebuilt", "row by row"])
def test_rows_that_cannot_all_be_made_leave_nothing_written(clinic, monkeypatch, bulk_from):
    """A row failing in the next chunk, built while the last one is written, undoes all."""
    import app.store.observations as observations

    monkeypatch.setattr(observations, "_STAGED_ROWS", 2)
    patient_id = _patient_id(clinic)
    repo = ObservationRepository(clinic)
    repo.bulk_from = bulk_from
    batch_rows, shared = _batch(_rows(patient_id, ["1", "2", "3", "4", "5"]))

    def make_rows():
        yield from batch_rows[:3]
        raise ValueError("the fourth row could not be made")

    with pytest.raises(ValueError, match="fourth row"), clinic.transaction():
        repo.add_batch(make_rows, len(batch_rows), CONSTANTS, shared)
    assert repo.count() == 0
    assert clinic.conn.execute("SELECT name FROM temp.sqlite_master").fetchall() == []
