"""Verified backups and restores through SQLite's online backup API.

A backup is a consistent snapshot taken with ``Connection.backup`` (never a file copy
of a live database), encrypted with the clinic's own key (plain for a plain clinic),
plus a manifest beside it: SHA-256 of the file, schema version, per-table row counts,
the audit chain head and anchor, when and by which version. Each backup is verified
before it counts: opened with the key, ``integrity_check`` ok, ``cipher_integrity_check``
clean, row counts equal to the manifest's (HIPAA 164.308(a)(7): retrievable exact copies).

A restore checks all of that first, then takes a fresh backup of the live database,
then writes the backup into the live file through the backup API. A live file too
damaged to back up is moved aside whole (never deleted) and the backup written in
its place (``restore_over_damaged``).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from app.core.atomic_file import write_atomic
from app.store.backup_files import (
    FORMAT,
    FORMAT_VERSION,
    key_copy_path_for,
    list_backups,
    manifest_path_for,
    prune,
)
from app.store.database import LATEST_VERSION, NotAClinicDatabase
from app.store.sqlite import DatabaseError, create_private_file, dbapi2, sqlite_version


class BackupError(Exception):
    """A backup or restore failed; the message is meant for the user."""


class BackupVerificationFailed(BackupError):
    """A backup file does not match its manifest or fails its integrity checks."""


class BackupTampered(BackupVerificationFailed):
    """The backup's SHA-256 differs from its manifest: changed or damaged since written."""


class BackupTooNew(BackupError):
    """The backup was written by a newer schema than this Cofactor knows."""


@dataclass(frozen=True)
class BackupInfo:
    """A verified backup on disk."""

    path: Path
    manifest_path: Path
    sha256: str
    created_at: str
    schema_version: int
    table_counts: dict[str, int]
    audit_head: dict | None
    encrypted: bool
    label: str


@dataclass(frozen=True)
class RestoreInfo:
    """What a restore did.

    Attributes:
        restored_from: the backup file written into the live database.
        manifest: that backup's manifest.
        safety_backup: the backup of the live database taken just before (``None``
            when there was no live database).
        previous_audit_head: the live audit chain head that the restore replaced.
        damaged_copy: where a damaged live file was moved instead of being backed up
            (``restore_over_damaged``); ``None`` for an ordinary restore.
    """

    restored_from: Path
    manifest: dict
    safety_backup: BackupInfo | None
    previous_audit_head: dict | None
    damaged_copy: Path | None = None

    @property
    def kept_copy(self) -> Path | None:
        """Where the clinic as it was before the restore is kept, to tell the user."""
        if self.safety_backup is not None:
            return self.safety_backup.path
        return self.damaged_copy


def _apply_key(conn: dbapi2.Connection, key: bytes | None) -> None:
    if key is not None:
        conn.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
        conn.execute("PRAGMA cipher_log_level = NONE")


def _open_read_only(path: Path, key: bytes | None) -> dbapi2.Connection:
    conn = dbapi2.connect(
        Path(path).resolve().as_uri() + "?mode=ro", uri=True, isolation_level=None
    )
    try:
        _apply_key(conn, key)
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except DatabaseError as exc:
        conn.close()
        raise BackupVerificationFailed(
            f"The backup {Path(path).name} cannot be opened with this clinic's key."
        ) from exc
    return conn


def table_counts(conn: dbapi2.Connection) -> dict[str, int]:
    """Count the rows of every ordinary table (virtual tables are counted via shadows)."""
    names = [
        r[0]
        for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "AND sql NOT LIKE 'CREATE VIRTUAL TABLE%' ORDER BY name"
        )
    ]
    return {n: conn.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0] for n in names}


