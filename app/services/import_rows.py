"""The records an import batch writes: each parsed row as an ``observations`` row.

Everything a row shares with its test (analyte, unit, conversion, range) or its visit
(patient, time, lab) is worked out once for each distinct test and visit; the loop
over a million rows only picks those up, converts the number and spells the value
for the dedupe key.
"""

from __future__ import annotations

from collections.abc import Iterator

from app.core.dedupe import key_from_parts, normal_unit, timestamp_text, value_text
from app.core.importing import UnitConverter
from app.core.labfiles import ResultRows


class BatchRows:
    """Callable: each call yields the batch's records afresh, in ``BATCH_ROW_COLUMNS`` order.

    What every record shares (source, batch, creation time and user) is ``constants``,
    which the store writes into its statement once.

    Rows whose analyte or patient is unknown are skipped; ``offered`` and ``skipped``
    count the last complete pass (the store may ask for the rows twice).
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
    ) -> None:
        self._rows = rows
        self.constants = {
            "source": source,
            "batch_id": batch_id,
            "excluded_reason": "",
            "created_at": created_at,
            "created_by": user_id,
        }
        self._tests = []
        for test, key in zip(rows.tests, test_keys, strict=True):
            if key is None:
                self._tests.append(None)
                continue
            linear = converter.linear(key, test.unit)
            self._tests.append(
                (key, linear, test.unit, normal_unit(test.unit), test.loinc, test.ref_low,
                 test.ref_high, test.ref_text)
            )  # fmt: skip
        self._visits = [
            None if patient_id is None else (patient_id, timestamp_text(visit.collected_at), visit.lab)
            for visit, patient_id in zip(rows.visits, visit_patients, strict=True)
        ]  # fmt: skip
        self.offered = self.skipped = 0

    def __call__(self) -> Iterator[tuple]:
        rows = self._rows
        tests, visits, details = self._tests, self._visits, rows.details
        raw_values, values = rows.raw_values, rows.values
        offered = skipped = 0
        for index, (test_id, visit_id, detail_id) in enumerate(
            zip(rows.test_ids, rows.visit_ids, rows.detail_ids, strict=True)
        ):
            test, visit = tests[test_id], visits[visit_id]
            if test is None or visit is None:
                skipped += 1
                continue
            offered += 1
            key, linear, unit, unit_normal, loinc, ref_low, ref_high, ref_text = test
            patient_id, stamp, lab = visit
            comparator, flag, _, note = details[detail_id]
            raw_value = raw_values[index]
            value = values[index]
            if value != value:  # NaN: the row has no number
                value = value_canonical = None
                unit_canonical = ""
            elif linear is None:
                value_canonical, unit_canonical = None, ""
            else:
                value_canonical = value * linear[0] + linear[1]
                unit_canonical = linear[2]
            yield (
                patient_id, key, stamp, raw_value, value, comparator, unit, value_canonical,
                unit_canonical, lab, loinc, ref_low, ref_high, ref_text, flag, note,
                key_from_parts(key, stamp, value_text(value, comparator, raw_value), unit_normal),
            )  # fmt: skip
        self.offered, self.skipped = offered, skipped
