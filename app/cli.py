"""The ``cofactor`` command: starts the app, or runs a subcommand on the same services.

Every subcommand takes ``--data-dir``, prints one line and exits non-zero on bad
input, and never shows a traceback for a user error (unexpected errors go to the
log file with their traceback).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from app import __version__
from app.core.models import SEX_AT_BIRTH, Patient
from app.core.validation import ValidationError
from app.logsetup import configure_logging
from app.paths import AppPaths, resolve_paths
from app.store.database import ClinicDatabaseError
from app.workstation import current_clinic, remember_clinic

log = logging.getLogger(__name__)


class UserError(Exception):
    """A problem with what the user asked for; printed as one line."""


def _iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"expected a date as YYYY-MM-DD, not {text!r}") from exc


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--data-dir", help="folder for the clinic, logs and imports (env COFACTOR_DATA_DIR)"
    )
    common.add_argument("--clinic", help="clinic database file (default: this workstation's)")
    common.add_argument("--user", help="sign in as this user (encrypted clinics)")
    common.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )

    parser = argparse.ArgumentParser(
        prog="cofactor",
        description="Cofactor: lab trends and micronutrient gaps for hormone-therapy clinics.",
        parents=[common],
    )
    parser.add_argument("--version", action="version", version=f"cofactor {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    demo = commands.add_parser("demo", parents=[common], help="build a synthetic demo clinic")
    demo.add_argument("--patients", type=int, default=40, help="number of patients (default 40)")
    demo.add_argument("--out", required=True, help="new database file to write")
    demo.add_argument("--seed", type=int, default=None, help="generator seed (default fixed)")
    demo.add_argument("--max-draws", type=int, default=None, help="cap lab visits per patient")
    demo.add_argument("--today", type=date.fromisoformat, default=None, help=argparse.SUPPRESS)

    imp = commands.add_parser("import", parents=[common], help="import a lab file")
    imp.add_argument("file", help="CSV, HL7 v2 (.hl7) or FHIR JSON file")
    imp.add_argument("--profile", help="saved import profile to apply")
    imp.add_argument("--save-profile", metavar="NAME", help="remember this file's settings")
    imp.add_argument(
        "--create-patients",
        action="store_true",
        help="create patients the file identifies by name and date of birth",
    )
    imp.add_argument("--dry-run", action="store_true", help="show what would happen; write nothing")
    imp.add_argument("--json", action="store_true", help="print counts and problems as JSON")
    imp.add_argument(
        "--date-order",
        choices=["dmy", "mdy", "ymd"],
        help="for files whose dates read both ways (03/04/2024)",
    )
    imp.add_argument(
        "--map",
        action="append",
        default=[],
        metavar="TEXT=ANALYTE",
        help="map an unknown analyte name to a knowledge-base key (repeatable)",
    )
    imp.add_argument(
        "--report", metavar="FILE", help="save the rejected rows (line, column, reason)"
    )

    batches = commands.add_parser("batches", parents=[common], help="list or undo import batches")
    batch_cmds = batches.add_subparsers(dest="batches_command", metavar="ACTION", required=True)
    batch_list = batch_cmds.add_parser("list", parents=[common], help="list import batches")
    batch_list.add_argument("--json", action="store_true")
    batch_undo = batch_cmds.add_parser(
        "undo", parents=[common], help="remove exactly a batch's rows"
    )
    batch_undo.add_argument("batch_id", type=int)

    evaluate = commands.add_parser(
        "evaluate", parents=[common], help="findings for one patient against their protocol"
    )
    evaluate.add_argument("--patient", required=True, metavar="MRN")
    evaluate.add_argument("--as-of", type=_iso_date, help="evaluation date (default today)")
    evaluate.add_argument("--json", action="store_true")

    worklist = commands.add_parser(
        "worklist", parents=[common], help="every patient with a chosen finding"
    )
    worklist.add_argument("--rule", required=True, action="append", metavar="RULE_ID")
    worklist.add_argument("--status", action="append", help="only these statuses")
    worklist.add_argument("--as-of", type=_iso_date)
    worklist.add_argument("--csv", metavar="FILE", help="write the worklist as CSV")

    report = commands.add_parser(
        "report", parents=[common], help="a clinician summary or patient handout as PDF"
    )
    who = report.add_mutually_exclusive_group(required=True)
    who.add_argument("--patient", metavar="MRN")
    who.add_argument(
        "--worklist", metavar="RULE_ID", help="one PDF per patient with this finding (--out-dir)"
    )
    report.add_argument(
        "--kind", choices=("summary", "handout"), help="required with --patient; default handout"
    )
    report.add_argument("-o", "--output", metavar="FILE", help="PDF to write (--patient)")
    report.add_argument("--out-dir", metavar="DIR", help="folder for the PDFs (--worklist)")
    report.add_argument("--as-of", type=_iso_date, help="evaluation date (default today)")
    report.add_argument(
        "--tick", action="append", metavar="RULE_ID", help="a finding to put on the handout"
    )
    report.add_argument("--note", help="the clinician's note for the handout")
    report.add_argument(
        "--discuss", action="append", metavar="TEXT", help="an item for the next visit (handout)"
    )
    report.add_argument("--paper", choices=("A4", "Letter"), help="default: the clinic setting")

    kb = commands.add_parser("kb", parents=[common], help="knowledge base tools")
    kb_cmds = kb.add_subparsers(dest="kb_command", metavar="ACTION", required=True)
    kb_check = kb_cmds.add_parser("check", parents=[common], help="validate the knowledge base")
    kb_check.add_argument("--path", help="a knowledge folder to check (default: the bundled one)")

    clinic = commands.add_parser("clinic", parents=[common], help="create a clinic")
    clinic_cmds = clinic.add_subparsers(dest="clinic_command", metavar="ACTION", required=True)
    init = clinic_cmds.add_parser(
        "init", parents=[common], help="create an encrypted clinic and its first administrator"
    )
    init.add_argument("--name", required=True, help="the clinic's name")
    init.add_argument("--admin", required=True, metavar="USER", help="first administrator")

    users = commands.add_parser("users", parents=[common], help="user accounts (administrators)")
    user_cmds = users.add_subparsers(dest="users_command", metavar="ACTION", required=True)
    user_cmds.add_parser("list", parents=[common], help="list accounts")
    user_add = user_cmds.add_parser("add", parents=[common], help="add an account")
    user_add.add_argument("--username", required=True)
    user_add.add_argument(
        "--role", required=True, choices=["administrator", "clinician", "assistant"]
    )
    user_role = user_cmds.add_parser("role", parents=[common], help="change a role")
    user_role.add_argument("--username", required=True)
    user_role.add_argument(
        "--role", required=True, choices=["administrator", "clinician", "assistant"]
    )
    user_off = user_cmds.add_parser("disable", parents=[common], help="disable an account")
    user_off.add_argument("--username", required=True)

    audit = commands.add_parser("audit", parents=[common], help="the audit trail (administrators)")
    audit_cmds = audit.add_subparsers(dest="audit_command", metavar="ACTION", required=True)
    audit_cmds.add_parser("verify", parents=[common], help="check the tamper-evident chain")
    audit_list = audit_cmds.add_parser("list", parents=[common], help="list or export events")
    audit_list.add_argument("--since", type=_iso_date)
    audit_list.add_argument("--until", type=_iso_date)
    audit_list.add_argument("--username")
    audit_list.add_argument("--action")
    audit_list.add_argument("--csv", metavar="FILE")

    settings = commands.add_parser("settings", parents=[common], help="clinic-wide settings")
    settings_cmds = settings.add_subparsers(
        dest="settings_command", metavar="ACTION", required=True
    )
    settings_cmds.add_parser("list", parents=[common], help="show the settings")
    settings_set = settings_cmds.add_parser("set", parents=[common], help="change a setting")
    settings_set.add_argument("key")
    settings_set.add_argument("value")

    backup = commands.add_parser("backup", parents=[common], help="back up the clinic (verified)")
    backup.add_argument("--to", metavar="DIR", help="backup folder (default: beside the clinic)")
    backup.add_argument("--keep", type=int, default=14, help="backups to keep (default 14)")
    restore = commands.add_parser("restore", parents=[common], help="restore a verified backup")
    restore.add_argument("backup", help="the backup file")

    patients = commands.add_parser("patients", parents=[common], help="list or add patients")
    patient_cmds = patients.add_subparsers(dest="patients_command", metavar="ACTION", required=True)
    listing = patient_cmds.add_parser("list", parents=[common], help="list patients")
    listing.add_argument("--json", action="store_true", help="print JSON")
    listing.add_argument("--search", default="", help="name, MRN or date of birth words")
    listing.add_argument("--include-archived", action="store_true")
    listing.add_argument("--limit", type=int, default=100_000)
    add = patient_cmds.add_parser("add", parents=[common], help="add a patient")
    add.add_argument("--mrn", required=True)
    add.add_argument("--family", required=True, help="family name")
    add.add_argument("--given", required=True, help="given name")
    add.add_argument("--dob", required=True, help="date of birth, YYYY-MM-DD")
    add.add_argument("--sex", required=True, choices=SEX_AT_BIRTH, help="sex assigned at birth")
    add.add_argument("--gender-identity", default="")
    add.add_argument("--phone", default="")
    add.add_argument("--email", default="")
    add.add_argument("--json", action="store_true", help="print the saved patient as JSON")
    return parser


def _clinic_path(args: argparse.Namespace, paths: AppPaths) -> Path:
    if args.clinic:
        return Path(args.clinic).expanduser()
    found = current_clinic(paths)
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
    return 0


def _cmd_clinic_init(args: argparse.Namespace, paths: AppPaths) -> int:
    from app.cli_security import run_clinic_init

    target = Path(args.clinic).expanduser() if args.clinic else paths.clinic_db
    code = run_clinic_init(args, target)
    remember_clinic(paths, target)
    return code


def _with_service(runner_name: str):
    """A handler that signs in, runs ``app.cli_security.<runner_name>`` and closes."""

    def handler(args: argparse.Namespace, paths: AppPaths) -> int:
        import app.cli_security as security

        service = _open_service(args, paths)
        try:
            return getattr(security, runner_name)(service, args)
        finally:
            service.close()

    return handler


def _cmd_patients_list(args: argparse.Namespace, paths: AppPaths) -> int:
    service = _open_service(args, paths)
    try:
        rows = service.search_patients(
            args.search, limit=args.limit, include_archived=args.include_archived
        )
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
    try:
        born = date.fromisoformat(args.dob)
    except ValueError as exc:
        raise UserError(f"--dob must be a date as YYYY-MM-DD, not {args.dob!r}.") from exc
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


def _cmd_import(args: argparse.Namespace, paths: AppPaths) -> int:
    from app.cli_import import run_import

    service = _open_service(args, paths)
    try:
        return run_import(service, args)
    finally:
        service.close()


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
        undone = f"  undone {b.undone_at}" if b.undone_at else ""
        print(
            f"{b.id:>5}  {b.created_at}  {b.file_name:<32} {b.rows_imported:>8} imported, "
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


def _cmd_evaluate(args: argparse.Namespace, paths: AppPaths) -> int:
    from app.cli_findings import run_evaluate

    service = _open_service(args, paths)
    try:
        return run_evaluate(service, args)
    finally:
        service.close()


def _cmd_worklist(args: argparse.Namespace, paths: AppPaths) -> int:
    from app.cli_findings import run_worklist

    service = _open_service(args, paths)
    try:
        return run_worklist(service, args)
    finally:
        service.close()


def _cmd_report(args: argparse.Namespace, paths: AppPaths) -> int:
    from app.cli_reports import run_report

    service = _open_service(args, paths)
    try:
        return run_report(service, args)
    finally:
        service.close()


def _cmd_kb_check(args: argparse.Namespace, paths: AppPaths) -> int:
    from app.cli_findings import run_kb_check

    return run_kb_check(args)


def _security_errors() -> tuple[type[Exception], ...]:
    """Refusals that are the user's to fix: wrong password, weak password, no permission..."""
    from app.security.accounts import UsernameError
    from app.security.passwords import PasswordPolicyError
    from app.security.roles import PermissionDenied
    from app.services.session import SignInError
    from app.store.backup import BackupError
    from app.store.locking import ClinicInUse
    from app.store.users import DuplicateUsername, LastAdministrator

    return (
        SignInError,
        PasswordPolicyError,
        PermissionDenied,
        ClinicInUse,
        UsernameError,
        DuplicateUsername,
        LastAdministrator,
        BackupError,
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
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
        ("audit", "verify"): _with_service("run_audit"),
        ("audit", "list"): _with_service("run_audit"),
        ("backup", None): _with_service("run_backup"),
        ("settings", "list"): _with_service("run_settings"),
        ("settings", "set"): _with_service("run_settings"),
        ("restore", None): _with_service("run_restore"),
        ("patients", "list"): _cmd_patients_list,
        ("patients", "add"): _cmd_patients_add,
        ("import", None): _cmd_import,
        ("batches", "list"): _cmd_batches_list,
        ("batches", "undo"): _cmd_batches_undo,
        ("evaluate", None): _cmd_evaluate,
        ("worklist", None): _cmd_worklist,
        ("kb", "check"): _cmd_kb_check,
        ("report", None): _cmd_report,
    }
    action = getattr(args, f"{args.command}_command", None)
    handler = handlers[(args.command, action)]
    try:
        return handler(args, paths)
    except ValidationError as exc:
        print(f"cofactor: {exc}", file=sys.stderr)
    except (UserError, ClinicDatabaseError, *_security_errors()) as exc:
        print(f"cofactor: {exc}", file=sys.stderr)
    except KeyboardInterrupt:
        print("cofactor: interrupted", file=sys.stderr)
        return 130
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