def _audit_head(conn: dbapi2.Connection) -> dict | None:
    try:
        row = conn.execute("SELECT seq, mac FROM audit_events ORDER BY seq DESC LIMIT 1").fetchone()
    except DatabaseError:
        return None
    return {"seq": row[0], "mac": row[1]} if row else None


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _check_contents(conn: dbapi2.Connection, manifest: dict, name: str, keyed: bool) -> None:
    result = [r[0] for r in conn.execute("PRAGMA integrity_check")]
    if result != ["ok"]:
        raise BackupVerificationFailed(f"{name} failed its integrity check ({result[0]}).")
    if keyed and conn.execute("PRAGMA cipher_integrity_check").fetchall():
        raise BackupVerificationFailed(f"{name} has pages that fail their cipher HMAC.")
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version != manifest["schema_version"]:
        raise BackupVerificationFailed(f"{name} has a different schema than its manifest.")
    if table_counts(conn) != manifest["tables"]:
        raise BackupVerificationFailed(f"{name} has different row counts than its manifest.")


def _stem(path: Path | None) -> str:
    return path.stem if path is not None else "clinic"


def _backup_connection(
    source: dbapi2.Connection,
    key: bytes | None,
    dest_dir: Path,
    *,
    stem: str,
    audit_anchor: dict | None,
    app_version: str,
    label: str,
    key_file: Path | None = None,
) -> BackupInfo:
    if source.in_transaction:
        raise BackupError("Finish the current change before taking a backup.")
    dest_dir = Path(dest_dir)
    dest_dir.mkdir(parents=True, exist_ok=True)
    created = datetime.now(UTC)
    name = f"{stem}-{label}-{created.strftime('%Y%m%dT%H%M%S%fZ')}.db"
    final, partial = dest_dir / name, dest_dir / f".{name}.partial"
    partial.unlink(missing_ok=True)  # a leftover of an interrupted backup
    create_private_file(partial)
    dest = dbapi2.connect(str(partial), isolation_level=None)
    try:
        _apply_key(dest, key)
        # One read transaction: the counts and the copied pages are the same snapshot.
        source.execute("BEGIN")
        try:
            counts = table_counts(source)
            version = source.execute("PRAGMA user_version").fetchone()[0]
            source.backup(dest)
        finally:
            source.execute("COMMIT")
        # A rollback journal keeps the backup one self-contained file (no -wal/-shm).
        dest.execute("PRAGMA journal_mode = DELETE")
    except BaseException:
        dest.close()
        partial.unlink(missing_ok=True)
        raise
    dest.close()
    manifest = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "file": name,
        "label": label,
        "created_at": created.isoformat(),
        "app_version": app_version,
        "sqlite_version": sqlite_version,
        "encrypted": key is not None,
        "schema_version": version,
        "tables": counts,
        "audit_anchor": audit_anchor,
        "sha256": _sha256(partial),
        "size_bytes": partial.stat().st_size,
    }
    try:
        conn = _open_read_only(partial, key)
        try:
            _check_contents(conn, manifest, name, key is not None)
            manifest["audit_head"] = _audit_head(conn)
        finally:
            conn.close()
        if _sha256(partial) != manifest["sha256"]:
            raise BackupVerificationFailed(f"{name} changed while it was being verified.")
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    partial.replace(final)
    if key_file is not None:
        # Without the key slots an encrypted backup cannot be opened after a disaster.
        # The file holds only wrapped keys, and it is not a database, so a copy is safe.
        data = Path(key_file).read_bytes()
        write_atomic(key_copy_path_for(final), data)
        manifest["key_file"] = key_copy_path_for(final).name
        manifest["key_file_sha256"] = hashlib.sha256(data).hexdigest()
    manifest_path = manifest_path_for(final)
    write_atomic(manifest_path, (json.dumps(manifest, indent=2) + "\n").encode("utf-8"))
    return BackupInfo(
        path=final,
        manifest_path=manifest_path,
        sha256=manifest["sha256"],
        created_at=manifest["created_at"],
        schema_version=version,
        table_counts=counts,
        audit_head=manifest["audit_head"],
        encrypted=key is not None,
        label=label,
    )


