"""Unit spelling, LOINC check digits, and conversions that match lab-facts §3 exactly."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.core.knowledge import UnitNotConvertible, load_knowledge
from app.core.loinc import is_valid_loinc, loinc_check_digit
from app.core.units import normalise_unit

# -- normalise_unit --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "normal"),
    [
        ("\u00b5g/dL", "ug/dL"),  # MICRO SIGN
        ("\u03bcg/dL", "ug/dL"),  # GREEK SMALL LETTER MU
        ("mcg/dL", "ug/dL"),
        ("MCG/DL", "ug/dL"),
        ("ug/dl", "ug/dL"),
        ("m[IU]/mL", "mIU/mL"),
        ("mIU/ml", "mIU/mL"),
        ("[IU]/L", "IU/L"),
        ("\u00b5IU/mL", "uIU/mL"),
        ("mcIU/mL", "uIU/mL"),
        ("mmol/l", "mmol/L"),
        ("MMOL/L", "mmol/L"),
        ("\u00b5mol/L", "umol/L"),
        ("ng / dL", "ng/dL"),
        (" % ", "%"),
        ("percent", "%"),
        ("{T-score}", "{T-score}"),
        ("T-score", "{T-score}"),
        ("ug/24 h", "ug/24h"),
        ("mcg/24hr", "ug/24h"),
        ("ug/d", "ug/24h"),
        ("mU/L", "mU/L"),  # spelling only: mU/L is not silently turned into mIU/L
        ("", ""),
        (None, ""),
    ],
)
def test_normalise_unit(written, normal):
    assert normalise_unit(written) == normal


@given(st.sampled_from(["ug/dL", "mIU/mL", "mmol/L", "pg/mL", "ng/dL", "%", "{T-score}"]))
def test_normalise_unit_is_idempotent(unit):
    assert normalise_unit(normalise_unit(unit)) == normalise_unit(unit)


# -- LOINC check digits ------------------------------------------------------------------


@pytest.mark.parametrize("code", ["2986-8", "62292-8", "5763-8", "103227-5", "718-7", "4548-4"])
def test_valid_loinc_codes(code):
    assert is_valid_loinc(code)


@pytest.mark.parametrize(
    "code",
    ["3236-2", "29900-7", "57241-0", "2823-9", "81576-7", "38263-2", "2986-9", "2986", "abc-1", ""],
)
def test_invalid_loinc_codes(code):
    assert not is_valid_loinc(code)


def test_check_digit_of_the_ferritin_pair():
    assert loinc_check_digit("2276") == 4
    assert loinc_check_digit("20567") == 4


def test_non_string_is_not_a_loinc():
    assert not is_valid_loinc(29868)


# -- conversions ---------------------------------------------------------------------------

# (analyte, value, unit, expected canonical): each expectation restates a factor given in
# lab-facts §3.1/§3.2 (or a UCUM identity) so a changed factor fails here.
LAB_FACTS_CONVERSIONS = [
    ("testosterone_total", 10, "nmol/L", 288.4),  # ISSAM: 288.4 ng/dL = 10 nmol/L
    ("vitamin_d_25oh", 50, "nmol/L", 20.03),  # x 0.4006
    ("zinc", 10, "umol/L", 65.38),  # x 6.538
    ("copper", 10, "umol/L", 63.55),  # x 6.355
    ("magnesium_serum", 0.85, "mmol/L", 2.066),  # MaGNet: 0.85 mmol/L = 2.07 mg/dL
    ("magnesium_serum", 1.7, "mEq/L", 2.066),  # = 1.7 mEq/L
    ("selenium", 1, "umol/L", 78.97),
    ("calcium_total", 2.5, "mmol/L", 10.02),  # x 4.008
    ("estradiol", 100, "pmol/L", 27.24),  # x 0.2724
    ("progesterone", 10, "nmol/L", 3.145),
    ("dhea_s", 1, "umol/L", 36.85),
    ("vitamin_b6_plp", 20, "nmol/L", 4.942),  # x 0.2471
    ("vitamin_a", 1, "umol/L", 28.65),  # MIRACUM 0.2865 ug/mL
    ("vitamin_a", 0.30, "mg/L", 30.0),
    ("folate_serum", 10, "nmol/L", 4.414),
    ("b12", 100, "pmol/L", 135.5),  # x 1.3554
    ("homocysteine", 1, "mg/L", 7.397),
    ("vitamin_c", 11, "umol/L", 0.1937),  # x 0.01761
    ("pth", 1, "pmol/L", 9.425),
    ("free_t4", 10, "pmol/L", 0.777),
    ("free_t3", 5, "pmol/L", 3.255),  # x 0.651, not MIRACUM's wrong 64.94
    ("glucose_fasting", 7.0, "mmol/L", 126.1),
    ("free_testosterone", 100, "pmol/L", 28.84),
    ("ferritin", 100, "pmol/L", 44.5),
    ("hemoglobin", 10, "mmol/L", 16.11),
    ("hematocrit", 0.45, "L/L", 45.0),
    ("albumin", 43, "g/L", 4.3),
    ("tsh", 2.0, "mIU/L", 2.0),
    ("lh", 5, "IU/L", 5.0),
    ("iodine_urine", 788.0, "nmol/L", 100.0),
    ("boron", 0.925, "umol/L", 10.0),
    ("coq10", 1.158, "umol/L", 1.0),
    ("hba1c", 48, "mmol/mol", 6.54),  # ADA: 6.5% = 48 mmol/mol
    ("hba1c", 39, "mmol/mol", 5.72),  # ADA: 5.7% = 39 mmol/mol
]


@pytest.mark.parametrize(("key", "value", "unit", "expected"), LAB_FACTS_CONVERSIONS)
def test_conversion_matches_lab_facts(kb, key, value, unit, expected):
    assert kb.to_canonical(key, value, unit) == pytest.approx(expected, rel=1e-3)


def test_conversion_accepts_lab_spellings(kb):
    assert kb.to_canonical("zinc", 10, "\u00b5mol/l") == pytest.approx(65.38, rel=1e-3)
    assert kb.to_canonical("zinc", 100, "mcg/dL") == 100
    assert kb.to_canonical("lh", 5, "m[IU]/mL") == 5


def test_display_in_si_unit(kb):
    assert kb.from_canonical("testosterone_total", 288.4, "nmol/L") == pytest.approx(10, rel=1e-3)
    assert kb.from_canonical("vitamin_d_25oh", 30, "nmol/L") == pytest.approx(74.88, rel=1e-3)
    assert kb.unit_label("ug/dL") == "\u00b5g/dL"


def test_unit_not_listed_for_the_analyte_is_refused(kb):
    with pytest.raises(UnitNotConvertible) as caught:
        kb.to_canonical("testosterone_total", 5, "mg/dL")
    assert caught.value.analyte_key == "testosterone_total"
    assert "accepted" in caught.value.reason


def test_recognised_but_assay_dependent_unit_is_refused_with_its_reason(kb):
    with pytest.raises(UnitNotConvertible, match="assay"):
        kb.to_canonical("insulin_fasting", 60, "pmol/L")
    with pytest.raises(UnitNotConvertible, match="international standard"):
        kb.to_canonical("prolactin", 300, "mIU/L")


def test_unknown_analyte_raises_key_error(kb):
    with pytest.raises(KeyError):
        kb.to_canonical("unobtainium", 1, "mg/dL")


def test_unitless_scores_accept_an_empty_unit(kb):
    assert kb.to_canonical("symptom_fatigue", 7, "") == 7
    assert kb.to_canonical("bmd_tscore_lumbar", -2.6, "") == -2.6
    with pytest.raises(UnitNotConvertible):
        kb.to_canonical("zinc", 80, "")


_KB = load_knowledge()
_PAIRS = sorted((key, unit) for key, a in _KB.analytes.items() for unit in a.units)


@given(
    pair=st.sampled_from(_PAIRS),
    value=st.floats(min_value=-1e4, max_value=1e6, allow_nan=False, allow_infinity=False),
)
def test_every_conversion_round_trips(pair, value):
    key, unit = pair
    canonical = _KB.to_canonical(key, value, unit)
    assert _KB.from_canonical(key, canonical, unit) == pytest.approx(value, rel=1e-9, abs=1e-9)
