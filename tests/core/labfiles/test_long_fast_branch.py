"""The long-CSV loop's fast branch (``csv_long_fast``) reads every file as the full loop does.

Each file is read twice, once with the fast branch and once with every row through
the full row loop (``csv_long._FAST_BRANCH = False``), and everything compared: the
rows column by column and their parts in order, problems, notes, date order; and at
the loop's own level the rows still waiting for the date order, the collection-date
texts read, the progress reports, and where a read that stops at a line stops.
"""

from __future__ import annotations

import contextlib
import csv
import random
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.core.labfiles import (
    FileRejected,
    ImportCancelled,
    NeedsDateOrder,
    ReadOptions,
    csv_long,
    csv_reader,
    read_lab_file,
)
from app.core.labfiles.csv_context import CsvContext, text_lines
from app.core.labfiles.csv_split import context_fields
from app.core.labfiles.finish import Ticker

from .conftest import DATA, TODAY
from .test_split_read import CSV_FIXTURES, _messy_csv


@contextlib.contextmanager
def _loop(fast: bool, sample: int | None = None, rest: int | None = None) -> Iterator[None]:
    """Read with or without the fast branch (and optionally judge it over fewer rows)."""
    saved = csv_long._FAST_BRANCH, csv_long._SAMPLE, csv_long._REST
    csv_long._FAST_BRANCH = fast
    csv_long._SAMPLE = sample or saved[1]
    csv_long._REST = rest or saved[2]
    try:
        yield
    finally:
        csv_long._FAST_BRANCH, csv_long._SAMPLE, csv_long._REST = saved


def _rows(rows) -> tuple:  # noqa: ANN001 - ResultRows
    """Every column of the rows and every part, in order (NaN compared as bytes)."""
    return (
        list(rows.lines),
        list(rows.raw_values),
        rows.values.tobytes(),
        list(rows.visit_ids),
        list(rows.test_ids),
        list(rows.detail_ids),
        list(rows.visits),
        list(rows.tests),
        list(rows.details),
    )


class _Spy:
    """Records what ``read_long`` left in the context: the loop-level outcome."""

    def __init__(self) -> None:
        self.seen: list[tuple] = []
        self.real = csv_long.read_long

    def __call__(self, ctx: CsvContext, reader, ticker: Ticker, stop: int = -1) -> int:  # noqa: ANN001
        fields = context_fields(ctx)
        start = reader.line_num
        returned = self.real(ctx, reader, ticker, stop)
        self.seen.append(
            (
                returned,
                _rows(ctx.rows),
                list(ctx.pending),
                list(ctx.problems),
                dict(ctx.collected),
                fields,
                start,
            )
        )
        return returned


def _outcome(data: bytes, fast: bool, order: str | None = None, **loop: int) -> tuple:
    """Everything a one-process read gives (or the refusal it raised), and the loop's
    own outcome."""
    spy = _Spy()
    options = ReadOptions(today=TODAY, date_order=order, second_process=False)
    saved = csv_reader.read_long
    csv_reader.read_long = spy
    try:
        with _loop(fast, **loop):
            parsed = read_lab_file(data, "file.csv", options)
    except (FileRejected, NeedsDateOrder) as exc:
        return (type(exc).__name__, str(exc), spy.seen)
    finally:
        csv_reader.read_long = saved
    return (
        _rows(parsed.rows),
        parsed.problems,
        parsed.notes,
        parsed.date_order,
        parsed.layout,
        spy.seen,
    )


def _same(data: bytes, order: str | None = None, **loop: int) -> tuple:
    full = _outcome(data, fast=False, order=order)
    fast = _outcome(data, fast=True, order=order, **loop)
    assert fast == full
    return full


@pytest.mark.parametrize("name", CSV_FIXTURES)
def test_every_fixture_reads_the_same(name: str) -> None:
    data = (DATA / name).read_bytes()
    outcome = _same(data)
    if outcome[0] == "NeedsDateOrder":
        for order in ("dmy", "mdy"):
            _same(data, order)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("dates", ["iso", "dmy"])
def test_messy_files_read_the_same(seed: int, dates: str) -> None:
    data = _messy_csv(seed, 300 + 150 * seed, crlf=seed % 2 == 1, dates=dates)
    for order in (None, "dmy", "mdy", "ymd"):
        _same(data, order)
        # The fast branch switched off and on again every few rows.
        _same(data, order, sample=7, rest=5)


