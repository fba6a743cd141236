"""Observations (lab results, measurements, symptom scores) and their revisions."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import asdict, replace
from datetime import datetime
from functools import lru_cache

from app.core.dedupe import timestamp_text, value_key
from app.core.models import Observation
from app.store.database import ClinicDatabase, utc_now
from app.store.prefetch import ChunksAhead
from app.store.sqlite import IntegrityError

_COLUMNS = (
    "id, patient_id, analyte_key, collected_at, raw_value, value, comparator, unit, "
    "value_canonical, unit_canonical, lab, source, loinc, ref_low, ref_high, ref_text, flag, "
    "batch_id, note, excluded_reason"
)

_INSERT_COLUMNS = (
    "patient_id", "analyte_key", "collected_at", "raw_value", "value", "comparator", "unit",
    "value_canonical", "unit_canonical", "lab", "source", "loinc", "ref_low", "ref_high",
    "ref_text", "flag", "batch_id", "note", "excluded_reason", "value_key", "created_at",
    "created_by",
)  # fmt: skip
INSERT_SQL = (
    f"INSERT INTO observations ({', '.join(_INSERT_COLUMNS)}) "
    f"VALUES ({','.join('?' * len(_INSERT_COLUMNS))})"
)
# The same insert, skipping a row whose identity (patient, analyte, time, value key)
# is already stored.
INSERT_IGNORE_SQL = INSERT_SQL.replace("INSERT INTO", "INSERT OR IGNORE INTO", 1)
#: Columns every row of an import batch shares: ``add_batch`` writes them into its
#: statement once instead of binding them for each row (the driver spends about 0.3 µs a
#: bound value, the larger part of a million-row insert).
BATCH_CONSTANTS = ("source", "batch_id", "excluded_reason", "created_at", "created_by")
#: What a batch's rows share with their test and detail (a file has a few dozen such
#: parts): ``add_batch`` writes each part once into a temporary table and the insert
#: reads the row's part by id. ``factor`` and ``offset`` convert ``value`` to
#: ``value_canonical`` (both NULL when the unit has no conversion).
BATCH_SHARED_COLUMNS = (
    "analyte_key", "comparator", "unit", "factor", "offset", "unit_canonical", "loinc",
    "ref_low", "ref_high", "ref_text", "flag", "note",
)  # fmt: skip
#: A batch row: the id of its shared part, then its own values. A NaN ``value`` is
#: stored as NULL (SQLite binds NaN as NULL). ``add_batch`` first writes the rows as
#: they are into a temporary table of these columns, then makes the results from it in
#: one ``INSERT ... SELECT`` (a chunk of rows at a time): binding seven values into a
#: narrow table and one statement in C cost about half of running the full insert once
#: per row.
BATCH_ROW_COLUMNS = (
    "shared_id", "patient_id", "collected_at", "raw_value", "value", "lab", "value_key",
)  # fmt: skip
# A batch this large, when it is also at least as large as the table, is inserted with
# the indexes rebuilt afterwards (see ``ObservationRepository.add_batch``).
BULK_MIN_ROWS = 50_000
_BULK_CACHE_SIZE = -16384  # KiB, while such a batch is written
_SHARED_TABLE = "temp.observation_batch_parts"
_ROWS_TABLE = "temp.observation_batch_rows"
_STAGED_ROWS = 100_000  # batch rows held in the temporary table at a time (a few MB)
_PARTLESS_ROW_SQL = (
    f"SELECT 1 FROM {_ROWS_TABLE} AS r WHERE NOT EXISTS "
    f"(SELECT 1 FROM {_SHARED_TABLE} AS p WHERE p.id = r.shared_id) LIMIT 1"
)
# How each inserted column is computed from a batch row ``r`` (BATCH_ROW_COLUMNS) and
# its shared part ``p``; BATCH_CONSTANTS are filled in as literals.
_BATCH_VALUES = {
    "patient_id": "r.patient_id",
    "analyte_key": "p.analyte_key",
    "collected_at": "r.collected_at",
    "raw_value": "r.raw_value",
    "value": "r.value",
    "comparator": "p.comparator",
    "unit": "p.unit",
    # The same IEEE multiply and add as ``value * factor + offset`` in Python.
    "value_canonical": "r.value * p.factor + p.offset",
    "unit_canonical": "CASE WHEN r.value IS NULL THEN '' ELSE p.unit_canonical END",
    "lab": "r.lab",
    "loinc": "p.loinc",
    "ref_low": "p.ref_low",
    "ref_high": "p.ref_high",
    "ref_text": "p.ref_text",
    "flag": "p.flag",
    "note": "p.note",
    "value_key": "r.value_key",
}


def batch_insert_sql(constants: dict[str, object], *, ignore: bool) -> str:
    """The insert of a batch's rows from its temporary tables, in the order they came.

    Each row's shared part is read by id (CROSS JOIN keeps the rows table outside, so
    ids follow the file). The ``BATCH_CONSTANTS`` are written in as literals.
    ``ignore`` skips rows whose identity (patient, analyte, time, value key) is stored.
    """
    values = [
        _literal(constants[c]) if c in BATCH_CONSTANTS else _BATCH_VALUES[c]
        for c in _INSERT_COLUMNS
    ]
    verb = "INSERT OR IGNORE INTO" if ignore else "INSERT INTO"
    return (
        f"{verb} observations ({', '.join(_INSERT_COLUMNS)}) "
        f"SELECT {', '.join(values)} FROM {_ROWS_TABLE} AS r "
        f"CROSS JOIN {_SHARED_TABLE} AS p ON p.id = r.shared_id ORDER BY r.rowid"
    )


def _literal(value: object) -> str:
    """A value as SQL text: NULL, an integer, or a quoted string (quotes doubled)."""
    if value is None:
        return "NULL"
    if type(value) is int:
        return str(value)
    if type(value) is str and "\x00" not in value:
        return "'" + value.replace("'", "''") + "'"
    raise TypeError(f"no SQL literal for {value!r}")


class DuplicateObservation(Exception):
    """The same result (patient, analyte, time, value, unit) is already recorded."""


def observation_values(obs: Observation, created_at: str, user_id: int | None) -> tuple:
    """Column values of a new observation row, in ``INSERT_SQL`` order."""
    return (
        obs.patient_id,
        obs.analyte_key,
        timestamp_text(obs.collected_at),
        obs.raw_value,
        obs.value,
        obs.comparator,
        obs.unit,
        obs.value_canonical,
        obs.unit_canonical,
        obs.lab,
        obs.source,
        obs.loinc,
        obs.ref_low,
        obs.ref_high,
        obs.ref_text,
        obs.flag,
        obs.batch_id,
        obs.note,
        obs.excluded_reason,
        value_key(obs.value, obs.comparator, obs.raw_value, obs.unit),
        created_at,
        user_id,
    )


def _from_row(row: tuple) -> Observation:
    # _COLUMNS lists Observation's fields in order (a test holds them in step), so the
    # row goes in positionally: half the cost of keywords over 10,000 rows of a chart.
    return Observation(row[0], row[1], row[2], _parse_time(row[3]), *row[4:])


# The rows of one visit share their collection time: parse each distinct text once.
_parse_time = lru_cache(maxsize=8192)(datetime.fromisoformat)


class ObservationRepository:
    """The only code that reads or writes ``observations`` and their revisions."""

    #: The smallest batch worth dropping and rebuilding the indexes for (tests lower it).
    bulk_from = BULK_MIN_ROWS

    def __init__(self, clinic: ClinicDatabase):
        self._clinic = clinic

    def add(self, obs: Observation, user_id: int | None = None) -> Observation:
        cursor = self._clinic.conn.execute(
            INSERT_IGNORE_SQL, observation_values(obs, utc_now(), user_id)
        )
        if cursor.rowcount == 0:
            raise DuplicateObservation(obs.analyte_key)
        return replace(obs, id=cursor.lastrowid)

    def add_many(self, observations: Iterable[Observation], user_id: int | None = None) -> int:
        """Insert many rows in the caller's transaction; returns how many were new."""
        now = utc_now()
        return self.add_rows(observation_values(o, now, user_id) for o in observations)

    def add_rows(self, rows: Iterable[tuple]) -> int:
        """Insert ready-made rows in ``INSERT_SQL`` column order (the import hot path).

        Rows already stored (the same identity, see ``app.core.dedupe``) are skipped;
        returns how many were new. Runs in the caller's transaction.
        """
        return self._add_skipping_stored(INSERT_IGNORE_SQL, rows)

    def add_batch(
        self,
        make_rows: Callable[[], Iterable[tuple]],
        size: int,
        constants: dict[str, object],
        shared: Iterable[tuple],
        *,
        duplicates_expected: bool = False,
    ) -> int:
        """Insert an import batch like :meth:`add_rows`, rebuilding the indexes when cheaper.

        Args:
            make_rows: Returns a fresh iterable of rows in ``BATCH_ROW_COLUMNS`` order;
                called a second time when the fast path has to give way to the slow one.
            size: How many rows ``make_rows`` yields.
            constants: The ``BATCH_CONSTANTS`` values every row shares.
            shared: ``(id, *BATCH_SHARED_COLUMNS)`` for every shared part a row names.
            duplicates_expected: Some rows are known to be stored already (a preview
                said so); the fast path would only fail and start again.

        Returns:
            How many rows were new. Runs in the caller's transaction.
        """
        conn = self._clinic.conn
        for table in (_SHARED_TABLE, _ROWS_TABLE):
            conn.execute(f"DROP TABLE IF EXISTS {table}")
        conn.execute(
            f"CREATE TABLE {_SHARED_TABLE} (id INTEGER PRIMARY KEY, "
            f"{', '.join(BATCH_SHARED_COLUMNS)})"
        )
        conn.execute(f"CREATE TABLE {_ROWS_TABLE} ({', '.join(BATCH_ROW_COLUMNS)})")
        try:
            conn.executemany(
                f"INSERT INTO {_SHARED_TABLE} VALUES "
                f"({','.join('?' * (len(BATCH_SHARED_COLUMNS) + 1))})",
                shared,
            )
            return self._add_batch(make_rows, size, constants, duplicates_expected)
        finally:
            for table in (_SHARED_TABLE, _ROWS_TABLE):
                conn.execute(f"DROP TABLE IF EXISTS {table}")

    def _add_batch(
        self,
        make_rows: Callable[[], Iterable[tuple]],
        size: int,
        constants: dict[str, object],
        duplicates_expected: bool,
    ) -> int:
        insert = batch_insert_sql(constants, ignore=False)
        insert_or_skip = batch_insert_sql(constants, ignore=True)
        if duplicates_expected or size < self.bulk_from or size < self._stored_upper_bound():
            return self._insert_staged(insert_or_skip, make_rows(), skipping=True)
        conn = self._clinic.conn
        cache_size = conn.execute("PRAGMA cache_size").fetchone()[0]
        # Appending to the table needs little cache and the rebuild sorts in memory of
        # its own; a small cache keeps the import's peak memory down.
        conn.execute(f"PRAGMA cache_size = {_BULK_CACHE_SIZE}")
        try:
            added = self._insert_then_index(insert, make_rows)
        finally:
            conn.execute(f"PRAGMA cache_size = {int(cache_size)}")
        if added is None:
            return self._insert_staged(insert_or_skip, make_rows(), skipping=True)
        if added != size:
            # A row naming no shared part would vanish from the insert unseen; with no
            # duplicate possible here every row must have been written.
            raise RuntimeError(f"an import batch of {size} rows wrote {added}")
        return added

    def _insert_staged(self, sql: str, rows: Iterable[tuple], *, skipping: bool = False) -> int:
        """Stage ``rows`` a chunk at a time and insert each chunk with ``sql``.

        Temporary tables live in memory (SQLCipher keeps them off the disk), so a
        chunk, not the batch, is held there. Returns how many rows ``sql`` wrote.
        ``skipping``: ``sql`` skips stored rows, so the count cannot show a row lost
        for naming no shared part; each chunk is checked for one instead.
        """
        conn = self._clinic.conn
        stage = f"INSERT INTO {_ROWS_TABLE} VALUES ({','.join('?' * len(BATCH_ROW_COLUMNS))})"
        added = 0
        with ChunksAhead(rows, _STAGED_ROWS) as chunks:
            while chunk := chunks.take():
                conn.executemany(stage, chunk)
                del chunk
                if skipping and conn.execute(_PARTLESS_ROW_SQL).fetchone() is not None:
                    raise RuntimeError("an import batch row names no shared part")
                # SQLite's insert runs in C without the GIL: the next chunk is built
                # meanwhile.
                chunks.build_next()
                added += conn.execute(sql).rowcount
                conn.execute(f"DELETE FROM {_ROWS_TABLE}")
        return added

    def _add_skipping_stored(self, sql: str, rows: Iterable[tuple]) -> int:
        before = self._clinic.conn.total_changes
        self._clinic.conn.executemany(sql, rows)
        return self._clinic.conn.total_changes - before

    def _insert_then_index(self, sql: str, make_rows: Callable[[], Iterable[tuple]]) -> int | None:
        """Insert with the indexes dropped, then rebuild them in the same transaction.

        Keeping the indexes up to date row by row costs about half of a million-row
        import; one sorted rebuild costs a fraction of that. Rebuilding the unique
        identity index proves the batch added no duplicate; when it did (a normalised
        duplicate within the file, or a result stored since the preview) everything
        since the savepoint is undone and None returned, so the caller can insert
        skipping duplicates one by one. Either way the result is the same.
        """
        conn = self._clinic.conn
        indexes = conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' "
            "AND tbl_name = 'observations' AND sql IS NOT NULL ORDER BY name"
        ).fetchall()
        conn.execute("SAVEPOINT observations_bulk")
        try:
            for name, _ in indexes:
                conn.execute(f'DROP INDEX "{name}"')
            added = self._insert_staged(sql, make_rows())
            for _, index_sql in indexes:
                conn.execute(index_sql)
        except IntegrityError:
            conn.execute("ROLLBACK TO observations_bulk")
            conn.execute("RELEASE observations_bulk")
            return None
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK TO observations_bulk")
                conn.execute("RELEASE observations_bulk")
            raise
        conn.execute("RELEASE observations_bulk")
        return added

    def _stored_upper_bound(self) -> int:
        # max(id) reads one index page; count(*) would read the whole table.
        found = self._clinic.conn.execute("SELECT max(id) FROM observations").fetchone()[0]
        return found or 0

    def get(self, observation_id: int) -> Observation | None:
        row = self._clinic.conn.execute(
            f"SELECT {_COLUMNS} FROM observations WHERE id = ?", (observation_id,)
        ).fetchone()
        return _from_row(row) if row else None

    def for_patient(
        self, patient_id: int, analyte_keys: Iterable[str] | None = None
    ) -> list[Observation]:
        sql = f"SELECT {_COLUMNS} FROM observations WHERE patient_id = ?"
        params: list = [patient_id]
        if analyte_keys is not None:
            keys = list(analyte_keys)
            sql += f" AND analyte_key IN ({','.join('?' * len(keys))})"
            params.extend(keys)
        sql += " ORDER BY collected_at, id"
        return [_from_row(r) for r in self._clinic.conn.execute(sql, params)]

    def analytes_with_values(self, patient_id: int) -> set[str]:
        """Analyte keys the patient has at least one numeric result for (excluded too)."""
        rows = self._clinic.conn.execute(
            "SELECT DISTINCT analyte_key FROM observations "
            "WHERE patient_id = ? AND value IS NOT NULL",
            (patient_id,),
        )
        return {key for (key,) in rows}

    def count(self) -> int:
        return self._clinic.conn.execute("SELECT count(*) FROM observations").fetchone()[0]

    def revise(
        self, updated: Observation, change: str, reason: str, user_id: int | None = None
    ) -> Observation:
        """Replace an observation's values, keeping the previous version in history."""
        assert updated.id is not None
        previous = self.get(updated.id)
        if previous is None:
            raise KeyError(updated.id)
        conn = self._clinic.conn
        conn.execute(
            "INSERT INTO observation_revisions (observation_id, changed_at, changed_by, change, "
            "reason, previous) VALUES (?,?,?,?,?,?)",
            (
                updated.id,
                utc_now(),
                user_id,
                change,
                reason,
                json.dumps(asdict(previous), default=str),
            ),
        )
        values = observation_values(updated, utc_now(), user_id)
        try:
            self._update(updated, values)
        except IntegrityError as exc:
            # The corrected values now match another stored result (same identity).
            raise DuplicateObservation(updated.analyte_key) from exc
        return updated

    def _update(self, updated: Observation, values: tuple) -> None:
        self._clinic.conn.execute(
            "UPDATE observations SET analyte_key=?, collected_at=?, raw_value=?, value=?, "
            "comparator=?, unit=?, value_canonical=?, unit_canonical=?, lab=?, flag=?, note=?, "
            "excluded_reason=?, value_key=? WHERE id=?",
            (
                values[1],
                values[2],
                values[3],
                values[4],
                values[5],
                values[6],
                values[7],
                values[8],
                values[9],
                updated.flag,
                updated.note,
                updated.excluded_reason,
                values[19],
                updated.id,
            ),
        )

    def revisions(self, observation_id: int) -> list[dict]:
        rows = self._clinic.conn.execute(
            "SELECT changed_at, changed_by, change, reason, previous FROM observation_revisions "
            "WHERE observation_id = ? ORDER BY id",
            (observation_id,),
        )
        return [
            {
                "changed_at": r[0],
                "changed_by": r[1],
                "change": r[2],
                "reason": r[3],
                "previous": json.loads(r[4]),
            }
            for r in rows
        ]
