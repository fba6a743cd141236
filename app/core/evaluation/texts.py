"""Placeholders in rule texts: ``{zinc}``, ``{zinc.value}``, ``{components}``.

Only a fixed set of names is filled in; anything else is a load-time problem, so
a typo in rules.toml never reaches a patient handout as ``{zinc.vlaue}``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

from app.core.formatting import format_number  # noqa: F401 (re-exported for the rules)

PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_]*)(?:\.([a-z_]+))?\}")
INPUT_FIELDS = ("value", "date", "age", "range", "reference", "change", "timing", "status")


def placeholders(template: str) -> list[tuple[str, str | None]]:
    """``(name, field)`` for every placeholder in a template."""
    return [(m.group(1), m.group(2)) for m in PLACEHOLDER.finditer(template)]


@lru_cache(maxsize=4096)
def _parts(template: str) -> tuple[str | tuple[str, str | None], ...]:
    """A template split into literal text and ``(name, field)`` placeholders."""
    parts: list[str | tuple[str, str | None]] = []
    position = 0
    for match in PLACEHOLDER.finditer(template):
        if match.start() > position:
            parts.append(template[position : match.start()])
        parts.append((match.group(1), match.group(2)))
        position = match.end()
    if position < len(template):
        parts.append(template[position:])
    return tuple(parts)


def render(template: str, lookup: Callable[[str, str | None], str]) -> str:
    """Fill every placeholder with ``lookup(name, field)``."""
    return "".join(
        part if isinstance(part, str) else lookup(part[0], part[1]) for part in _parts(template)
    )


def format_age(days: int) -> str:
    """A reading age for a result: ``10 days``, ``9 weeks``, ``14 months``, ``3 years``."""
    if days < 28:
        return f"{days} day{'s' if days != 1 else ''}"
    if days < 120:
        weeks = days // 7
        return f"{weeks} weeks"
    months = round(days / 30.44)
    if months < 24:
        return f"{months} months"
    return f"{days / 365.25:.0f} years"


def join_words(words: list[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]
