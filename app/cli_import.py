"""``cofactor import``: the same read → preview → commit steps as the import wizard."""

from __future__ import annotations

import json
from pathlib import Path

from app.cli import UserError as ImportUserError
from app.core.importing import normal_test_name
from app.core.labfiles import FileRejected, NeedsDateOrder, ReadOptions
from app.services.importing import (
    NOT_TRACKED,
    AssignmentError,
    Importer,
    NothingToImport,
    apply_profile,
    problems_report,
    profile_settings,
)


def _options(args, importer: Importer) -> tuple[ReadOptions, str]:
    options = ReadOptions(date_order=args.date_order, default_collected_at=args.collected_at)
    if args.column:
        columns = {}
        for choice in args.column:
            role, sep, header = choice.partition("=")
            if not sep:
                raise ImportUserError(f"--column {choice}: write it as ROLE=HEADER.")
            columns[role.strip()] = header.strip()
        options.column_map = columns
    profile_name = ""
    if args.profile:
        settings = importer.profile(args.profile)
        if settings is None:
            raise ImportUserError(f"No import profile named {args.profile!r}.")
        profile_name = args.profile
        apply_profile(options, settings)
    return options, profile_name


def run_import(service, args) -> int:
    path = Path(args.file).expanduser()
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ImportUserError(f"Cannot read {path}: {exc.strerror}.") from exc
    if args.report and not Path(args.report).expanduser().parent.is_dir():
        # Said before anything is written: the report is saved after the commit.
        raise ImportUserError(f"--report {args.report}: its folder does not exist.")
    importer = Importer(service)
    options, profile_name = _options(args, importer)
    try:
        parsed = importer.read(data, path.name, options)
    except NeedsDateOrder as exc:
        raise ImportUserError(
            f"{exc} Run again with --date-order dmy or --date-order mdy."
        ) from exc
    except FileRejected as exc:
        raise ImportUserError(str(exc)) from exc
    if not profile_name:
        found = importer.profile_for(parsed)
        if found and not args.profile:
            profile_name = found[0]
    for mapping in args.map:
        text, _, key = mapping.partition("=")
        if key.strip() == NOT_TRACKED:
            raise ImportUserError(f"--map {mapping}: use --not-tracked '{text.strip()}' instead.")
        try:
            importer.map_analyte(normal_test_name(text), key.strip())
        except KeyError as exc:
            raise ImportUserError(f"--map {mapping}: unknown analyte key {key.strip()!r}.") from exc
    for text in args.not_tracked:
        if not normal_test_name(text):
            raise ImportUserError("--not-tracked needs the test's name as the import lists it.")
        try:
            importer.map_analyte(normal_test_name(text), NOT_TRACKED)
        except ValueError as exc:
            raise ImportUserError(f"--not-tracked {text}: {exc}") from exc
    preview = importer.preview(data, path.name, parsed, profile_name)
    if args.assign:
        # Every assignment is checked before anything is written: one bad one stops all.
        for spec in args.assign:
            try:
                importer.assign_text(preview, spec)
            except AssignmentError as exc:
                raise ImportUserError(str(exc)) from exc
        preview = importer.preview(data, path.name, parsed, profile_name)
    # Asked before the commit: afterwards a created patient's MRN is taken by that patient.
    not_created = (
        {
            who.describe(): importer.patients.why_not_created(who)
            for who in preview.unmatched_patients
        }
        if args.create_patients
        else {}
    )
    result, nothing = None, ""
    if not args.dry_run:
        save = (args.save_profile, profile_settings(options, parsed)) if args.save_profile else None
        try:
            result = importer.commit(
                preview, data, create_patients=args.create_patients, save_profile=save
            )
        except NothingToImport as exc:
            nothing = str(exc)  # not an error: re-running an import is safe
    if args.report:
        importer.save_rejected(problems_report(preview.rejected), Path(args.report), path.name)
    assigned = _assigned(service, importer, preview, args.create_patients)
    unit_reasons = {
        (key, unit): service.unit_refusal(key, unit) for key, unit in preview.unrecognised_units
    }
    _print(preview, result, args, nothing, not_created, assigned, unit_reasons)
    return 0


def _assigned(service, importer: Importer, preview, create_patients: bool) -> dict[str, dict]:
    """Each assigned file patient → its rows, the clinic patient, and whether it would
    have been created (the assignment wins over ``--create-patients``)."""
    found = {}
    for who, patient_id in preview.assigned_to.items():
        patient = service.get_patient(patient_id)
        found[who.describe()] = {
            "rows": len(preview.assigned_lines.get(who, ())),
            "mrn": patient.mrn,
            "name": patient.display_name,
            "not_created": create_patients and not importer.patients.why_not_created(who),
        }
    return found


