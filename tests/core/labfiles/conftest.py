"""Shared helpers for the lab-file reader tests."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from app.core.labfiles import ParsedFile, ReadOptions, read_lab_file

DATA = Path(__file__).resolve().parents[2] / "data" / "labfiles"
TODAY = date(2025, 6, 1)


def _bytes(name: str) -> bytes:
    return (DATA / name).read_bytes()


@pytest.fixture
def fixture_bytes() -> Callable[[str], bytes]:
    """Return a function giving the bytes of a fixture under ``tests/data/labfiles``."""
    return _bytes


@pytest.fixture
def read() -> Callable[..., ParsedFile]:
    """Read a fixture by name with a fixed 'today'; keyword arguments go to ReadOptions."""

    def _read(name: str, **options: object) -> ParsedFile:
        options.setdefault("today", TODAY)
        return read_lab_file(_bytes(name), name, ReadOptions(**options))

    return _read
