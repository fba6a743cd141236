"""The compact row store: rows come back exactly as added, parts are shared."""

from __future__ import annotations

from dataclasses import astuple
from datetime import date, datetime

from app.core.labfiles import RawResult, ReadOptions, ResultRows, read_lab_file

TODAY = date(2025, 6, 1)


def _result(line: int, **kw) -> RawResult:
    base = dict(
        line=line,
        mrn="M-1",
        analyte_text="Zinc",
        loinc="5763-8",
        raw_value="80",
        value=80.0,
        unit="ug/dL",
        ref_low=60.0,
        ref_high=120.0,
        ref_text="60-120",
        collected_at=datetime(2025, 3, 1, 8, 0),
        lab="Lab",
    )
    base.update(kw)
    return RawResult(**base)


def test_rows_come_back_as_they_went_in():
    results = [
        _result(2),
        _result(3, raw_value="<5", value=5.0, comparator="<", flag="L", note="re-run"),
        _result(4, raw_value="see note", value=None, non_result="text"),
        _result(5, mrn="M-2", date_of_birth=date(1970, 1, 2), sex="female"),
    ]
    rows = ResultRows.from_results(results)
    assert len(rows) == 4
    assert [astuple(r) for r in rows] == [astuple(r) for r in results]
    assert rows == results and rows[-1] == results[-1] and rows[1:3] == results[1:3]
    assert (len(rows.visits), len(rows.tests)) == (2, 1)


def test_changed_dates_and_dropped_rows():
    rows = ResultRows.from_results([_result(2), _result(3), _result(4)])
    rows.set_dates(1, datetime(2024, 1, 1, 9, 30), date(1980, 5, 6))
    assert rows[1].collected_at == datetime(2024, 1, 1, 9, 30)
    assert rows[1].date_of_birth == date(1980, 5, 6)
    assert rows[0].collected_at == datetime(2025, 3, 1, 8, 0)  # the shared visit is untouched
    kept = rows.without({0})
    assert [r.line for r in kept] == [3, 4]
    assert kept[0].collected_at == datetime(2024, 1, 1, 9, 30)


def test_a_day_first_file_fills_its_dates_after_the_order_is_chosen():
    text = "MRN,Test,Result,Units,Collected\nM-1,Zinc,80,ug/dL,03/02/2025\nM-1,Zinc,81,ug/dL,31/01/2025\n"
    parsed = read_lab_file(text.encode(), "x.csv", ReadOptions(today=TODAY))
    assert isinstance(parsed.rows, ResultRows)
    assert [r.collected_at for r in parsed.rows] == [datetime(2025, 2, 3), datetime(2025, 1, 31)]


def test_crlf_and_bare_cr_files_read_the_same_rows():
    text = 'MRN,Test,Result,Units,Note,Collected\nM-1,Zinc,80,ug/dL,"two\nlines",2025-03-01\nM-1,Copper,90,ug/dL,,2025-03-01\n'
    seen = []
    for ending in ("\n", "\r\n", "\r"):
        data = text.replace("\n", ending).replace(f"two{ending}lines", "two\nlines").encode()
        parsed = read_lab_file(data, "x.csv", ReadOptions(today=TODAY))
        seen.append([(r.line, r.analyte_text, r.value, r.note) for r in parsed.rows])
    assert seen[0] == seen[1] == seen[2]
    assert seen[0][0][3] == "two\nlines" and seen[0][1][0] == 4


def test_day_first_duplicates_are_confirmed_by_their_date_text():
    text = (
        "MRN,Test,Result,Units,Collected\n"
        "M-1,Zinc,80,ug/dL,03/02/2025\n"
        "M-1,Zinc,80,ug/dL,04/02/2025\n"
        "M-1,Zinc,80,ug/dL,03/02/2025\n"
        "M-1,Zinc,80,ug/dL,31/01/2025\n"
    )
    parsed = read_lab_file(text.encode(), "x.csv", ReadOptions(today=TODAY))
    assert [r.line for r in parsed.rows] == [2, 3, 5]
    assert [(p.line, p.reason) for p in parsed.problems] == [
        (4, "This row is a duplicate of line 2.")
    ]
