"""Lookups: lab spellings to analytes, LOINC codes, reference ranges, threshold sets."""

from __future__ import annotations

import pytest

# -- names -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("Zinc, Serum", "zinc"),
        ("ZINC SERUM", "zinc"),
        ("Zn", "zinc"),
        ("25-OH Vitamin D", "vitamin_d_25oh"),
        ("Vit D 25-OH", "vitamin_d_25oh"),
        ("Vitamin D, 25-Hydroxy", "vitamin_d_25oh"),
        ("Testosterone, Total, LC/MS", "testosterone_total"),
        ("testosterone total lc-ms", "testosterone_total"),
        ("Testosterone, Free", "free_testosterone"),
        ("HCT", "hematocrit"),
        ("Hematocrit", "hematocrit"),
        ("T4 Free", "free_t4"),
        ("Free T4", "free_t4"),
        ("T3, Free", "free_t3"),
        ("TSH", "tsh"),
        ("SHBG", "shbg"),
        ("Sex Hormone Binding Globulin", "shbg"),
        ("Estradiol, Sensitive", "estradiol"),
        ("E2", "estradiol"),
        ("DHEA-S", "dhea_s"),
        ("DHEA Sulfate", "dhea_s"),
        ("hs-CRP", "hs_crp"),
        ("TNF-\u03b1", "tnf_alpha"),
        ("TNF alpha", "tnf_alpha"),
        ("Magnesium, RBC", "magnesium_rbc"),
        ("Magnesium", "magnesium_serum"),
        ("Folate, RBC", "folate_rbc"),
        ("Vitamin B12", "b12"),
        ("Omega-3 Index", "omega3_index"),
        ("HbA1c", "hba1c"),
        ("Fasting Glucose", "glucose_fasting"),
        ("Lumbar Spine T-score", "bmd_tscore_lumbar"),
        ("Brain Fog", "symptom_brain_fog"),
    ],
)
def test_common_lab_spellings_match(kb, text, key):
    analyte = kb.analyte_for_name(text)
    assert analyte is not None, text
    assert analyte.key == key


@pytest.mark.parametrize(
    "text", ["", "Zinc Serum Level Extra", "Testosterone, Totally", "Unobtainium"]
)
def test_unknown_names_do_not_match(kb, text):
    assert kb.analyte_for_name(text) is None


def test_every_synonym_maps_back_to_its_own_analyte(kb):
    for analyte in kb.analytes.values():
        for name in (analyte.name, analyte.short_name, *analyte.synonyms):
            if name:
                assert kb.analyte_for_name(name).key == analyte.key, name


# -- LOINC -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "key"),
    [
        ("2986-8", "testosterone_total"),
        ("14913-8", "testosterone_total"),
        ("62292-8", "vitamin_d_25oh"),
        ("1989-3", "vitamin_d3_25oh"),  # D3 only, not the total
        ("20567-4", "ferritin"),
        ("26746-8", "magnesium_rbc"),
        ("2597-3", "magnesium_rbc"),
        ("38267-1", "bmd_tscore_lumbar"),
        ("38263-0", "bmd_tscore_femur"),
        ("103227-5", "free_testosterone_calc"),
        (" 4544-3 ", "hematocrit"),
    ],
)
def test_loinc_lookup(kb, code, key):
    assert kb.analyte_for_loinc(code).key == key


def test_loinc_lookup_refuses_bad_check_digit_and_unconfirmed_codes(kb):
    assert kb.analyte_for_loinc("2986-7") is None
    assert kb.analyte_for_loinc("99999-9") is None
    assert kb.analyte_for_loinc("2494-3") is None  # unconfirmed random-urine iodine code
    assert "2494-3" in kb.analyte("iodine_urine").loinc_unconfirmed


# -- reference ranges ------------------------------------------------------------------------


def test_reference_range_by_sex_and_age_band(kb):
    young = kb.reference_range("testosterone_total", "male", 30)
    older = kb.reference_range("testosterone_total", "male", 65)
    assert (young.low, young.high, young.unit) == (300, 1080, "ng/dL")
    assert (older.low, older.high) == (300, 720)
    assert young.citation == "arup_testosterone_ms"


def test_age_banded_dhea_s(kb):
    assert kb.reference_range("dhea_s", "female", 50).high == 256
    assert kb.reference_range("dhea_s", "female", 50.0).label == "Female 45-54 y"
    assert kb.reference_range("dhea_s", "female", 80) is None


def test_no_guessed_range_for_unknown_sex_age_or_phase(kb):
    assert kb.reference_range("copper", "unknown", 40) is None
    assert kb.reference_range("copper", "male", None) is None
    assert kb.reference_range("zinc", "unknown", None).low == 60  # sex- and age-free
    assert kb.reference_range("estradiol", "female", 35) is None  # phase needed
    luteal = kb.reference_range("estradiol", "female", 35, context="luteal")
    assert (luteal.low, luteal.high) == (50, 150)


