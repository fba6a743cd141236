"""The records an import batch writes: each parsed row as an ``observations`` row.

Everything a row shares with its test and detail (analyte, unit, conversion, range,
comparator, flag, note) is one *shared part*, written once per batch; everything it
shares with its visit (patient, time, lab) is worked out once per visit. A row then
needs only its part's id, its visit's three values, its own value text and number,
and its value key. The rows are built by ``map`` and ``zip`` over the parsed rows'
arrays, in C: a million rows cost no Python-level loop.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import compress, repeat
from operator import add, and_, getitem, mul, ne

from app.core.dedupe import normal_unit, timestamp_text
from app.core.importing import UnitConverter
from app.core.labfiles import ResultRows


class BatchRows:
    """Callable: each call yields the batch's rows afresh, in ``BATCH_ROW_COLUMNS`` order.

    ``shared`` holds the parts the rows name, ``(id, *BATCH_SHARED_COLUMNS)``; what
    every row shares (source, batch, creation time and user) is ``constants``, which
    the store writes into its statement once.

    Rows whose analyte or patient is unknown are skipped; ``offered`` counts the rows
    written, ``skipped`` the others.
    """

    def __init__(
        self,
        rows: ResultRows,
        test_keys: list[str | None],
        visit_patients: list[int | None],
        converter: UnitConverter,
        *,
        source: str,
        batch_id: int,
        created_at: str,
        user_id: int | None,
        refused: Iterable[int] = (),
    ) -> None:
        self._rows = rows
        self.constants = {
            "source": source,
            "batch_id": batch_id,
            "excluded_reason": "",
            "created_at": created_at,
            "created_by": user_id,
        }
        self._analytes = test_keys
        self._patients = visit_patients
        self._stamps = [
            None if patient_id is None else timestamp_text(visit.collected_at)
            for visit, patient_id in zip(rows.visits, visit_patients, strict=True)
        ]
        self._labs = [visit.lab for visit in rows.visits]
        # A row's shared part is numbered test id * details + detail id.
        self._details = len(rows.details)
        # One byte a row: 1 when its test has an analyte and its visit a patient.
        self._kept = bytearray(
            map(
                and_,
                map([key is not None for key in test_keys].__getitem__, rows.test_ids),
                map([p is not None for p in visit_patients].__getitem__, rows.visit_ids),
            )
        )
        # Skipped: no analyte or no patient. Rows the preview found impossible
        # (``import_checks``) are left out too, but counted as rejected, not skipped.
        self.skipped = len(self._kept) - self._kept.count(1)
        for index in refused:
            self._kept[index] = 0
        self.offered = self._kept.count(1)
        self.shared = self._shared_parts(converter)

    def _shared_parts(self, converter: UnitConverter) -> list[tuple]:
        """``(id, *BATCH_SHARED_COLUMNS)`` of every (test, detail) pair a written row has."""
        rows = self._rows
        used = set(compress(self._part_ids(), self._kept))
        parts = []
        for part in sorted(used):
            test_id, detail_id = divmod(part, self._details)
            test, detail = rows.tests[test_id], rows.details[detail_id]
            key = self._analytes[test_id]
            linear = converter.linear(key, test.unit)
            factor, offset, unit_canonical = linear if linear is not None else (None, None, "")
            parts.append(
                (part, key, detail.comparator, test.unit, factor, offset, unit_canonical,
                 test.loinc, test.ref_low, test.ref_high, test.ref_text, detail.flag,
                 detail.note)
            )  # fmt: skip
        return parts

    def patient_ids(self) -> list[int]:
        """The patients the written rows are for, each once, in id order."""
        visits = set(self._column(self._rows.visit_ids))
        return sorted({self._patients[visit] for visit in visits})

    def _part_ids(self) -> Iterator[int]:
        rows = self._rows
        return map(add, map(mul, rows.test_ids, repeat(self._details)), rows.detail_ids)

    def _column(self, column) -> Iterator:
        """A per-row column of the parsed rows, less the skipped rows."""
        return compress(column, self._kept) if self.offered < len(self._kept) else iter(column)

    def __call__(self) -> Iterator[tuple]:
        rows, column = self._rows, self._column
        stamps = self._stamps.__getitem__
        return zip(
            column(self._part_ids()),
            map(self._patients.__getitem__, column(rows.visit_ids)),
            map(stamps, column(rows.visit_ids)),
            column(rows.raw_values),
            column(rows.values),
            map(self._labs.__getitem__, column(rows.visit_ids)),
            value_keys(rows, column),
            strict=True,
        )


def value_keys(rows: ResultRows, column: Callable[[Sequence], Iterator]) -> Iterator[str]:
    """The value key (``dedupe.value_key``) of each row ``column`` picks, built in C.

    ``column`` turns one of the rows' per-row columns into the picked rows' values, in
    order (all rows, the rows kept, the rows at some indexes). A number is its
    comparator and ``format(value, '.9g')``; a row without a number (NaN) is its text,
    stripped and casefolded; then ``'|'`` and the unit's normal spelling
    (``dedupe.key_from_parts``, spelt for ``map``).
    """
    numbers = map(format, column(rows.values), repeat(".9g"))
    prefixes = [detail.comparator or "" for detail in rows.details]
    if any(prefixes):
        numbers = map(add, map(prefixes.__getitem__, column(rows.detail_ids)), numbers)
    if not any(map(ne, column(rows.values), column(rows.values))):  # no NaN picked
        shown = numbers
    else:
        texts = map(str.casefold, map(str.strip, column(rows.raw_values)))
        no_number = map(ne, column(rows.values), column(rows.values))
        shown = map(getitem, zip(numbers, texts, strict=True), no_number)
    unit_ends = ["|" + normal_unit(test.unit) for test in rows.tests]
    return map(add, shown, map(unit_ends.__getitem__, column(rows.test_ids)))
