"""A long CSV read by two processes gives exactly the one-process read's result."""

from __future__ import annotations

import random
from dataclasses import MISSING, fields
from datetime import date

import pytest

from app.core.labfiles import (
    FileRejected,
    ImportCancelled,
    NeedsDateOrder,
    ReadOptions,
    csv_split,
    read_lab_file,
)
from app.core.labfiles.csv_context import CsvContext
from app.core.labfiles.csv_split import (
    ChunkWorker,
    TailTask,
    WorkerFailed,
    split_point,
    worth_a_worker,
)

from .conftest import DATA, TODAY

CSV_FIXTURES = sorted(
    p.name for p in DATA.iterdir() if p.suffix in (".csv", ".txt") and p.stat().st_size > 0
)


def _outcome(data: bytes, order: str | None, split: bool, **options: object) -> tuple:
    """Everything a read gives, or the refusal it raised."""
    chosen = ReadOptions(
        today=TODAY,
        date_order=order,
        second_process=split,
        **options,
    )
    try:
        parsed = read_lab_file(data, "file.csv", chosen)
    except (FileRejected, NeedsDateOrder) as exc:
        return (type(exc).__name__, str(exc))
    rows = parsed.rows
    return (
        list(rows),
        parsed.problems,
        parsed.notes,
        parsed.date_order,
        parsed.layout,
        # Parts in the same order, so per-visit and per-test work downstream matches.
        list(rows.visits),
        list(rows.tests),
        list(rows.details),
        list(rows.visit_ids),
        list(rows.test_ids),
        list(rows.detail_ids),
    )


def _same_both_ways(data: bytes, order: str | None, **options: object) -> tuple:
    one = _outcome(data, order, split=False, **options)
    two = _outcome(data, order, split=True, **options)
    assert two == one
    return one


@pytest.mark.parametrize("name", CSV_FIXTURES)
def test_every_fixture_reads_the_same_split(name: str) -> None:
    data = (DATA / name).read_bytes()
    outcome = _same_both_ways(data, None)
    if outcome[0] == "NeedsDateOrder":
        for order in ("dmy", "mdy"):
            _same_both_ways(data, order)


def _messy_csv(seed: int, rows: int, *, crlf: bool = False, dates: str = "iso") -> bytes:
    """A long CSV with what can go wrong near a cut: repeats of earlier rows (also from
    the other half), problems, blank lines, quoted fields, birth dates, censored values."""
    rng = random.Random(seed)
    lines = ["MRN,Name,DOB,Test,LOINC,Result,Units,Reference Range,Collected,Lab,Comment"]
    written: list[str] = []
    for i in range(rows):
        if written and rng.random() < 0.04:
            lines.append(rng.choice(written))  # a repeat of any earlier row
            continue
        kind = rng.random()
        mrn = f"M{rng.randrange(40):03d}"
        day, month = rng.randint(1, 28), rng.randint(1, 12)
        if dates == "iso":
            when = f"2024-{month:02d}-{day:02d} 0{rng.randint(7, 9)}:00"
        else:
            when = f"{day:02d}/{month:02d}/2024 0{rng.randint(7, 9)}:00"
        dob = f"{rng.randint(1, 28):02d}/0{rng.randint(1, 9)}/1970" if dates != "iso" else ""
        test, loinc, unit = rng.choice(
            [("Zinc", "5763-8", "ug/dL"), ("Testosterone, Total", "2986-8", "ng/dL"),
             ("SHBG", "13967-5", "nmol/L"), ("Estradiol", "", "pg/mL")]
        )  # fmt: skip
        value = rng.choice([f"{rng.uniform(1, 900):.1f}", "<5", "12.3 H", "ND", "0.5"])
        comment = ""
        if kind < 0.02:
            value = "abc"  # a problem: text in a numeric column
        elif kind < 0.03:
            when = "2031-01-01 08:00"  # a future date
        elif kind < 0.04:
            comment = '"two\nlines"'  # a quoted field with a line break in it
        elif kind < 0.05:
            lines.append("")  # a blank line
        elif kind < 0.06:
            lines.append("M1,only,three")  # a ragged row
            continue
        elif kind < 0.07:
            comment = '"said ""hi"""'
        name = f'"Doe{i % 7}, Jane"'
        row = f'{mrn},{name},{dob},"{test}",{loinc},{value},{unit},1-10,{when},Lab A,{comment}'
        lines.append(row)
        written.append(row)
    text = "\n".join(lines) + "\n"
    if crlf:
        text = text.replace("\n", "\r\n")
    return text.encode()


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("dates", ["iso", "dmy"])
def test_messy_files_read_the_same_split_in_every_date_order(seed: int, dates: str) -> None:
    data = _messy_csv(seed, 300 + 150 * seed, crlf=seed % 2 == 1, dates=dates)
    for order in (None, "dmy", "mdy", "ymd"):
        _same_both_ways(data, order)


