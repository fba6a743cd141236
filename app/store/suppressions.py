"""Per-patient suppressions of findings, with who, when and why."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from app.store.database import ClinicDatabase, utc_now


@dataclass(frozen=True, slots=True)
class SuppressionRecord:
    id: int
    patient_id: int
    rule_id: str
    fingerprint: str
    reason: str
    created_at: datetime
    created_by: str


class SuppressionRepository:
    """The only code that reads or writes ``finding_suppressions``."""

    def __init__(self, clinic: ClinicDatabase):
        self._clinic = clinic

    def add(
        self, patient_id: int, rule_id: str, fingerprint: str, reason: str, user_id: int | None
    ) -> int:
        cursor = self._clinic.conn.execute(
            "INSERT INTO finding_suppressions (patient_id, rule_id, fingerprint, reason, "
            "created_at, created_by) VALUES (?,?,?,?,?,?)",
            (patient_id, rule_id, fingerprint, reason, utc_now(), user_id),
        )
        return cursor.lastrowid

    def revoke(self, suppression_id: int) -> None:
        self._clinic.conn.execute(
            "UPDATE finding_suppressions SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
            (utc_now(), suppression_id),
        )

    def all_active(self) -> dict[int, list[SuppressionRecord]]:
        """Active suppressions of every patient (for clinic-wide work)."""
        grouped: dict[int, list[SuppressionRecord]] = {}
        for record in self._active("1 = 1", ()):
            grouped.setdefault(record.patient_id, []).append(record)
        return grouped

    def active_for(self, patient_id: int) -> list[SuppressionRecord]:
        return self._active("s.patient_id = ?", (patient_id,))

    def _active(self, where: str, params: tuple) -> list[SuppressionRecord]:
        rows = self._clinic.conn.execute(
            "SELECT s.id, s.patient_id, s.rule_id, s.fingerprint, s.reason, s.created_at, "
            "COALESCE(u.username, '') FROM finding_suppressions s "
            "LEFT JOIN users u ON u.id = s.created_by "
            f"WHERE {where} AND s.revoked_at IS NULL ORDER BY s.id",
            params,
        )
        return [
            SuppressionRecord(r[0], r[1], r[2], r[3], r[4], datetime.fromisoformat(r[5]), r[6])
            for r in rows
        ]
