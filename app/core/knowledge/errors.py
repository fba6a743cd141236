"""Errors the knowledge base raises: load problems and refused unit conversions."""

from __future__ import annotations

from collections.abc import Iterable


class KnowledgeError(Exception):
    """The knowledge base files are invalid.

    Every problem found in one load is collected, so a maintainer fixes them all in one
    pass. Each problem reads ``file: key: problem``.

    Attributes:
        problems: The individual ``file: key: problem`` lines.
    """

    def __init__(self, problems: Iterable[str]) -> None:
        self.problems = list(problems)
        count = len(self.problems)
        header = f"knowledge base has {count} problem{'s' if count != 1 else ''}"
        super().__init__("\n".join([header, *self.problems]))


class UnitNotConvertible(ValueError):
    """A value's unit is not one the knowledge base can convert for that analyte.

    Attributes:
        analyte_key: The analyte the conversion was asked for.
        unit: The unit as given (before normalising).
        reason: Why it cannot be converted (unknown unit, or a sourced reason such as
            an assay-dependent factor).
    """

    def __init__(self, analyte_key: str, unit: str, reason: str) -> None:
        self.analyte_key = analyte_key
        self.unit = unit
        self.reason = reason
        super().__init__(f"{analyte_key}: cannot convert {unit!r}: {reason}")


class Problems:
    """Collects ``file: key: problem`` lines while the files are read."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def add(self, file: str, key: str, problem: str) -> None:
        """Record one problem."""
        self.lines.append(f"{file}: {key}: {problem}")

    def raise_if_any(self) -> None:
        """Raise ``KnowledgeError`` with everything recorded, if anything was."""
        if self.lines:
            raise KnowledgeError(self.lines)
