"""Golden cases for the zinc, magnesium, vitamin D and B6 rules (fires, does not fire, cannot say)."""

from __future__ import annotations

from eval_chart import Case


def _trt_ai(c, zinc=None, **kw):
    c.gel()
    c.ai()
    if zinc is not None:
        c.lab("zinc", zinc, **kw)


def _progesterone(c):
    c.on("micronized_progesterone", 100, "mg", 1)


CASES = [
    # --- zinc on an aromatase inhibitor -------------------------------------------------
    Case(
        "zinc_on_aromatase_inhibitor",
        "low zinc fires",
        lambda c: _trt_ai(c, 62),
        "fires",
        "insufficient",
        "consider",
        text="IZiNCG",
    ),
    Case(
        "zinc_on_aromatase_inhibitor",
        "adequate zinc is a check",
        lambda c: _trt_ai(c, 90),
        "check",
        "adequate",
    ),
    Case(
        "zinc_on_aromatase_inhibitor",
        "no zinc is not measured",
        lambda c: _trt_ai(c),
        "unknown",
        "not_measured",
        "info",
    ),
    Case(
        "zinc_on_aromatase_inhibitor",
        "old low zinc is stale",
        lambda c: _trt_ai(c, 62, days_ago=500),
        "unknown",
        "stale",
        "consider",
        text="would apply",
    ),
    Case(
        "zinc_on_aromatase_inhibitor",
        "old adequate zinc is a stale reminder",
        lambda c: _trt_ai(c, 95, days_ago=500),
        "unknown",
        "stale",
        "info",
    ),
    Case(
        "zinc_on_aromatase_inhibitor",
        "censored <80 straddles 74",
        lambda c: _trt_ai(c, 80, comparator="<"),
        "unknown",
        "indeterminate",
    ),
    Case(
        "zinc_on_aromatase_inhibitor",
        "censored <50 is certainly low",
        lambda c: _trt_ai(c, 50, comparator="<"),
        "fires",
        "insufficient",
    ),
    Case(
        "zinc_on_aromatase_inhibitor",
        "unconvertible unit",
        lambda c: _trt_ai(c, 9.5, unit="mmol/L"),
        "unknown",
        "indeterminate",
        text="cannot be converted",
    ),
    Case(
        "zinc_on_aromatase_inhibitor",
        "inflammation gate",
        lambda c: (_trt_ai(c, 62), c.lab("hs_crp", 8.0, days_ago=10)),
        "unknown",
        "indeterminate",
        text="inflammation",
    ),
    Case(
        "zinc_on_aromatase_inhibitor",
        "excluded low zinc is ignored",
        lambda c: (_trt_ai(c, 95, days_ago=60), c.lab("zinc", 50, excluded="haemolysed")),
        "check",
        "adequate",
    ),
    Case(
        "zinc_on_aromatase_inhibitor",
        "unknown sex has no zinc cut-off",
        lambda c: _trt_ai(c, 62),
        "unknown",
        "indeterminate",
        sex="unknown",
    ),
    Case(
        "zinc_on_aromatase_inhibitor",
        "no aromatase inhibitor",
        lambda c: (c.gel(), c.lab("zinc", 62)),
        "not_applicable",
    ),
    # --- zinc with high estradiol on testosterone ---------------------------------------
    Case(
        "zinc_estradiol_high_on_trt",
        "high E2 and low zinc",
        lambda c: (c.gel(), c.lab("estradiol", 60), c.lab("zinc", 62)),
        "fires",
        "insufficient",
        "consider",
    ),
    Case(
        "zinc_estradiol_high_on_trt",
        "lab range wins: E2 within the printed range",
        lambda c: (c.gel(), c.lab("estradiol", 50, ref=(10, 60)), c.lab("zinc", 62)),
        "check",
    ),
    Case(
        "zinc_estradiol_high_on_trt",
        "high E2, zinc not measured",
        lambda c: (c.gel(), c.lab("estradiol", 60)),
        "unknown",
        "not_measured",
    ),
    Case(
        "zinc_estradiol_high_on_trt",
        "no estradiol: silent",
        lambda c: (c.gel(), c.lab("zinc", 62)),
        "silent",
    ),
    Case(
        "zinc_estradiol_high_on_trt",
        "women are out of scope",
        lambda c: (c.on("testosterone_cream", 5, "mg", 1), c.lab("estradiol", 60)),
        "not_applicable",
        sex="female",
    ),
    # --- zinc on SERM / gonadorelin / hCG ------------------------------------------------
    Case(
        "zinc_endogenous_axis",
        "low zinc on enclomiphene",
        lambda c: (c.on("enclomiphene", 12.5, "mg", 1), c.lab("zinc", 60)),
        "fires",
        "insufficient",
    ),
    Case(
        "zinc_endogenous_axis",
        "adequate zinc",
        lambda c: (c.on("enclomiphene", 12.5), c.lab("zinc", 95)),
        "check",
    ),
    Case(
        "zinc_endogenous_axis",
        "not measured",
        lambda c: c.on("hcg", 500, "IU", 2),
        "unknown",
        "not_measured",
    ),
    Case(
        "zinc_endogenous_axis",
        "testosterone alone",
        lambda c: (c.gel(), c.lab("zinc", 60)),
        "not_applicable",
    ),
    # --- magnesium on testosterone ---------------------------------------------------------
    Case(
        "magnesium_on_testosterone",
        "below MaGNet 0.85 mmol/L",
        lambda c: (c.gel(), c.lab("magnesium_serum", 1.9)),
        "fires",
        "insufficient",
    ),
    Case(
        "magnesium_on_testosterone",
        "SI units convert",
        lambda c: (c.gel(), c.lab("magnesium_serum", 0.70, "mmol/L")),
        "fires",
        "insufficient",
    ),
    Case(
        "magnesium_on_testosterone",
        "adequate",
        lambda c: (c.gel(), c.lab("magnesium_serum", 2.2)),
        "check",
        "adequate",
    ),
    Case("magnesium_on_testosterone", "not measured", lambda c: c.gel(), "unknown", "not_measured"),
    Case(
        "magnesium_on_testosterone",
        "censored <2.5 cannot be placed",
        lambda c: (c.gel(), c.lab("magnesium_serum", 2.5, comparator="<")),
        "unknown",
        "indeterminate",
    ),
    # --- vitamin D -------------------------------------------------------------------------
    Case(
        "vitamin_d_status",
        "insufficient (ES 2011)",
        lambda c: (c.gel(), c.lab("vitamin_d_25oh", 25)),
        "fires",
        "insufficient",
        "consider",
    ),
    Case(
        "vitamin_d_status",
        "deficient is a warning",
        lambda c: (c.gel(), c.lab("vitamin_d_25oh", 15)),
        "fires",
        "deficient",
        "warning",
    ),
    Case(
        "vitamin_d_status",
        "nmol/L converts (50 nmol/L = 20.0 ng/mL)",
        lambda c: (c.gel(), c.lab("vitamin_d_25oh", 50, "nmol/L")),
        "fires",
        "insufficient",
    ),
    Case(
        "vitamin_d_status",
        "IOM 2011 / ES 2024 drops the insufficient band",
        lambda c: (c.gel(), c.lab("vitamin_d_25oh", 25)),
        "check",
        "adequate",
        options={"guidelines": {"vitamin_d_25oh": "iom_2011"}},
    ),
    Case(
        "vitamin_d_status",
        "IOM 2011 still flags <20",
        lambda c: (c.gel(), c.lab("vitamin_d_25oh", 15)),
        "fires",
        "insufficient",
        options={"guidelines": {"vitamin_d_25oh": "iom_2011"}},
    ),
    Case(
        "vitamin_d_status",
        "sufficient",
        lambda c: (c.gel(), c.lab("vitamin_d_25oh", 42)),
        "check",
        "adequate",
    ),
    Case(
        "vitamin_d_status",
        "censored <10 is certainly deficient",
        lambda c: (c.gel(), c.lab("vitamin_d_25oh", 10, comparator="<")),
        "fires",
        "deficient",
    ),
    Case(
        "vitamin_d_status",
        "censored <25 is at least insufficient",
        lambda c: (c.gel(), c.lab("vitamin_d_25oh", 25, comparator="<")),
        "fires",
        "insufficient",
    ),
    Case(
        "vitamin_d_status",
        "censored <40 cannot be placed",
        lambda c: (c.gel(), c.lab("vitamin_d_25oh", 40, comparator="<")),
        "unknown",
        "indeterminate",
    ),
    Case(
        "vitamin_d_status",
        "not measured",
        lambda c: c.on("levothyroxine", 50, "ug", 1),
        "unknown",
        "not_measured",
    ),
    Case(
        "vitamin_d_status",
        "stale low value",
        lambda c: (c.gel(), c.lab("vitamin_d_25oh", 18, days_ago=400)),
        "unknown",
        "stale",
    ),
    Case(
        "vitamin_d_high",
        "possible toxicity",
        lambda c: c.lab("vitamin_d_25oh", 95),
        "fires",
        "high",
        "warning",
    ),
    Case(
        "vitamin_d_high", "60 ng/mL is not flagged", lambda c: c.lab("vitamin_d_25oh", 60), "check"
    ),
    Case(
        "vitamin_d_high",
        "censored >70 cannot be placed",
        lambda c: c.lab("vitamin_d_25oh", 70, comparator=">"),
        "unknown",
        "indeterminate",
    ),
    Case("vitamin_d_high", "not measured: silent", lambda c: c.gel(), "silent"),
    # --- B6 --------------------------------------------------------------------------------
    Case(
        "b6_on_testosterone",
        "deficient PLP",
        lambda c: (c.gel(), c.lab("vitamin_b6_plp", 3.0)),
        "fires",
        "deficient",
        "consider",
    ),
    Case(
        "b6_on_testosterone",
        "marginal PLP from nmol/L",
        lambda c: (c.gel(), c.lab("vitamin_b6_plp", 18, "nmol/L")),
        "fires",
        "insufficient",
        "info",
    ),
    Case(
        "b6_on_testosterone", "adequate", lambda c: (c.gel(), c.lab("vitamin_b6_plp", 10)), "check"
    ),
    Case(
        "b6_on_testosterone",
        "censored <6 straddles 5.1",
        lambda c: (c.gel(), c.lab("vitamin_b6_plp", 6, comparator="<")),
        "unknown",
        "indeterminate",
    ),
    Case("b6_on_testosterone", "not measured: silent", lambda c: c.gel(), "silent"),
    Case(
        "b6_mood_on_progesterone",
        "low B6 on progesterone",
        lambda c: (_progesterone(c), c.lab("vitamin_b6_plp", 3.0)),
        "fires",
        "deficient",
        sex="female",
    ),
    Case(
        "b6_mood_on_progesterone",
        "low mood, B6 never measured",
        lambda c: (_progesterone(c), c.lab("symptom_mood", 7)),
        "unknown",
        "not_measured",
        sex="female",
    ),
    Case(
        "b6_mood_on_progesterone",
        "adequate B6",
        lambda c: (_progesterone(c), c.lab("vitamin_b6_plp", 12)),
        "check",
        sex="female",
    ),
    Case(
        "b6_mood_on_progesterone",
        "nothing measured, mood fine",
        lambda c: (_progesterone(c), c.lab("symptom_mood", 2)),
        "silent",
        sex="female",
    ),
]
