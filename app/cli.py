"""The ``cofactor`` command: starts the app, or runs a subcommand on the same services.

Every subcommand takes ``--data-dir``, prints one line and exits non-zero on bad
input, and never shows a traceback for a user error (unexpected errors go to the
log file with their traceback).
"""

from __future__ import annotations

import argparse
import importlib
import json
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from app.cli_parser import build_parser
from app.core.models import Patient
from app.core.validation import ValidationError
from app.logsetup import configure_logging
from app.paths import AppPaths, resolve_paths
from app.store.database import ClinicDatabaseError
from app.workstation import current_clinic, missing_clinic, remember_clinic

log = logging.getLogger(__name__)


class UserError(Exception):
    """A problem with what the user asked for; printed as one line."""


def _clinic_path(args: argparse.Namespace, paths: AppPaths) -> Path:
    if args.clinic:
        return Path(args.clinic).expanduser()
    found = current_clinic(paths)
    if found is None and (missing := missing_clinic(paths)) is not None:
        raise UserError(
            f"This workstation's clinic {missing} cannot be found (a drive not connected, "
            "or the file moved): connect it, or name a clinic with --clinic."
        )
    if found is None:
        raise UserError(
            f"No clinic in {paths.data_dir}: create one with "
            "`cofactor clinic init --name NAME --admin USER`, "
            "or build a demo with `cofactor demo --out FILE`."
        )
    return found


def _open_service(args: argparse.Namespace, paths: AppPaths):
    from app.cli_security import open_service

    return open_service(_clinic_path(args, paths), args)


def _cmd_demo(args: argparse.Namespace, paths: AppPaths) -> int:
    from app.core.demo import DEFAULT_SEED
    from app.services.demo import build_demo_clinic

    if args.patients < 1:
        raise UserError("--patients must be at least 1.")
    out = Path(args.out).expanduser()
    if out.exists():
        raise UserError(f"{out} already exists; choose a new file name.")
    service, counts = build_demo_clinic(
        out,
        patients=args.patients,
        seed=args.seed if args.seed is not None else DEFAULT_SEED,
        max_draws=args.max_draws,
        today=args.today,
    )
    service.close()
    print(
        f"Demo clinic written to {out}: {counts.patients} patients, "
        f"{counts.regimen_items} regimen items, {counts.observations} results."
    )
    current = current_clinic(paths) or missing_clinic(paths)
    if current is None:
        # A data folder with no clinic yet: the demo is what later commands open.
        remember_clinic(paths, out)
        print(f"It is now the clinic of {paths.data_dir}.")
    else:
        # Never put a real clinic's commands onto a demo unasked.
        print(f"Open it with --clinic {out}; {paths.data_dir} keeps its clinic {current}.")
    return 0


def _cmd_clinic_init(args: argparse.Namespace, paths: AppPaths) -> int:
    from app.cli_security import run_clinic_init

    target = Path(args.clinic).expanduser() if args.clinic else paths.clinic_db
    code = run_clinic_init(args, target)
    remember_clinic(paths, target)
    return code


def _with_service(runner: str):
    """A handler that signs in, runs ``runner(service, args)`` and closes.

    ``runner`` is ``module:function`` (a bare name is in ``app.cli_security``); the
    module is imported only when its command runs, to keep the start fast.
    """
    module_name, _, function = runner.rpartition(":")

    def handler(args: argparse.Namespace, paths: AppPaths) -> int:
        module = importlib.import_module(module_name or "app.cli_security")
        service = _open_service(args, paths)
        try:
            return getattr(module, function)(service, args)
        finally:
            service.close()

    return handler


