"""``cofactor patients import``: a patient list into the clinic, as File > Import patient list."""

from __future__ import annotations

import json
from pathlib import Path

from app.cli import UserError
from app.core.labfiles import FileRejected, NeedsDateOrder
from app.core.labfiles.role_labels import describe_columns
from app.services.patient_list_import import PatientListChanged, PatientListImporter

_SHOWN = 20  # problems and refusals printed; --json carries them all


def run_patient_list(service, args) -> int:
    importer = PatientListImporter(service)
    path = Path(args.file).expanduser()
    try:
        preview = importer.preview(path, args.date_order)
    except NeedsDateOrder as exc:
        raise UserError(f"{exc} Run again with --date-order dmy or --date-order mdy.") from exc
    except FileRejected as exc:
        raise UserError(str(exc)) from exc
    added: list[int] = []
    if not args.dry_run and preview.new:
        try:
            added = importer.add(preview)
        except PatientListChanged as exc:
            raise UserError(str(exc)) from exc
    listing = preview.listing
    if args.json:
        print(json.dumps(_as_json(preview, added, args.dry_run), indent=2))
        return 0
    print(f"{listing.file_name}: {listing.encoding}, columns {describe_columns(listing.columns)}")
    print(f"  {preview.summary}")
    for problem in listing.problems[:_SHOWN]:
        print(f"  line {problem.line} ({problem.column}): {problem.reason}")
    for listed, reason in preview.refused[:_SHOWN]:
        print(f"  line {listed.line}: not added: {reason}")
    hidden = max(0, len(listing.problems) - _SHOWN) + max(0, len(preview.refused) - _SHOWN)
    if hidden:
        print(f"  ... and {hidden} more (--json lists every one)")
    if args.dry_run:
        print(f"Dry run: nothing added ({len(preview.new)} would be).")
    else:
        print(f"Added {len(added)} patients.")
    return 0


def _as_json(preview, added: list[int], dry_run: bool) -> dict:
    listing = preview.listing
    return {
        "file": listing.file_name,
        "sha256": preview.sha256,
        "encoding": listing.encoding,
        "columns": listing.columns,
        "date_order": listing.date_order,
        "rows_read": listing.rows_read,
        "new": len(preview.new),
        "already_in_clinic": len(preview.already),
        "refused": [{"line": p.line, "mrn": p.mrn, "reason": r} for p, r in preview.refused],
        "problems": [
            {"line": p.line, "column": p.column, "reason": p.reason} for p in listing.problems
        ],
        "dry_run": dry_run,
        "added": len(added),
    }
