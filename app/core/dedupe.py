"""The identity of a result, used to refuse duplicates across re-imports.

Two results are the same when they are for the same patient, analyte and
collection time, with the same value (comparator included) in the same unit. The
store holds that identity as four columns under one unique index: the patient, the
analyte key, the collection time as ``timestamp_text`` spells it, and the *value key*
(``value_key``), the value and unit as duplicates compare them. Units compare by
their normal spelling, so ``µg/dL`` and ``ug/dL`` exports of one result match.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache

from app.core.units import normalise_unit

# Imports build a key per row; the few distinct unit spellings of a file are
# normalised once each.
_normal_unit = lru_cache(maxsize=4096)(normalise_unit)


@lru_cache(maxsize=8192)
def timestamp_text(moment: datetime) -> str:
    """The one text form of a collection time stored and compared everywhere.

    Cached: the rows of one visit share a collection time, so an import of a million
    rows formats a few hundred thousand distinct times, not a million.
    """
    return moment.replace(tzinfo=None).isoformat(timespec="minutes")


def result_identity(
    analyte_key: str,
    collected_at: datetime,
    value: float | None,
    comparator: str | None,
    raw_value: str,
    unit: str,
) -> tuple[str, str, str]:
    """``(analyte key, time text, value key)``: a result's identity within its patient."""
    return analyte_key, timestamp_text(collected_at), value_key(value, comparator, raw_value, unit)


def value_key(value: float | None, comparator: str | None, raw_value: str, unit: str) -> str:
    """The value and unit as duplicates compare them; numbers by value, not spelling."""
    return key_from_parts(value_text(value, comparator, raw_value), normal_unit(unit))


def value_text(value: float | None, comparator: str | None, raw_value: str) -> str:
    """The value as the key compares it: the number with its comparator, else the text."""
    if value is None:
        return raw_value.strip().casefold()
    return f"{comparator or ''}{value:.9g}"


def normal_unit(unit: str) -> str:
    """The unit as the key compares it (``µg/dL`` and ``ug/dL`` alike)."""
    return _normal_unit(unit)


def key_from_parts(shown: str, unit_normal: str) -> str:
    """The value key from parts an import works out once per row or test (see above)."""
    return f"{shown}|{unit_normal}"