def test_a_repeat_of_a_head_row_in_the_tail_names_the_head_row() -> None:
    header = "MRN,Test,Result,Units,Collected\n"
    row = "A1,Zinc,80,ug/dL,2024-01-02 08:00\n"
    filler = "".join(f"A2,Zinc,{i},ug/dL,2024-01-03 08:00\n" for i in range(50))
    data = (header + row + filler + row + row).encode()
    outcome = _same_both_ways(data, None)
    assert [p.reason for p in outcome[1]] == ["This row is a duplicate of line 2."] * 2


def test_one_time_written_two_ways_across_the_cut_reads_the_same() -> None:
    header = "MRN,Test,Result,Units,Collected\n"
    head = "".join(f"A1,Zinc,{i},ug/dL,2024-01-02 08:00\n" for i in range(40))
    tail = "".join(f"A1,Zinc,{i},ug/dL,2024-01-02T08:00\n" for i in range(40))
    _same_both_ways((header + head + tail).encode(), None)


def test_a_quoted_line_break_across_the_cut_reads_the_same() -> None:
    header = "MRN,Test,Result,Units,Collected,Note\n"
    rows = [f"A1,Zinc,{i},ug/dL,2024-01-02 08:00,\n" for i in range(60)]
    # An unbalanced quote inside an unquoted field defeats the quote count.
    rows[30] = 'A1,Zinc,999,ug/dL,2024-01-02 08:00,5" tube\n'
    rows[31] = 'A1,Zinc,998,ug/dL,2024-01-02 08:00,"a\n' + "b\n" * 1000 + '"\n'
    text = header + "".join(rows)
    cut = split_point(text, len(header))
    assert text.index('"a') < cut < text.index('b\n"')  # the cut falls inside the field
    _same_both_ways(text.encode(), None)


def test_split_point_is_a_line_start_outside_quotes() -> None:
    text = 'h\n"a\nb",1\nc,2\nd,3\n'
    cut = split_point(text, 2, share=0.1)
    assert text[cut - 1] == "\n"
    assert text[:cut].count('"') % 2 == 0
    assert split_point("h\nonly\n", 2) == 0


def test_progress_and_cancel_while_split() -> None:
    data = _messy_csv(9, 20_000)
    calls: list[float] = []
    parsed = read_lab_file(
        data, "big.csv", ReadOptions(today=TODAY, second_process=True), progress=calls.append
    )
    assert parsed.rows
    assert calls == sorted(calls) and calls[-1] == 1.0
    polls: list[int] = []

    def cancelled() -> bool:
        polls.append(1)
        return len(polls) > 2

    with pytest.raises(ImportCancelled):
        read_lab_file(
            data,
            "big.csv",
            ReadOptions(today=date(2025, 6, 1), second_process=True),
            is_cancelled=cancelled,
        )


def test_small_files_never_start_a_worker() -> None:
    assert not worth_a_worker(1_000_000)


def test_a_worker_that_fails_says_so_and_one_waiting_is_stopped() -> None:
    worker = ChunkWorker()
    try:
        # A context the worker cannot build a reader from: it answers with its failure.
        worker.send(TailTask("A1,Zinc\n", 1, ",", {"no such field": 1}))
        with pytest.raises(WorkerFailed, match="TypeError"):
            worker.tail(lambda: None)
    finally:
        worker.close()
    idle = ChunkWorker()  # never sent a task: closing it must not wait for one
    idle.close()


def test_the_worker_gets_every_field_that_describes_the_file() -> None:
    # What a read fills in starts empty in the worker; anything else (a field added
    # later too) travels to it. A new field filled by the read must be named there.
    filled = {f.name for f in fields(CsvContext) if f.default_factory is not MISSING}
    assert filled == csv_split._PRODUCED