def test_the_fast_branch_reads_plain_rows() -> None:
    """The comparisons mean something: plain rows do take the fast branch."""
    data = _messy_csv(1, 400)
    made: list[csv_long.FastTexts] = []
    real = csv_long.FastTexts

    def spying(ctx: CsvContext, born_of: dict) -> csv_long.FastTexts:
        made.append(real(ctx, born_of))
        return made[-1]

    csv_long.FastTexts = spying
    try:
        rows = _outcome(data, fast=True)[0]
    finally:
        csv_long.FastTexts = real
    (texts,) = made
    # Nearly every visit of the rows was first kept by the fast branch (which numbered it).
    numbered = [v for v in texts.visits.values() if v is not csv_long.ODD and v[0] >= 0]
    assert len(numbered) > 0.9 * len(rows[6]) > 30
    assert len(rows[0]) > 300


# -- files made to mix plain rows with every kind of odd one ------------------------------

_COLUMNS = {
    "MRN": ["M1", "M2", " M1", "M3", "", "=cmd|' /c calc'!A0"],
    "Patient ID": ["P1", "P2", ""],
    "Sample ID": ["S1", "S2", ""],
    "Patient Name": ["Doe, Jane", "John Smith", "ROE^RICHARD", ""],
    "Last Name": ["Doe", "", "Roe "],
    "First Name": ["Jane", "", "Rick"],
    "DOB": ["1970-01-02", "02/03/1971", "", "2090-01-01", "garbage"],
    "Sex": ["M", "f", " female ", "", "x"],
    "Test": ["Zinc", "Testosterone, Total", "SHBG", " Estradiol ", "", "@SUM(A1)"],
    "LOINC": ["5763-8", "2986-8", "", "13967-5"],
    "Code": ["ZN", "2986-8", "", "E2"],
    "Result": ["12.5", "12.5", "<5", "12.3 H", "ND", "", "abc", "nan", "1_000", " 7 ", "5 ng/dL",
               "-2", ">1000", "inf", "0.5", "3,5"],
    "Units": ["ug/dL", "ng/dL", "", " pg/mL", "10^3/uL"],
    "Reference Range": ["1-10", "", "<5", "10 - 42", "bad"],
    "Low": ["1", "", "x"],
    "High": ["10", "", "<20"],
    "Flag": ["", "H", "L", "High", "(A)"],
    "Collected": ["2024-01-02 08:00", "2024-01-02 08:00", "02/01/2024 08:00", "03/04/2024",
                  "2024-01-03", "", "2031-01-01 08:00", "not a date", "2024-01-02T08:00:00Z"],
    "Time": ["08:00", "", "9:30"],
    "Lab": ["Lab A", "Lab A ", "", "Lab B"],
    "Type": ["", "NM", "TX", "text"],
    "Comment": ["", "hi", "two words", '"a, quoted"'],
}  # fmt: skip
_NAMES = list(_COLUMNS)


@st.composite
def _long_csv(draw: st.DrawFn) -> bytes:
    required = ["Result", "Collected"]
    optional = [n for n in _NAMES if n not in required]
    chosen = draw(st.lists(st.sampled_from(optional), min_size=1, max_size=8, unique=True))
    if not {"Test", "LOINC", "Code"} & set(chosen):
        chosen.append("Test")
    columns = [n for n in _NAMES if n in chosen or n in required]
    rng = random.Random(draw(st.integers(0, 2**32)))
    plain_share = draw(st.sampled_from([0.5, 0.9, 1.0]))
    lines = [",".join(columns)]
    written: list[str] = []
    for _ in range(draw(st.integers(1, 120))):
        kind = rng.random()
        if written and kind < 0.06:
            lines.append(rng.choice(written))  # a repeat of an earlier row
            continue
        if kind < 0.08:
            lines.append("")
            continue
        if kind < 0.10:
            lines.append(",".join(["x"] * rng.randint(1, len(columns) + 2)))  # ragged
            continue
        if kind < 0.11:
            lines.append("," * (len(columns) - 1))  # a padding row
            continue
        cells = []
        for name in columns:
            pool = _COLUMNS[name]
            # Mostly the first (plain) choices, so runs of plain rows come up.
            cell = pool[rng.randrange(2)] if rng.random() < plain_share else rng.choice(pool)
            if "," in cell and not cell.startswith('"'):
                cell = f'"{cell}"'
            cells.append(cell)
        row = ",".join(cells)
        lines.append(row)
        written.append(row)
    text = "\n".join(lines) + draw(st.sampled_from(["\n", "", "\n\n"]))
    return text.encode()


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_long_csv(), st.sampled_from([None, "dmy", "mdy"]), st.sampled_from([None, 3]))
def test_generated_files_read_the_same(data: bytes, order: str | None, sample: int | None) -> None:
    if sample:
        _same(data, order, sample=sample, rest=2)
    else:
        _same(data, order)


