"""Regimen items: hormone drugs, medications and supplements with their dose history."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from app.core.models import RegimenItem
from app.store.database import ClinicDatabase, utc_now

_COLUMNS = (
    "id, patient_id, kind, substance, dose, dose_unit, route, interval_days, start_date, "
    "stop_date, note, previous_id, stop_reason, display_name"
)


def _item_from_row(row: tuple) -> RegimenItem:
    # ``_COLUMNS`` is in ``RegimenItem``'s field order, so the row is passed positionally
    # (a clinic-wide read builds tens of thousands; keywords cost a third more).
    stop = date.fromisoformat(row[9]) if row[9] else None
    return RegimenItem(*row[:8], date.fromisoformat(row[8]), stop, *row[10:])


def item_values(item: RegimenItem, user_id: int | None) -> tuple:
    """The column values of a new regimen row, in ``INSERT_SQL`` order."""
    return (
        item.patient_id,
        item.kind,
        item.substance,
        item.display_name,
        item.dose,
        item.dose_unit,
        item.route,
        item.interval_days,
        item.start_date.isoformat(),
        item.stop_date.isoformat() if item.stop_date else None,
        item.stop_reason,
        item.note,
        item.previous_id,
        utc_now(),
        user_id,
    )


INSERT_SQL = (
    "INSERT INTO regimen_items (patient_id, kind, substance, display_name, dose, dose_unit, "
    "route, interval_days, start_date, stop_date, stop_reason, note, previous_id, created_at, "
    "created_by) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
)


class RegimenRepository:
    """The only code that reads or writes ``regimen_items``."""

    def __init__(self, clinic: ClinicDatabase):
        self._clinic = clinic

    def add(self, item: RegimenItem, user_id: int | None = None) -> RegimenItem:
        cursor = self._clinic.conn.execute(INSERT_SQL, item_values(item, user_id))
        return replace(item, id=cursor.lastrowid)

    def add_many(self, items: list[RegimenItem], user_id: int | None = None) -> None:
        """Insert items that already carry their ids (the demo generator's)."""
        self._clinic.conn.executemany(
            INSERT_SQL.replace("(patient_id,", "(id, patient_id,", 1).replace(
                "VALUES (?,", "VALUES (?,?,", 1
            ),
            ((item.id, *item_values(item, user_id)) for item in items),
        )

    def get(self, item_id: int) -> RegimenItem | None:
        row = self._clinic.conn.execute(
            f"SELECT {_COLUMNS} FROM regimen_items WHERE id = ?", (item_id,)
        ).fetchone()
        return _item_from_row(row) if row else None

    def for_patient(self, patient_id: int) -> list[RegimenItem]:
        rows = self._clinic.conn.execute(
            f"SELECT {_COLUMNS} FROM regimen_items WHERE patient_id = ? ORDER BY start_date, id",
            (patient_id,),
        )
        return [_item_from_row(r) for r in rows]

    def all_by_patient(self) -> dict[int, list[RegimenItem]]:
        """Every regimen row of the clinic, grouped by patient (for clinic-wide work)."""
        grouped: dict[int, list[RegimenItem]] = {}
        rows = self._clinic.conn.execute(
            f"SELECT {_COLUMNS} FROM regimen_items ORDER BY patient_id, start_date, id"
        )
        for row in rows:
            grouped.setdefault(row[1], []).append(_item_from_row(row))
        return grouped

    def stop(self, item_id: int, stop_date: date, reason: str = "") -> None:
        self._clinic.conn.execute(
            "UPDATE regimen_items SET stop_date = ?, stop_reason = ? WHERE id = ?",
            (stop_date.isoformat(), reason, item_id),
        )
