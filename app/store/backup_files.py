"""Backup files on disk: names beside a backup, listing, and keeping the newest N."""

from __future__ import annotations

import json
from pathlib import Path

FORMAT = "cofactor-backup"
FORMAT_VERSION = 1
MANIFEST_SUFFIX = ".manifest.json"


def default_backup_dir(clinic_path: Path) -> Path:
    """The ``backups`` folder beside the clinic, where backups go unless told otherwise."""
    return Path(clinic_path).parent / "backups"


def manifest_path_for(backup_path: Path) -> Path:
    backup_path = Path(backup_path)
    return backup_path.with_name(backup_path.name + MANIFEST_SUFFIX)


def key_copy_path_for(backup_path: Path) -> Path:
    """Return ``<backup>.keys``: the copy of the key slots taken with a backup."""
    backup_path = Path(backup_path)
    return backup_path.with_name(backup_path.name + ".keys")


def list_backups(dest_dir: Path, *, label: str | None = "backup") -> list[tuple[Path, dict]]:
    """Return ``(backup file, manifest)`` pairs in ``dest_dir``, oldest first."""
    found = []
    for manifest_file in Path(dest_dir).glob(f"*{MANIFEST_SUFFIX}"):
        try:
            manifest = json.loads(manifest_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
            continue
        if label is not None and manifest.get("label") != label:
            continue
        backup = manifest_file.with_name(manifest_file.name[: -len(MANIFEST_SUFFIX)])
        found.append((backup, manifest))
    return sorted(found, key=lambda item: (item[1].get("created_at", ""), item[0].name))


def prune(dest_dir: Path, keep: int, *, label: str = "backup") -> list[Path]:
    """Delete all but the newest ``keep`` backups with ``label``; return what was removed.

    Only closed backup files that have a Cofactor manifest are touched.
    """
    if keep < 1:
        raise ValueError("keep at least one backup")
    backups = list_backups(dest_dir, label=label)
    removed = []
    for backup, _manifest in backups[: max(0, len(backups) - keep)]:
        backup.unlink(missing_ok=True)
        manifest_path_for(backup).unlink(missing_ok=True)
        key_copy_path_for(backup).unlink(missing_ok=True)
        removed.append(backup)
    return removed
