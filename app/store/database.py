"""Open a clinic database: pragmas, schema version checks and migrations.

Durability settings follow SQLite's own guidance for data that must survive a
power cut: WAL with ``synchronous=FULL``. Migrations run in one transaction,
after a consistent copy of the file has been taken with the online backup API
(never a file copy, which can tear a live WAL database).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from app.store.migrations import MIGRATIONS
from app.store.sqlite import DatabaseError, create_private_file, dbapi2, sqlite_utils

log = logging.getLogger(__name__)

LATEST_VERSION = max(m.VERSION for m in MIGRATIONS)


class ClinicDatabaseError(Exception):
    """A clinic database cannot be opened; the message is meant for the user."""


class DatabaseTooNew(ClinicDatabaseError):
    """The file was written by a newer Cofactor than this one."""


class NotAClinicDatabase(ClinicDatabaseError):
    """Wrong password, or a file that is not a Cofactor clinic."""


class DatabaseDamaged(ClinicDatabaseError):
    """``PRAGMA quick_check`` found damage; the file is not written to."""


@dataclass
class ClinicDatabase:
    """An open clinic: the sqlite-utils handle plus what was learned opening it.

    The integrity check may run after opening (``verify_integrity`` on a worker
    thread, so a large clinic's window appears at once); until it has passed, every
    write waits for it, and a damaged file is never written to.
    """

    db: sqlite_utils.Database
    path: Path | None
    schema_version: int
    migrated_from: int | None = None
    backup_before_migration: Path | None = None
    key: bytes | None = None
    damage: str | None = None

    def __post_init__(self) -> None:
        self._verified = threading.Event()
        self._verifying = threading.Lock()
        self._connection_number = 0
        self._checkpointers: list[threading.Thread] = []

    @property
    def conn(self) -> dbapi2.Connection:
        return self.db.conn

    @property
    def verified(self) -> bool:
        return self._verified.is_set()

    def mark_verified(self, damage: str | None = None) -> None:
        self.damage = damage
        self._verified.set()

    def reader(self) -> dbapi2.Connection:
        """A connection of its own to the same file (safe to use on a worker thread).

        Backups and checks read through it, so they never share the GUI thread's
        connection or its transaction state. The caller closes it.
        """
        if self.path is None:
            raise ValueError("an in-memory clinic has no second connection")
        return _connect(str(self.path), self.key)

    def wait_verified(self, timeout: float = 600) -> bool:
        return self._verified.wait(timeout)

    def verify_integrity(self) -> None:
        """Run ``PRAGMA quick_check`` on a connection of its own (safe on a worker thread)."""
        with self._verifying:  # one check, however many threads ask for it
            if self.verified:
                return
            if self.path is None:
                self.mark_verified()
                return
            try:
                conn = _connect(str(self.path), self.key)
            except NotAClinicDatabase as exc:
                self.mark_verified(str(exc))
                return
            try:
                result = _quick_check_result(conn)
            finally:
                conn.close()
            self.mark_verified(None if result == "ok" else result)

    @contextmanager
    def transaction(self) -> Iterator[dbapi2.Connection]:
        """Run a block in one transaction: all of it is written or none of it."""
        if not self._verified.wait(timeout=600):
            raise DatabaseDamaged("The clinic's integrity check did not finish; nothing was saved.")
        if self.damage is not None:
            raise DatabaseDamaged(
                f"The clinic database {self.path} is damaged ({self.damage}). Nothing was saved; "
                "restore it from the newest backup."
            )
        with self.db.atomic():
            yield self.conn

    @contextmanager
    def checkpoint_after(self) -> Iterator[None]:
        """Run a block that may write a lot; copy its log into the file afterwards, apart.

        In WAL mode SQLite copies the write-ahead log into the database file at the
        commit that makes the log long: a million-row import waited about a second
        more for it. The commit is durable without that copy (the log is synced), so
        the block's commit skips it, and a connection of its own on a thread copies
        the log while the user carries on (a passive checkpoint: it waits for no one).
        """
        conn = self.conn
        pages = int(conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0])
        conn.execute("PRAGMA wal_autocheckpoint = 0")
        try:
            yield
        finally:
            conn.execute(f"PRAGMA wal_autocheckpoint = {pages}")
        if self.path is not None:
            thread = threading.Thread(target=self._checkpoint, name="checkpoint", daemon=True)
            self._checkpointers = [t for t in self._checkpointers if t.is_alive()] + [thread]
            thread.start()

    def _checkpoint(self) -> None:
        try:
            conn = self.reader()
            try:
                conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
            finally:
                conn.close()
        except Exception:  # the next commit's own checkpoint copies the log instead
            log.debug("checkpoint after a large write failed", exc_info=True)

    def wait_checkpoint(self, timeout: float = 60) -> None:
        """Wait for the copies ``checkpoint_after`` started, if any is running."""
        for thread in self._checkpointers:
            thread.join(timeout)

    def close(self) -> None:
        # Callers that close first (restore, quitting) expect no other connection left.
        self.wait_checkpoint()
        self.conn.close()

    def detach(self) -> None:
        """Close the connection and forget the key (auto-lock); ``reattach`` reopens."""
        if self.path is None:
            return  # an in-memory clinic would lose its data; tests keep it open
        self.conn.close()
        self.key = None

    def reattach(self, key: bytes | None) -> None:
        """Reopen the same file after ``detach`` with the key a fresh sign-in produced."""
        if self.path is None:
            return
        conn = _connect(str(self.path), key)
        _apply_pragmas(conn)
        self.db = sqlite_utils.Database(conn)
        self.key = key
        self._connection_number += 1

    def data_stamp(self) -> tuple[int, int, int]:
        """Changes whenever the stored data may have changed, by anyone.

        Rows changed on this connection (``total_changes``), commits by any other
        connection (``PRAGMA data_version``) and which connection this is (a restore
        reopens it). Equal stamps mean nothing was written in between, so a read
        taken at the first is still true at the second.
        """
        conn = self.conn
        version = conn.execute("PRAGMA data_version").fetchone()[0]
        return (self._connection_number, conn.total_changes, version)


def open_reader(path: Path, key: bytes | None) -> ClinicDatabase:
    """A clinic another process of this app has open (locked, migrated, checked), read-only.

    For a worker process sharing a clinic-wide read: it takes no lock (the opening
    process holds it), runs no migration or check, and cannot write.
    """
    conn = _connect(str(path), key)
    conn.execute("PRAGMA query_only = ON")
    clinic = ClinicDatabase(sqlite_utils.Database(conn), Path(path), LATEST_VERSION, key=key)
    clinic.mark_verified()
    return clinic


def utc_now() -> str:
    """Return the current UTC time as ISO-8601 text with seconds."""
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def _connect(target: str, key: bytes | None) -> dbapi2.Connection:
    conn = dbapi2.connect(target, isolation_level=None, check_same_thread=False)
    if key is not None:
        conn.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
        conn.execute("PRAGMA cipher_log_level = NONE")
    try:
        # SQLCipher accepts any key silently; the first real read tells.
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except DatabaseError as exc:
        conn.close()
        raise NotAClinicDatabase(
            "This file could not be read: the password is wrong, or it is not a Cofactor clinic."
        ) from exc
    return conn


def _apply_pragmas(conn: dbapi2.Connection) -> None:
    conn.execute("PRAGMA foreign_keys = ON")
    mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("PRAGMA busy_timeout = 5000")
    # 64 MB of page cache: index pages of a large import stay in memory instead of
    # being written and re-read (several times faster for a million-row batch).
    conn.execute("PRAGMA cache_size = -65536")
    if mode.lower() not in ("wal", "memory"):
        log.warning("journal_mode is %s, not WAL", mode)


def open_database(
    path: Path | None,
    *,
    create: bool = False,
    key: bytes | None = None,
    app_version: str = "",
    migrations: list | None = None,
    verify_now: bool = True,
) -> ClinicDatabase:
    """Open (or create) a clinic database and bring its schema up to date.

    Args:
        path: the database file, or ``None`` for a private in-memory database.
        create: create a new clinic; refuses to touch an existing file.
        key: raw 32-byte SQLCipher key, or ``None`` for a plain (demo) clinic.
        app_version: recorded in ``clinic_meta`` when the schema is written.
        migrations: the migration modules to apply (tests pass their own).
        verify_now: run the integrity check before returning; ``False`` leaves it to
            ``ClinicDatabase.verify_integrity`` (writes wait for it meanwhile).

    Raises:
        ClinicDatabaseError: with a message fit to show the user.
    """
    if path is not None:
        path = Path(path)
        if create and path.exists():
            raise ClinicDatabaseError(f"A file already exists at {path}; choose another name.")
        if not create and not path.exists():
            raise ClinicDatabaseError(f"No clinic database at {path}.")
        if create:
            path.parent.mkdir(parents=True, exist_ok=True)
            create_private_file(path)
    migrations = MIGRATIONS if migrations is None else migrations
    latest = max(m.VERSION for m in migrations)
    conn = _connect(str(path) if path is not None else ":memory:", key)
    try:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version > latest:
            raise DatabaseTooNew(
                f"This clinic was saved by a newer version of Cofactor (schema {version}; "
                f"this version knows up to {latest}). Update Cofactor to open it."
            )
        if version == 0 and not create and _has_tables(conn):
            raise NotAClinicDatabase("This file is an SQLite database, but not a Cofactor clinic.")
        pending = version < latest
        if version > 0 and (verify_now or pending):
            _quick_check(conn, path)  # never migrate a damaged file
        _apply_pragmas(conn)
        clinic = ClinicDatabase(sqlite_utils.Database(conn), path, version, key=key)
        if version == 0 or verify_now or pending:
            clinic.mark_verified()
        else:
            # Check on a thread of its own from the start, so anything that must wait
            # for the result (every write) waits a bounded time, never on itself.
            threading.Thread(
                target=clinic.verify_integrity, name="quick-check", daemon=True
            ).start()
        if pending:
            _migrate(clinic, key, app_version, migrations)
        return clinic
    except BaseException:
        conn.close()
        raise


def _has_tables(conn: dbapi2.Connection) -> bool:
    return conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] > 0


def _quick_check_result(conn: dbapi2.Connection) -> str:
    """'ok', or what SQLite found wrong (a malformed file can fail the check itself)."""
    try:
        return conn.execute("PRAGMA quick_check").fetchone()[0]
    except DatabaseError as exc:
        return str(exc)


def _quick_check(conn: dbapi2.Connection, path: Path | None) -> None:
    result = _quick_check_result(conn)
    if result != "ok":
        raise DatabaseDamaged(
            f"The clinic database {path} is damaged ({result}). It has not been changed; "
            "restore it from the newest backup."
        )


def _migrate(clinic: ClinicDatabase, key: bytes | None, app_version: str, migrations: list) -> None:
    start = clinic.schema_version
    latest = max(m.VERSION for m in migrations)
    if start > 0 and clinic.path is not None:
        clinic.backup_before_migration = _backup_copy(clinic, key, start, latest)
    pending = [m for m in migrations if m.VERSION > start]
    with clinic.transaction() as conn:
        for migration in sorted(pending, key=lambda m: m.VERSION):
            log.info("applying schema migration %d", migration.VERSION)
            for statement in migration.STATEMENTS:
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {migration.VERSION}")
        now = utc_now()
        conn.execute(
            "INSERT INTO clinic_meta (key, value) VALUES ('schema_written_by', ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (app_version,),
        )
        conn.execute(
            "INSERT INTO clinic_meta (key, value) VALUES ('created_at', ?) ON CONFLICT DO NOTHING",
            (now,),
        )
    clinic.migrated_from = start
    clinic.schema_version = latest


def _backup_copy(
    clinic: ClinicDatabase, key: bytes | None, version: int, target_version: int
) -> Path:
    assert clinic.path is not None
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    target = clinic.path.with_name(f"{clinic.path.stem}.before-v{target_version}-{stamp}.db")
    dest = dbapi2.connect(str(target))
    try:
        if key is not None:
            dest.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
        clinic.conn.backup(dest)
    finally:
        dest.close()
    log.info("copied schema-%d database before migrating", version)
    return target
