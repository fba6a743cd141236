"""The rows of a parsed file, stored compactly: a million rows must fit in a few hundred MB.

A lab file repeats itself: every result of a visit names the same patient, time and
lab; every result of an analyte the same name, code, unit and range. So a row keeps
only what is its own (line, value text, number) and three small numbers naming its
*visit*, its *test* and its *detail* (comparator, flag, note), each stored once. That
is about 60 bytes a row instead of about 300 for a :class:`RawResult` object, and it
lets callers work once per distinct visit or test instead of once per row.

Reading a row (``rows[i]``, iteration) builds a :class:`RawResult` on the fly, so
code that wants objects still gets them.
"""

from __future__ import annotations

import math
from array import array
from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date, datetime
from typing import NamedTuple, overload

from .model import RawResult

__all__ = ["Detail", "PendingDates", "ResultRows", "Test", "Visit"]

_NONE = math.nan  # a missing number; readers never keep NaN as a value


class Visit(NamedTuple):
    """Who and when: the fields a visit's rows share (RawResult names)."""

    mrn: str
    source_patient_id: str
    family_name: str
    given_name: str
    date_of_birth: date | None
    sex: str
    collected_at: datetime | None
    lab: str
    sample_id: str = ""


class Test(NamedTuple):
    """What was measured: the fields an analyte's rows share (RawResult names)."""

    analyte_text: str
    loinc: str
    local_code: str
    unit: str
    unit_scale_note: str
    ref_low: float | None
    ref_high: float | None
    ref_text: str


class Detail(NamedTuple):
    """How a value was written beyond its number (few distinct in a file)."""

    comparator: str | None
    flag: str
    non_result: str
    note: str


_PLAIN = Detail(None, "", "", "")


class _Parts:
    """Distinct tuples of one kind, each stored once and named by its position."""

    __slots__ = ("ids", "items")

    def __init__(self) -> None:
        self.items: list = []
        self.ids: dict = {}

    def id_of(self, part: tuple) -> int:
        found = self.ids.get(part)
        if found is None:
            found = self.ids[part] = len(self.items)
            self.items.append(part)
        return found


