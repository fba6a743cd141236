"""The clinic-wide settings a user may change, and what each accepts."""

from __future__ import annotations

from app.core.validation import ValidationError

# key -> (what it means, how to check a value)
SETTINGS = {
    "clinic_name": "the clinic's name, printed on reports",
    "clinic_address": "the clinic's address, printed on reports",
    "clinic_logo": "path of a PNG or JPEG logo for the report header (at most 2 MB)",
    "paper_size": "A4 or Letter",
    "auto_lock_minutes": "minutes without input before the window locks (1-120)",
    "backup_keep": "automatic backups to keep (1-365)",
    "backup_every_hours": "hours between automatic backups (1-720)",
}
_RANGES = {"auto_lock_minutes": (1, 120), "backup_keep": (1, 365), "backup_every_hours": (1, 720)}


def validate_setting(key: str, value: str) -> str:
    """The value to store, or ValidationError naming what is wrong."""
    if key not in SETTINGS:
        raise ValidationError({"key": f"Unknown setting {key!r}; known: {', '.join(SETTINGS)}."})
    value = value.strip()
    if key == "paper_size":
        if value.upper() not in ("A4", "LETTER"):
            raise ValidationError({"value": "paper_size is A4 or Letter."})
        return "A4" if value.upper() == "A4" else "Letter"
    if key in _RANGES:
        low, high = _RANGES[key]
        try:
            number = int(value)
        except ValueError:
            number = None
        if number is None or not low <= number <= high:
            raise ValidationError({"value": f"{key} is a whole number from {low} to {high}."})
        return str(number)
    if key == "clinic_logo":
        return _logo_path(value)
    if not value:
        raise ValidationError({"value": f"{key} cannot be empty."})
    return value


def _logo_path(value: str) -> str:
    from pathlib import Path

    if not value:
        return ""  # no logo
    path = Path(value).expanduser()
    if path.suffix.lower() not in (".png", ".jpg", ".jpeg"):
        raise ValidationError({"value": "The logo must be a .png or .jpg file."})
    if not path.is_file():
        raise ValidationError({"value": f"No file at {path}."})
    if path.stat().st_size > 2_000_000:
        raise ValidationError({"value": "The logo file is larger than 2 MB."})
    return str(path.resolve())
