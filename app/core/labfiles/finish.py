"""Steps every reader shares: progress and cancel, file-wide dates, future dates, duplicates."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta

from .dates import DateParser, decide_date_order, looks_like_date
from .model import ImportCancelled, ParsedFile, RawResult, RowProblem
from .result_rows import PendingDates, ResultRows

__all__ = ["Ticker", "finish", "resolve_pending"]

_ORDER_NAMES = {"dmy": "day/month/year", "mdy": "month/day/year", "ymd": "year/month/day"}


class Ticker:
    """Report progress at most ~100 times and check for cancellation every ~10k rows.

    Readers call :meth:`tick` when their row count reaches :attr:`next_at`, so the hot
    loop pays one integer comparison per row.
    """

    __slots__ = ("_is_cancelled", "_last", "_progress", "every", "next_at")

    def __init__(
        self,
        progress: Callable[[float], None] | None,
        is_cancelled: Callable[[], bool] | None,
        every: int = 10_000,
    ) -> None:
        self._progress = progress
        self._is_cancelled = is_cancelled
        self._last = -1.0
        self.every = every
        self.next_at = every

    def tick(self, done: int, fraction: float) -> int:
        """Check cancellation, maybe report ``fraction``; return the next row count to tick at."""
        self.check()
        self.report(fraction)
        self.next_at = done + self.every
        return self.next_at

    def sharing(self, progress: Callable[[float], None]) -> Ticker:
        """A ticker for a part of the work: cancelled with this one, reporting to ``progress``."""
        return Ticker(progress, self._is_cancelled, self.every)

    def check(self) -> None:
        """Raise :class:`ImportCancelled` when the caller asked to stop."""
        if self._is_cancelled is not None and self._is_cancelled():
            raise ImportCancelled("The import was cancelled.")

    def report(self, fraction: float) -> None:
        """Report progress when it moved by at least 1% (or reached the end)."""
        fraction = min(max(fraction, 0.0), 1.0)
        if self._progress is not None and (fraction - self._last >= 0.009 or fraction == 1.0):
            if fraction == 1.0 and self._last == 1.0:
                return
            self._last = fraction
            self._progress(fraction)


def resolve_pending(
    rows: ResultRows,
    pending: PendingDates,
    extra_texts: list[str],
    forced_order: str | None,
    today: date,
    date_column: str,
    dob_column: str,
) -> tuple[ResultRows, list[RowProblem], str | None]:
    """Decide the file's date order, then fill the dates that waited for it.

    Each distinct text is parsed once, which matters for million-row files.

    Args:
        rows: Rows read so far.
        pending: ``(row index, collection-date text, birth-date text)`` for each row with a
            date still to read; ``None`` for a date already read.
        extra_texts: Other date texts that vote on the order (dates used as headers).
        forced_order: The order the user chose, if any.
        today: For two-digit years and future dates.
        date_column: Header named in problems about collection dates.
        dob_column: Header named in problems about birth dates.

    Returns:
        Rows whose dates could be read, problems for the others, and the order used.

    Raises:
        NeedsDateOrder: When the order cannot be decided and none was forced.
    """
    texts = {text for _, when, born in pending for text in (when, born) if text}
    order = decide_date_order(texts | set(extra_texts), forced_order)
    if not pending:
        return rows, [], order
    parsed = DateParser(order, today).parse_many(texts)
    tomorrow = datetime.combine(today + timedelta(days=1), datetime.min.time())
    problems: list[RowProblem] = []
    failed: set[int] = set()
    visits, visit_ids = rows.visits, rows.visit_ids
    for index, when_text, born_text in pending:
        visit = visits[visit_ids[index]]
        collected_at, born_on = visit.collected_at, visit.date_of_birth
        if when_text is not None:
            when = parsed.get(when_text)
            if when is None:
                reason = _date_reason(when_text, order)
            elif when >= tomorrow:
                reason = f"The date {when:%Y-%m-%d} is in the future."
            else:
                reason = ""
                collected_at = when
            if reason:
                problems.append(RowProblem(rows.lines[index], date_column, reason))
                failed.add(index)
                continue
        if born_text is not None:
            born = parsed.get(born_text)
            if born is None:
                reason = _date_reason(born_text, order).replace("collection date", "birth date")
            elif born >= tomorrow:
                reason = f"The birth date {born:%Y-%m-%d} is in the future."
            else:
                reason = ""
                born_on = born.date()
            if reason:
                problems.append(RowProblem(rows.lines[index], dob_column, reason))
                failed.add(index)
                continue
        rows.set_dates(index, collected_at, born_on)
    if failed:
        rows = rows.without(failed)
    return rows, problems, order


def _date_reason(text: str, order: str | None) -> str:
    """Explain why a date text could not be read."""
    if not text:
        return "The collection date is missing."
    if looks_like_date(text) and order in _ORDER_NAMES:
        return f"{text!r} is not a valid date when read as {_ORDER_NAMES[order]}."
    return f"{text!r} is not a date this reader understands."


def finish(parsed: ParsedFile, today: date, checked: bool = False) -> ParsedFile:
    """Move future-dated rows and in-file duplicates to problems; sort problems by line.

    Args:
        parsed: The file read so far; ``rows`` and ``problems`` are replaced.
        today: Collection and birth dates after this day are problems.
        checked: The reader already checked dates and duplicates (the CSV loops do,
            on the texts as written); only sort the problems.
    """
    if checked:
        parsed.problems.sort(key=lambda p: p.line)
        return parsed
    tomorrow = datetime.combine(today + timedelta(days=1), datetime.min.time())
    seen: dict[tuple, int] = {}
    kept: list[RawResult] = []
    problems = parsed.problems
    for row in parsed.rows:
        when = row.collected_at
        if when is None:
            problems.append(RowProblem(row.line, "", "The collection date is missing."))
            continue
        if when >= tomorrow:
            problems.append(RowProblem(row.line, "", f"The date {when:%Y-%m-%d} is in the future."))
            continue
        if row.date_of_birth is not None and row.date_of_birth > today:
            problems.append(
                RowProblem(
                    row.line, "", f"The birth date {row.date_of_birth:%Y-%m-%d} is in the future."
                )
            )
            continue
        key = (
            row.mrn,
            row.source_patient_id,
            row.sample_id,
            row.family_name,
            row.given_name,
            row.analyte_text,
            row.loinc,
            row.local_code,
            when,
            row.value if row.value is not None else row.raw_value,
            row.comparator,
            row.unit,
        )
        first = seen.get(key)
        if first is not None:
            problems.append(RowProblem(row.line, "", f"This row is a duplicate of line {first}."))
            continue
        seen[key] = row.line
        kept.append(row)
    parsed.rows = ResultRows.from_results(kept)
    problems.sort(key=lambda p: p.line)
    return parsed