class ResultRows(Sequence[RawResult]):
    """Rows read without problems, in file order, as a sequence of :class:`RawResult`."""

    __slots__ = (
        "_details",
        "_tests",
        "_visits",
        "detail_ids",
        "lines",
        "raw_values",
        "test_ids",
        "values",
        "visit_ids",
    )

    def __init__(self) -> None:
        self.lines = array("i")  # four bytes: a 256 MB file has fewer lines than 2**31
        self.raw_values: list[str] = []
        self.values = array("d")
        self.visit_ids = array("i")
        self.test_ids = array("i")
        self.detail_ids = array("i")
        self._visits = _Parts()
        self._tests = _Parts()
        self._details = _Parts()
        self._details.id_of(_PLAIN)

    @classmethod
    def of(cls, rows: Sequence[RawResult]) -> ResultRows:
        """``rows`` itself when already compact, else a compact copy."""
        return rows if isinstance(rows, ResultRows) else cls.from_results(rows)

    @classmethod
    def from_results(cls, results: Iterable[RawResult]) -> ResultRows:
        rows = cls()
        add = rows.appender()
        for r in results:
            add(
                r.line, r.mrn, r.source_patient_id, r.family_name, r.given_name,
                r.date_of_birth, r.sex, r.analyte_text, r.loinc, r.local_code, r.raw_value,
                r.value, r.comparator, r.flag, r.non_result, r.unit, r.unit_scale_note,
                r.ref_low, r.ref_high, r.ref_text, r.collected_at, r.lab, r.note,
                r.sample_id,
            )  # fmt: skip
        return rows

    def add(self, *fields) -> None:
        """Append one row; the arguments are :class:`RawResult`'s fields in its order."""
        self.appender()(*fields)

    def appender(self) -> Callable[..., None]:
        """:meth:`add` as a function for a reader's loop over a million rows.

        Everything it touches is bound once, so a row costs no attribute lookups. A
        plain tuple finds its named twin in a parts dict (same hash, equal), so a named
        tuple is built only for a visit, test or detail not seen before.
        """
        add_line, add_raw, add_value = self.lines.append, self.raw_values.append, self.values.append
        add_visit, add_test, add_detail = (
            self.visit_ids.append, self.test_ids.append, self.detail_ids.append,
        )  # fmt: skip
        visit_of, new_visit = self._visits.ids.get, self._visits.id_of
        test_of, new_test = self._tests.ids.get, self._tests.id_of
        detail_of, new_detail = self._details.ids.get, self._details.id_of
        make_visit, make_test, make_detail = Visit._make, Test._make, Detail._make

        def add(
            line: int, mrn: str, source_patient_id: str, family_name: str, given_name: str,
            date_of_birth: date | None, sex: str, analyte_text: str, loinc: str,
            local_code: str, raw_value: str, value: float | None, comparator: str | None,
            flag: str, non_result: str, unit: str, unit_scale_note: str,
            ref_low: float | None, ref_high: float | None, ref_text: str,
            collected_at: datetime | None, lab: str, note: str, sample_id: str = "",
        ) -> None:  # fmt: skip
            add_line(line)
            add_raw(raw_value)
            add_value(_NONE if value is None else value)
            key = (mrn, source_patient_id, family_name, given_name, date_of_birth, sex,
                   collected_at, lab, sample_id)  # fmt: skip
            found = visit_of(key)
            add_visit(new_visit(make_visit(key)) if found is None else found)
            key = (analyte_text, loinc, local_code, unit, unit_scale_note, ref_low, ref_high,
                   ref_text)  # fmt: skip
            found = test_of(key)
            add_test(new_test(make_test(key)) if found is None else found)
            if comparator is None and not flag and not non_result and not note:
                add_detail(0)  # most rows: a plain number (see __init__)
                return
            key = (comparator, flag, non_result, note)
            found = detail_of(key)
            add_detail(new_detail(make_detail(key)) if found is None else found)

        return add

    def extend_with(
        self,
        lines: Iterable[int],
        raw_values: Iterable[str],
        values: Iterable[float],
        visit_ids: Sequence[int],
        test_ids: Sequence[int],
        detail_ids: Sequence[int],
        visits: Sequence[tuple],
        tests: Sequence[tuple],
        details: Sequence[tuple],
    ) -> None:
        """Append rows read elsewhere (another process), their part ids naming ``visits``,
        ``tests`` and ``details``. Parts new here are numbered in order of first use,
        as the rows' own reading would have numbered them."""
        self.lines.extend(lines)
        self.raw_values.extend(raw_values)
        self.values.extend(values)
        for own, ids, theirs, parts, make in (
            (self.visit_ids, visit_ids, visits, self._visits, Visit._make),
            (self.test_ids, test_ids, tests, self._tests, Test._make),
            (self.detail_ids, detail_ids, details, self._details, Detail._make),
        ):
            mapping = [0] * len(theirs)
            for part in dict.fromkeys(ids):  # in order of first use, in C
                mapping[part] = parts.id_of(make(theirs[part]))
            own.extend(map(mapping.__getitem__, ids))

    def part_ids(
        self,
    ) -> tuple[Callable[[tuple], int], Callable[[tuple], int], Callable[[tuple], int]]:
        """For a reader appending its own columns (``lines``, ``raw_values``, ``values``
        and the three id arrays, kept the same length): functions giving the id of a
        visit, a test and a detail, each a plain tuple in :class:`Visit`, :class:`Test`
        or :class:`Detail` field order. A part not seen yet is numbered next: call them
        in the order the rows first use the parts, as :meth:`appender` numbers them."""

        def ids(parts: _Parts, make: Callable[[tuple], tuple]) -> Callable[[tuple], int]:
            known, new = parts.ids.get, parts.id_of

            def id_of(part: tuple) -> int:
                found = known(part)
                return new(make(part)) if found is None else found

            return id_of

        return (
            ids(self._visits, Visit._make),
            ids(self._tests, Test._make),
            ids(self._details, Detail._make),
        )

    # -- the parts, for callers that work once per distinct visit or test ------------

    @property
    def visits(self) -> list[Visit]:
        return self._visits.items

    @property
    def tests(self) -> list[Test]:
        return self._tests.items

    @property
    def details(self) -> list[Detail]:
        return self._details.items

    def value(self, index: int) -> float | None:
        found = self.values[index]
        return None if found != found else found

    # -- changes the readers make after a first pass -----------------------------------

    def set_dates(
        self, index: int, collected_at: datetime | None, date_of_birth: date | None
    ) -> None:
        """Give one row the dates that waited for the file's day/month order."""
        visit = self._visits.items[self.visit_ids[index]]
        changed = visit._replace(collected_at=collected_at, date_of_birth=date_of_birth)
        self.visit_ids[index] = self._visits.id_of(changed)

    def without(self, indexes: set[int]) -> ResultRows:
        """The same rows less those at ``indexes`` (the parts are shared, not copied)."""
        kept = ResultRows()
        kept._visits, kept._tests, kept._details = self._visits, self._tests, self._details
        for name in ("lines", "values", "visit_ids", "test_ids", "detail_ids"):
            column = getattr(self, name)
            setattr(kept, name, array(column.typecode, _skip(column, indexes)))
        kept.raw_values = list(_skip(self.raw_values, indexes))
        return kept

    # -- Sequence ------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self.lines)

    @overload
    def __getitem__(self, index: int) -> RawResult: ...
    @overload
    def __getitem__(self, index: slice) -> list[RawResult]: ...
    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError("row index out of range")
        return self._result(index)

    def __iter__(self) -> Iterator[RawResult]:
        for index in range(len(self)):
            yield self._result(index)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, ResultRows | list | tuple):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # mutable, like a list

    def __repr__(self) -> str:
        return f"<ResultRows: {len(self)} rows, {len(self.visits)} visits, {len(self.tests)} tests>"

    def _result(self, index: int) -> RawResult:
        v = self._visits.items[self.visit_ids[index]]
        t = self._tests.items[self.test_ids[index]]
        d = self._details.items[self.detail_ids[index]]
        return RawResult(
            self.lines[index], v.mrn, v.source_patient_id, v.family_name, v.given_name,
            v.date_of_birth, v.sex, t.analyte_text, t.loinc, t.local_code,
            self.raw_values[index], self.value(index), d.comparator, d.flag, d.non_result,
            t.unit, t.unit_scale_note, t.ref_low, t.ref_high, t.ref_text, v.collected_at,
            v.lab, d.note, v.sample_id,
        )  # fmt: skip


