"""Dates: formats, two-digit years, and the per-file day/month decision."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from app.core.labfiles import NeedsDateOrder
from app.core.labfiles.dates import DateParser, decide_date_order, looks_like_date

TODAY = date(2025, 6, 1)


@pytest.mark.parametrize(
    ("text", "order", "expected"),
    [
        ("2024-03-04", None, datetime(2024, 3, 4)),
        ("2024-03-04T08:15:00Z", None, datetime(2024, 3, 4, 8, 15)),
        ("2024-03-04T08:15:00+05:30", None, datetime(2024, 3, 4, 8, 15)),
        ("2024/03/04", None, datetime(2024, 3, 4)),
        ("2024/03/04 08:15", None, datetime(2024, 3, 4, 8, 15)),
        ("20240304", None, datetime(2024, 3, 4)),
        ("202403040815", None, datetime(2024, 3, 4, 8, 15)),
        ("03/04/2024", "mdy", datetime(2024, 3, 4)),
        ("03/04/2024", "dmy", datetime(2024, 4, 3)),
        ("04.03.2024", None, datetime(2024, 3, 4)),
        ("04.03.2024", "mdy", datetime(2024, 3, 4)),
        ("3/3/2015 11:51 a.m.", "dmy", datetime(2015, 3, 3, 11, 51)),
        ("12/10/2014 4:42 p.m.", "mdy", datetime(2014, 12, 10, 16, 42)),
        ("12/10/2014 12:05 AM", "mdy", datetime(2014, 12, 10, 0, 5)),
        ("7/26/18 6:36", "mdy", datetime(2018, 7, 26, 6, 36)),
        ("21/02/2015 11:55:43", "dmy", datetime(2015, 2, 21, 11, 55, 43)),
        ("24/03/04", "ymd", datetime(2024, 3, 4)),
        ("4-Mar-2024", None, datetime(2024, 3, 4)),
        ("Mar 4, 2024", None, datetime(2024, 3, 4)),
        ("01/02/45", "dmy", datetime(1945, 2, 1)),
        ("01/02/25", "dmy", datetime(2025, 2, 1)),
    ],
)
def test_parse(text: str, order: str | None, expected: datetime) -> None:
    assert DateParser(order, TODAY)(text) == expected


@pytest.mark.parametrize(
    ("text", "order"),
    [
        ("2024-13-01", None),
        ("31/02/2024", "dmy"),
        ("03/04/2024", None),
        ("13:00 p.m.", "dmy"),
        ("1/1/2024 13:00 p.m.", "dmy"),
        ("03/04/2024", "ymd"),
        ("Foo 4, 2024", None),
        ("yesterday", None),
        ("", None),
    ],
)
def test_unreadable(text: str, order: str | None) -> None:
    assert DateParser(order, TODAY)(text) is None


def test_order_is_decided_by_the_file() -> None:
    assert decide_date_order(["03/04/2024", "25/04/2024"]) == "dmy"
    assert decide_date_order(["03/04/2024", "04/25/2024"]) == "mdy"
    assert decide_date_order(["2024-03-04", "04.03.2024"]) is None
    assert decide_date_order(["03/04/2024"], forced="mdy") == "mdy"


def test_ambiguous_and_conflicting_orders_raise_with_samples() -> None:
    with pytest.raises(NeedsDateOrder) as info:
        decide_date_order({"05/06/2024", "03/04/2024"})
    assert info.value.samples == ["03/04/2024", "05/06/2024"]
    assert not info.value.conflicting
    with pytest.raises(NeedsDateOrder) as info:
        decide_date_order(["25/04/2024", "04/25/2024"])
    assert info.value.conflicting


def test_ambiguous_file_asks_then_reads_with_the_chosen_order(read) -> None:
    with pytest.raises(NeedsDateOrder) as info:
        read("ambiguous_dates.csv")
    assert "03/04/2024" in info.value.samples
    day_first = read("ambiguous_dates.csv", date_order="dmy")
    month_first = read("ambiguous_dates.csv", date_order="mdy")
    assert day_first.date_order == "dmy"
    assert day_first.rows[0].collected_at == datetime(2024, 4, 3)
    assert month_first.rows[0].collected_at == datetime(2024, 3, 4)
    assert month_first.rows[1].collected_at == datetime(2024, 5, 6, 8, 30)


def test_us_file_with_two_digit_year_and_birth_dates(read) -> None:
    parsed = read("us_dates.csv")
    assert parsed.date_order == "mdy"
    assert [r.collected_at for r in parsed.rows] == [
        datetime(2024, 3, 4),
        datetime(2024, 4, 25, 14, 30),
        datetime(2023, 12, 31),
    ]
    assert {r.date_of_birth for r in parsed.rows} == {date(1980, 5, 17)}


def test_european_file(read) -> None:
    parsed = read("eu_dates.csv")
    assert parsed.date_order == "dmy"
    assert [r.collected_at for r in parsed.rows] == [
        datetime(2024, 4, 3),
        datetime(2024, 4, 25, 9, 30),
        datetime(2024, 3, 4),
    ]


def test_conflicting_file_asks_and_rows_that_do_not_fit_become_problems(read) -> None:
    with pytest.raises(NeedsDateOrder) as info:
        read("conflicting_dates.csv")
    assert info.value.conflicting
    parsed = read("conflicting_dates.csv", date_order="dmy")
    assert [r.line for r in parsed.rows] == [2]
    assert "day/month/year" in parsed.problems[0].reason


def test_looks_like_date() -> None:
    assert looks_like_date("2024-01-05")
    assert looks_like_date("05/01/2024")
    assert not looks_like_date("Testosterone")
    assert not looks_like_date("12345")
