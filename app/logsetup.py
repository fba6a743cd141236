"""Logging configured once per process: a rotating file in the per-user log folder.

Messages above DEBUG carry no patient identifiers (names, MRNs, birth dates);
code logs ids and counts instead.
"""

from __future__ import annotations

import logging
import logging.handlers

from app.paths import AppPaths

_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def configure_logging(paths: AppPaths, *, console: bool = False, level: int = logging.INFO) -> None:
    """Send log records to ``paths.log_file`` (1 MB x 5 files) and optionally to stderr.

    Called again with another data folder (tests, several commands in one process),
    it moves the file handler there rather than adding a second one.
    """
    root = logging.getLogger()
    current = getattr(root, "_cofactor_file_handler", None)
    if current is not None and current.baseFilename == str(paths.log_file.resolve()):
        return
    paths.log_dir.mkdir(parents=True, exist_ok=True)
    handler = logging.handlers.RotatingFileHandler(
        paths.log_file, maxBytes=1_000_000, backupCount=5, encoding="utf-8"
    )
    handler.setFormatter(logging.Formatter(_FORMAT))
    if current is not None:
        root.removeHandler(current)
        current.close()
    root.addHandler(handler)
    root._cofactor_file_handler = handler  # type: ignore[attr-defined]
    if console and not getattr(root, "_cofactor_console", False):
        stream = logging.StreamHandler()
        stream.setFormatter(logging.Formatter(_FORMAT))
        stream.setLevel(logging.WARNING)
        root.addHandler(stream)
        root._cofactor_console = True  # type: ignore[attr-defined]
    root.setLevel(level)