def test_range_written_in_si_is_converted_to_canonical(kb):
    ionized = kb.reference_range("calcium_ionized", "any", 40)
    assert ionized.unit == "mg/dL"
    assert ionized.low == pytest.approx(1.11 / 0.2495)


def test_one_sided_range(kb):
    boron = kb.reference_range("boron", "female", 50)
    assert boron.low is None and boron.high == 100


# -- thresholds ------------------------------------------------------------------------------


def test_vitamin_d_default_guideline_is_endocrine_society_2011(kb):
    es = kb.thresholds("vitamin_d_25oh")
    assert (es.guideline, es.version) == ("endocrine_society_2011", "2011")
    assert [b.status for b in es.bands] == ["deficient", "insufficient", "adequate"]
    assert es.classify(19.9).status == "deficient"
    assert es.classify(20).status == "insufficient"
    assert es.classify(29.9).status == "insufficient"
    assert es.classify(30).status == "adequate"
    assert all(
        b.citation == "es_2011_vitamin_d" and b.evidence_grade == "guideline" for b in es.bands
    )


def test_vitamin_d_other_guidelines_are_selectable(kb):
    iom = kb.thresholds("vitamin_d_25oh", "iom_2011")
    assert [b.status for b in iom.bands] == ["inadequate", "adequate"]
    assert iom.classify(25).status == "adequate"
    mayo = kb.thresholds("vitamin_d_25oh", "mayo_iom")
    assert mayo.classify(50).status == "optimal"
    assert mayo.classify(50.1).status == "hypercalciuria_risk"
    assert mayo.classify(80).status == "hypercalciuria_risk"
    assert mayo.classify(80.1).status == "possible_toxicity"
    assert kb.thresholds("vitamin_d_25oh", "no_such_guideline") is None


def test_censored_values_classify_only_when_certain(kb):
    es = kb.thresholds("vitamin_d_25oh")
    assert es.classify(5, "<").status == "deficient"
    assert es.classify(20, "<").status == "deficient"
    assert es.classify(20, "<=") is None  # could be exactly 20: insufficient
    assert es.classify(25, "<") is None
    assert es.classify(150, ">").status == "adequate"
    assert es.classify(30, ">=").status == "adequate"
    assert es.classify(25, ">") is None


def test_zinc_cut_off_depends_on_sex_and_sampling(kb):
    assert kb.thresholds("zinc") is None  # sex-specific sets need a sex
    male = kb.thresholds("zinc", sex="male")
    assert male.context == "morning_fasting"
    assert male.classify(72).status == "low"  # fasting male cut-off is 74, not 70
    non_fasting = kb.thresholds("zinc", sex="male", context="morning_non_fasting")
    assert non_fasting.classify(72).status == "not_low"
    assert kb.thresholds("zinc", sex="female", context="afternoon").bands[0].high == 59


def test_magnet_cut_off_written_in_mmol_is_stored_in_mg_dl(kb):
    magnet = kb.thresholds("magnesium_serum")
    assert magnet.unit == "mg/dL"
    assert magnet.bands[0].high == pytest.approx(0.85 / 0.4114)
    assert magnet.classify(2.0).status == "low"


def test_sex_specific_who_anaemia(kb):
    assert kb.thresholds("hemoglobin", sex="female").classify(12.5).status == "normal"
    assert kb.thresholds("hemoglobin", sex="male").classify(12.5).status == "anaemia"


def test_iodine_population_criteria_are_never_the_default(kb):
    assert kb.thresholds("iodine_urine") is None
    who = kb.thresholds("iodine_urine", "who_2013_population")
    assert who.population_only
    assert who.classify(150).status == "adequate"


def test_bmd_who_classification_boundaries(kb):
    who = kb.thresholds("bmd_tscore_lumbar")
    assert who.classify(-2.5).status == "osteoporosis"
    assert who.classify(-2.4).status == "osteopenia"
    assert who.classify(-1.0).status == "normal"
    assert who.classify(-1.01).status == "osteopenia"


def test_draft_threshold_is_marked(kb):
    inflamed = kb.thresholds("ferritin", context="inflammation")
    assert inflamed.draft and inflamed.note
    assert not kb.thresholds("ferritin").draft
    assert kb.thresholds("ferritin").classify(14).status == "iron_deficient"


def test_statuses_have_labels_and_a_direction(kb):
    for analyte in kb.analytes.values():
        for threshold in analyte.threshold_sets:
            for band in threshold.bands:
                label, concern = kb.statuses[band.status]
                assert label and concern in ("low", "high", "none")
