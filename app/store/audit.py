"""The audit log: append-only, HMAC-chained rows of who did what, when, where.

Every append computes the row's MAC over the previous row's MAC (see
``app.core.audit_chain``), inside one transaction, and then refreshes the anchor
file kept outside the database. The schema's triggers refuse UPDATE and DELETE and
any row that is out of sequence or unchained.
"""

from __future__ import annotations

import csv
import io
import socket
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import astuple, dataclass, fields
from datetime import UTC, date, datetime
from pathlib import Path

from app.core.atomic_file import write_atomic
from app.core.audit_chain import (
    AnchorInvalid,
    ChainHead,
    VerifyResult,
    anchor_document,
    read_anchor,
    row_mac,
    verify_chain,
    write_anchor,
)
from app.core.csv_safety import neutralize_row
from app.store.database import ClinicDatabase
from app.store.sqlite import rows_where_in

SIGN_IN = "signin"
CLOCK_SKEW = "clock_skew"
OUTCOMES = ("success", "failure", "denied")
_LIMITS = {"username": 64, "action": 64, "category": 64, "workstation": 128, "detail": 4000}
_ORDERS = {"seq": "seq", "-seq": "seq DESC"}
_TRIGGERS = ("audit_events_no_update", "audit_events_no_delete")
_COLUMNS = (
    "seq, at_utc, user_id, username, patient_id, action, category, outcome, workstation, "
    "detail, prev_mac, mac"
)
_INSERT_SQL = f"INSERT INTO audit_events ({_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)"


@dataclass(frozen=True)
class AuditRow:
    """One audit event as stored (``at_utc`` is the exact text the MAC covers)."""

    seq: int
    at_utc: str
    user_id: int | None
    username: str
    patient_id: int | None
    action: str
    category: str
    outcome: str
    workstation: str
    detail: str
    prev_mac: str
    mac: str

    @property
    def at(self) -> datetime:
        return datetime.fromisoformat(self.at_utc)


CSV_HEADER = [f.name for f in fields(AuditRow)]
# The export's last column: the patient's MRN, which the stored row does not hold.
EXPORT_MRN_COLUMN = "patient_mrn"


