"""Clinic-wide settings (name, address, paper size, ...) as key/value text."""

from __future__ import annotations

from app.store.database import ClinicDatabase


class SettingsRepository:
    """The only code that reads or writes ``settings`` and ``clinic_meta``."""

    def __init__(self, clinic: ClinicDatabase):
        self._clinic = clinic

    def get(self, key: str, default: str = "") -> str:
        row = self._clinic.conn.execute(
            "SELECT value FROM settings WHERE key = ?", (key,)
        ).fetchone()
        return row[0] if row else default

    def set(self, key: str, value: str) -> None:
        self._clinic.conn.execute(
            "INSERT INTO settings (key, value) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    def all(self) -> dict[str, str]:
        return dict(self._clinic.conn.execute("SELECT key, value FROM settings"))

    def meta(self, key: str, default: str = "") -> str:
        row = self._clinic.conn.execute(
            "SELECT value FROM clinic_meta WHERE key = ?", (key,)
        ).fetchone()
        return row[0] if row else default

    def set_meta(self, key: str, value: str) -> None:
        self._clinic.conn.execute(
            "INSERT INTO clinic_meta (key, value) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value),
        )
