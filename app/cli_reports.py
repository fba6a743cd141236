"""``cofactor report``: a clinician summary or a patient handout as PDF, archived.

With ``--worklist RULE_ID --out-dir DIR`` it writes one PDF per patient on that
worklist (a handout unless ``--kind summary``), each archived and audited.
"""

from __future__ import annotations

import sys
from pathlib import Path

from app.cli import UserError
from app.services.reports import EmptyHandoutError, ReportService


def run_report(service, args) -> int:
    if getattr(args, "worklist", None):
        return run_batch(service, args)
    if args.kind is None:
        raise UserError("Say which report with --kind summary or --kind handout.")
    if not args.output:
        raise UserError("Say where to write the PDF with -o FILE.")
    patient = service.find_patient(args.patient)
    if patient is None:
        raise UserError(f"No patient with MRN {args.patient}.")
    out = Path(args.output).expanduser()
    if out.is_dir():
        raise UserError(f"{out} is a folder; give a file name such as report.pdf.")
    reports = ReportService(service)
    try:
        report_id, pdf = reports.generate(
            patient.id,
            args.kind,
            as_of=args.as_of,
            ticked_rule_ids=args.tick or (),
            clinician_note=args.note or "",
            discuss=args.discuss or (),
            paper=args.paper,
        )
    except EmptyHandoutError as exc:
        raise UserError(
            f"{exc.errors['handout']} Give --tick RULE_ID, --note TEXT or --discuss TOPIC."
        ) from exc
    reports.save_copy(report_id, out)
    print(f"Report {report_id} ({args.kind}, {len(pdf) // 1024 + 1} KB) written to {out}.")
    return 0


def run_batch(service, args) -> int:
    if not args.out_dir:
        raise UserError("Say where to write the PDFs with --out-dir DIR.")
    if args.output:
        raise UserError("-o is for one patient; a worklist writes into --out-dir.")
    out_dir = Path(args.out_dir).expanduser()
    if out_dir.exists() and not out_dir.is_dir():
        raise UserError(f"{out_dir} is a file; give a folder.")
    kind = args.kind or "handout"

    def progress(done: int, total: int) -> None:
        print(f"\r{done}/{total} reports", end="", file=sys.stderr, flush=True)

    result = ReportService(service).batch(
        args.worklist, kind, out_dir, progress=progress, as_of=args.as_of
    )
    if result.total:
        print(file=sys.stderr)
    print(f"{len(result.written)} {kind}(s) for worklist {args.worklist} written to {out_dir}.")
    if result.empty:
        print(
            f"No handout for {', '.join(result.empty)}: none of their findings on this "
            "worklist is shown any more, so the handout would be empty."
        )
    return 0
