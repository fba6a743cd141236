"""Evaluate every patient of a 10,000-patient demo clinic (full lab histories).

Floor: reading the whole clinic the way the clinic-wide evaluation reads it
(patients, regimens and one streamed query over every result), without the
engine. Ours: the same read plus ``evaluate`` for each patient (findings only,
as the worklist runs it), in one process and split across two processes.
"""

from __future__ import annotations

import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from bench.common import BENCH_TODAY, demo_clinic, print_table

PATIENTS = 10_000


def _open(path: Path):
    from app.services import ClinicService

    return ClinicService.open_demo(path, today=lambda: BENCH_TODAY)


def _read_all(path: Path) -> int:
    service = _open(path)
    rows = len(service.patients_repo.all())
    rows += sum(len(v) for v in service.regimen_repo.all_by_patient().values())
    rows += sum(len(batch) for _, batch in service.observations_repo.stream_by_patient())
    service.close()
    return rows


def _evaluate_all(path: Path, part: int = 0, parts: int = 1) -> int:
    """Findings for every patient whose id falls in this part (ids split round-robin)."""
    from app.services.findings import FindingsService

    service = _open(path)
    findings = 0
    for _patient, evaluation in FindingsService(service).evaluate_clinic(BENCH_TODAY, part, parts):
        findings += len(evaluation.findings)
    service.close()
    return findings


def _copies(clinic: Path, n: int) -> list[Path]:
    """Each process needs its own file: one clinic file is locked by one process."""
    found = []
    for number in range(1, n + 1):
        copy = clinic.with_name(f"{clinic.stem}-copy{number}.db")
        if not copy.exists():
            copy.write_bytes(clinic.read_bytes())
            for suffix in (".auditkey", ".audit-anchor"):
                side = Path(str(clinic) + suffix)
                if side.exists():
                    Path(str(copy) + suffix).write_bytes(side.read_bytes())
        found.append(copy)
    return found


def run() -> dict:
    clinic = demo_clinic(PATIENTS, max_draws=None)
    _read_all(clinic)  # warm the OS file cache
    started = time.perf_counter()
    rows = _read_all(clinic)
    floor_s = time.perf_counter() - started
    started = time.perf_counter()
    findings = _evaluate_all(clinic)
    one_s = time.perf_counter() - started
    copies = _copies(clinic, 2)
    started = time.perf_counter()
    with ProcessPoolExecutor(2) as pool:
        two = sum(pool.map(_evaluate_all, copies, [0, 1], [2, 2]))
    two_s = time.perf_counter() - started
    result = {
        "floor_s": floor_s,
        "one_process_s": one_s,
        "two_processes_s": two_s,
        "findings": findings,
        "rows": rows,
    }
    print_table(
        f"Evaluate every patient, {PATIENTS:,}-patient demo clinic ({rows:,} records read)",
        [
            ("floor: read the whole clinic in one pass", f"{floor_s:.1f} s"),
            ("read + evaluate, one process", f"{one_s:.1f} s ({findings:,} findings)"),
            ("read + evaluate, two processes", f"{two_s:.1f} s ({two:,} findings)"),
            ("target", "<= 5 s"),
        ],
    )
    return result
