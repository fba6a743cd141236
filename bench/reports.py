"""PDF reports: a clinician summary with three trend charts, and a batch of 200 handouts.

Summary: ``ReportService.build`` (chart, evaluation, trend series of three analytes)
plus ``render_pdf``, median over 10 TRT patients of a demo clinic, against a floor
of rendering a one-paragraph PDF with the same fonts and the same renderer settings.
Batch: ``ReportService.batch`` writing 200 handouts (render, archive, audit, save a
copy each) for the first 200 patients on the clinic's worklist; rows/s and the time
extrapolated to 1,000 patients.
"""

from __future__ import annotations

import io
import shutil
import time
from dataclasses import replace

from bench.common import BENCH_TODAY, OUT, median, print_table, timed

PATIENTS = 1_000
SUMMARY_PATIENTS = 10
CHARTS = 3
BATCH = 200


def _clinic():
    """A fresh demo clinic (the batch archives into it, so it is rebuilt each run)."""
    from app.services.demo import build_demo_clinic

    folder = OUT / "reports"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    started = time.perf_counter()
    service, counts = build_demo_clinic(
        folder / "demo.db", patients=PATIENTS, today=BENCH_TODAY, max_draws=None
    )
    print(
        f"  built a {counts.patients:,}-patient demo clinic ({counts.observations:,} results) "
        f"in {time.perf_counter() - started:.1f} s"
    )
    return service, folder


def _floor_pdf() -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.platypus import Paragraph, SimpleDocTemplate

    from app.reports.styles import summary_styles

    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, invariant=1, title="Floor")
    doc.build(
        [Paragraph("One paragraph of text in DejaVu Sans: µ ≤ ≥ α β.", summary_styles().body)]
    )
    return buffer.getvalue()


def _trt_patients(service, n: int) -> list[tuple[int, list[str]]]:
    """``n`` patients on TRT with the first three analytes of their preset that have results."""
    from app.services.series import patient_protocols, presets

    found = []
    for patient_id in range(1, service.count_patients() + 1):
        if "male_trt" not in patient_protocols(service, patient_id):
            continue
        have = {o.analyte_key for o in service.observations(patient_id)}
        keys = [k for k in presets(service, patient_id)["TRT"] if k in have][:CHARTS]
        if len(keys) == CHARTS:
            found.append((patient_id, keys))
        if len(found) == n:
            break
    return found


def run() -> dict:
    from app.reports import render_pdf
    from app.services.findings import FindingsService
    from app.services.reports import ReportService
    from app.services.series import series_for

    service, folder = _clinic()
    reports = ReportService(service)

    _floor_pdf()  # fonts registered, reportlab warmed
    floor_s = median(timed(_floor_pdf, 20))

    samples = []
    patients = _trt_patients(service, SUMMARY_PATIENTS)
    for patient_id, keys in patients:

        def summary(patient_id=patient_id, keys=keys) -> bytes:
            data = reports.build(patient_id, "summary")
            series = series_for(service, patient_id, keys, years=3)
            return render_pdf(replace(data, chart_series=(series,)))

        summary()  # warm
        samples += timed(summary, 1)
    summary_s = median(samples)

    findings = FindingsService(service)
    rules = [r.id for r in findings.rules.rules]
    rows, seen = [], set()
    for row in findings.worklist(rules):
        if row.patient_id in seen or len(seen) < BATCH:
            if row.patient_id not in seen:
                seen.add(row.patient_id)
            rows.append(row)
    started = time.perf_counter()
    result = reports.batch(rows, "handout", folder / "handouts")
    batch_s = time.perf_counter() - started
    per_s = len(result.written) / batch_s
    service.close()

    print_table(
        f"PDF reports, {PATIENTS:,}-patient demo clinic",
        [
            ("floor: one-paragraph PDF, same fonts", f"{floor_s * 1000:.1f} ms"),
            (
                f"clinician summary, {CHARTS} charts (median of {len(patients)} patients)",
                f"{summary_s * 1000:.0f} ms (build + render)",
            ),
            (
                f"batch of {len(result.written)} handouts (archive + audit + file)",
                f"{batch_s:.1f} s, {per_s:.1f} patients/s",
            ),
            ("extrapolated: 1,000 handouts", f"{1000 / per_s:.0f} s"),
        ],
    )
    return {
        "floor_s": floor_s,
        "summary_s": summary_s,
        "batch_s": batch_s,
        "batch_per_s": per_s,
        "written": len(result.written),
    }
