"""A lab import killed with SIGKILL at random points leaves a sound clinic and no half batch.

security.md D1/D2: the database survives a process crash (``integrity_check`` ok) and
an import is all-or-nothing. A worker subprocess reads and previews a 200,000-row
long-layout CSV once, closes the clinic, then forks one child per run; each child
opens its own copy of the clinic and commits the batch, and the worker SIGKILLs it
after a random delay. Forking happens only with no SQLite connection open (forking
with one open is a documented corruption path), and the pytest process never forks.
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest

from app.core.models import Patient
from app.services import ClinicService
from app.store.sqlite import dbapi2

ROWS = 200_000
PATIENTS = 500
KILLS = 20
TODAY = date(2026, 11, 23)
ANALYTES = [
    ("Testosterone, Total", "2986-8", "ng/dL", 300, 900),
    ("SHBG", "13967-5", "nmol/L", 15, 80),
    ("Albumin", "1751-7", "g/dL", 3.6, 5.0),
    ("Estradiol", "2243-4", "pg/mL", 8, 60),
    ("Hematocrit", "4544-3", "%", 40, 54),
    ("Hemoglobin", "718-7", "g/dL", 12, 18),
    ("PSA", "2857-1", "ng/mL", 0.2, 4),
    ("Ferritin", "2276-4", "ng/mL", 20, 300),
    ("TSH", "3016-3", "mIU/L", 0.4, 4.5),
    ("Vitamin D, 25-Hydroxy", "62292-8", "ng/mL", 12, 70),
]

WORKER = r"""
import json, os, random, shutil, signal, sys, time
from datetime import date
from pathlib import Path
from app.services import ClinicService
from app.services.importing import Importer

source, template, workdir = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
kills, seed = int(sys.argv[4]), int(sys.argv[5])
today = date.fromisoformat(sys.argv[6])
rng = random.Random(seed)
data = source.read_bytes()
service = ClinicService.open_demo(template, today=lambda: today)
knowledge = service.knowledge
importer = Importer(service)
preview = importer.preview(data, source.name, importer.read(data, source.name))
expected = preview.count("new")
service.close()  # no connection may be open across fork()

def start(run):
    folder = workdir / f"run{run:02d}"
    folder.mkdir()
    clinic = folder / "clinic.db"
    shutil.copyfile(template, clinic)  # the template is closed: a plain copy is safe
    pid = os.fork()
    if pid == 0:
        try:
            child = ClinicService.open_demo(clinic, today=lambda: today, knowledge=knowledge)
            Importer(child).commit(preview, data)
            child.close()
        finally:
            os._exit(0)
    return pid, clinic, time.perf_counter()

def report(run, clinic, delay, status, took):
    print(json.dumps({"run": run, "clinic": str(clinic), "delay": delay,
                      "killed": os.WIFSIGNALED(status), "seconds": took,
                      "expected": expected}), flush=True)

# Run 0 is not killed: it proves the import works and measures how long a commit takes.
pid, clinic, started = start(0)
_, status = os.waitpid(pid, 0)
window = time.perf_counter() - started
report(0, clinic, None, status, window)
# Two children at a time (one per core); each is killed at a random point of a window
# a little longer than a whole commit, so a few kills land after it finished (capped
# at 8 s so a slow machine keeps the file near a minute; its kills then land earlier).
# A child that finishes before its kill time is not a kill: start more until there
# have been enough kills (bounded, so a very slow machine still ends).
killed, next_run, running = 0, 1, {}
while running or (killed < kills and next_run <= kills + 10):
    while killed + len(running) < kills and next_run <= kills + 10 and len(running) < 2:
        run, next_run = next_run, next_run + 1
        pid, clinic, started = start(run)
        running[pid] = (run, clinic, started, rng.uniform(0.0, 1.05 * min(window, 8.0)))
    for pid, (run, clinic, started, delay) in list(running.items()):
        done, status = os.waitpid(pid, os.WNOHANG)
        if done == 0 and time.perf_counter() - started >= delay:
            os.kill(pid, signal.SIGKILL)
            done, status = os.waitpid(pid, 0)
        if done:
            killed += os.WIFSIGNALED(status)
            report(run, clinic, delay, status, time.perf_counter() - started)
            del running[pid]
    time.sleep(0.005)
