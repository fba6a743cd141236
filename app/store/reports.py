"""Archived PDFs and the evaluations they printed: the only SQL on ``reports``/``evaluations``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from app.store.database import ClinicDatabase, utc_now


@dataclass(frozen=True, slots=True)
class ReportRecord:
    """One archived PDF; ``pdf`` is empty in listings (they do not load the bytes)."""

    id: int
    patient_id: int | None
    kind: str
    created_at: datetime
    created_by: str
    sha256: str
    kb_version: str
    evaluation_id: int | None
    title: str
    size: int
    pdf: bytes = b""


_COLUMNS = (
    "r.id, r.patient_id, r.kind, r.created_at, COALESCE(u.username, ''), r.sha256, "
    "r.kb_version, r.evaluation_id, r.title, length(r.pdf)"
)


class ReportRepository:
    """The only code that reads or writes ``reports`` and ``evaluations``."""

    def __init__(self, clinic: ClinicDatabase):
        self._clinic = clinic

    def add_evaluation(
        self, patient_id: int, as_of: date, kb_version: str, findings_json: str, user_id: int | None
    ) -> int:
        cursor = self._clinic.conn.execute(
            "INSERT INTO evaluations (patient_id, as_of, kb_version, findings, created_at, "
            "created_by) VALUES (?,?,?,?,?,?)",
            (patient_id, as_of.isoformat(), kb_version, findings_json, utc_now(), user_id),
        )
        return cursor.lastrowid

    def evaluation_json(self, evaluation_id: int) -> str | None:
        row = self._clinic.conn.execute(
            "SELECT findings FROM evaluations WHERE id = ?", (evaluation_id,)
        ).fetchone()
        return row[0] if row else None

    def add(
        self,
        *,
        patient_id: int,
        kind: str,
        user_id: int | None,
        sha256: str,
        kb_version: str,
        evaluation_id: int | None,
        title: str,
        pdf: bytes,
    ) -> int:
        cursor = self._clinic.conn.execute(
            "INSERT INTO reports (patient_id, kind, created_at, created_by, sha256, kb_version, "
            "evaluation_id, title, pdf) VALUES (?,?,?,?,?,?,?,?,?)",
            (patient_id, kind, utc_now(), user_id, sha256, kb_version, evaluation_id, title, pdf),
        )
        return cursor.lastrowid

    def for_patient(self, patient_id: int) -> list[ReportRecord]:
        rows = self._clinic.conn.execute(
            f"SELECT {_COLUMNS} FROM reports r LEFT JOIN users u ON u.id = r.created_by "
            "WHERE r.patient_id = ? ORDER BY r.id DESC",
            (patient_id,),
        )
        return [_record(r) for r in rows]

    def get(self, report_id: int) -> ReportRecord | None:
        row = self._clinic.conn.execute(
            f"SELECT {_COLUMNS}, r.pdf FROM reports r LEFT JOIN users u ON u.id = r.created_by "
            "WHERE r.id = ?",
            (report_id,),
        ).fetchone()
        return _record(row[:-1], bytes(row[-1])) if row else None


def _record(row, pdf: bytes = b"") -> ReportRecord:
    return ReportRecord(
        id=row[0],
        patient_id=row[1],
        kind=row[2],
        created_at=datetime.fromisoformat(row[3]),
        created_by=row[4],
        sha256=row[5],
        kb_version=row[6],
        evaluation_id=row[7],
        title=row[8],
        size=row[9],
        pdf=pdf,
    )
