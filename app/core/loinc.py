"""LOINC code syntax and the mod-10 check digit.

Public mapping tables carry wrong LOINC codes (lab-facts §1.3); a code whose check
digit fails is certainly wrong, so the importer and the knowledge base both refuse it.
"""

from __future__ import annotations

import re

_LOINC_SHAPE = re.compile(r"^(\d{1,7})-(\d)$")


def loinc_check_digit(body: str) -> int:
    """Return the mod-10 check digit for the numeric body of a LOINC code.

    Doubles every other digit starting from the rightmost, subtracts 9 from any
    product above 9, sums, and returns ``(10 - sum % 10) % 10`` (lab-facts §1.1).

    Args:
        body: The digits before the hyphen, e.g. ``"2986"`` for ``2986-8``.

    Returns:
        The expected check digit, 0 to 9.

    Raises:
        ValueError: If ``body`` is not all digits.
    """
    if not body.isdigit():
        raise ValueError(f"LOINC body must be digits: {body!r}")
    total = 0
    for position, char in enumerate(reversed(body)):
        digit = int(char)
        if position % 2 == 0:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return (10 - total % 10) % 10


def is_valid_loinc(code: object) -> bool:
    """Return True when ``code`` looks like ``NNNNN-C`` and its check digit is right.

    Surrounding whitespace is ignored; anything that is not a string is invalid.
    """
    if not isinstance(code, str):
        return False
    match = _LOINC_SHAPE.match(code.strip())
    if match is None:
        return False
    body, check = match.groups()
    return loinc_check_digit(body) == int(check)
