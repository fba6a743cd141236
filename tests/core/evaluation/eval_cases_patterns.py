"""Golden cases for the pattern rules, the stack rules and the monitoring rule."""

from __future__ import annotations

from dataclasses import replace

from eval_chart import Case, days_ago_for


def _biweekly(c, start=400):
    return c.trt(100, every=14, start=start)


def _tt_at(c, value, days_since, comparator=None):
    """Total T drawn ``days_since`` days after an injection of a biweekly schedule."""
    _biweekly(c)
    c.lab("testosterone_total", value, days_ago=days_ago_for(days_since), comparator=comparator)


def _same_day(c, tt, shbg, days_ago=20, albumin=4.3):
    c.lab("testosterone_total", tt, days_ago=days_ago)
    c.lab("shbg", shbg, days_ago=days_ago)
    c.lab("albumin", albumin, days_ago=days_ago)


def _ai_raised(c, within=True):
    c.gel()
    first = c.ai(0.25, 3.5, start=500)
    c.change_dose(first, 0.5, days_ago=60 if within else 420)


def _ai_unit_change(c):
    c.gel()
    first = c.ai(0.5, 3.5, start=500)
    changed = c.change_dose(first, 1, days_ago=60)
    c.regimen[-1] = replace(changed, dose_unit="tablet")


def _psa_year_one(c, baseline, latest):
    c.trt(100, every=7, start=200)
    c.lab("psa", baseline, days_ago=210)
    c.lab("psa", latest, days_ago=10)


