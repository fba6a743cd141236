"""Where the project's bundled resources (knowledge base, fonts, icons) live."""

from __future__ import annotations

from pathlib import Path


def resources_dir() -> Path:
    """Return the ``resources/`` folder that ships beside the ``app`` package."""
    return Path(__file__).resolve().parents[2] / "resources"
