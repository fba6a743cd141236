"""Neutralise spreadsheet formulas in exported CSV cells (OWASP ASVS 1.2.10).

Quoting a cell does not stop Excel or LibreOffice from evaluating ``=HYPERLINK(…)``;
a leading apostrophe does. Every CSV export of data that users typed or imported
passes its cells through ``neutralize_cell``.
"""

from __future__ import annotations

from collections.abc import Iterable

# = + - @ tab CR NUL (ASVS), LF for good measure, and the full-width forms of
# = + - @ that some spreadsheet locales also treat as formula starters.
FORMULA_TRIGGERS = (
    "=",
    "+",
    "-",
    "@",
    "\t",
    "\r",
    "\n",
    "\0",
    "\uff1d",
    "\uff0b",
    "\uff0d",
    "\uff20",
)


def neutralize_cell(value: object) -> object:
    """Return a text cell prefixed with ``'`` if it starts like a formula.

    Numbers (and ``None``) are returned unchanged, so ``-5`` stays a number while the
    text ``"-5+A1"`` becomes ``"'-5+A1"``.
    """
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def neutralize_row(values: Iterable[object]) -> list[object]:
    """Neutralise every cell of one CSV row."""
    return [neutralize_cell(v) for v in values]
