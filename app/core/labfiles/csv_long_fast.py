"""What the long-CSV row loop's fast branch looks up: each distinct text worked out once.

Most rows of a lab export are plain: the header's width, a number or a censored
value, an analyte, a date read on the spot, no repeat of an earlier row. For such a
row :func:`.csv_long.read_long` does three dictionary lookups instead of a few dozen
steps: its value cell, its test cells (analyte, codes, unit, range) and its visit
cells (patient, time, birth date, sex, lab), each as written, give what the row
loop would make of them, worked out here once per distinct text or tuple by the
row loop's own rules. A row whose texts give :data:`ODD` (a missing or unreadable
value, no analyte, a date that is a problem) goes through the full row loop
instead, as does any row that is not plain. A date waiting for the file's day/month
order is kept as the loop keeps it: the row joins ``ctx.pending``.

What a visit, test or detail becomes in the rows is a :data:`Part`: a list
``[id, hash, fields]`` whose id (-1 until then) is given when a kept row first uses
it, so parts are numbered in the order of first use, as the row loop numbers them.
A text is worked out only when the row loop would read it too: the visit of a row
is looked up only after its value and test, so the collection-date texts read
(``ctx.collected``, which the split read compares across its cut) are the loop's.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from math import nan
from operator import itemgetter
from typing import Any

from .columns import NAMED_UNIT_ENDS, named_unit
from .csv_context import DEFER, LOINC_CODE, SEX, CsvContext, parse_cell
from .values import normalise_flag

__all__ = ["ODD", "UNIT_OF_VALUE", "FastTexts", "Part", "first_look_dob"]

#: What a distinct text gives when its rows must go through the full row loop.
ODD = object()
#: What test cells give when the unit cell is blank: the unit comes from the value cell.
UNIT_OF_VALUE = object()

#: ``[id or -1, hash for the duplicate key, fields as a plain tuple]``; a visit's also
#: holds the texts of its dates that wait for the file's day/month order (or None): its
#: rows go to ``ctx.pending`` with them, and its fields hold None for those dates.
Part = list

# A cache holding this many entries is emptied: memory stays bounded (a few MB). A
# visit takes the most room and its rows mostly come together (the loop also keeps
# the last one apart), so fewer visits are remembered.
_CACHE_LIMIT = 50_000
_VISITS_LIMIT = 5_000

_TEST_ROLES = ("analyte", "loinc", "code", "unit", "ref_range", "ref_low", "ref_high")
_VISIT_ROLES = (
    "mrn",
    "source_patient_id",
    "sample_id",
    "family_name",
    "given_name",
    "patient_name",
    "collected_at",
    "collected_time",
    "date_of_birth",
    "sex",
    "lab",
)


def first_look_dob(when: object) -> object:
    """Turn a first-look collection datetime into a birth date (or keep the marker)."""
    if when.__class__ is datetime:
        return when.date()
    if when.__class__ is str:
        return when.replace("The date", "The birth date", 1)
    return when


def _cells(indexes: list[int]) -> Callable[[list[str]], tuple]:
    """A function giving a row's cells at ``indexes`` as a tuple."""
    if not indexes:
        return lambda row: ()
    if len(indexes) == 1:
        return itemgetter(indexes[0], indexes[0])
    return itemgetter(*indexes)


def _padder(
    names: tuple[str, ...], roles: dict[str, int], present: int
) -> Callable[[tuple], tuple]:
    """A function turning the cells :func:`_cells` gave into one per name ('' if absent)."""
    at, given = [], 0
    for name in names:
        if name in roles:
            at.append(given)
            given += 1
        else:
            at.append(0 if not present else max(present, 2))  # the '' after the cells
    pick = itemgetter(*at)
    return lambda cells: pick((*cells, ""))


