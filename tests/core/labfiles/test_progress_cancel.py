"""Progress reports, cancellation, and a medium-sized file end to end."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from app.core.labfiles import ImportCancelled, ReadOptions, read_lab_file


def _long_csv(rows: int) -> bytes:
    start = datetime(2020, 1, 1, 8, 0)
    lines = ["MRN,Test,Result,Units,Reference Range,Collected"]
    for i in range(rows):
        when = start + timedelta(minutes=i)
        lines.append(f"P{i % 50},Zinc,{60 + i % 40}.5,ug/dL,60-120,{when:%Y-%m-%d %H:%M}")
    return ("\n".join(lines) + "\n").encode()


def test_progress_is_reported_at_most_about_a_hundred_times_and_ends_at_one() -> None:
    calls: list[float] = []
    parsed = read_lab_file(
        _long_csv(60_000), "big.csv", ReadOptions(today=date(2025, 1, 1)), progress=calls.append
    )
    assert len(parsed.rows) == 60_000
    assert 3 <= len(calls) <= 110
    assert calls == sorted(calls)
    assert calls[0] == 0.0 and calls[-1] == 1.0


def test_cancel_during_the_rows_stops_the_read() -> None:
    polls: list[int] = []

    def cancelled() -> bool:
        polls.append(1)
        return len(polls) > 2

    with pytest.raises(ImportCancelled):
        read_lab_file(_long_csv(40_000), "big.csv", is_cancelled=cancelled)
    assert len(polls) == 3


def test_cancel_before_start() -> None:
    with pytest.raises(ImportCancelled):
        read_lab_file(b"MRN,Test\nA,B\n", "x.csv", is_cancelled=lambda: True)


def test_cancel_is_polled_in_hl7_and_fhir_readers_too(fixture_bytes) -> None:
    for name in ("oru_batch_sn.hl7", "bundle_comparator_dangling.json"):
        polls: list[int] = []

        def cancelled(polls: list[int] = polls) -> bool:
            polls.append(1)
            return len(polls) > 1

        with pytest.raises(ImportCancelled):
            read_lab_file(fixture_bytes(name), name, is_cancelled=cancelled)


def test_results_are_independent_of_gc_state() -> None:
    import gc

    assert gc.isenabled()
    read_lab_file(_long_csv(10), "x.csv", ReadOptions(today=date(2025, 1, 1)))
    assert gc.isenabled()
