"""Shared helpers: cached demo clinics, medians and percentiles, table printing."""

from __future__ import annotations

import platform
import statistics
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

OUT = Path(__file__).resolve().parent / "out"
BENCH_TODAY = date(2026, 11, 23)


def demo_clinic(patients: int, max_draws: int | None) -> Path:
    """A demo clinic of this size, built once and reused by later runs."""
    from app.services.demo import build_demo_clinic

    OUT.mkdir(exist_ok=True)
    path = OUT / f"demo-{patients}-{max_draws or 'all'}.db"
    if not path.exists():
        started = time.perf_counter()
        service, counts = build_demo_clinic(
            path, patients=patients, max_draws=max_draws, today=BENCH_TODAY
        )
        service.close()
        print(
            f"  built {path.name}: {counts.patients} patients, {counts.observations} results "
            f"in {time.perf_counter() - started:.1f} s"
        )
    return path


def timed(fn: Callable[[], object], repeat: int) -> list[float]:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - started)
    return samples


def percentile(samples: list[float], pct: float) -> float:
    ordered = sorted(samples)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))
    return ordered[index]


def median(samples: list[float]) -> float:
    return statistics.median(samples)


def machine() -> str:
    import os

    return f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"


def print_table(title: str, rows: list[tuple[str, str]]) -> None:
    width = max(len(r[0]) for r in rows)
    print(f"\n{title}")
    for name, value in rows:
        print(f"  {name:<{width}}  {value}")