def create_backup(
    clinic,
    key: bytes | None,
    dest_dir: Path,
    audit_anchor: dict | None = None,
    *,
    app_version: str = "",
    label: str = "backup",
    key_file: Path | None = None,
) -> BackupInfo:
    """Back up an open clinic into ``dest_dir`` and verify the copy.

    Args:
        clinic: the open ``ClinicDatabase`` (not inside a transaction).
        key: the clinic's raw key (the backup is encrypted with it), ``None`` if plain.
        dest_dir: the backup folder (created if needed).
        audit_anchor: ``AuditLog.anchor_document()``, kept in the manifest.
        app_version: recorded in the manifest.
        label: part of the file name and manifest (``backup``, ``pre-restore``, ...).
        key_file: the clinic's ``<db>.keys``; copied beside the backup as
            ``<backup>.keys`` so the backup can be opened if the live folder is lost.

    Raises:
        BackupVerificationFailed: the copy failed its checks (and was removed).
    """
    # A file clinic is read through a connection of its own, so a backup on a worker
    # thread never shares the GUI thread's connection or its transaction state.
    source = clinic.reader() if clinic.path is not None else clinic.conn
    try:
        return _backup_connection(
            source,
            key,
            dest_dir,
            stem=_stem(clinic.path),
            audit_anchor=audit_anchor,
            app_version=app_version,
            label=label,
            key_file=key_file,
        )
    finally:
        if source is not clinic.conn:
            source.close()


def read_manifest(backup_path: Path) -> dict:
    path = manifest_path_for(backup_path)
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BackupVerificationFailed(
            f"The manifest {path.name} is missing or unreadable."
        ) from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupVerificationFailed(f"{path.name} is not a Cofactor backup manifest.")
    return manifest


def verify_backup(backup_path: Path, key: bytes | None) -> dict:
    """Check a backup against its manifest without changing anything; return the manifest.

    This is the "test restore": SHA-256, then opened read-only with the key,
    ``integrity_check``, ``cipher_integrity_check`` and row counts.

    Raises:
        BackupTampered: the SHA-256 differs.
        BackupVerificationFailed: any other check fails.
    """
    backup_path = Path(backup_path)
    manifest = read_manifest(backup_path)
    if not backup_path.exists() or _sha256(backup_path) != manifest.get("sha256"):
        raise BackupTampered(
            f"The backup {backup_path.name} does not match its manifest: it was changed or "
            "damaged after it was written."
        )
    conn = _open_read_only(backup_path, key)
    try:
        _check_contents(conn, manifest, backup_path.name, key is not None)
    finally:
        conn.close()
    return manifest


def _open_live(live_path: Path, key: bytes | None) -> dbapi2.Connection:
    conn = dbapi2.connect(str(live_path), isolation_level=None)
    try:
        _apply_key(conn, key)
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        conn.execute("PRAGMA busy_timeout = 5000")
    except DatabaseError as exc:
        conn.close()
        raise NotAClinicDatabase(
            "The live clinic cannot be opened with this key; nothing was restored."
        ) from exc
    return conn


def _verify_restorable(backup_path: Path, key: bytes | None, latest_version: int) -> dict:
    """Verify the backup and that this Cofactor knows its schema; return its manifest."""
    manifest = verify_backup(backup_path, key)
    if manifest["schema_version"] > latest_version:
        raise BackupTooNew(
            f"The backup {backup_path.name} was written by a newer Cofactor (schema "
            f"{manifest['schema_version']}); update Cofactor to restore it."
        )
    return manifest


