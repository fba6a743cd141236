"""A usable result as rules read it, and an input resolved for one rule."""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from app.core.models import Observation


# Named tuples rather than frozen dataclasses: a clinic-wide run builds hundreds of
# thousands of these, and a tuple is built several times faster (same immutability).
class Point(NamedTuple):
    """One usable result: measured (``observation``) or derived (``source_ids``)."""

    analyte: str
    collected_at: datetime
    value: float
    comparator: str | None
    unit: str
    canonical: float | None
    unit_canonical: str
    observation: Observation | None
    convert_error: str = ""
    source_ids: tuple[int, ...] = ()


class Resolved(NamedTuple):
    """An input as one rule sees it: the latest result and whether it is fresh.

    Its injection timing is ``PatientData.timing_of(analyte, point)``, worked out
    only where a finding reads it.

    Attributes:
        analyte: The analyte key.
        state: ``used`` (fresh), ``stale`` (older than the window) or ``missing``.
        point: The latest result, when there is one.
        age_days: Days from collection to the evaluation date.
    """

    analyte: str
    state: str
    point: Point | None
    age_days: int | None

    @property
    def canonical(self) -> float | None:
        return self.point.canonical if self.point else None

    @property
    def comparator(self) -> str | None:
        return self.point.comparator if self.point else None

    @property
    def unit_canonical(self) -> str:
        return self.point.unit_canonical if self.point else ""

    @property
    def collected_at(self) -> datetime | None:
        return self.point.collected_at if self.point else None
