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
    "fl": "fL",
    "mm3": "mm3",
    "mm\u00b3": "mm3",
    "um3": "um3",
    "um\u00b3": "um3",
    "min": "min",
    "mmhg": "mmHg",
    "cm": "cm",
    "m2": "m2",
    "lb": "lb",
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
    # Millimetre of mercury: UCUM writes mm[Hg].
    "mm[hg]": "mmHg",
    # Beats per minute (heart rate): UCUM writes /min or {beats}/min.
    "bpm": "/min",
    "beats/min": "/min",
    "{beats}/min": "/min",
    "beats/minute": "/min",
    # Avoirdupois pound and international inch: UCUM writes [lb_av] and [in_i].
    "[lb_av]": "lb",
    "lbs": "lb",
    "[in_i]": "in",
    "kg/m^2": "kg/m2",
    "kg/m\u00b2": "kg/m2",
    # eGFR per 1.73 m2 body surface area. A bare mL/min is a different unit (not
    # normalised to body surface area) and is deliberately not folded in here.
    "ml/min/{1.73_m2}": "mL/min/{1.73_m2}",
    "ml/min/1.73m2": "mL/min/{1.73_m2}",
    "ml/min/1.73m^2": "mL/min/{1.73_m2}",
    "ml/min/1.73m\u00b2": "mL/min/{1.73_m2}",
    "ml/min/1.73sqm": "mL/min/{1.73_m2}",
    "ml/min/1.73sq.m": "mL/min/{1.73_m2}",
    # Cell counts written with a letter for the power of ten (thousand, million per uL).
    "k/ul": "10*3/uL",
    "thou/ul": "10*3/uL",
    "m/ul": "10*6/uL",
    "mil/ul": "10*6/uL",
    # The same per cubic millimetre, as older analyzers write it.
    "k/mm3": "10*3/mm3",
    "thou/mm3": "10*3/mm3",
    "m/mm3": "10*6/mm3",
    "mil/mm3": "10*6/mm3",
}

# A leading power of ten in a count unit: 10*3/uL (UCUM), 10^3/uL, x10E3/uL (Labcorp),
# 10e9/L, x10\u00b3/uL. All are the same unit spelt differently and become 10*N.
_POWER_OF_TEN = re.compile(
    r"^[x\u00d7*]?10(?:[*^eE]?)([0-9]+|[\u2070\u00b9\u00b2\u00b3\u2074-\u2079]+)(?=/)"
)
_SUPERSCRIPT_DIGITS = str.maketrans(
    "\u2070\u00b9\u00b2\u00b3\u2074\u2075\u2076\u2077\u2078\u2079", "0123456789"
)

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
    power = _POWER_OF_TEN.match(unit)
    if power is not None:
        exponent = power.group(1).translate(_SUPERSCRIPT_DIGITS)
        unit = f"10*{exponent}{unit[power.end() :]}"
        whole = _WHOLE.get(unit.lower())
        if whole is not None:
            return whole
    unit = _PER_DAY.sub("/24h", unit)
    return "/".join(_ATOMS.get(part.lower(), part) for part in unit.split("/"))
