"""Evaluate every patient of a 10,000-patient demo clinic (full lab histories).

Floor: reading every patient's record, regimen and results from the store, the
part of the work that is not the engine. Ours: the same reads plus ``evaluate``
for each patient (findings only, as the worklist runs it), in one process and
split across two worker processes (this machine has two cores).
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


def _read_all(path: Path, ids: list[int]) -> int:
    service = _open(path)
    rows = 0
    for pid in ids:
        service.get_patient(pid)
        rows += len(service.regimen(pid)) + len(service.observations(pid))
    service.close()
    return rows


def _evaluate_all(path: Path, ids: list[int]) -> int:
    from app.core.evaluation import EvaluationOptions, evaluate

    service = _open(path)
    kb = service.knowledge
    options = EvaluationOptions(include_checks=False)
    findings = 0
    for pid in ids:
        evaluation = evaluate(
            service.get_patient(pid),
            service.regimen(pid),
            service.observations(pid),
            kb,
            BENCH_TODAY,
            options=options,
        )
        findings += len(evaluation.findings)
    service.close()
    return findings


def run() -> dict:
    clinic = demo_clinic(PATIENTS, max_draws=None)
    ids = list(range(1, PATIENTS + 1))
    _evaluate_all(clinic, ids[:50])  # warm the KB parse cache and the OS file cache
    started = time.perf_counter()
    rows = _read_all(clinic, ids)
    floor_s = time.perf_counter() - started
    started = time.perf_counter()
    findings = _evaluate_all(clinic, ids)
    one_s = time.perf_counter() - started
    # Two processes cannot share one SQLite lock file holder: run the halves on copies.
    copies = []
    for n in (1, 2):
        copy = clinic.with_name(f"{clinic.stem}-copy{n}.db")
        if not copy.exists():
            copy.write_bytes(clinic.read_bytes())
            for suffix in (".auditkey", ".audit-anchor"):
                side = Path(str(clinic) + suffix)
                if side.exists():
                    Path(str(copy) + suffix).write_bytes(side.read_bytes())
        copies.append(copy)
    started = time.perf_counter()
    with ProcessPoolExecutor(2) as pool:
        two = sum(pool.map(_evaluate_all, copies, [ids[0::2], ids[1::2]]))
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
            ("floor: read every patient's records", f"{floor_s:.1f} s"),
            ("read + evaluate, one process", f"{one_s:.1f} s ({findings:,} findings)"),
            ("read + evaluate, two processes", f"{two_s:.1f} s ({two:,} findings)"),
            ("target", "<= 5 s"),
        ],
    )
    return result
