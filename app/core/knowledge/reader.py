"""Typed, strict access to one TOML table while it is validated.

A ``Section`` hands out fields with the type the schema expects and records a
``file: key: problem`` line for anything missing, mistyped, or unknown (a misspelt
field name is a problem, not silently ignored). It never raises: the loader collects
every problem and raises once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from app.core.knowledge.errors import Problems
from app.core.knowledge.records import Citation, Draft

EVIDENCE_GRADES = (
    "guideline",
    "randomised_trial",
    "observational",
    "mechanistic",
    "expert_opinion",
)

_MISSING: Any = object()


@dataclass
class Context:
    """What every section reader shares: the problem list and the things references resolve to."""

    problems: Problems
    citations: dict[str, Citation] = field(default_factory=dict)
    units: dict[str, Any] = field(default_factory=dict)
    drafts: list[Draft] = field(default_factory=list)


class Section:
    """One TOML table (``data``) found at ``key`` in ``file``."""

    def __init__(self, data: Any, file: str, key: str, ctx: Context) -> None:
        self.file = file
        self.key = key
        self.ctx = ctx
        if not isinstance(data, dict):
            self.problem(f"must be a table, got {type(data).__name__}")
            data = {}
        self.data: dict[str, Any] = data
        self._used: set[str] = set()

    # -- reporting -------------------------------------------------------------------

    def problem(self, message: str, name: str | None = None) -> None:
        """Record a problem on this section (or on its field ``name``)."""
        key = f"{self.key}.{name}" if name else self.key
        self.ctx.problems.add(self.file, key, message)

    def finish(self) -> None:
        """Report every field that no reader asked for (typos, unsupported fields)."""
        for name in sorted(set(self.data) - self._used):
            self.problem(f"unknown field {name!r}")

    def has(self, name: str) -> bool:
        """Return True when the field is present."""
        return name in self.data

    # -- scalar fields ---------------------------------------------------------------

    def _take(self, name: str) -> Any:
        self._used.add(name)
        return self.data.get(name, _MISSING)

    def text(self, name: str, default: Any = _MISSING) -> str:
        """Return a string field; a missing required one is reported and read as ``""``."""
        value = self._take(name)
        if value is _MISSING:
            if default is _MISSING:
                self.problem(f"missing {name!r}")
                return ""
            return default
        if not isinstance(value, str):
            self.problem(f"must be a string, got {type(value).__name__}", name)
            return "" if default is _MISSING else default
        if default is _MISSING and not value.strip():
            self.problem("must not be empty", name)
        return value

    def number(self, name: str, default: Any = _MISSING) -> Any:
        """Return an int or float field as float (booleans are not numbers)."""
        value = self._take(name)
        if value is _MISSING:
            if default is _MISSING:
                self.problem(f"missing {name!r}")
                return None
            return default
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.problem(f"must be a number, got {type(value).__name__}", name)
            return None if default is _MISSING else default
        return float(value)

    def integer(self, name: str, default: Any = _MISSING) -> Any:
        """Return an integer field."""
        value = self._take(name)
        if value is _MISSING:
            if default is _MISSING:
                self.problem(f"missing {name!r}")
                return 0
            return default
        if isinstance(value, bool) or not isinstance(value, int):
            self.problem(f"must be an integer, got {type(value).__name__}", name)
            return 0 if default is _MISSING else default
        return value

    def flag(self, name: str, default: bool = False) -> bool:
        """Return a boolean field."""
        value = self._take(name)
        if value is _MISSING:
            return default
        if not isinstance(value, bool):
            self.problem(f"must be true or false, got {type(value).__name__}", name)
            return default
        return value

    def texts(self, name: str, required: bool = False) -> tuple[str, ...]:
        """Return a list-of-strings field as a tuple."""
        value = self._take(name)
        if value is _MISSING:
            if required:
                self.problem(f"missing {name!r}")
            return ()
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.problem("must be a list of strings", name)
            return ()
        if required and not value:
            self.problem("must not be empty", name)
        return tuple(value)

    def choice(self, name: str, allowed: tuple[str, ...], default: Any = _MISSING) -> str:
        """Return a string field that must be one of ``allowed``."""
        value = self.text(name, default)
        if value and value not in allowed:
            self.problem(f"{value!r} is not one of {', '.join(allowed)}", name)
        return value

    # -- nested tables ---------------------------------------------------------------

    def table(self, name: str, required: bool = False) -> Section | None:
        """Return the sub-table ``name`` as a Section, or None when absent."""
        value = self._take(name)
        if value is _MISSING:
            if required:
                self.problem(f"missing table {name!r}")
            return None
        return Section(value, self.file, f"{self.key}.{name}", self.ctx)

    def tables(self, name: str) -> list[Section]:
        """Return an array of tables (``[[key.name]]``) as Sections."""
        value = self._take(name)
        if value is _MISSING:
            return []
        if not isinstance(value, list):
            self.problem("must be an array of tables", name)
            return []
        return [
            Section(item, self.file, f"{self.key}.{name}[{index}]", self.ctx)
            for index, item in enumerate(value)
        ]

    def raw(self, name: str) -> Any:
        """Return a field as parsed, or None when absent (the caller checks its type)."""
        value = self._take(name)
        return None if value is _MISSING else value

    # -- shared conventions ----------------------------------------------------------

    def citation(self, name: str = "citation", required: bool = True, fallback: str = "") -> str:
        """Return a citation key that must exist in citations.toml.

        Args:
            name: The field holding the key.
            required: Report a problem when neither the field nor ``fallback`` is set.
            fallback: A citation inherited from the enclosing table.
        """
        key = self.text(name, "")
        if key and key not in self.ctx.citations:
            self.problem(f"unknown citation {key!r}", name)
        if not key and not fallback and required:
            self.problem(f"has no source: {name!r} is required")
        return key or fallback

    def citations(self, name: str = "citations") -> tuple[str, ...]:
        """Return a list of citation keys, each of which must exist."""
        keys = self.texts(name)
        for key in keys:
            if key not in self.ctx.citations:
                self.problem(f"unknown citation {key!r}", name)
        return keys

    def evidence_grade(self, name: str = "evidence_grade", fallback: str = "") -> str:
        """Return an evidence grade from the fixed vocabulary, or ``fallback``."""
        grade = self.text(name, "")
        if grade and grade not in EVIDENCE_GRADES:
            self.problem(f"{grade!r} is not one of {', '.join(EVIDENCE_GRADES)}", name)
        return grade or fallback

    def draft(self) -> tuple[bool, str]:
        """Read ``draft`` and ``note``; a draft must say what source it still needs.

        Draft items load (so the app can show them, marked) and are listed by
        ``KnowledgeBase.drafts()``.
        """
        is_draft = self.flag("draft")
        note = self.text("note", "")
        if is_draft:
            if not note.strip():
                self.problem("draft item needs a 'note' saying what primary source is needed")
            self.ctx.drafts.append(Draft(self.file, self.key, note))
        return is_draft, note