def restore_backup(
    backup_path: Path,
    key: bytes | None,
    live_path: Path,
    *,
    safety_dir: Path | None = None,
    app_version: str = "",
    latest_version: int = LATEST_VERSION,
) -> RestoreInfo:
    """Replace the live clinic's contents with a verified backup.

    Close every connection the app holds on ``live_path`` first (keep the
    ``ClinicLock``), then reopen with ``open_database`` afterwards, which migrates an
    older backup's schema, and call ``AuditLog.sync_anchor()`` and audit the restore.

    Args:
        backup_path: the backup file (its manifest must sit beside it).
        key: the clinic's key (backup and live share it), ``None`` if plain.
        live_path: the live database; created if it is gone.
        safety_dir: where the pre-restore backup of the live database goes
            (default: the backup's folder).
        app_version: recorded in the safety backup's manifest.
        latest_version: the newest schema this Cofactor knows.

    Raises:
        BackupTampered, BackupVerificationFailed, BackupTooNew: nothing was changed.
        NotAClinicDatabase: the live file does not open with ``key``; nothing changed.
    """
    backup_path, live_path = Path(backup_path), Path(live_path)
    manifest = _verify_restorable(backup_path, key, latest_version)
    safety, previous_head = None, None
    existed = live_path.exists()
    if existed:
        live = _open_live(live_path, key)
    else:
        create_private_file(live_path)
        live = dbapi2.connect(str(live_path), isolation_level=None)
        _apply_key(live, key)
    try:
        if existed:
            previous_head = _audit_head(live)
            safety = _backup_connection(
                live,
                key,
                safety_dir or backup_path.parent,
                stem=live_path.stem,
                audit_anchor=None,
                app_version=app_version,
                label="pre-restore",
            )
        source = _open_read_only(backup_path, key)
        try:
            source.backup(live)
        finally:
            source.close()
        with contextlib.suppress(DatabaseError):
            live.execute("PRAGMA journal_mode = WAL")
        _check_contents(live, manifest, live_path.name, key is not None)
    finally:
        live.close()
    return RestoreInfo(backup_path, manifest, safety, previous_head)


# The files SQLite keeps beside a database: they belong to it and move with it.
_COMPANIONS = ("", "-wal", "-shm", "-journal")


def restore_over_damaged(
    backup_path: Path,
    key: bytes | None,
    live_path: Path,
    *,
    latest_version: int = LATEST_VERSION,
    now: datetime | None = None,
) -> RestoreInfo:
    """Replace a damaged clinic file with a verified backup; keep the damaged file aside.

    A damaged file cannot be backed up (its integrity check fails), so instead of a
    safety backup it is renamed with its ``-wal``/``-shm`` to
    ``<name>.damaged-<UTC time>`` (a renamed pair stays a pair, so nothing in it is
    lost). If writing the backup fails, the damaged file is put back as it was.
    The caller holds the clinic's lock and has no connection open on ``live_path``.

    Raises:
        BackupTampered, BackupVerificationFailed, BackupTooNew: nothing was changed.
    """
    backup_path, live_path = Path(backup_path), Path(live_path)
    _verify_restorable(backup_path, key, latest_version)
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    aside = live_path.with_name(f"{live_path.name}.damaged-{stamp}")
    moved = []
    for suffix in _COMPANIONS:
        source = live_path.with_name(live_path.name + suffix)
        if source.exists():
            source.rename(aside.with_name(aside.name + suffix))
            moved.append(suffix)
    try:
        info = restore_backup(backup_path, key, live_path, latest_version=latest_version)
    except BaseException:
        for suffix in _COMPANIONS:
            live_path.with_name(live_path.name + suffix).unlink(missing_ok=True)
        for suffix in moved:
            aside.with_name(aside.name + suffix).rename(
                live_path.with_name(live_path.name + suffix)
            )
        raise
    return RestoreInfo(info.restored_from, info.manifest, None, None, aside if moved else None)


def backup_account(backup_path: Path, key: bytes | None, username: str) -> dict | None:
    """The account ``username`` had when the backup was made (role, disabled, hash), or None.

    Lets a restore of a clinic that cannot be opened check, in the backup it is about
    to bring back, that the person asking is an administrator there.
    """
    conn = _open_read_only(Path(backup_path), key)
    try:
        row = conn.execute(
            "SELECT username, role, disabled, password_hash FROM users WHERE username = ?",
            (username,),
        ).fetchone()
    finally:
        conn.close()
    if row is None:
        return None
    return {"username": row[0], "role": row[1], "disabled": bool(row[2]), "password_hash": row[3]}


__all__ = [
    "BackupError",
    "BackupInfo",
    "BackupTampered",
    "BackupTooNew",
    "BackupVerificationFailed",
    "RestoreInfo",
    "backup_account",
    "create_backup",
    "key_copy_path_for",
    "list_backups",
    "manifest_path_for",
    "prune",
    "read_manifest",
    "restore_backup",
    "restore_over_damaged",
    "table_counts",
    "verify_backup",
]
