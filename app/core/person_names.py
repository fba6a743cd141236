"""Names as files write them: one cell holding the family and given name."""

from __future__ import annotations


def split_full_name(text: str) -> tuple[str, str]:
    """``'Doe, Jane'``, ``'DOE^JANE'`` (HL7) or ``'Jane Doe'`` as (family, given)."""
    text = text.strip()
    if "^" in text:
        family, _, given = text.partition("^")
        given = given.replace("^", " ")
    elif "," in text:
        family, _, given = text.partition(",")
    else:
        given, _, family = text.rpartition(" ")
    return family.strip(), given.strip()
