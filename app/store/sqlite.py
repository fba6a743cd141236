"""The one SQLite library the process uses: the SQLCipher build from ``sqlcipher3``.

Mixing the stdlib ``sqlite3`` and SQLCipher on one file is a documented way to
corrupt it, and sqlite-utils catches the stdlib's exception classes unless it
finds ``pysqlite3``. Registering SQLCipher under that name before sqlite-utils is
imported makes sqlite-utils raise and catch the classes our connections raise.
Every module that needs sqlite-utils imports it from here.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

import sqlcipher3
import sqlcipher3.dbapi2 as dbapi2

sys.modules.setdefault("pysqlite3", sqlcipher3)
sys.modules.setdefault("pysqlite3.dbapi2", dbapi2)

# sqlite-utils imports numpy (when installed, as pyqtgraph installs it) only to map
# numpy scalar types on insert, which this app never does; that import costs a few
# hundred milliseconds of every start. Hide numpy from that one import, then put
# things back exactly as they were so pyqtgraph still finds it.
_numpy_loaded = "numpy" in sys.modules
if not _numpy_loaded:
    sys.modules["numpy"] = None  # type: ignore[assignment]
try:
    import sqlite_utils  # noqa: E402  (must follow the registrations above)
finally:
    if not _numpy_loaded:
        del sys.modules["numpy"]

Connection = dbapi2.Connection
DatabaseError = dbapi2.DatabaseError
IntegrityError = dbapi2.IntegrityError
OperationalError = dbapi2.OperationalError
sqlite_version = dbapi2.sqlite_version


# Values bound per ``IN (...)`` look-up, well under SQLite's limit of bound parameters.
IN_CHUNK = 500


def rows_where_in(
    conn: Connection, sql: str, values: Iterable, params: Sequence = (), after: str = ""
) -> Iterator[tuple]:
    """The rows of ``sql`` for every value, asked a few hundred values per query.

    ``sql`` ends with ``IN``; the list of values is added here, then ``after`` (a
    ``GROUP BY``, say, which then groups within each query). ``params`` are bound
    before the values. Each distinct value is asked once, in sorted order.
    """
    wanted = sorted(set(values))
    for start in range(0, len(wanted), IN_CHUNK):
        chunk = wanted[start : start + IN_CHUNK]
        marks = ",".join("?" * len(chunk))
        yield from conn.execute(f"{sql} ({marks}) {after}", (*params, *chunk))


def create_private_file(path: Path) -> None:
    """Create an empty database file only its owner can read (0600 on POSIX).

    SQLite would create it with the process umask (usually world-readable) and gives
    its ``-wal``/``-shm``/journal files the database file's own permissions, so
    creating the file first keeps every file of a clinic or backup private.
    """
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600)
    os.close(fd)


__all__ = [
    "Connection",
    "create_private_file",
    "DatabaseError",
    "IntegrityError",
    "OperationalError",
    "rows_where_in",
    "dbapi2",
    "sqlite_utils",
    "sqlite_version",
]
