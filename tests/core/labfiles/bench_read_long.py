"""Time read_lab_file on a generated long CSV (a timing script, not a test).

Run: PYTHONPATH=. .venv/bin/python tests/core/labfiles/bench_read_long.py [rows] [--unique-times]
"""

from __future__ import annotations

import random
import sys
import time
from datetime import date, datetime, timedelta

from app.core.labfiles import ReadOptions, read_lab_file

_ANALYTES = (
    ("Testosterone", "2986-8", "ng/dL", "264-916", 450.0),
    ("Estradiol", "2243-4", "pg/mL", "10-42", 30.0),
    ("SHBG", "13967-5", "nmol/L", "16.5-55.9", 35.0),
    ("Ferritin", "2276-4", "ng/mL", "30-400", 120.0),
    ("Zinc", "5763-8", "ug/dL", "60-120", 85.0),
    ("TSH", "3016-3", "mIU/L", "0.27-4.20", 2.1),
)


def make_csv(rows: int, seed: int = 7, panel: int = len(_ANALYTES)) -> bytes:
    """Build a long CSV of ``rows`` results (about 70 bytes a row).

    Results come in panels: ``panel`` analytes share one draw time, as in a lab export
    (``panel=1`` gives every row its own time, the worst case for date parsing).
    """
    rng = random.Random(seed)
    start = datetime(2015, 1, 1, 7, 0)
    lines = ["MRN,Test,LOINC,Result,Units,Reference Range,Collected,Lab"]
    for i in range(rows):
        name, loinc, unit, ref, centre = _ANALYTES[i % len(_ANALYTES)]
        when = start + timedelta(minutes=7 * (i // panel))
        value = round(centre * rng.uniform(0.5, 1.5), 2)
        cell = f"<{value}" if i % 997 == 0 else f"{value}"
        lines.append(
            f"P{i // 40:07d},{name},{loinc},{cell},{unit},{ref},{when:%Y-%m-%d %H:%M},Quest"
        )
    return ("\n".join(lines) + "\n").encode()


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    panel = 1 if "--unique-times" in sys.argv else len(_ANALYTES)
    data = make_csv(rows, panel=panel)
    calls: list[float] = []
    started, cpu_started = time.perf_counter(), time.process_time()
    parsed = read_lab_file(
        data, "bench.csv", ReadOptions(today=date(2100, 1, 1)), progress=calls.append
    )
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    # CPU time is reported too: on a shared machine the wall clock includes other work.
    print(
        f"{rows:,} rows, {len(data) / 1e6:.1f} MB: wall {elapsed:.2f} s "
        f"({rows / elapsed:,.0f} rows/s), CPU {cpu:.2f} s ({rows / cpu:,.0f} rows/s); "
        f"kept {len(parsed.rows):,}, problems {len(parsed.problems):,}, "
        f"progress calls {len(calls)}"
    )


if __name__ == "__main__":
    main()
