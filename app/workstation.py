"""What this workstation remembers between runs: which clinic file it opens.

Kept as a small JSON file in the data folder; it holds a path, never patient data.
"""

from __future__ import annotations

import json
from pathlib import Path

from app.paths import AppPaths

_FILE = "workstation.json"


def current_clinic(paths: AppPaths) -> Path | None:
    """The clinic this workstation opened last, if it still exists."""
    settings = _read(paths)
    chosen = settings.get("clinic")
    if chosen and Path(chosen).exists():
        return Path(chosen)
    return paths.clinic_db if paths.clinic_db.exists() else None


def remember_clinic(paths: AppPaths, clinic: Path) -> None:
    settings = _read(paths)
    settings["clinic"] = str(Path(clinic).resolve())
    paths.data_dir.mkdir(parents=True, exist_ok=True)
    (paths.data_dir / _FILE).write_text(json.dumps(settings, indent=2), encoding="utf-8")


def _read(paths: AppPaths) -> dict:
    try:
        return json.loads((paths.data_dir / _FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