"""


def _write_csv(path: Path) -> None:
    # One visit per patient per day, 10 analytes each: every row is a distinct result.
    first = date(2024, 1, 1)
    with open(path, "w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(
            ["MRN", "Test", "LOINC", "Result", "Units", "Reference Range", "Collected", "Lab"]
        )
        for visit in range(ROWS // len(ANALYTES)):
            mrn = f"CRASH-{visit % PATIENTS:04d}"
            day = first + timedelta(days=visit // PATIENTS)
            when = f"{day.isoformat()} 08:{visit % 60:02d}"
            for n, (name, loinc, unit, low, high) in enumerate(ANALYTES):
                value = low + (high - low) * ((visit * 7 + n * 13) % 100) / 100
                writer.writerow(
                    [mrn, name, loinc, f"{value:.1f}", unit, f"{low}-{high}", when, "Crash Lab"]
                )


@pytest.fixture(scope="session")
def crash_inputs(tmp_path_factory, kb):
    """The CSV and a closed demo clinic holding its patients, built once per session."""
    folder = tmp_path_factory.mktemp("crash")
    source = folder / "results.csv"
    _write_csv(source)
    template = folder / "template.db"
    service = ClinicService.create(
        template, name="Crash test", demo=True, today=lambda: TODAY, knowledge=kb
    )
    with service.database.transaction():
        service.patients_repo.add_many(
            [
                Patient(None, f"CRASH-{i:04d}", "Test", f"Patient{i}", date(1970, 1, 1), "male")
                for i in range(PATIENTS)
            ]
        )
    service.close()
    return source, template


OBSERVATION_INDEXES = ["observations_by_batch", "observations_identity"]


def _state(clinic: Path) -> tuple[str, int, int, int]:
    """Open a clinic the way the app would after a crash: integrity, batches, rows, audit.

    A 200,000-row batch into an empty table takes the path that drops the indexes and
    rebuilds them in the same transaction; a kill at any point must leave all of them.
    """
    conn = dbapi2.connect(str(clinic), isolation_level=None)
    try:
        integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
        batches = conn.execute("SELECT count(*) FROM import_batches").fetchone()[0]
        rows = conn.execute(
            "SELECT count(*) FROM observations WHERE batch_id IS NOT NULL"
        ).fetchone()[0]
        audited = conn.execute(
            "SELECT count(*) FROM audit_events WHERE action = 'import' AND patient_id IS NULL"
        ).fetchone()[0]
        # The batch's per-patient rows are written in its transaction too: all or none.
        charts = conn.execute(
            "SELECT count(DISTINCT patient_id) FROM audit_events WHERE action = 'import'"
        ).fetchone()[0]
        patients = conn.execute(
            "SELECT count(DISTINCT patient_id) FROM observations WHERE batch_id IS NOT NULL"
        ).fetchone()[0]
        assert charts == patients
        indexes = [
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'index' "
                "AND tbl_name = 'observations' AND sql IS NOT NULL ORDER BY name"
            )
        ]
        assert indexes == OBSERVATION_INDEXES, clinic
    finally:
        conn.close()
    return integrity, batches, rows, audited


@pytest.mark.slow  # about 45 s; it still runs in every suite run (nothing deselects slow)
@pytest.mark.skipif(sys.platform == "win32", reason="needs fork() and SIGKILL")
def test_killed_imports_leave_a_sound_clinic_and_all_or_nothing(crash_inputs, tmp_path):
    source, template = crash_inputs
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            WORKER,
            str(source),
            str(template),
            str(tmp_path),
            str(KILLS),
            "20261123",
            TODAY.isoformat(),
        ],
        capture_output=True,
        text=True,
        timeout=150,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert done.returncode == 0, done.stderr[-2000:]
    runs = [json.loads(line) for line in done.stdout.splitlines()]
    assert len(runs) > KILLS
    expected = runs[0]["expected"]
    assert expected == ROWS

    outcomes = {"present": 0, "absent": 0}
    for run in runs:
        integrity, batches, rows, audited = _state(Path(run["clinic"]))
        where = f"run {run['run']} (killed after {run['delay']} s)"
        assert integrity == "ok", where
        assert (batches, rows, audited) in ((0, 0, 0), (1, expected, 1)), where
        outcomes["present" if batches else "absent"] += 1
    assert not runs[0]["killed"] and _state(Path(runs[0]["clinic"]))[1] == 1
    assert sum(run["killed"] for run in runs) >= 20
    # Kills land before and during the commit: most leave nothing behind.
    assert outcomes["absent"] >= 10
