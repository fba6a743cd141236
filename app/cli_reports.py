"""``cofactor report``: a clinician summary or a patient handout as PDF, archived."""

from __future__ import annotations

from pathlib import Path

from app.cli import UserError
from app.services.reports import ReportService


def run_report(service, args) -> int:
    patient = service.find_patient(args.patient)
    if patient is None:
        raise UserError(f"No patient with MRN {args.patient}.")
    out = Path(args.output).expanduser()
    if out.is_dir():
        raise UserError(f"{out} is a folder; give a file name such as report.pdf.")
    reports = ReportService(service)
    report_id, pdf = reports.generate(
        patient.id,
        args.kind,
        as_of=args.as_of,
        ticked_rule_ids=args.tick or (),
        clinician_note=args.note or "",
        discuss=args.discuss or (),
        paper=args.paper,
    )
    reports.save_copy(report_id, out)
    print(f"Report {report_id} ({args.kind}, {len(pdf) // 1024 + 1} KB) written to {out}.")
    return 0
