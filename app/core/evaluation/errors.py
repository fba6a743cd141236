"""Errors raised while loading rules.toml: every problem, one line each."""

from __future__ import annotations

from collections.abc import Iterable


class RuleError(Exception):
    """rules.toml is invalid.

    Attributes:
        problems: Lines reading ``rules.toml: rule_id: problem``.
    """

    def __init__(self, problems: Iterable[str]) -> None:
        self.problems = list(problems)
        count = len(self.problems)
        header = f"rules.toml has {count} problem{'s' if count != 1 else ''}"
        super().__init__("\n".join([header, *self.problems]))


class RuleProblems:
    """Collects problems while rules.toml is read, so one load reports them all."""

    def __init__(self, file: str = "rules.toml") -> None:
        self.file = file
        self.lines: list[str] = []

    def add(self, rule_id: str, problem: str) -> None:
        """Record one problem for a rule (or a top-level section)."""
        self.lines.append(f"{self.file}: {rule_id}: {problem}")

    def raise_if_any(self) -> None:
        """Raise ``RuleError`` with every recorded problem, if any."""
        if self.lines:
            raise RuleError(self.lines)
