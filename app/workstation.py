"""What this workstation remembers between runs: which clinic file it opens.

Kept as a small JSON file in the data folder; it holds a path, never patient data.
"""

from __future__ import annotations

import json
from pathlib import Path

from app.paths import AppPaths

_FILE = "workstation.json"


def current_clinic(paths: AppPaths) -> Path | None:
    """The clinic this workstation opened last, if it can be reached now.

    A clinic inside the data folder is remembered relative to it, so a copied or moved
    data folder (``--data-dir``) opens its own copy, never the original's. A remembered
    clinic out of reach (:func:`missing_clinic`) gives None, not the data folder's own
    ``clinic.db``: that may be a stale copy, and working in it would split the clinic.
    """
    path = remembered_clinic(paths)
    if path is not None:
        return path if path.exists() else None
    return paths.clinic_db if paths.clinic_db.exists() else None


def missing_clinic(paths: AppPaths) -> Path | None:
    """The clinic this workstation remembers when it cannot be reached now (a shared
    drive not connected), else None."""
    path = remembered_clinic(paths)
    return path if path is not None and not path.exists() else None


def remembered_clinic(paths: AppPaths) -> Path | None:
    """The clinic this workstation remembers, whether or not it can be reached now (a
    clinic on a shared drive that is not connected is still this workstation's)."""
    chosen = _read(paths).get("clinic")
    if not chosen:
        return None
    path = Path(chosen)
    return path if path.is_absolute() else paths.data_dir / path


def remember_clinic(paths: AppPaths, clinic: Path) -> None:
    settings = _read(paths)
    clinic = Path(clinic).resolve()
    try:
        settings["clinic"] = clinic.relative_to(paths.data_dir.resolve()).as_posix()
    except ValueError:  # a clinic kept elsewhere (a shared drive): its full path
        settings["clinic"] = str(clinic)
    paths.data_dir.mkdir(parents=True, exist_ok=True)
    (paths.data_dir / _FILE).write_text(json.dumps(settings, indent=2), encoding="utf-8")


def _read(paths: AppPaths) -> dict:
    try:
        return json.loads((paths.data_dir / _FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
