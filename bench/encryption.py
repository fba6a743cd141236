"""What encryption at rest costs: the same import and chart opening, encrypted vs plain.

Both clinics are made by ``ClinicService.create`` and filled through the same
``Importer.read/preview/commit`` calls; the only difference is the SQLCipher key.
"Open a patient" is what the window does on a click: the chart read (audited), the
regimen, the observations and the evaluation, on a freshly signed-in connection so
the page cache starts cold. Target: encrypted within 1.3x of plain.
"""

from __future__ import annotations

import random
import time
from pathlib import Path

from bench.common import BENCH_TODAY, OUT, median, print_table
from bench.importing import PATIENTS, generate_csv

ROWS = 200_000
OPENED = 200  # patients opened per run
REPEAT = 3
PASSWORD = "amber lighthouse at low tide 88"


def _fresh(path: Path) -> Path:
    for suffix in ("", "-wal", "-shm", ".keys", ".auditkey", ".audit-anchor", ".lock"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    return path


def _create(path: Path, encrypted: bool, params):
    from app.core.models import Patient
    from app.services import ClinicService

    service = ClinicService.create(
        _fresh(path),
        name="Encryption bench",
        admin="bench",
        password=PASSWORD,
        encrypted=encrypted,
        params=params,
        today=lambda: BENCH_TODAY,
    )
    with service.database.transaction():
        service.patients_repo.add_many(
            [
                Patient(None, f"BENCH-{i:05d}", "Bench", f"Patient{i}", BENCH_TODAY, "male")
                for i in range(PATIENTS)
            ]
        )
    return service


def _import(service, data: bytes) -> int:
    from app.services.importing import Importer

    importer = Importer(service)
    parsed = importer.read(data, "bench.csv")
    preview = importer.preview(data, "bench.csv", parsed)
    return importer.commit(preview, data).imported


def _open_patients(path: Path, params, mrns: list[str]) -> tuple[float, float]:
    """Seconds per patient opened: first time after sign-in (cold), then again (warm)."""
    from app.services import ClinicService
    from app.services.findings import FindingsService

    service = ClinicService.sign_in(
        path, "bench", PASSWORD, params=params, today=lambda: BENCH_TODAY
    )
    findings = FindingsService(service)
    ids = [service.find_patient(mrn).id for mrn in mrns]
    service.knowledge  # noqa: B018 (the knowledge base loads once, not per patient)
    per_patient = []
    # First pass: pages come from disk and are decrypted; second: SQLCipher's page cache.
    for _pass in ("cold", "warm"):
        samples = []
        for patient_id in ids:
            started = time.perf_counter()
            service.open_chart(patient_id)
            service.regimen(patient_id)
            service.observations(patient_id)
            findings.evaluate(patient_id)
            samples.append(time.perf_counter() - started)
        # The median: each open writes an audit row, and one slow fsync would swamp a mean.
        per_patient.append(median(samples))
    service.close()
    return per_patient[0], per_patient[1]


def run() -> dict:
    from app.security.kdf import Argon2Params

    # Key derivation happens once at sign-in and is not what this measures: keep it cheap.
    params = Argon2Params(time_cost=1, memory_cost=8192, parallelism=1)
    OUT.mkdir(exist_ok=True)
    source = OUT / "import-200k.csv"
    if not source.exists():
        generate_csv(source, ROWS)
    data = source.read_bytes()
    mrns = random.Random(7).sample([f"BENCH-{i:05d}" for i in range(PATIENTS)], OPENED)
    imports: dict[bool, list[float]] = {True: [], False: []}
    opens: dict[bool, list[float]] = {True: [], False: []}
    warm: dict[bool, list[float]] = {True: [], False: []}
    for _ in range(REPEAT):
        for encrypted in (False, True):  # alternate, so drift hits both alike
            path = OUT / f"encryption-{'on' if encrypted else 'off'}.db"
            service = _create(path, encrypted, params)
            assert service.encrypted == encrypted
            started = time.perf_counter()
            imported = _import(service, data)
            imports[encrypted].append(time.perf_counter() - started)
            service.close()
            cold_s, warm_s = _open_patients(path, params, mrns)
            opens[encrypted].append(cold_s)
            warm[encrypted].append(warm_s)
    plain_import, secret_import = median(imports[False]), median(imports[True])
    plain_open, secret_open = median(opens[False]), median(opens[True])
    plain_warm, secret_warm = median(warm[False]), median(warm[True])
    result = {
        "import_plain_s": plain_import,
        "import_encrypted_s": secret_import,
        "import_ratio": secret_import / plain_import,
        "open_plain_ms": plain_open * 1000,
        "open_encrypted_ms": secret_open * 1000,
        "open_ratio": secret_open / plain_open,
        "open_warm_ratio": secret_warm / plain_warm,
        "imported": imported,
    }
    print_table(
        f"Encryption at rest: {ROWS:,}-row import and {OPENED} patients opened "
        f"(median of {REPEAT}; target <= 1.3x)",
        [
            ("import, plain", f"{plain_import:.1f} s ({imported:,} rows)"),
            ("import, encrypted", f"{secret_import:.1f} s"),
            ("import ratio", f"{result['import_ratio']:.2f}x"),
            ("open a patient (first time), plain", f"{result['open_plain_ms']:.1f} ms"),
            ("open a patient (first time), encrypted", f"{result['open_encrypted_ms']:.1f} ms"),
            ("open ratio (first time)", f"{result['open_ratio']:.2f}x"),
            ("open again, plain", f"{plain_warm * 1000:.1f} ms"),
            ("open again, encrypted", f"{secret_warm * 1000:.1f} ms"),
            ("open ratio (again)", f"{result['open_warm_ratio']:.2f}x"),
        ],
    )
    return result
