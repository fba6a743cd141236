"""Where a workstation keeps its clinic, logs, imported files and backups.

Everything hangs off one data folder so ``--data-dir`` / ``COFACTOR_DATA_DIR``
can redirect every path (tests and the demo rely on it). Nothing is created at
import time; ``ensure()`` creates folders when the app actually starts.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs

APP_NAME = "Cofactor"
ENV_DATA_DIR = "COFACTOR_DATA_DIR"


@dataclass(frozen=True)
class AppPaths:
    data_dir: Path
    log_dir: Path

    @property
    def clinic_db(self) -> Path:
        return self.data_dir / "clinic.db"

    @property
    def imports_dir(self) -> Path:
        """Original lab files, kept for provenance."""
        return self.data_dir / "imports"

    @property
    def backups_dir(self) -> Path:
        return self.data_dir / "backups"

    @property
    def log_file(self) -> Path:
        return self.log_dir / "cofactor.log"

    def ensure(self) -> AppPaths:
        for folder in (self.data_dir, self.log_dir, self.imports_dir, self.backups_dir):
            folder.mkdir(parents=True, exist_ok=True)
        return self


def resolve_paths(data_dir: str | os.PathLike | None = None) -> AppPaths:
    """Pick the data folder: the argument, else ``COFACTOR_DATA_DIR``, else the per-user one."""
    chosen = data_dir or os.environ.get(ENV_DATA_DIR)
    if chosen:
        root = Path(chosen).expanduser().resolve()
        return AppPaths(data_dir=root, log_dir=root / "logs")
    return AppPaths(
        data_dir=Path(platformdirs.user_data_dir(APP_NAME, APP_NAME)),
        log_dir=Path(platformdirs.user_log_dir(APP_NAME, APP_NAME)),
    )
