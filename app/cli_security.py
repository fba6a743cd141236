"""Command-line sign-in and the administration commands: users, audit, backup, restore."""

from __future__ import annotations

import getpass
import sys
from pathlib import Path

from app.cli import UserError


def read_password(args, prompt: str = "Password: ", confirm: bool = False) -> str:
    """From stdin with ``--password-stdin`` (one line), else a prompt on a terminal."""
    if getattr(args, "password_stdin", False):
        line = sys.stdin.readline()
        if not line:
            raise UserError("--password-stdin was given but standard input is empty.")
        return line.rstrip("\r\n")
    if not sys.stdin.isatty():
        raise UserError("No password: pass --password-stdin and send it on standard input.")
    password = getpass.getpass(prompt)
    if confirm and getpass.getpass("Repeat the password: ") != password:
        raise UserError("The two passwords differ.")
    return password


def open_service(path: Path, args, password: str | None = None):
    """Sign in to the clinic at ``path`` the way the command line was asked to.

    ``password``: already read from the user (else it is read here when needed).
    """
    from app.services import ClinicService
    from app.services.clinic import is_encrypted_clinic

    if not path.exists():
        raise UserError(f"No clinic database at {path}.")
    if args.user:
        return ClinicService.sign_in(path, args.user, password or read_password(args))
    if is_encrypted_clinic(path):
        raise UserError("This clinic is encrypted: give --user USER (and --password-stdin).")
    return ClinicService.open_demo(path)


def run_clinic_init(args, target: Path) -> int:
    from app.services import ClinicService

    if not args.admin:
        raise UserError("--admin USER is required: the first administrator's user name.")
    password = read_password(args, "New administrator password: ", confirm=True)
    service = ClinicService.create(target, name=args.name, admin=args.admin, password=password)
    service.close()
    print(f"Clinic '{args.name}' created at {target} (encrypted); administrator {args.admin}.")
    return 0


def run_users(service, args) -> int:
    from app.services.admin import AdminService

    admin = AdminService(service)
    if args.users_command == "list":
        for user in admin.users():
            state = " (disabled)" if user.disabled else ""
            print(f"{user.username:<20} {user.role:<14}{state}")
        return 0
    if args.users_command == "add":
        password = _new_password(args)
        user = admin.add_user(args.username, args.role, password)
        print(f"User {user.username} ({user.role}) added.")
        return 0
    if args.users_command == "role":
        changed = admin.set_role(args.username, args.role)
        print(f"{args.username} is {'now' if changed else 'already'} {args.role}.")
        return 0
    if args.users_command == "disable":
        admin.set_disabled(args.username, True)
        print(f"{args.username} disabled; their key slot was removed.")
        return 0
    if args.users_command == "password":
        # Signing in to run this proved the current password.
        target = args.username or service.user.username
        admin.change_password(target, _new_password(args, "New password: "))
        print(f"The password of {target} was changed.")
        return 0
    raise UserError(f"unknown users action {args.users_command}")


def _new_password(args, prompt: str = "New user's password: ") -> str:
    """A new password: the second stdin line after the signed-in user's, or asked twice."""
    if getattr(args, "password_stdin", False):
        line = sys.stdin.readline()
        if not line:
            raise UserError("Send the new password as the second line on standard input.")
        return line.rstrip("\r\n")
    return read_password(args, prompt, confirm=True)


def run_audit(service, args) -> int:
    from app.services.admin import AdminService, audit_patient_text

    admin = AdminService(service)
    if args.audit_command == "verify":
        result = admin.verify_audit()
        if result.ok:
            print(f"Audit trail intact: {result.checked} events verified.")
            return 0
        print(f"Audit trail ALTERED: first bad event seq {result.first_bad_seq}: {result.reason}")
        return 1
    patient = {"patient_id": admin.audited_patient(args.patient).id} if args.patient else {}
    rows = admin.audit_rows(
        since=args.since,
        until=args.until,
        username=args.username,
        action=args.action,
        **patient,
        order_by="seq",
    )
    if args.csv:
        written = admin.export_audit(rows, Path(args.csv))
        print(f"{written} audit events written to {args.csv}.")
        return 0
    patients = admin.audit_patients(rows)
    for row in rows:
        print(
            f"{row.seq:>6} {row.at_utc} {row.username:<14} {row.action:<10} {row.category:<14} "
            f"{row.outcome:<8} patient {audit_patient_text(row, patients)}  "
            f"{row.detail}"
        )
    return 0


def run_backup(service, args) -> int:
    from app.services.admin import AdminService

    info = AdminService(service).back_up(Path(args.to) if args.to else None, keep=args.keep)
    print(
        f"Backup written and verified: {info.path} (sha256 {info.sha256[:16]}…, "
        f"{sum(info.table_counts.values())} rows)."
    )
    return 0


def run_restore_command(path: Path, args) -> int:
    """``cofactor restore BACKUP``: inside the open clinic, or over one too damaged to open.

    A clinic that fails its integrity check, cannot be read with the right password,
    or whose file is gone is restored without opening it (``app.services.recovery``).
    """
    from app.services.recovery import restore_unopenable_clinic
    from app.services.session import DEMO_USER, ClinicUnreadable
    from app.store.database import DatabaseDamaged

    password = read_password(args) if args.user else None
    try:
        service = open_service(path, args, password)
    except (DatabaseDamaged, ClinicUnreadable) as exc:
        print(f"{exc}\nRestoring it from the backup without opening it.", file=sys.stderr)
    except UserError:
        if path.exists():
            raise
        print(f"No clinic database at {path}: restoring it from the backup.", file=sys.stderr)
    else:
        try:
            return run_restore(service, args)
        finally:
            service.close()
    info = restore_unopenable_clinic(path, Path(args.backup), args.user or DEMO_USER, password)
    kept = f"; the damaged file is kept as {info.damaged_copy}" if info.damaged_copy else ""
    print(f"Restored from {info.restored_from}{kept}.")
    return 0


def run_restore(service, args) -> int:
    from app.services.admin import AdminService

    info = AdminService(service).restore(Path(args.backup))
    print(f"Restored from {info.restored_from}; the clinic as it was is kept in {info.kept_copy}.")
    return 0


def run_settings(service, args) -> int:
    from app.core.settings_keys import SETTINGS

    if args.settings_command == "set":
        service.set_setting(args.key, args.value)
        print(f"{args.key} = {service.settings.get(args.key)}")
        return 0
    for key, meaning in SETTINGS.items():
        print(f"{key:<20} {service.settings.get(key) or '(default)':<28} {meaning}")
    return 0