CASES = [
    # --- free T low with SHBG high -----------------------------------------------------
    Case(
        "free_t_low_shbg_high_on_trt",
        "TT on target, cFT low, SHBG high",
        lambda c: (c.gel(), _same_day(c, 500, 110)),
        "fires",
        "insufficient",
        text="SHBG",
    ),
    Case(
        "free_t_low_shbg_high_on_trt",
        "SHBG normal",
        lambda c: (c.gel(), _same_day(c, 500, 40)),
        "check",
    ),
    Case(
        "free_t_low_shbg_high_on_trt",
        "SHBG never measured",
        lambda c: (c.gel(), c.lab("testosterone_total", 500)),
        "unknown",
        "not_measured",
        text="could not be calculated",
    ),
    Case("free_t_low_shbg_high_on_trt", "no total T: silent", lambda c: c.gel(), "silent"),
    Case(
        "free_t_low_shbg_high_on_trt",
        "peak draw adds a timing note",
        lambda c: (_biweekly(c), _same_day(c, 500, 110, days_ago=days_ago_for(3))),
        "fires",
        "insufficient",
        text="Total T drawn near peak: day 3 of a 14-day interval",
    ),
    # --- estradiol rising ----------------------------------------------------------------
    Case(
        "estradiol_rising_on_trt",
        "rise above range",
        lambda c: (
            c.gel(),
            c.lab("estradiol", 30, days_ago=100),
            c.lab("estradiol", 55, days_ago=10),
        ),
        "fires",
        "high",
        "consider",
    ),
    Case(
        "estradiol_rising_on_trt",
        "small rise",
        lambda c: (
            c.gel(),
            c.lab("estradiol", 40, days_ago=100),
            c.lab("estradiol", 45, days_ago=10),
        ),
        "check",
    ),
    Case(
        "estradiol_rising_on_trt",
        "censored earlier <20 still shows the rise",
        lambda c: (
            c.gel(),
            c.lab("estradiol", 20, days_ago=100, comparator="<"),
            c.lab("estradiol", 55, days_ago=10),
        ),
        "fires",
        "high",
    ),
    Case(
        "estradiol_rising_on_trt",
        "censored latest >40 cannot be judged",
        lambda c: (
            c.gel(),
            c.lab("estradiol", 38, days_ago=100),
            c.lab("estradiol", 40, days_ago=10, comparator=">"),
        ),
        "unknown",
        "indeterminate",
    ),
    Case(
        "estradiol_rising_on_trt",
        "one result: not enough history",
        lambda c: (c.gel(), c.lab("estradiol", 55)),
        "silent",
    ),
    Case(
        "estradiol_rising_on_trt",
        "peak draw lowers the severity",
        lambda c: (
            _biweekly(c),
            c.lab("estradiol", 30, days_ago=days_ago_for(8) + 70),
            c.lab("estradiol", 55, days_ago=days_ago_for(3)),
        ),
        "fires",
        "high",
        "info",
        text="peak",
    ),
    # --- anastrozole escalation ----------------------------------------------------------
    Case(
        "anastrozole_dose_escalating",
        "dose doubled 60 days ago, zinc low",
        lambda c: (_ai_raised(c), c.lab("zinc", 62)),
        "fires",
        "insufficient",
    ),
    Case(
        "anastrozole_dose_escalating",
        "dose doubled, zinc never measured",
        _ai_raised,
        "unknown",
        "not_measured",
    ),
    Case(
        "anastrozole_dose_escalating",
        "raised more than a year ago",
        lambda c: _ai_raised(c, within=False),
        "check",
    ),
    Case(
        "anastrozole_dose_escalating",
        "dose lowered",
        lambda c: (c.gel(), c.change_dose(c.ai(0.5, 3.5, start=500), 0.25, days_ago=60)),
        "check",
    ),
    Case(
        "anastrozole_dose_escalating",
        "same daily dose at a new interval",
        lambda c: (c.gel(), c.change_dose(c.ai(0.5, 7, start=500), 0.25, days_ago=60, every=3.5)),
        "check",
    ),
    Case(
        "anastrozole_dose_escalating",
        "dose units differ",
        _ai_unit_change,
        "unknown",
        "indeterminate",
        text="could not be compared",
    ),
    # --- calcium despite supplements -----------------------------------------------------
    Case(
        "calcium_low_despite_supplements",
        "low calcium on calcium and vitamin D",
        lambda c: (
            c.gel(),
            c.on("calcium", 600, "mg", 1),
            c.on("vitamin_d3", 2000, "IU", 1),
            c.lab("calcium_total", 8.0),
        ),
        "fires",
        "insufficient",
        "warning",
        text="Magnesium",
    ),
    Case(
        "calcium_low_despite_supplements",
        "low calcium without supplements",
        lambda c: (c.gel(), c.lab("calcium_total", 8.0)),
        "check",
    ),
    Case(
        "calcium_low_despite_supplements",
        "censored <8.6 straddles 8.4",
        lambda c: (
            c.gel(),
            c.on("calcium", 600, "mg", 1),
            c.on("vitamin_d3", 2000, "IU", 1),
            c.lab("calcium_total", 8.6, comparator="<"),
        ),
        "unknown",
        "indeterminate",
    ),
    Case(
        "calcium_low_despite_supplements",
        "no calcium: silent",
        lambda c: (c.gel(), c.on("calcium", 600, "mg", 1)),
        "silent",
    ),
    # --- bone density falling ------------------------------------------------------------
    Case(
        "bone_density_falling",
        "T-score fell 0.4 on therapy",
        lambda c: (
            c.gel(start=900),
            c.lab("bmd_tscore", -1.2, days_ago=760),
            c.lab("bmd_tscore", -1.6, days_ago=30),
        ),
        "fires",
        "insufficient",
        "warning",
        age=55,  # WHO T-score bands: men 50 and over
    ),
    Case(
        "bone_density_falling",
        "within precision",
        lambda c: (
            c.gel(start=900),
            c.lab("bmd_tscore", -1.2, days_ago=760),
            c.lab("bmd_tscore", -1.3, days_ago=30),
        ),
        "check",
        age=55,  # WHO T-score bands: men 50 and over
    ),
    Case(
        "bone_density_falling",
        "first year of therapy",
        lambda c: (
            c.gel(start=200),
            c.lab("bmd_tscore", -1.2, days_ago=400),
            c.lab("bmd_tscore", -1.6, days_ago=30),
        ),
        "check",
        age=55,  # WHO T-score bands: men 50 and over
    ),
    Case(
        "bone_density_falling",
        "both scans older than three years",
        lambda c: (
            c.gel(start=2000),
            c.lab("bmd_tscore", -1.0, days_ago=1900),
            c.lab("bmd_tscore", -1.6, days_ago=1200),
        ),
        "unknown",
        "stale",
        age=55,  # WHO T-score bands: men 50 and over
    ),
    Case(
        "bone_density_falling",
        "one scan: silent",
        lambda c: (c.gel(start=900), c.lab("bmd_tscore", -1.6, days_ago=30)),
        "silent",
        age=55,  # WHO T-score bands: men 50 and over
    ),
    # Men under 50 (and women not known to be postmenopausal): the fall without WHO bands.
    Case(
        "bone_density_falling_z_score_ages",
        "T-score fell 0.4 at 32",
        lambda c: (
            c.gel(start=900),
            c.lab("bmd_tscore", -0.8, days_ago=760),
            c.lab("bmd_tscore", -1.2, days_ago=30),
        ),
        "fires",
        "indeterminate",
        "consider",
        text="WHO T-score bands are not applied",
        age=32,
    ),
    Case(
        "bone_density_falling_z_score_ages",
        "at 55 the WHO rule reads it",
        lambda c: (
            c.gel(start=900),
            c.lab("bmd_tscore", -0.8, days_ago=760),
            c.lab("bmd_tscore", -1.2, days_ago=30),
        ),
        "check",
        age=55,
    ),
    Case(
        "bone_density_falling_z_score_ages",
        "both scans older than three years",
        lambda c: (
            c.gel(start=2000),
            c.lab("bmd_tscore", -1.0, days_ago=1900),
            c.lab("bmd_tscore", -1.6, days_ago=1200),
        ),
        "unknown",
        "stale",
        age=32,
    ),
    # --- symptoms with labs on target ----------------------------------------------------
    Case(
        "symptoms_persist_labs_on_target",
        "fatigue 7 with total T on target",
        lambda c: (c.gel(), c.lab("testosterone_total", 500), c.lab("symptom_fatigue", 7)),
        "fires",
        "adequate",
    ),
    Case(
        "symptoms_persist_labs_on_target",
        "symptoms settled",
        lambda c: (
            c.gel(),
            c.lab("testosterone_total", 500),
            c.lab("symptom_fatigue", 3),
            c.lab("symptom_libido", 2),
        ),
        "check",
    ),
    Case(
        "symptoms_persist_labs_on_target",
        "censored total T cannot be placed",
        lambda c: (
            c.gel(),
            c.lab("testosterone_total", 500, comparator=">"),
            c.lab("symptom_fatigue", 7),
        ),
        "unknown",
        "indeterminate",
    ),
    Case(
        "symptoms_persist_labs_on_target",
        "no symptom scores: silent",
        lambda c: (c.gel(), c.lab("testosterone_total", 500)),
        "silent",
    ),
    # --- haematocrit -------------------------------------------------------------------
    Case(
        "hematocrit_above_54_on_trt",
        "55% is urgent",
        lambda c: (c.gel(), c.lab("hematocrit", 55.2)),
        "fires",
        "high",
        "urgent",
        text="threshold for clinician review",
    ),
    Case(
        "hematocrit_above_54_on_trt",
        "L/L converts",
        lambda c: (c.gel(), c.lab("hematocrit", 0.56, "L/L")),
        "fires",
        "high",
        "urgent",
    ),
    Case(
        "hematocrit_above_54_on_trt",
        "exactly 54% is not above",
        lambda c: (c.gel(), c.lab("hematocrit", 54.0)),
        "check",
    ),
    Case(
        "hematocrit_above_54_on_trt",
        "censored >52 cannot be placed",
        lambda c: (c.gel(), c.lab("hematocrit", 52, comparator=">")),
        "unknown",
        "indeterminate",
    ),
    Case(
        "hematocrit_above_54_on_trt",
        "old high value is stale but still flagged",
        lambda c: (c.gel(), c.lab("hematocrit", 56, days_ago=400)),
        "unknown",
        "stale",
        "warning",
    ),
    Case("hematocrit_above_54_on_trt", "not measured: silent", lambda c: c.gel(), "silent"),
    # --- PSA -----------------------------------------------------------------------------
    Case(
        "psa_rise_on_trt",
        "above 4.0",
        lambda c: (c.gel(), c.lab("psa", 4.5)),
        "fires",
        "high",
        "warning",
    ),
    Case(
        "psa_rise_on_trt",
        "rise of 1.7 in year one",
        lambda c: _psa_year_one(c, 0.8, 2.5),
        "fires",
        "high",
    ),
    Case(
        "psa_rise_on_trt", "rise of 0.7 in year one", lambda c: _psa_year_one(c, 0.8, 1.5), "check"
    ),
    Case(
        "psa_rise_on_trt",
        "same rise after year one",
        lambda c: (c.trt(100, 7, start=500), c.lab("psa", 0.8, days_ago=510), c.lab("psa", 2.5)),
        "check",
    ),
    Case(
        "psa_rise_on_trt",
        "censored baseline <0.1 still shows a rise",
        lambda c: (
            c.trt(100, 7, start=200),
            c.lab("psa", 0.1, days_ago=210, comparator="<"),
            c.lab("psa", 1.8),
        ),
        "fires",
        "high",
    ),
    Case(
        "psa_rise_on_trt",
        "censored >3.5 cannot be placed",
        lambda c: (c.gel(), c.lab("psa", 3.5, comparator=">")),
        "unknown",
        "indeterminate",
    ),
    Case("psa_rise_on_trt", "not measured: silent", lambda c: c.gel(), "silent"),
    # --- total T against target, judged for its timing -----------------------------------
    Case(
        "testosterone_above_target_on_trt",
        "high at trough",
        lambda c: _tt_at(c, 750, 13),
        "fires",
        "high",
        "consider",  # warning at trough, capped: the ES 2018 target is a KB draft
        text="trough",
    ),
    Case(
        "testosterone_above_target_on_trt",
        "high at peak",
        lambda c: _tt_at(c, 750, 3),
        "fires",
        "high",
        "info",
        text="not read like a high trough",
    ),
    Case(
        "testosterone_above_target_on_trt",
        "high mid-interval",
        lambda c: _tt_at(c, 750, 8),
        "fires",
        "high",
        "consider",
        text="mid-interval",
    ),
    Case("testosterone_above_target_on_trt", "on target", lambda c: _tt_at(c, 500, 8), "check"),
    Case(
        "testosterone_above_target_on_trt",
        "censored >500 cannot be placed",
        lambda c: _tt_at(c, 500, 8, comparator=">"),
        "unknown",
        "indeterminate",
    ),
    Case("testosterone_above_target_on_trt", "not measured: silent", _biweekly, "silent"),
    Case(
        "testosterone_below_target_on_trt",
        "low at trough",
        lambda c: _tt_at(c, 300, 13),
        "fires",
        "insufficient",
        "info",
        text="low trough",
    ),
    Case(
        "testosterone_below_target_on_trt",
        "low at peak",
        lambda c: _tt_at(c, 300, 3),
        "fires",
        "insufficient",
        "consider",  # warning at peak, capped: the ES 2018 target is a KB draft
    ),
    Case("testosterone_below_target_on_trt", "on target", lambda c: _tt_at(c, 500, 8), "check"),
    Case(
        "testosterone_below_target_on_trt",
        "censored <400 cannot be placed",
        lambda c: _tt_at(c, 400, 8, comparator="<"),
        "unknown",
        "indeterminate",
    ),
    Case("testosterone_below_target_on_trt", "not measured: silent", _biweekly, "silent"),
]

CASES += [
    Case("symptoms_persist_labs_on_target", "woman on testosterone: her protocol's own target",
         lambda c: (c.on("testosterone_cream", 5, "mg", 1, route="transdermal"),
                    c.lab("testosterone_total", 40), c.lab("symptom_libido", 8)), "fires", "adequate",
         sex="female", age=55, text="9-55"),
]  # fmt: skip