def clean_text(text: str, limit: int) -> str:
    """Neutralise CR, LF and other control characters so a value cannot forge lines."""
    out = []
    for ch in str(text):
        if ch == "\r":
            out.append("\\r")
        elif ch == "\n":
            out.append("\\n")
        elif not ch.isprintable():
            out.append(f"\\x{ord(ch):02x}" if ord(ch) < 256 else f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return "".join(out)[:limit]


def _utc_text(moment: datetime) -> str:
    # One fixed format (microseconds, +00:00) so rows sort and filter as text.
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def _bound(value: datetime | date | str) -> str:
    if isinstance(value, datetime):
        return _utc_text(value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


class AuditLog:
    """The audit log of one open clinic.

    Args:
        clinic: the open database.
        audit_key: ``app.security.audit_chain.audit_key_for(...)``; never stored in it.
        anchor_path: ``<db>.audit-anchor`` (``None``: no anchor, e.g. in memory).
        clock: returns the current aware time (tests pass their own).
        workstation: recorded on each row; defaults to this computer's host name.
    """

    def __init__(
        self,
        clinic: ClinicDatabase,
        audit_key: bytes,
        anchor_path: Path | None = None,
        *,
        clock: Callable[[], datetime] | None = None,
        workstation: str | None = None,
    ):
        self._clinic = clinic
        self._key = audit_key
        self.anchor_path = Path(anchor_path) if anchor_path is not None else None
        self._clock = clock or (lambda: datetime.now(UTC))
        self._workstation = workstation if workstation is not None else socket.gethostname()

    # -- writing -------------------------------------------------------------

    def append(
        self,
        user_id: int | None,
        username: str,
        action: str,
        category: str = "",
        patient_id: int | None = None,
        outcome: str = "success",
        detail: str = "",
        workstation: str | None = None,
    ) -> int:
        """Append one event and return its seq.

        Runs in its own transaction, or as a savepoint inside the caller's, so the
        event commits together with the change it records. If the clock reads earlier
        than the newest row, a ``clock_skew`` row is written first.
        """
        if outcome not in OUTCOMES:
            raise ValueError(f"outcome must be one of {OUTCOMES}")
        now = self._clock()
        values = self._values(
            user_id, username, action, category, patient_id, outcome, detail, workstation
        )
        with self._clinic.transaction() as conn:
            last = conn.execute(
                "SELECT seq, at_utc, mac FROM audit_events ORDER BY seq DESC LIMIT 1"
            ).fetchone()
            seq, prev_mac = (last[0], last[2]) if last else (0, "")
            if last and now < datetime.fromisoformat(last[1]):
                skew = dict(
                    values,
                    action=CLOCK_SKEW,
                    category="system",
                    patient_id=None,
                    outcome="success",
                    detail=f"clock reads {_utc_text(now)}, before the newest audit row ({last[1]})",
                )
                seq, prev_mac = self._insert(conn, seq + 1, prev_mac, _utc_text(now), skew)
            seq, _ = self._insert(conn, seq + 1, prev_mac, _utc_text(now), values)
        if not self._clinic.conn.in_transaction:
            self.sync_anchor()
        return seq

    def append_for_patients(
        self,
        user_id: int | None,
        username: str,
        action: str,
        category: str,
        patient_ids: list[int],
        detail: str = "",
    ) -> None:
        """Append one successful event per patient, as ``append`` would one by one.

        The first is appended as any event (a clock that went back is said first); the
        rest follow it, chained in one go: an import writing to 5,000 charts records
        5,000 rows in a fraction of the time 5,000 ``append`` calls take.
        """
        if not patient_ids:
            return
        first, *rest = patient_ids
        with self._clinic.transaction() as conn:
            self.append(user_id, username, action, category, first, "success", detail)
            seq, at_utc, prev_mac = conn.execute(
                "SELECT seq, at_utc, mac FROM audit_events ORDER BY seq DESC LIMIT 1"
            ).fetchone()
            values = self._values(user_id, username, action, category, None, "success", detail)
            rows = []
            for patient_id in rest:
                seq += 1
                row, prev_mac = self._row(
                    seq, prev_mac, at_utc, dict(values, patient_id=patient_id)
                )
                rows.append(row)
            conn.executemany(_INSERT_SQL, rows)
        if not self._clinic.conn.in_transaction:
            self.sync_anchor()

    def _values(
        self,
        user_id: int | None,
        username: str,
        action: str,
        category: str,
        patient_id: int | None,
        outcome: str,
        detail: str,
        workstation: str | None = None,
    ) -> dict:
        """An event's own fields, cleaned and cut to their limits."""
        return {
            "user_id": user_id,
            "username": clean_text(username, _LIMITS["username"]),
            "patient_id": patient_id,
            "action": clean_text(action, _LIMITS["action"]),
            "category": clean_text(category, _LIMITS["category"]),
            "outcome": outcome,
            "workstation": clean_text(
                self._workstation if workstation is None else workstation, _LIMITS["workstation"]
            ),
            "detail": clean_text(detail, _LIMITS["detail"]),
        }

    def _row(self, seq: int, prev_mac: str, at_utc: str, values: dict) -> tuple[tuple, str]:
        """The stored row of an event (in ``CSV_HEADER`` order) and its MAC."""
        row = dict(values, seq=seq, at_utc=at_utc, prev_mac=prev_mac)
        row["mac"] = row_mac(self._key, row)
        return tuple(row[name] for name in CSV_HEADER), row["mac"]

    def _insert(self, conn, seq: int, prev_mac: str, at_utc: str, values: dict) -> tuple[int, str]:
        row, mac = self._row(seq, prev_mac, at_utc, values)
        conn.execute(_INSERT_SQL, row)
        return seq, mac

    # -- the anchor ----------------------------------------------------------

    def head(self) -> ChainHead | None:
        """Return the newest committed row's seq and MAC, or ``None`` for an empty log."""
        row = self._clinic.conn.execute(
            "SELECT seq, mac FROM audit_events ORDER BY seq DESC LIMIT 1"
        ).fetchone()
        return ChainHead(row[0], row[1]) if row else None

    def sync_anchor(self) -> ChainHead | None:
        """Write the anchor file from the current head.

        ``append`` does this itself unless it ran inside an outer transaction; then
        call this after that transaction commits (also after a restore).
        """
        head = self.head()
        if self.anchor_path is not None and head is not None:
            write_anchor(self.anchor_path, head, self._key)
        return head

    def anchor(self) -> ChainHead | None:
        """Read the anchor file (``None`` if there is none); raises ``AnchorInvalid``."""
        if self.anchor_path is None:
            return None
        return read_anchor(self.anchor_path, self._key)

    def anchor_document(self) -> dict | None:
        """Return the current head as a signed anchor dict, for a backup manifest."""
        head = self.head()
        return anchor_document(head, self._key) if head is not None else None

    # -- reading -------------------------------------------------------------

    def count(self) -> int:
        return self._clinic.conn.execute("SELECT count(*) FROM audit_events").fetchone()[0]

    def rows(
        self,
        *,
        since: datetime | date | str | None = None,
        until: datetime | date | str | None = None,
        user_id: int | None = None,
        username: str | None = None,
        patient_id: int | None = None,
        action: str | None = None,
        category: str | None = None,
        outcome: str | None = None,
        order_by: str = "seq",
        limit: int | None = None,
    ) -> list[AuditRow]:
        """Return events matching every filter given.

        Args:
            since: from this time (inclusive; a ``date`` means its start, UTC).
            until: up to this time (exclusive).
            user_id: events by this account.
            username: events by this name (ignoring case; includes failed sign-ins).
            patient_id: events about this patient.
            action: events with this action.
            category: events with this data category.
            outcome: ``success``, ``failure`` or ``denied``.
            order_by: ``"seq"`` (oldest first) or ``"-seq"`` (newest first).
            limit: at most this many rows.
        """
        if order_by not in _ORDERS:
            raise ValueError(f"order_by must be one of {sorted(_ORDERS)}")
        clauses, params = [], []
        for column, op, value in (
            ("at_utc", ">=", since),
            ("at_utc", "<", until),
        ):
            if value is not None:
                clauses.append(f"{column} {op} ?")
                params.append(_bound(value))
        for column, value in (
            ("user_id", user_id),
            ("patient_id", patient_id),
            ("action", action),
            ("category", category),
            ("outcome", outcome),
        ):
            if value is not None:
                clauses.append(f"{column} = ?")
                params.append(value)
        if username is not None:
            clauses.append("username = ? COLLATE NOCASE")
            params.append(username)
        sql = f"SELECT {_COLUMNS} FROM audit_events"
        if clauses:
            sql += " WHERE " + " AND ".join(clauses)
        sql += f" ORDER BY {_ORDERS[order_by]}"
        if limit is not None:
            sql += " LIMIT ?"
            params.append(int(limit))
        return [AuditRow(*r) for r in self._clinic.conn.execute(sql, params)]

    def last_seqs(self, patient_ids: Iterable[int], action: str, category: str) -> dict[int, int]:
        """The seq of the newest ``action``/``category`` event about each of these patients.

        Patients with no such event are left out.
        """
        sql = (
            "SELECT patient_id, max(seq) FROM audit_events WHERE action = ? AND category = ? "
            "AND patient_id IN"
        )
        # Grouped within each query: a patient's events all fall in the one that asks.
        found = rows_where_in(
            self._clinic.conn, sql, patient_ids, (action, category), "GROUP BY patient_id"
        )
        return dict(found)

    def rows_after(self, head: dict | None) -> list[AuditRow] | None:
        """The events written after ``head`` (``{"seq", "mac"}``) in this trail, oldest first.

        ``None`` when ``head`` is not a point of this trail (another clinic's, another
        branch of its history, or a backup that recorded none): nothing after it can be
        told apart.
        """
        if head is None:
            return None
        row = self._clinic.conn.execute(
            "SELECT mac FROM audit_events WHERE seq = ?", (head["seq"],)
        ).fetchone()
        if row is None or row[0] != head["mac"]:
            return None
        sql = f"SELECT {_COLUMNS} FROM audit_events WHERE seq > ? ORDER BY seq"
        return [AuditRow(*r) for r in self._clinic.conn.execute(sql, (head["seq"],))]

    def _all_rows(self) -> Iterator[dict]:
        cursor = self._clinic.conn.execute(f"SELECT {_COLUMNS} FROM audit_events ORDER BY seq")
        for values in cursor:
            yield dict(zip(CSV_HEADER, values, strict=True))

    def verify(self) -> VerifyResult:
        """Check every row, every link, the anchor, and that the triggers are in place."""
        try:
            anchor = self.anchor()
        except AnchorInvalid as exc:
            return VerifyResult(False, None, str(exc), 0)
        result = verify_chain(self._all_rows(), self._key, anchor)
        if not result.ok:
            return result
        present = {
            r[0]
            for r in self._clinic.conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_events'"
            )
        }
        if not set(_TRIGGERS) <= present:
            return VerifyResult(
                False, None, "The audit log's append-only protection was removed.", result.checked
            )
        return result

    # -- export ----------------------------------------------------------------

    @staticmethod
    def export_csv(
        rows: Iterable[AuditRow], path: Path, mrns: Mapping[int, str] | None = None
    ) -> int:
        """Write rows to a CSV file (UTF-8 with BOM, formulas neutralised); return the count.

        The stored columns come first, as stored (``patient_id`` is the internal id the
        MAC covers); a last column, ``patient_mrn``, names the patient by the MRN that
        ``mrns`` gives for the row's seq (empty for no patient, or one not known).
        The caller audits the export itself (``action='export'``, category ``audit``).
        """
        mrns = mrns or {}
        buffer = io.StringIO(newline="")
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow([*CSV_HEADER, EXPORT_MRN_COLUMN])
        count = 0
        for row in rows:
            mrn = mrns.get(row.seq, "") if row.patient_id is not None else ""
            writer.writerow(neutralize_row((*astuple(row), mrn)))
            count += 1
        write_atomic(Path(path), buffer.getvalue().encode("utf-8-sig"), private=True)
        return count