def _print(
    preview,
    result,
    args,
    nothing: str,
    not_created: dict[str, str],
    assigned: dict[str, dict],
    unit_reasons: dict[tuple[str, str], str],
) -> None:
    summary = preview.summary()
    unmatched = {who.describe(): len(lines) for who, lines in preview.unmatched_patients.items()}
    notes = {
        who.describe(): preview.patient_notes.get(who, "") for who in preview.unmatched_patients
    }
    unknown = {text: len(lines) for text, lines in preview.unknown_analytes.items()}
    untracked = {text: len(lines) for text, lines in preview.untracked_analytes.items()}
    if args.json:
        payload = {
            "file": preview.file_name,
            "sha256": preview.sha256,
            "format": preview.parsed.format,
            "layout": preview.parsed.layout,
            "profile": preview.profile_name,
            "dry_run": bool(args.dry_run),
            **summary,
            "unmatched_patients": unmatched,
            "assigned_patients": {
                who: {"rows": a["rows"], "mrn": a["mrn"]} for who, a in assigned.items()
            },
            "unknown_analytes": unknown,
            "untracked_analytes": untracked,
            "unrecognised_units": {
                f"{k[0]} [{k[1]}]": n for k, n in preview.unrecognised_units.items()
            },
            "unrecognised_unit_reasons": {
                f"{k[0]} [{k[1]}]": why for k, why in unit_reasons.items()
            },
            "problems": [
                {"line": p.line, "column": p.column, "reason": p.reason} for p in preview.rejected
            ],
        }
        if nothing:
            payload["nothing_to_import"] = nothing
        if not_created:
            payload["patients_not_created"] = {w: why for w, why in not_created.items() if why}
        if result is not None:
            payload.update(
                batch_id=result.batch_id,
                imported=result.imported,
                patients_created=result.patients_created,
            )
        print(json.dumps(payload, indent=2))
        return
    parsed = preview.parsed
    print(f"{preview.file_name}: {parsed.format} ({parsed.layout}), {parsed.encoding}")
    if preview.already_imported:
        print(f"  this exact file was imported before (batch {preview.already_imported[0].id})")
    print(
        f"  rows read {summary['rows_read']}: {summary['new']} new, "
        f"{summary['duplicates']} already in the clinic, {summary['rejected']} rejected, "
        f"{summary['unmatched_patient_rows']} for unmatched patients, "
        f"{summary['unknown_analyte_rows']} with unknown analytes"
        + (
            f", {summary['untracked_analyte_rows']} of tests not tracked"
            if summary["untracked_analyte_rows"]
            else ""
        )
    )
    for who, a in assigned.items():
        wins = " (assigned, so --create-patients does not create it)" if a["not_created"] else ""
        print(f"  assigned: {who} ({_rows(a['rows'])}) → {a['name']}, MRN {a['mrn']}{wins}")
    for who, count in unmatched.items():
        note = f": {notes[who]}" if notes.get(who) else ""
        print(f"  unmatched patient: {who} ({_rows(count)}){note}")
        if not_created.get(who):
            print(f"    not created: {not_created[who]}")
        elif who in not_created and result is not None:
            print("    created as a new patient")
    if unmatched:
        print("  assign a file patient to a clinic patient with --assign 'WHO=MRN'")
    rejected_lines = {p.line for p in preview.rejected}
    for text, count in unknown.items():
        # Rows whose value was unreadable are listed with their test (so it can be marked
        # not tracked) but counted among the rejected above.
        unreadable = sum(line in rejected_lines for line in preview.unknown_analytes[text])
        also = f", {unreadable:,} of them rejected above" if unreadable else ""
        print(f"  unknown analyte: {text!r} ({_rows(count)}{also}); map with --map '{text}=KEY'")
    if unknown:
        print(
            "  a test the clinic does not track: --not-tracked 'NAME' leaves it out of every "
            "import; `cofactor kb analytes` lists the keys"
        )
    if untracked:
        names = ", ".join(f"{text!r} ({count})" for text, count in untracked.items())
        print(f"  left out, not tracked by this clinic: {names}")
    for (key, unit), count in preview.unrecognised_units.items():
        why = unit_reasons.get((key, unit), "")
        print(
            f"  unit not recognised for {key}: {unit!r} ({_rows(count)}, kept as reported)"
            + (f": {why}" if why else "")
        )
    problems = preview.rejected
    for problem in problems[:20]:
        column = f" [{problem.column}]" if problem.column else ""
        print(f"  line {problem.line}{column}: {problem.reason}")
        if problem.reason.endswith("choose the columns by hand."):  # the reader's wording
            print(
                "    here: --column ROLE=HEADER (roles in cofactor import --help), and "
                "--collected-at WHEN for a file without dates"
            )
    if len(problems) > 20:
        print(f"  … {len(problems) - 20} more problems (save them with --report FILE)")
    if nothing:
        print(nothing)
    elif result is None:
        print("Dry run: nothing was written.")
    else:
        print(
            f"Imported {_count(result.imported, 'result')} as batch {result.batch_id}"
            f" ({_count(result.duplicates, 'duplicate')} skipped, "
            f"{_count(result.patients_created, 'patient')} created)."
        )


def _count(count: int, thing: str) -> str:
    return f"{count:,} {thing}" if count == 1 else f"{count:,} {thing}s"


def _rows(count: int) -> str:
    return _count(count, "row")
