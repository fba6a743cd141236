"""Golden cases for the bone-support rules (seed_bone).

A bone concern is a T-score below -1.0 (men 50 and over: WHO bands), or an aromatase inhibitor with estradiol
below range. Without a scan and without that, the rules stay silent.
"""

from __future__ import annotations

from functools import partial

from eval_chart import Case as _Case

# A T-score makes a bone concern only where the WHO bands apply: men 50 and over
# (lab-facts §2.3; younger men are read by the Z-score).
Case = partial(_Case, age=55)


def _osteopenia(c, **labs):
    c.gel()
    c.lab("bmd_tscore", -1.8, days_ago=100)
    for analyte, value in labs.items():
        c.lab(analyte, value)


def _ai_low_e2(c, **labs):
    c.gel()
    c.ai()
    c.lab("estradiol", 8)
    for analyte, value in labs.items():
        c.lab(analyte, value)


def _normal_bone(c, **labs):
    c.gel()
    c.lab("bmd_tscore", -0.4, days_ago=100)
    for analyte, value in labs.items():
        c.lab(analyte, value)


def _intake_cases(rule: str, nutrient_substance: str) -> list[Case]:
    """Rules for nutrients with no routine test: intake review when a bone concern exists."""
    return [
        Case(
            rule,
            "osteopenia",
            _osteopenia,
            "fires",
            "not_measured",
            "info",
            text="not measurable by routine lab",
        ),
        Case(rule, "aromatase inhibitor with low estradiol", _ai_low_e2, "fires", "not_measured"),
        Case(
            rule,
            "already taking it",
            lambda c: (_osteopenia(c), c.on(nutrient_substance, 1, "mg", 1)),
            "check",
        ),
        Case(rule, "normal bone density", _normal_bone, "check"),
        Case(
            rule,
            "aromatase inhibitor, normal estradiol, no scan: silent",
            lambda c: (c.gel(), c.ai(), c.lab("estradiol", 25)),
            "silent",
        ),
        Case(rule, "no scan, no aromatase inhibitor: silent", lambda c: c.gel(), "silent"),
    ]


CASES = [
    *_intake_cases("vitamin_k2_bone_intake", "vitamin_k2"),
    *_intake_cases("boron_bone_intake", "boron"),
    *_intake_cases("silicon_bone_intake", "silicon"),
    # --- vitamin C -------------------------------------------------------------------
    Case(
        "vitamin_c_bone",
        "low vitamin C with osteopenia",
        lambda c: _osteopenia(c, vitamin_c=0.15),
        "fires",
        "deficient",
        "consider",
    ),
    Case(
        "vitamin_c_bone",
        "not measured with osteopenia",
        _osteopenia,
        "unknown",
        "not_measured",
        "info",
    ),
    Case("vitamin_c_bone", "adequate", lambda c: _osteopenia(c, vitamin_c=1.0), "check"),
    Case("vitamin_c_bone", "no bone concern", lambda c: _normal_bone(c, vitamin_c=0.15), "check"),
    Case(
        "vitamin_c_bone", "no scan: silent", lambda c: (c.gel(), c.lab("vitamin_c", 0.15)), "silent"
    ),
    # --- copper ----------------------------------------------------------------------
    Case(
        "copper_bone",
        "low copper on an aromatase inhibitor",
        lambda c: _ai_low_e2(c, copper=60),
        "fires",
        "insufficient",
    ),
    Case(
        "copper_bone",
        "normal copper during inflammation cannot be read",
        lambda c: _osteopenia(c, copper=100, hs_crp=7.0),
        "unknown",
        "indeterminate",
    ),
    Case("copper_bone", "normal copper", lambda c: _osteopenia(c, copper=100), "check"),
    Case("copper_bone", "not measured with osteopenia", _osteopenia, "unknown", "not_measured"),
    Case("copper_bone", "no scan: silent", lambda c: (c.gel(), c.lab("copper", 60)), "silent"),
    # --- magnesium -------------------------------------------------------------------
    Case(
        "magnesium_bone",
        "low magnesium with osteopenia",
        lambda c: _osteopenia(c, magnesium_serum=1.7),
        "fires",
        "insufficient",
    ),
    Case("magnesium_bone", "adequate", lambda c: _osteopenia(c, magnesium_serum=2.2), "check"),
    Case("magnesium_bone", "not measured with osteopenia", _osteopenia, "unknown", "not_measured"),
    Case(
        "magnesium_bone",
        "osteopenia scan is stale: silent",
        lambda c: (
            c.gel(),
            c.lab("bmd_tscore", -1.8, days_ago=1500),
            c.lab("magnesium_serum", 1.7),
        ),
        "silent",
    ),
    # --- zinc ------------------------------------------------------------------------
    Case(
        "zinc_bone",
        "low zinc with osteopenia",
        lambda c: _osteopenia(c, zinc=62),
        "fires",
        "insufficient",
    ),
    Case("zinc_bone", "adequate", lambda c: _osteopenia(c, zinc=95), "check"),
    Case(
        "zinc_bone",
        "inflammation gate",
        lambda c: _osteopenia(c, zinc=62, hs_crp=9.0),
        "unknown",
        "indeterminate",
    ),
    Case("zinc_bone", "no zinc result: silent", _osteopenia, "silent"),
]
