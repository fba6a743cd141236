"""Stored UTC times as the workstation's local clock shows them."""

from __future__ import annotations

from datetime import datetime


def local_time_text(stored: str) -> str:
    """``YYYY-MM-DD HH:MM`` in local time for an ISO time text (kept as is if unreadable)."""
    try:
        return datetime.fromisoformat(stored).astimezone().strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return stored