class PendingDates:
    """Rows whose dates wait for the file's day/month order, in row order.

    Iterates as ``(row index, collection-date text, birth-date text)``, a text being
    None when that date was read already. Kept as an int array and two lists of
    (shared) texts: a million-row day/month file would otherwise hold a million tuples.
    """

    __slots__ = ("_born", "_collected", "_rows")

    def __init__(self) -> None:
        self._rows = array("i")
        self._collected: list[str | None] = []
        self._born: list[str | None] = []

    def append(self, entry: tuple[int, str | None, str | None]) -> None:
        row, collected, born = entry
        self._rows.append(row)
        self._collected.append(collected)
        self._born.append(born)

    def columns(self) -> tuple[array, list[str | None], list[str | None]]:
        """Row indexes, collection-date texts and birth-date texts, as stored."""
        return self._rows, self._collected, self._born

    def extend(
        self, rows: Iterable[int], collected: Iterable[str | None], born: Iterable[str | None]
    ) -> None:
        """Append many entries given as columns (rows in increasing order)."""
        self._rows.extend(rows)
        self._collected.extend(collected)
        self._born.extend(born)

    def collected_text(self, row: int) -> str | None:
        """The collection-date text row ``row`` waits with, or None."""
        at = bisect_left(self._rows, row)
        if at < len(self._rows) and self._rows[at] == row:
            return self._collected[at]
        return None

    def __iter__(self) -> Iterator[tuple[int, str | None, str | None]]:
        return zip(self._rows, self._collected, self._born, strict=True)

    def __len__(self) -> int:
        return len(self._rows)


def _skip(column: Sequence, indexes: set[int]) -> Iterator:
    return (item for i, item in enumerate(column) if i not in indexes)
