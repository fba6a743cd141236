"""The ``cofactor`` command line: its options and subcommands, and nothing they do."""

from __future__ import annotations

import argparse
import re
from datetime import date, datetime

from app import __version__
from app.core.labfiles.model import ROLES
from app.core.models import SEX_AT_BIRTH


def iso_date(text: str) -> date:
    """A date typed as YYYY-MM-DD; the error says whether the form or the day is wrong."""
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text.strip()):
            raise ValueError(f"{text!r} is not a day of the calendar") from exc
        raise ValueError(f"expected a date as YYYY-MM-DD, not {text!r}") from exc


def _iso_moment(text: str) -> datetime:
    try:
        return datetime.fromisoformat(text.strip())
    except ValueError as exc:
        raise argparse.ArgumentTypeError(
            f"expected YYYY-MM-DD or 'YYYY-MM-DD HH:MM', not {text!r}"
        ) from exc


def _iso_date(text: str) -> date:
    try:
        return iso_date(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def build_parser() -> argparse.ArgumentParser:
    """The whole ``cofactor`` command line: global options, then one subcommand.

    The global options are accepted before the subcommand and after it
    (``cofactor --clinic F patients list`` and ``cofactor patients list --clinic F``).
    The subcommands' copies default to "not given" (``SUPPRESS``), so a copy left
    out never overwrites what was given before the subcommand.
    """
    parser = argparse.ArgumentParser(
        prog="cofactor",
        description="Cofactor: lab trends and micronutrient gaps for hormone-therapy clinics.",
    )
    _add_global_options(parser)
    common = argparse.ArgumentParser(add_help=False, argument_default=argparse.SUPPRESS)
    _add_global_options(common)
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
        help="map an unknown analyte name to a knowledge-base key (repeatable); the clinic "
        "remembers it",
    )
    imp.add_argument(
        "--not-tracked",
        action="append",
        default=[],
        metavar="TEXT",
        help="a test name this clinic does not track (vital signs, questionnaires): its rows are "
        "left out of this and every later import instead of being listed as unknown; --map "
        "the same name to an analyte to track it again (repeatable)",
    )
    imp.add_argument(
        "--assign",
        action="append",
        default=[],
        metavar="WHO=MRN",
        help="import an unmatched file patient's rows onto the clinic patient with MRN; WHO is "
        "the file patient as printed: its sample id, its MRN, or the whole description "
        "(repeatable; wins over --create-patients)",
    )
    imp.add_argument(
        "--report", metavar="FILE", help="save the rejected rows (line, column, reason)"
    )
    imp.add_argument(
        "--collected-at",
        type=_iso_moment,
        metavar="WHEN",
        help="collection date (YYYY-MM-DD or 'YYYY-MM-DD HH:MM') for a file that has no "
        "date column, such as an analyzer's run export",
    )
    imp.add_argument(
        "--column",
        action="append",
        default=[],
        metavar="ROLE=HEADER",
        help="read a CSV column as ROLE when the guess is wrong or missing (repeatable; "
        "HEADER empty unsets a guess). Roles: " + ", ".join(ROLES),
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
    worklist.add_argument(
        "--rule",
        required=True,
        action="append",
        metavar="RULE_ID",
        help="a rule's id (repeatable); `cofactor kb rules` lists them",
    )
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
        "--kind",
        choices=("summary", "handout"),
        help="summary (for the clinician) or handout (for the patient); required with --patient",
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
    kb_cmds.add_parser(
        "analytes", parents=[common], help="list the analytes (keys for import --map)"
    )
    kb_cmds.add_parser(
        "rules", parents=[common], help="list the rules (ids for worklist and report --worklist)"
    )

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
    user_add = user_cmds.add_parser(
        "add",
        parents=[common],
        help="add an account",
        description=(
            "Add an account. The new user's password is asked for; with --password-stdin, "
            "send your own password on the first line and the new user's on the second."
        ),
    )
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
    user_pw = user_cmds.add_parser(
        "password",
        parents=[common],
        help="change your own password, or (administrators) reset another's",
        description=(
            "Without --username, change your own password (every role may). The new "
            "password is asked for; with --password-stdin, send your current password on "
            "the first line and the new one on the second."
        ),
    )
    user_pw.add_argument("--username", help="the account to reset (administrators)")

    audit = commands.add_parser("audit", parents=[common], help="the audit trail (administrators)")
    audit_cmds = audit.add_subparsers(dest="audit_command", metavar="ACTION", required=True)
    audit_cmds.add_parser("verify", parents=[common], help="check the tamper-evident chain")
    audit_list = audit_cmds.add_parser("list", parents=[common], help="list or export events")
    audit_list.add_argument("--since", type=_iso_date)
    audit_list.add_argument("--until", type=_iso_date)
    audit_list.add_argument("--username")
    audit_list.add_argument("--action")
    audit_list.add_argument(
        "--patient",
        metavar="MRN_OR_NAME",
        help="one patient's events: an MRN, or a name that finds one",
    )
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

    regimen = commands.add_parser(
        "regimen", parents=[common], help="a patient's hormones, medications and supplements"
    )
    regimen_cmds = regimen.add_subparsers(dest="regimen_command", metavar="ACTION", required=True)
    for name, text in (
        ("list", "every row, earlier doses and stopped items included"),
        ("add", "start an item (knowledge-base substance key)"),
        ("dose", "change an item's dose from a date"),
        ("stop", "stop an item"),
    ):
        action = regimen_cmds.add_parser(name, parents=[common], help=text)
        action.add_argument("--patient", required=True, metavar="MRN")
        if name in ("dose", "stop"):
            action.add_argument("--item", required=True, type=int, help="the row's # from list")
        if name == "add":
            action.add_argument("--substance", required=True, help="e.g. testosterone_cypionate")
            action.add_argument("--kind", choices=("hormone", "medication", "supplement"))
            action.add_argument("--route", help="default: the substance's usual route")
        if name in ("add", "dose"):
            action.add_argument("--dose", required=True, type=float)
            action.add_argument("--unit", help="default: the substance's usual unit")
            action.add_argument(
                "--every", type=float, metavar="DAYS", help="dosing interval in days; 0: as needed"
            )
            action.add_argument("--start", type=_iso_date, help="from this date (default today)")
            action.add_argument("--note")
        if name == "stop":
            action.add_argument("--on", type=_iso_date, help="stop date (default today)")
            action.add_argument("--reason")

    patients = commands.add_parser(
        "patients", parents=[common], help="list, add or import patients"
    )
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
    listed = patient_cmds.add_parser(
        "import",
        parents=[common],
        help="add the patients of a CSV patient list (an EHR's patient export)",
        description=(
            "Add the patients of a CSV patient list (columns for MRN or id, family and "
            "given name, date of birth and sex; a date of death adds the patient archived). "
            "Patients already here are left as they are; an MRN that belongs to someone "
            "else is refused. All or nothing; every patient added is audited."
        ),
    )
    listed.add_argument("file", help="the CSV file")
    listed.add_argument("--date-order", choices=("dmy", "mdy"), help="for ambiguous dates")
    listed.add_argument("--dry-run", action="store_true", help="show what would be added")
    listed.add_argument("--json", action="store_true", help="print the outcome as JSON")
    return parser


def _add_global_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data-dir", help="folder for the clinic, logs and imports (env COFACTOR_DATA_DIR)"
    )
    parser.add_argument("--clinic", help="clinic database file (default: this workstation's)")
    parser.add_argument("--user", help="sign in as this user (encrypted clinics)")
    parser.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