class _Cache(dict):
    """A dict that works out a missing key with ``work`` (and empties itself when full)."""

    __slots__ = ("counter", "limit", "work")

    def __init__(
        self, work: Callable[[Any], Any], counter: list[int], limit: int = _CACHE_LIMIT
    ) -> None:
        super().__init__()
        self.work = work
        self.counter = counter
        self.limit = limit

    def __missing__(self, key: Any) -> Any:
        self.counter[0] += 1
        if len(self) >= self.limit:
            self.clear()
        found = self[key] = self.work(key)
        return found


class FastTexts:
    """The distinct texts of one long-CSV read, worked out by the row loop's rules.

    Attributes:
        values: Value cell not a plain number -> ``(raw value kept, number or NaN,
            detail part, unit written in the cell, (comparator, flag, non-result))`` or
            :data:`ODD`.
        tests: Test cells (:attr:`test_cells`) -> test part, :data:`ODD` or
            :data:`UNIT_OF_VALUE`; then ``(test cells, cell unit)`` -> test part in
            :attr:`tests_with_unit`.
        visits: Visit cells (:attr:`visit_cells`) -> visit part or :data:`ODD`.
        details: ``((comparator, flag, non-result), (flag cell, note cell))`` -> detail
            part, for files with a flag or note column.
    """

    def __init__(self, ctx: CsvContext, born_of: dict[str, Any]) -> None:
        self.ctx = ctx
        self.born_of = born_of
        roles = ctx.roles
        self.header_unit = ctx.header_units[roles["value"]]
        self.fast = ctx.decimal_mark == "."
        self.roles = roles
        # A row's test and visit cells, as a tuple of the cells the file has; the miss
        # path pads that to every role ('' for a column the file lacks).
        test_at = [roles[r] for r in _TEST_ROLES if r in roles]
        visit_at = [roles[r] for r in _VISIT_ROLES if r in roles]
        self.test_cells = _cells(test_at)
        self.visit_cells = _cells(visit_at)
        self._full_test = _padder(_TEST_ROLES, roles, len(test_at))
        self._full_visit = _padder(_VISIT_ROLES, roles, len(visit_at))
        flag, note = roles.get("flag"), roles.get("note")
        #: A row's flag and note cells ('' for a column the file lacks).
        self.flag_note: Callable[[list[str]], tuple[str, str]] = (
            itemgetter(flag, note)
            if flag is not None and note is not None
            else (lambda row: (row[flag], ""))
            if flag is not None
            else (lambda row: ("", row[note]))
            if note is not None
            else (lambda row: ("", ""))
        )
        #: How many lookups found nothing and worked a text out (the fast branch pays
        #: off only when most rows repeat texts seen before: see :meth:`worth_it`).
        self.misses = [0]
        self.values = _Cache(self._value, self.misses)
        self.tests = _Cache(self._test, self.misses)
        self.tests_with_unit = _Cache(self._test_with_unit, self.misses)
        self.visits = _Cache(self._visit, self.misses, _VISITS_LIMIT)
        self.details = _Cache(self._detail, self.misses)
        self._detail_parts: dict[tuple, Part] = {}
        #: The detail of a plain number, and how it was written.
        self.plain_detail = self._detail_part((None, "", "", ""))
        self.plain_written = (None, "", "")

    def worth_it(self, rows: int, left: int) -> bool:
        """Whether the fast branch paid off over the last ``rows`` rows, ``left`` of
        which it tried but left to the full loop (and start counting again). Such a row
        (a date waiting for the day/month order) cost lookups for nothing, and a text
        worked out costs about what three lookups save: a day/month file, or one whose
        every row has its own visit, is read faster by the full loop alone."""
        misses = self.misses[0]
        self.misses[0] = 0
        return left * 5 <= rows and misses * 4 <= rows

    def _detail_part(self, detail: tuple) -> Part:
        found = self._detail_parts.get(detail)
        if found is None:
            found = self._detail_parts[detail] = [-1, 0, detail]
        return found

    def _value(self, raw: str) -> Any:
        """A value cell the loop did not read as a plain number (it may not have tried)."""
        if self.fast:
            try:
                value = float(raw)
            except ValueError:
                pass
            else:
                # float() also reads 'nan', 'inf' and '1_000'; the full parser decides.
                if not (value - value or "_" in raw):
                    return raw.strip(), value, self.plain_detail, "", self.plain_written
        raw = raw.strip()
        if not raw:
            return ODD  # a problem
        try:
            value, comparator, flag, cell_unit, non_result = parse_cell(raw, self.ctx.decimal_mark)
        except ValueError:
            return ODD  # a problem, or text the value-type column may allow
        written = (comparator, flag, non_result)
        number = nan if value is None else value
        return raw, number, self._detail_part((*written, "")), cell_unit, written

    def _test(self, key: tuple) -> Any:
        cells = self._full_test(key)
        an, lo, co, unit_cell = cells[:4]
        if not unit_cell.strip() and (an.strip() or lo.strip() or co.strip()):
            return UNIT_OF_VALUE
        return self._test_of(cells, "")

    def _test_with_unit(self, key: tuple) -> Any:
        key, cell_unit = key
        return self._test_of(self._full_test(key), cell_unit)

    def _test_of(self, cells: tuple, cell_unit: str) -> Any:
        an, lo, co, unit_cell, rr, low_cell, high_cell = cells
        analyte, loinc, local = an.strip(), lo.strip(), co.strip()
        if local and not loinc and LOINC_CODE.match(local):
            loinc, local = local, ""
        if not analyte and not loinc and not local:
            return ODD  # a problem
        ctx = self.ctx
        unit = unit_cell.strip() or cell_unit or self.header_unit
        if analyte.endswith(NAMED_UNIT_ENDS):
            analyte, unit = named_unit(analyte, unit)
        scale = ctx.scale(unit)
        ref_text = rr.strip()
        if ref_text:
            low, high = ctx.ref_range(ref_text)
        else:
            low = high = None
        if "ref_low" in self.roles or "ref_high" in self.roles:
            low = ctx.bound(low_cell) if low is None else low
            high = ctx.bound(high_cell) if high is None else high
        what = (analyte, loinc, local, unit)
        return [-1, hash(what), (analyte, loinc, local, unit, scale, low, high, ref_text)]

    def _visit(self, key: tuple) -> Any:
        (mrn, pid, sample, family, given, full_name, date_text, time_text, dob_text, sex,
         lab) = self._full_visit(key)  # fmt: skip
        ctx = self.ctx
        roles = self.roles
        mrn, pid, sample = mrn.strip(), pid.strip(), sample.strip()
        family, given = family.strip(), given.strip()
        if "patient_name" in roles and not family and not given:
            family, given = ctx.split_name(full_name)
        date_text = date_text.strip()
        if "collected_time" in roles and ":" not in date_text and date_text:
            time_text = time_text.strip()
            if time_text:
                date_text = f"{date_text} {time_text}"
        when_of = ctx.collected
        when = when_of.get(date_text)
        if when is None:
            when = when_of[date_text] = ctx.first_look(date_text)
        if when.__class__ is str:
            return ODD  # a problem
        born = None
        if "date_of_birth" in roles:
            dob_text = dob_text.strip()
            born_of = self.born_of
            born = born_of.get(dob_text)
            if born is None and dob_text:
                born = born_of[dob_text] = first_look_dob(ctx.first_look(dob_text))
            if born.__class__ is str:
                return ODD
        waiting = None  # the date texts that wait for the file's day/month order
        if when is DEFER or born is DEFER:
            waiting = (date_text if when is DEFER else None, dob_text if born is DEFER else None)
            when = None if when is DEFER else when
            born = None if born is DEFER else born
        if sex:
            sex = sex.strip().lower()
            sex = SEX.get(sex, sex)
        who = hash((mrn, pid, family, given, date_text, sample))
        visit = (mrn, pid, family, given, born, sex, when, lab.strip(), sample)
        return [-1, who, visit, waiting]

    def _detail(self, key: tuple) -> Part:
        (comparator, flag, non_result), (flag_cell, note) = key
        if flag_cell:
            flag = normalise_flag(flag_cell) or flag
        return self._detail_part((comparator, flag, non_result, note.strip()))
