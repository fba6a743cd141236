"""Unit spellings: fold the many ways labs write a unit into one form.

Lab CSVs write the same unit as ``µg/dL``, ``μg/dl``, ``mcg/dL`` or ``ug/dL``, and
``mIU/mL`` as ``m[IU]/mL`` (UCUM). ``normalise_unit`` only fixes *spelling*: it never
declares two different units equal (``mU/L`` stays ``mU/L``; the knowledge base lists
it as an accepted unit with its factor where that equivalence is sourced).

The normal form is ASCII UCUM-like: ``u`` for micro, ``L``/``dL``/``mL`` with a capital
L, ``IU`` without brackets, no spaces; ``%`` and annotations such as ``{T-score}`` are
kept.
"""

from __future__ import annotations

import re

# Micro signs: MICRO SIGN U+00B5 and GREEK SMALL LETTER MU U+03BC.
_MICRO_SIGNS = ("\u00b5", "\u03bc")

# "mc" means micro in US lab spelling (mcg, mcmol); only before a unit atom, so that
# nothing else starting with "mc" is touched.
_MC_PREFIX = re.compile(r"mc(?=(g|mol|iu|u|l)(\b|/|$|[^a-z]))", re.IGNORECASE)

# Lower-cased atom -> its normal spelling. UCUM is case-sensitive, labs are not, so
# only atoms we recognise are re-cased; anything else keeps its original case.
_ATOMS = {
    "g": "g",
    "kg": "kg",
    "mg": "mg",
    "ug": "ug",
    "ng": "ng",
    "pg": "pg",
    "l": "L",
    "dl": "dL",
    "ml": "mL",
    "ul": "uL",
    "mol": "mol",
    "mmol": "mmol",
    "umol": "umol",
    "nmol": "nmol",
    "pmol": "pmol",
    "iu": "IU",
    "miu": "mIU",
    "uiu": "uIU",
    "u": "U",
    "mu": "mU",
    "meq": "mEq",
    "24h": "24h",
    "%": "%",
    "{t-score}": "{T-score}",
    "{z-score}": "{Z-score}",
    "{score}": "{score}",
    "{ratio}": "{ratio}",
}

# Whole-unit spellings that are the same unit written differently.
_WHOLE = {
    "percent": "%",
    "pct": "%",
    "t-score": "{T-score}",
    "tscore": "{T-score}",
    "z-score": "{Z-score}",
    "score": "{score}",
    "ratio": "{ratio}",
}

# A per-day denominator written as 24 h, 24hr, (24.h), d or day.
_PER_DAY = re.compile(r"/\(?(24\.?h(r|rs|our|ours)?|d|day)\)?$", re.IGNORECASE)


def normalise_unit(text: str | None) -> str:
    """Return the normal spelling of a unit string.

    Args:
        text: A unit as a lab wrote it, e.g. ``"µg/dL"``, ``"mcg/dl"``,
            ``"m[IU]/mL"``, ``"mmol/l"``, ``" % "``. ``None`` counts as empty.

    Returns:
        The normal form, e.g. ``"ug/dL"``, ``"mIU/mL"``, ``"mmol/L"``, ``"%"``; an
        empty string for an empty unit.
    """
    if not text:
        return ""
    unit = "".join(text.split())
    for sign in _MICRO_SIGNS:
        unit = unit.replace(sign, "u")
    unit = _MC_PREFIX.sub("u", unit)
    # UCUM writes arbitrary units in brackets: m[IU]/mL, [IU]/L.
    unit = unit.replace("[IU]", "IU").replace("[iU]", "IU").replace("[iu]", "IU")
    whole = _WHOLE.get(unit.lower())
    if whole is not None:
        return whole
    unit = _PER_DAY.sub("/24h", unit)
    return "/".join(_ATOMS.get(part.lower(), part) for part in unit.split("/"))