# -- the loop itself: a stop line, progress, cancellation ---------------------------------


def _replay(data: bytes, fast: bool, stop: int, every: int) -> tuple:
    """Call ``read_long`` on the file's context as the reader would, with ``stop``."""
    spy = _outcome(data, fast=False)[-1]
    if not spy:
        return ()
    fields, start = spy[0][5], spy[0][6]
    text = data.decode("utf-8")
    ctx = CsvContext(**fields)
    reader = csv.reader(text_lines(text, "LF"), delimiter=",")
    while reader.line_num < start:
        next(reader)
    calls: list[float] = []
    with _loop(fast):
        returned = csv_long.read_long(ctx, reader, Ticker(calls.append, None, every), stop)
    return (
        returned,
        _rows(ctx.rows),
        list(ctx.pending),
        ctx.problems,
        ctx.collected,
        calls,
        reader.line_num,
    )


@pytest.mark.parametrize("seed", range(3))
def test_a_read_that_stops_at_a_line_stops_the_same(seed: int) -> None:
    data = _messy_csv(seed, 200)
    last = data.count(b"\n")
    for stop in (-1, 0, 1, 2, 3, 50, 51, 100, last - 1, last, last + 5):
        for every in (1, 7, 10_000):
            assert _replay(data, True, stop, every) == _replay(data, False, stop, every)


def _cancelled_after(data: bytes, fast: bool, checks: int) -> tuple:
    """Read ``data``'s rows until the ``checks``-th cancellation check says stop."""
    fields, start = _outcome(data, fast=False)[-1][0][5:7]
    ctx = CsvContext(**fields)
    reader = csv.reader(text_lines(data.decode(), "LF"))
    while reader.line_num < start:
        next(reader)
    asked: list[int] = []

    def cancelled() -> bool:
        asked.append(1)
        return len(asked) >= checks

    with _loop(fast), pytest.raises(ImportCancelled):
        csv_long.read_long(ctx, reader, Ticker(None, cancelled, 9))
    return _rows(ctx.rows), ctx.problems, reader.line_num


@pytest.mark.parametrize("checks", [1, 2, 5, 20])
def test_cancelling_stops_at_the_same_row(checks: int) -> None:
    data = _messy_csv(2, 300)
    assert _cancelled_after(data, True, checks) == _cancelled_after(data, False, checks)


def test_a_plain_file_with_a_time_written_two_ways() -> None:
    """One collection time written two ways: both texts are remembered, as the loop does."""
    rows = [
        "MRN,Test,Result,Units,Collected",
        "M1,Zinc,80,ug/dL,2024-01-02 08:00",
        "M1,SHBG,30,nmol/L,2024-01-02T08:00",
        "M1,Zinc,80,ug/dL,2024-01-02T08:00",  # the same result at the same time: a repeat
        "M1,Zinc,80,ug/dL,2024-01-02 08:00",
    ]
    data = ("\n".join(rows) + "\n").encode()
    outcome = _same(data)
    # Repeats are found on the texts as written: line 4 is kept, line 5 repeats line 2.
    assert [(p.line, p.reason) for p in outcome[1]] == [(5, "This row is a duplicate of line 2.")]
    assert outcome[0][0] == [2, 3, 4]


def test_a_test_named_with_its_unit_reads_the_same_in_both_branches() -> None:
    lines = ["MRN,Test,Result,Units,Collected"]
    for day in range(1, 29):
        when = f"2024-02-{day:02d} 08:00"
        lines += [
            f"R1,Ferritin (ng/mL),{80 + day},,{when}",  # the unit only in the name
            f"R1,Zinc (ug/dL),{70 + day},ug/dL,{when}",  # the same unit in both
            f"R1,Magnesium (mg/dL),0.{80 + day % 9},mmol/L,{when}",  # two units: kept whole
        ]
    data = ("\n".join(lines) + "\n").encode()
    rows = _same(data, sample=7, rest=5)[0]
    tests = {(t.analyte_text, t.unit) for t in rows[7]}
    assert tests == {
        ("Ferritin", "ng/mL"),
        ("Zinc", "ug/dL"),
        ("Magnesium (mg/dL)", "mmol/L"),
    }
