"""A patient's results as a clinic-wide read hands them over: usable, grouped, windowed.

``evaluate`` accepts, instead of a list of ``Observation`` records, a
``HeldResults``: only usable results (numeric, not excluded, not after the
evaluation date), already grouped by analyte in time order, and possibly only the
newest part of each history (see ``reading``). Each result is a ``HeldResult``,
a light tuple with the ``Observation`` attributes the engine reads, so a million
of them cost a fraction of the frozen dataclasses.
"""

from __future__ import annotations

from collections.abc import Container, Mapping
from datetime import date, datetime
from typing import NamedTuple


class HistoryNotHeld(Exception):
    """A rule needs older results than the clinic-wide read kept; read the patient whole."""


class HeldResult(NamedTuple):
    """One usable result (the ``Observation`` fields the engine reads)."""

    id: int
    patient_id: int
    analyte_key: str
    collected_at: datetime
    value: float
    comparator: str | None
    unit: str
    value_canonical: float | None
    unit_canonical: str
    lab: str
    ref_low: float | None
    ref_high: float | None
    ref_text: str

    # Held results are usable ones: numeric (``raw_value`` is read only for a
    # non-numeric result) and never excluded.
    @property
    def raw_value(self) -> str:
        return f"{self.value:g}"

    @property
    def excluded_reason(self) -> str:
        return ""

    @property
    def excluded(self) -> bool:
        return False

    @property
    def censored(self) -> bool:
        return self.comparator is not None


class HeldResults:
    """One patient's usable results by analyte, oldest first, and how complete each is.

    Attributes:
        analytes: The analytes read (an analyte outside it was not looked at).
        by_analyte: Analyte key -> results in (collection time, id) order.
        complete_from: Analyte key -> the first day from which every usable result
            is held, for analytes whose older history was left unread.
    """

    __slots__ = ("analytes", "by_analyte", "complete_from")

    def __init__(
        self,
        analytes: Container[str],
        by_analyte: Mapping[str, list[HeldResult]],
        complete_from: Mapping[str, date],
    ) -> None:
        self.analytes = analytes
        self.by_analyte = by_analyte
        self.complete_from = complete_from