def _cmd_restore(args: argparse.Namespace, paths: AppPaths) -> int:
    from app.cli_security import run_restore_command

    if args.clinic or current_clinic(paths):
        target = _clinic_path(args, paths)
    elif (missing := missing_clinic(paths)) is not None:
        # Remembered but out of reach (a shared drive not connected): restoring a copy
        # here would split the clinic in two, with this workstation on its own copy.
        raise UserError(
            f"This workstation's clinic {missing} cannot be found (a drive not connected, "
            "or the file moved): connect it, or name the file to restore into with --clinic."
        )
    else:
        # A data folder with no clinic yet (a replacement workstation) gets the backup
        # as its clinic, in the usual place: that is what restoring into it means.
        target = paths.clinic_db
    status = run_restore_command(target, args)
    if status == 0 and not args.clinic:
        remember_clinic(paths, target)
    return status


def _cmd_patients_list(args: argparse.Namespace, paths: AppPaths) -> int:
    service = _open_service(args, paths)
    try:
        rows = service.search_patients(
            args.search, limit=args.limit, include_archived=args.include_archived
        )
        service.audit_search(args.search, len(rows))  # a listing is a query of demographics
    finally:
        service.close()
    if args.json:
        print(
            json.dumps(
                [
                    {
                        "id": p.id,
                        "mrn": p.mrn,
                        "family_name": p.family_name,
                        "given_name": p.given_name,
                        "date_of_birth": p.date_of_birth.isoformat(),
                        "sex_at_birth": p.sex_at_birth,
                        "archived": p.archived,
                    }
                    for p in rows
                ],
                indent=2,
            )
        )
    else:
        for p in rows:
            flag = "  (archived)" if p.archived else ""
            print(f"{p.mrn:<14} {p.display_name:<32} {p.date_of_birth}  {p.sex_at_birth}{flag}")
        print(f"{len(rows)} patient(s)")
    return 0


def _cmd_patients_add(args: argparse.Namespace, paths: AppPaths) -> int:
    from app.cli_parser import iso_date

    try:
        born = iso_date(args.dob)
    except ValueError as exc:
        raise UserError(f"--dob: {exc}.") from exc
    service = _open_service(args, paths)
    try:
        saved = service.create_patient(
            Patient(
                id=None,
                mrn=args.mrn,
                family_name=args.family,
                given_name=args.given,
                date_of_birth=born,
                sex_at_birth=args.sex,
                gender_identity=args.gender_identity,
                phone=args.phone,
                email=args.email,
            )
        )
    finally:
        service.close()
    if args.json:
        print(json.dumps({"id": saved.id, "mrn": saved.mrn}))
    else:
        print(f"Added {saved.display_name} (MRN {saved.mrn}).")
    return 0


def _cmd_batches_list(args: argparse.Namespace, paths: AppPaths) -> int:
    from app.services.importing import Importer

    service = _open_service(args, paths)
    try:
        batches = Importer(service).batches()
    finally:
        service.close()
    if args.json:
        print(json.dumps([_batch_dict(b) for b in batches], indent=2))
        return 0
    for b in batches:
        by = f" by {b.created_by}" if b.created_by else ""
        undone = ""
        if b.undone_at:
            undone = f"  undone {b.undone_at}" + (f" by {b.undone_by}" if b.undone_by else "")
        print(
            f"{b.id:>5}  {b.created_at}{by}  {b.file_name:<32} {b.rows_imported:>8} imported, "
            f"{b.rows_duplicate} duplicate, {b.rows_rejected} rejected{undone}"
        )
    print(f"{len(batches)} batch(es)")
    return 0


def _batch_dict(batch) -> dict:
    from dataclasses import asdict

    return asdict(batch)


def _cmd_batches_undo(args: argparse.Namespace, paths: AppPaths) -> int:
    from app.services.importing import Importer

    service = _open_service(args, paths)
    try:
        removed = Importer(service).undo(args.batch_id)
    except (KeyError, ValueError) as exc:
        raise UserError(str(exc).strip("'")) from exc
    finally:
        service.close()
    print(f"Batch {args.batch_id} undone: {removed} results removed.")
    return 0


def _cmd_kb_check(args: argparse.Namespace, paths: AppPaths) -> int:
    from app.cli_findings import run_kb_check

    return run_kb_check(args)


