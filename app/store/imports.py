"""Import batches, remembered analyte mappings and saved import profiles."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from app.store.database import ClinicDatabase, utc_now
from app.store.sqlite import rows_where_in


@dataclass(frozen=True, slots=True)
class BatchRecord:
    id: int
    file_name: str
    sha256: str
    size_bytes: int
    format: str
    profile_name: str
    rows_read: int
    rows_imported: int
    rows_duplicate: int
    rows_rejected: int
    stored_path: str
    created_at: str
    undone_at: str | None
    #: User names ('' for a batch imported before batches named their user).
    created_by: str = ""
    undone_by: str = ""


@dataclass(frozen=True, slots=True)
class BatchImpact:
    """What undoing a batch would remove, counted now."""

    results: int
    patients: int
    #: Results of the batch corrected, excluded or included again since the import.
    changed: int


_BATCH_SELECT = (
    "SELECT b.id, b.file_name, b.sha256, b.size_bytes, b.format, b.profile_name, b.rows_read, "
    "b.rows_imported, b.rows_duplicate, b.rows_rejected, b.stored_path, b.created_at, "
    "b.undone_at, coalesce(c.username, ''), coalesce(u.username, '') FROM import_batches AS b "
    "LEFT JOIN users AS c ON c.id = b.created_by LEFT JOIN users AS u ON u.id = b.undone_by"
)


class ImportRepository:
    """The only code that reads or writes import batches, mappings and profiles."""

    def __init__(self, clinic: ClinicDatabase):
        self._clinic = clinic

    @property
    def _conn(self):
        return self._clinic.conn

    # -- batches -------------------------------------------------------------

    def create_batch(
        self,
        file_name: str,
        sha256: str,
        size_bytes: int,
        fmt: str,
        profile_name: str,
        user_id: int | None,
    ) -> int:
        cursor = self._conn.execute(
            "INSERT INTO import_batches (file_name, sha256, size_bytes, format, profile_name, "
            "created_at, created_by) VALUES (?,?,?,?,?,?,?)",
            (file_name, sha256, size_bytes, fmt, profile_name, utc_now(), user_id),
        )
        return cursor.lastrowid

    def finish_batch(
        self,
        batch_id: int,
        *,
        read: int,
        imported: int,
        duplicate: int,
        rejected: int,
        stored_path: str,
        report: str,
    ) -> None:
        self._conn.execute(
            "UPDATE import_batches SET rows_read=?, rows_imported=?, rows_duplicate=?, "
            "rows_rejected=?, stored_path=?, report=? WHERE id=?",
            (read, imported, duplicate, rejected, stored_path, report, batch_id),
        )

    def batch(self, batch_id: int) -> BatchRecord | None:
        row = self._conn.execute(f"{_BATCH_SELECT} WHERE b.id = ?", (batch_id,)).fetchone()
        return BatchRecord(*row) if row else None

    def batches(self) -> list[BatchRecord]:
        rows = self._conn.execute(f"{_BATCH_SELECT} ORDER BY b.id DESC")
        return [BatchRecord(*r) for r in rows]

    def batches_with_sha(self, sha256: str) -> list[BatchRecord]:
        rows = self._conn.execute(
            f"{_BATCH_SELECT} WHERE b.sha256 = ? AND b.undone_at IS NULL", (sha256,)
        )
        return [BatchRecord(*r) for r in rows]

    def batch_report(self, batch_id: int) -> str:
        """The batch's rejected rows as saved at import (line, column, reason), or ''."""
        row = self._conn.execute(
            "SELECT report FROM import_batches WHERE id = ?", (batch_id,)
        ).fetchone()
        return row[0] if row else ""

    def unconverted_results(self, batch_id: int) -> int:
        """The batch's results with a number kept in a unit that could not be converted."""
        (count,) = self._conn.execute(
            "SELECT count(*) FROM observations WHERE batch_id = ? "
            "AND value IS NOT NULL AND value_canonical IS NULL",
            (batch_id,),
        ).fetchone()
        return count

    def batch_impact(self, batch_id: int) -> BatchImpact:
        """The batch's results still stored, their patients, and how many changed since."""
        results, patients = self._conn.execute(
            "SELECT count(*), count(DISTINCT patient_id) FROM observations WHERE batch_id = ?",
            (batch_id,),
        ).fetchone()
        (changed,) = self._conn.execute(
            "SELECT count(DISTINCT observation_id) FROM observation_revisions "
            "WHERE observation_id IN (SELECT id FROM observations WHERE batch_id = ?)",
            (batch_id,),
        ).fetchone()
        return BatchImpact(results, patients, changed)

    def undo_batch(self, batch_id: int, user_id: int | None) -> int | None:
        """Delete exactly the batch's observations (and their revisions); returns how many.

        None, with nothing changed, when the batch is unknown or already undone: the
        batch is marked first and only if it was not, so two undos racing (two windows,
        the command line) cannot both run.
        """
        conn = self._conn
        marked = conn.execute(
            "UPDATE import_batches SET undone_at = ?, undone_by = ? "
            "WHERE id = ? AND undone_at IS NULL",
            (utc_now(), user_id, batch_id),
        ).rowcount
        if not marked:
            return None
        conn.execute(
            "DELETE FROM observation_revisions WHERE observation_id IN "
            "(SELECT id FROM observations WHERE batch_id = ?)",
            (batch_id,),
        )
        return conn.execute("DELETE FROM observations WHERE batch_id = ?", (batch_id,)).rowcount

    def batch_patients(self, batch_id: int) -> list[int]:
        """The patients the batch's stored results are for, in id order."""
        rows = self._conn.execute(
            "SELECT DISTINCT patient_id FROM observations WHERE batch_id = ? ORDER BY patient_id",
            (batch_id,),
        )
        return [patient_id for (patient_id,) in rows]

    def patients_with_results(self, patient_ids: Iterable[int]) -> set[int]:
        """Those of these patients who have any stored result."""
        sql = "SELECT DISTINCT patient_id FROM observations WHERE patient_id IN"
        return {row[0] for row in rows_where_in(self._conn, sql, patient_ids)}

    def stored_identities(
        self, identities: Sequence[tuple[int, str, str, str]]
    ) -> set[tuple[int, str, str, str]]:
        """Which of these results are already stored.

        An identity is ``(patient id, analyte key, time text, value key)``
        (``app.core.dedupe``). Each is looked up through the unique identity index, so
        the cost follows the file, not the clinic: a clinic's million stored results
        are never read into memory.
        """
        found: set[tuple[int, str, str, str]] = set()
        for start in range(0, len(identities), 400):
            chunk = identities[start : start + 400]
            values = ",".join(["(?,?,?,?)"] * len(chunk))
            found.update(
                self._conn.execute(
                    "SELECT patient_id, analyte_key, collected_at, value_key FROM observations "
                    "WHERE (patient_id, analyte_key, collected_at, value_key) "
                    f"IN (VALUES {values})",
                    [item for identity in chunk for item in identity],
                )
            )
        return found

    # -- analyte mappings ---------------------------------------------------------

    def analyte_mappings(self) -> dict[str, str]:
        return dict(self._conn.execute("SELECT source_text, analyte_key FROM analyte_mappings"))

    def remember_mapping(self, source_text: str, analyte_key: str, user_id: int | None) -> None:
        self._conn.execute(
            "INSERT INTO analyte_mappings (source_text, analyte_key, created_at, created_by) "
            "VALUES (?,?,?,?) ON CONFLICT (source_text) DO UPDATE SET analyte_key = "
            "excluded.analyte_key",
            (source_text, analyte_key, utc_now(), user_id),
        )

    # -- profiles -----------------------------------------------------------------

    def save_profile(self, name: str, fingerprint: str, settings: dict) -> None:
        now = utc_now()
        self._conn.execute(
            "INSERT INTO import_profiles (name, fingerprint, settings, created_at, updated_at) "
            "VALUES (?,?,?,?,?) ON CONFLICT (name) DO UPDATE SET fingerprint = excluded.fingerprint, "
            "settings = excluded.settings, updated_at = excluded.updated_at",
            (name, fingerprint, json.dumps(settings, sort_keys=True), now, now),
        )

    def profile(self, name: str) -> tuple[str, dict] | None:
        row = self._conn.execute(
            "SELECT fingerprint, settings FROM import_profiles WHERE name = ?", (name,)
        ).fetchone()
        return (row[0], json.loads(row[1])) if row else None

    def profile_for_fingerprint(self, fingerprint: str) -> tuple[str, dict] | None:
        row = self._conn.execute(
            "SELECT name, settings FROM import_profiles WHERE fingerprint = ? "
            "ORDER BY updated_at DESC LIMIT 1",
            (fingerprint,),
        ).fetchone()
        return (row[0], json.loads(row[1])) if row else None

    def profile_names(self) -> list[str]:
        return [r[0] for r in self._conn.execute("SELECT name FROM import_profiles ORDER BY name")]
