"""Read the dates lab files write, deciding day/month order once per file.

``03/04/2024`` is 3 April in Europe and 4 March in the US. A file never mixes the two
on purpose, so the order is decided from all of its date cells together: a cell like
``25/04/2024`` proves day-first, ``04/25/2024`` proves month-first. When no cell
decides, :class:`~app.core.labfiles.model.NeedsDateOrder` is raised so the user chooses;
the reader never guesses. Dotted dates (``04.03.2024``) are day-first by the
convention of every country that writes them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime

from .model import NeedsDateOrder

__all__ = ["DateParser", "decide_date_order", "looks_like_date"]

_TIME = (
    r"(?:(?:[T\s]+|,\s*)(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:[.,](?P<F>\d{1,9}))?)?"
    r"\s*(?P<ap>[ap]\.?\s?m\.?)?)?"
    r"\s*(?:Z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)?$"
)
_YMD = re.compile(r"^(?P<y>\d{4})(?P<s>[-/.])(?P<m>\d{1,2})(?P=s)(?P<d>\d{1,2})" + _TIME, re.I)
_NUM3 = re.compile(
    r"^(?P<a>\d{1,2})(?P<s>[-/.])(?P<b>\d{1,2})(?P=s)(?P<c>\d{4}|\d{2})" + _TIME, re.I
)
_COMPACT = re.compile(
    r"^(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})(?:(?P<H>\d{2})(?P<M>\d{2})(?P<S>\d{2})?)?$"
)
_NAMED_DMY = re.compile(
    r"^(?P<d>\d{1,2})[-\s](?P<mon>[A-Za-z]{3,9})\.?[-\s]\s*(?P<y>\d{4}|\d{2})" + _TIME, re.I
)
_NAMED_MDY = re.compile(
    r"^(?P<mon>[A-Za-z]{3,9})\.?\s+(?P<d>\d{1,2}),?\s+(?P<y>\d{4})" + _TIME, re.I
)

_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            "jan january",
            "feb february",
            "mar march",
            "apr april",
            "may",
            "jun june",
            "jul july",
            "aug august",
            "sep sept september",
            "oct october",
            "nov november",
            "dec december",
        ),
        start=1,
    )
    for name in names.split()
}


def looks_like_date(text: str) -> bool:
    """Return True when ``text`` has the shape of a date this module can read."""
    text = text.strip()
    return bool(
        text
        and text[0].isalnum()
        and (
            _YMD.match(text)
            or _NUM3.match(text)
            or (len(text) in (8, 12, 14) and _COMPACT.match(text))
            or _NAMED_DMY.match(text)
            or _NAMED_MDY.match(text)
        )
    )


def decide_date_order(texts: Iterable[str], forced: str | None = None) -> str | None:
    """Decide how the file's ``nn/nn/yyyy`` dates are ordered.

    Args:
        texts: Every distinct date text of the file (collection dates, birth dates,
            dates used as headers).
        forced: The order the user chose, if any; it wins.

    Returns:
        ``'dmy'`` or ``'mdy'`` when the file proves one, ``forced`` when given, ``None``
        when the file has no day/month dates at all.

    Raises:
        NeedsDateOrder: When every day/month date is ambiguous, or the dates disagree.
    """
    if forced:
        return forced
    day_first: list[str] = []
    month_first: list[str] = []
    ambiguous: list[str] = []
    for text in texts:
        match = _NUM3.match(text.strip())
        if match is None or match.group("s") == ".":
            continue
        a, b = int(match.group("a")), int(match.group("b"))
        if a > 12 and b <= 12:
            day_first.append(text)
        elif b > 12 and a <= 12:
            month_first.append(text)
        elif a <= 12 and b <= 12:
            ambiguous.append(text)
    # Samples are sorted so the message does not depend on set iteration order.
    if day_first and month_first:
        raise NeedsDateOrder(sorted(day_first)[:2] + sorted(month_first)[:2], conflicting=True)
    if day_first:
        return "dmy"
    if month_first:
        return "mdy"
    if ambiguous:
        raise NeedsDateOrder(sorted(ambiguous)[:5])
    return None


class DateParser:
    """Parse date texts with one file-wide day/month order, caching by text.

    Calling the parser returns a naive ``datetime`` (midnight for a date alone), or
    ``None`` when the text is not a date or does not fit the order.
    """

    __slots__ = ("_cache", "order", "today")

    def __init__(self, order: str | None, today: date) -> None:
        self.order = order
        self.today = today
        self._cache: dict[str, datetime | None] = {}

    def __call__(self, text: str) -> datetime | None:
        try:
            return self._cache[text]
        except KeyError:
            result = self._cache[text] = self._parse(text.strip())
            return result

    def parse_many(self, texts: set[str]) -> dict[str, datetime | None]:
        """Parse many distinct texts; ISO texts take the C fast path of ``fromisoformat``."""
        result: dict[str, datetime | None] = {}
        fromiso = datetime.fromisoformat
        parse = self._parse
        for text in texts:
            if len(text) >= 10 and text[4] == "-":
                try:
                    when = fromiso(text)
                except ValueError:
                    when = parse(text.strip())
                else:
                    if when.tzinfo is not None:
                        when = when.replace(tzinfo=None)
            else:
                when = parse(text.strip())
            result[text] = when
        return result

    def _year(self, text: str) -> int:
        year = int(text)
        if len(text) == 2:
            # Two-digit years: the most recent year not after this one (so '18' is 2018
            # and '45', in a birth date, is 1945).
            year += 2000
            if year > self.today.year:
                year -= 100
        return year

    def _parse(self, text: str) -> datetime | None:
        if not text:
            return None
        if text[0].isdigit() and len(text) >= 10 and text[4] == "-":
            try:
                result = datetime.fromisoformat(text)
            except ValueError:
                pass
            else:
                return result if result.tzinfo is None else result.replace(tzinfo=None)
        match = _YMD.match(text) or (len(text) in (8, 12, 14) and _COMPACT.match(text))
        try:
            if match:
                return self._build(
                    int(match.group("y")), int(match.group("m")), int(match.group("d")), match
                )
            match = _NUM3.match(text)
            if match:
                a, b, c = match.group("a", "b", "c")
                order = "dmy" if match.group("s") == "." else self.order
                if order == "dmy":
                    return self._build(self._year(c), int(b), int(a), match)
                if order == "mdy":
                    return self._build(self._year(c), int(a), int(b), match)
                if order == "ymd" and len(c) == 2:
                    return self._build(self._year(a.zfill(2)), int(b), int(c), match)
                return None
            match = _NAMED_DMY.match(text) or _NAMED_MDY.match(text)
            if match:
                month = _MONTHS.get(match.group("mon").lower())
                if month is None:
                    return None
                return self._build(
                    self._year(match.group("y")), month, int(match.group("d")), match
                )
        except ValueError:
            return None
        return None

    @staticmethod
    def _build(year: int, month: int, day: int, match: re.Match[str]) -> datetime:
        groups = match.groupdict()
        if groups.get("H") is None:
            return datetime(year, month, day)
        hour = int(groups["H"])
        ampm = groups.get("ap")
        if ampm:
            if not 1 <= hour <= 12:
                raise ValueError("hour out of range for a.m./p.m.")
            hour = hour % 12 + (12 if ampm[0] in "pP" else 0)
        fraction = groups.get("F") or ""
        micro = int(fraction[:6].ljust(6, "0")) if fraction else 0
        return datetime(year, month, day, hour, int(groups["M"]), int(groups["S"] or 0), micro)
