"""Merge the tail of a long CSV, read by another process, after the head read here.

The result must be the one-process read's: the same rows in the same order with the
same parts, the same pending dates, the same problems. Two things cross the cut:

* Duplicates. The loop drops a row whose texts (patient, analyte, codes, date, value,
  unit, sample) repeat a row kept earlier, naming that row's line. A tail row can
  repeat a head row; the worker could not know. Such a row can only share its
  patient and collection time with a head row, so only the tail rows of visits the
  head also has (usually none, or the one visit the cut fell in) are compared, by
  the same texts. The worker compares collection times as read; where one time was
  written two ways across the cut, comparing the times would differ from comparing
  the texts, and :func:`merge_tail` says the file must be read in one process.
* Parts. Visits, tests and details are numbered in order of first use, so the tail's
  parts join the head's in the order the tail's kept rows first use them.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from datetime import datetime
from itertools import compress
from operator import itemgetter

from .csv_context import CsvContext, duplicate_reason
from .model import RowProblem

__all__ = ["merge_tail"]

# Visit fields the loop's duplicate key holds: mrn, source patient id, family and
# given names, sample id, collection time (None while the date waits for the order).
_who_when = itemgetter(0, 1, 2, 3, 8, 6)


def merge_tail(ctx: CsvContext, tail: dict) -> bool:
    """Append the tail's rows, pending dates and problems to ``ctx``.

    Args:
        ctx: The head's context, read up to the cut.
        tail: What :func:`.csv_split.read_tail` returned.

    Returns:
        False (``ctx`` unchanged) when one collection time is written two ways across
        the cut; the caller then reads the file in one process.
    """
    if _time_written_two_ways(ctx.collected, tail["collected"]):
        return False
    repeats = _repeats_of_head(ctx, tail)  # tail row index -> head line
    rows = ctx.rows
    offset = len(rows)
    keep = None
    if repeats:
        keep = [i not in repeats for i in range(len(tail["lines"]))]
    rows.extend_with(
        *(
            _kept(tail[name], keep)
            for name in ("lines", "raw_values", "values", "visit_ids", "test_ids", "detail_ids")
        ),
        tail["visits"],
        tail["tests"],
        tail["details"],
    )
    _merge_pending(ctx, tail["pending"], offset, sorted(repeats))
    _merge_problems(ctx, tail, repeats)
    return True


def _time_written_two_ways(head: dict[str, object], tail: dict[str, datetime]) -> bool:
    """True when a time both sides read is written another way on either side.

    (A time written two ways on one side only never meets a row of the other side.)
    """
    text_of: dict[datetime, str | None] = {}
    for text, when in head.items():
        if when.__class__ is datetime and text_of.setdefault(when, text) != text:
            text_of[when] = None  # two texts in the head already
    return any(when in text_of and text_of[when] != text for text, when in tail.items())


def _repeats_of_head(ctx: CsvContext, tail: dict) -> dict[int, int]:
    """The tail rows whose duplicate key a kept head row has: tail index -> head line."""
    rows = ctx.rows
    head_visits = set(map(_who_when, rows.visits))
    tail_shared = list(map(head_visits.__contains__, map(_who_when, tail["visits"])))
    if not any(tail_shared):
        return {}
    shared = {_who_when(v) for v, s in zip(tail["visits"], tail_shared, strict=True) if s}
    head_shared = list(map(shared.__contains__, map(_who_when, rows.visits)))
    head_keys: dict[tuple, int] = {}
    for index in compress(range(len(rows)), map(head_shared.__getitem__, rows.visit_ids)):
        key = _key(
            rows.visits[rows.visit_ids[index]],
            ctx.pending.collected_text(index),
            rows.tests[rows.test_ids[index]],
            rows.raw_values[index],
        )
        head_keys.setdefault(key, rows.lines[index])
    waiting = dict(zip(*tail["pending"][:2], strict=True))
    visits, visit_ids, tests, test_ids = (
        tail["visits"], tail["visit_ids"], tail["tests"], tail["test_ids"],
    )  # fmt: skip
    repeats: dict[int, int] = {}
    for index in compress(range(len(visit_ids)), map(tail_shared.__getitem__, visit_ids)):
        key = _key(
            visits[visit_ids[index]],
            waiting.get(index),
            tests[test_ids[index]],
            tail["raw_values"][index],
        )
        line = head_keys.get(key)
        if line is not None:
            repeats[index] = line
    return repeats


def _key(visit: tuple, date_text: str | None, test: tuple, raw: str) -> tuple:
    """The loop's duplicate key: a waiting date by its text, a read one by its time."""
    return (_who_when(visit), date_text, test[:4], raw)


def _kept(column, keep: list[bool] | None):  # noqa: ANN001, ANN202 - an array or a list
    if keep is None:
        return column
    kept = compress(column, keep)
    return array(column.typecode, kept) if isinstance(column, array) else list(kept)


def _merge_pending(ctx: CsvContext, pending: tuple, offset: int, dropped: list[int]) -> None:
    """Append the tail's waiting dates, renumbered after the head's rows."""
    indexes, collected, born = pending
    if dropped:
        keep = [bisect_left(dropped, i) == len(dropped) or dropped[bisect_left(dropped, i)] != i
                for i in indexes]  # fmt: skip
        indexes = [i - bisect_left(dropped, i) for i in compress(indexes, keep)]
        collected, born = list(compress(collected, keep)), list(compress(born, keep))
    ctx.pending.extend(map(offset.__add__, indexes), collected, born)


def _merge_problems(ctx: CsvContext, tail: dict, repeats: dict[int, int]) -> None:
    """The tail's problems, with repeats of head rows named as the one-process read names them."""
    lines = tail["lines"]
    renamed = {
        duplicate_reason(lines[index]): duplicate_reason(line) for index, line in repeats.items()
    }
    problems = ctx.problems
    for index, line in repeats.items():
        problems.append(RowProblem(lines[index], "", duplicate_reason(line)))
    for line, column, reason, test in tail["problems"]:
        problems.append(RowProblem(line, column, renamed.get(reason, reason), test))