def _cmd_kb_analytes(args: argparse.Namespace, paths: AppPaths) -> int:
    from app.cli_findings import run_kb_analytes

    return run_kb_analytes()


def _cmd_kb_rules(args: argparse.Namespace, paths: AppPaths) -> int:
    from app.cli_findings import run_kb_rules

    return run_kb_rules()


def _security_errors() -> tuple[type[Exception], ...]:
    """Refusals that are the user's to fix: wrong password, weak password, no permission..."""
    from app.security.accounts import UsernameError
    from app.security.keyslots import KeySlotError
    from app.security.passwords import PasswordPolicyError
    from app.security.roles import PermissionDenied
    from app.services.admin import PatientNotFound
    from app.services.session import SignInError
    from app.store.backup import BackupError
    from app.store.locking import ClinicInUse
    from app.store.users import DuplicateUsername, LastAdministrator, NoSuchUsername

    return (
        SignInError,
        PatientNotFound,
        PasswordPolicyError,
        PermissionDenied,
        ClinicInUse,
        UsernameError,
        DuplicateUsername,
        NoSuchUsername,
        LastAdministrator,
        KeySlotError,
        BackupError,
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    paths = resolve_paths(args.data_dir)
    if args.command is None:
        from app.bootstrap import run_gui

        return run_gui(paths, clinic=Path(args.clinic) if args.clinic else None)
    configure_logging(paths, console=False)
    handlers = {
        ("demo", None): _cmd_demo,
        ("clinic", "init"): _cmd_clinic_init,
        ("users", "list"): _with_service("run_users"),
        ("users", "add"): _with_service("run_users"),
        ("users", "role"): _with_service("run_users"),
        ("users", "disable"): _with_service("run_users"),
        ("users", "password"): _with_service("run_users"),
        ("audit", "verify"): _with_service("run_audit"),
        ("audit", "list"): _with_service("run_audit"),
        ("backup", None): _with_service("run_backup"),
        ("settings", "list"): _with_service("run_settings"),
        ("settings", "set"): _with_service("run_settings"),
        ("restore", None): _cmd_restore,
        ("patients", "list"): _cmd_patients_list,
        **{
            ("regimen", action): _with_service("app.cli_regimen:run_regimen")
            for action in ("list", "add", "dose", "stop")
        },
        ("patients", "add"): _cmd_patients_add,
        ("patients", "import"): _with_service("app.cli_patient_list:run_patient_list"),
        ("import", None): _with_service("app.cli_import:run_import"),
        ("batches", "list"): _cmd_batches_list,
        ("batches", "undo"): _cmd_batches_undo,
        ("evaluate", None): _with_service("app.cli_findings:run_evaluate"),
        ("worklist", None): _with_service("app.cli_findings:run_worklist"),
        ("kb", "check"): _cmd_kb_check,
        ("kb", "rules"): _cmd_kb_rules,
        ("kb", "analytes"): _cmd_kb_analytes,
        ("report", None): _with_service("app.cli_reports:run_report"),
    }
    action = getattr(args, f"{args.command}_command", None)
    handler = handlers[(args.command, action)]
    try:
        return handler(args, paths)
    except ValidationError as exc:
        # The field names are the form's; on the command line the messages say enough.
        print(f"cofactor: {' '.join(exc.errors.values())}", file=sys.stderr)
    except (UserError, ClinicDatabaseError, *_security_errors()) as exc:
        print(f"cofactor: {exc}", file=sys.stderr)
    except KeyboardInterrupt:
        print("cofactor: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader stopped early (`cofactor patients list | head`): not an error.
        # Point stdout at /dev/null so the flush at exit does not fail again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as exc:  # a bug, not a user error: log it whole, print one line
        log.exception("unexpected error in %s", args.command)
        print(
            f"cofactor: unexpected error ({type(exc).__name__}); details in {paths.log_file}",
            file=sys.stderr,
        )
        return 70
    return 1


if __name__ == "__main__":
    sys.exit(main())
