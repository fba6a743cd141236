"""Monitoring labs, vital signs and body measures (KB 2026.12): codes, units, factors, cut-offs."""

from __future__ import annotations

import pytest

from app.core.citation_text import citation_text
from app.core.knowledge import UnitNotConvertible
from app.core.units import normalise_unit

# analyte key -> (category, kind, canonical unit, si unit, LOINC codes it must claim)
NEW_ANALYTES = {
    "cholesterol_total": ("lipid", "lab", "mg/dL", "mmol/L", ["2093-3", "14647-2"]),
    "cholesterol_hdl": ("lipid", "lab", "mg/dL", "mmol/L", ["2085-9"]),
    "cholesterol_ldl": ("lipid", "lab", "mg/dL", "mmol/L", ["18262-6", "13457-7"]),
    "triglycerides": ("lipid", "lab", "mg/dL", "mmol/L", ["2571-8"]),
    "creatinine": ("kidney", "lab", "mg/dL", "umol/L", ["2160-0", "38483-4", "14682-9"]),
    "urea_nitrogen": ("kidney", "lab", "mg/dL", "mmol/L", ["3094-0", "6299-2"]),
    "egfr": (
        "kidney",
        "lab",
        "mL/min/{1.73_m2}",
        "mL/min/{1.73_m2}",
        ["33914-3", "77147-7", "76633-7", "62238-1", "98979-8"],
    ),
    "alt": ("liver", "lab", "U/L", "U/L", ["1742-6"]),
    "ast": ("liver", "lab", "U/L", "U/L", ["1920-8"]),
    "alkaline_phosphatase": ("liver", "lab", "U/L", "U/L", ["6768-6"]),
    "bilirubin_total": ("liver", "lab", "mg/dL", "umol/L", ["1975-2", "42719-5"]),
    "sodium": ("electrolyte", "lab", "mmol/L", "mmol/L", ["2951-2", "2947-0"]),
    "potassium": ("electrolyte", "lab", "mmol/L", "mmol/L", ["2823-3", "6298-4"]),
    "chloride": ("electrolyte", "lab", "mmol/L", "mmol/L", ["2075-0", "2069-3"]),
    "co2_total": ("electrolyte", "lab", "mmol/L", "mmol/L", ["2028-9"]),
    "wbc": ("hematology", "lab", "10*3/uL", "10*9/L", ["6690-2"]),
    "rbc": ("hematology", "lab", "10*6/uL", "10*12/L", ["789-8"]),
    "platelets": ("hematology", "lab", "10*3/uL", "10*9/L", ["777-3"]),
    "mcv": ("hematology", "lab", "fL", "fL", ["787-2"]),
    "bp_systolic": ("vital_sign", "measurement", "mmHg", "mmHg", ["8480-6"]),
    "bp_diastolic": ("vital_sign", "measurement", "mmHg", "mmHg", ["8462-4"]),
    "heart_rate": ("vital_sign", "measurement", "/min", "/min", ["8867-4"]),
    "body_weight": ("body_measure", "measurement", "kg", "kg", ["29463-7"]),
    "body_height": ("body_measure", "measurement", "cm", "cm", ["8302-2"]),
    "bmi": ("body_measure", "measurement", "kg/m2", "kg/m2", ["39156-5"]),
}


def test_version_was_bumped_for_the_new_content(kb):
    assert kb.version >= "2026.12.1"


@pytest.mark.parametrize("key", sorted(NEW_ANALYTES))
def test_new_analyte_loads_with_its_codes_and_units(kb, key):
    category, kind, canonical, si_unit, codes = NEW_ANALYTES[key]
    analyte = kb.analyte(key)
    assert (analyte.category, analyte.kind) == (category, kind)
    assert (analyte.canonical_unit, analyte.si_unit) == (canonical, si_unit)
    assert analyte.units[canonical].scale == 1.0
    for code in codes:
        assert code in analyte.loinc
        assert kb.analyte_for_loinc(code).key == key
    # Every analyte either classifies with a cited guideline or says why it does not.
    assert analyte.threshold_sets or analyte.no_thresholds_note


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("Low Density Lipoprotein Cholesterol", "cholesterol_ldl"),
        ("LDL-C", "cholesterol_ldl"),
        ("High Density Lipoprotein Cholesterol", "cholesterol_hdl"),
        ("HDL-C", "cholesterol_hdl"),
        ("Total Cholesterol", "cholesterol_total"),
        ("TG", "triglycerides"),
        ("Estimated Glomerular Filtration Rate", "egfr"),
        ("Urea Nitrogen", "urea_nitrogen"),
        ("BUN", "urea_nitrogen"),
        ("Creatinine", "creatinine"),
        ("ALT (SGPT)", "alt"),
        ("SGPT", "alt"),
        ("AST/SGOT", "ast"),
        ("ALP", "alkaline_phosphatase"),
        ("Bilirubin, Total", "bilirubin_total"),
        ("Chloride", "chloride"),
        ("Carbon Dioxide", "co2_total"),
        ("Bicarbonate", "co2_total"),
        ("WBC", "wbc"),
        ("RBC", "rbc"),
        ("PLT", "platelets"),
        ("MCV", "mcv"),
        ("Systolic Blood Pressure", "bp_systolic"),
        ("SBP", "bp_systolic"),
        ("DBP", "bp_diastolic"),
        ("Heart rate", "heart_rate"),
        ("Body Weight", "body_weight"),
        ("Body Height", "body_height"),
        ("Body Mass Index", "bmi"),
        ("BMI", "bmi"),
    ],
)
def test_names_labs_write_find_the_analyte(kb, text, key):
    assert kb.analyte_for_name(text).key == key


def test_race_specific_and_unconfirmed_egfr_and_ldl_codes_are_not_matched(kb):
    for code in ("48642-3", "48643-1", "88293-6", "88294-4"):
        assert kb.analyte_for_loinc(code) is None
    assert "2089-1" in kb.analyte("cholesterol_ldl").loinc_unconfirmed
    assert kb.analyte_for_loinc("2089-1") is None
    assert kb.analyte_for_loinc("20565-8") is None  # unconfirmed; the name still matches


# (analyte, value, unit, expected canonical value). Molar masses in the note of
# citations.toml clinical_chemistry_molar_mass; customary units exact by definition.
CONVERSIONS = [
    ("cholesterol_total", 5.17, "mmol/L", 200.0),  # 386.65 g/mol
    ("cholesterol_hdl", 1.0, "mmol/L", 38.67),
    ("cholesterol_ldl", 2.59, "mmol/L", 100.2),
    ("triglycerides", 1.69, "mmol/L", 149.7),  # triolein 885.45 g/mol
    ("triglycerides", 1.7, "mmol/l", 150.6),
    ("creatinine", 88.4, "umol/L", 1.0),  # 113.12 g/mol
    ("creatinine", 88.4, "\u00b5mol/L", 1.0),
    ("urea_nitrogen", 5.0, "mmol/L", 14.01),  # 2 N = 28.014 g/mol
    ("bilirubin_total", 17.1, "umol/L", 1.0),  # 584.67 g/mol
    ("sodium", 140, "mEq/L", 140.0),
    ("potassium", 4.2, "mEq/L", 4.2),
    ("chloride", 102, "mEq/L", 102.0),
    ("alt", 40, "IU/L", 40.0),
    ("ast", 30, "U/L", 30.0),
    ("alkaline_phosphatase", 90, "IU/L", 90.0),
    ("wbc", 6.5, "10*9/L", 6.5),
    ("wbc", 6.5, "x10E3/uL", 6.5),
    ("wbc", 6.5, "K/uL", 6.5),
    ("rbc", 5.1, "10*12/L", 5.1),
    ("rbc", 5.1, "10^6/\u00b5L", 5.1),
    ("platelets", 250, "10^9/L", 250.0),
    ("mcv", 90, "fl", 90.0),
    ("bp_systolic", 128, "mm[Hg]", 128.0),
    ("bp_diastolic", 82, "mm Hg", 82.0),
    ("heart_rate", 64, "bpm", 64.0),
    ("heart_rate", 64, "{beats}/min", 64.0),
    ("body_weight", 100, "lb", 45.359237),
    ("body_weight", 100, "[lb_av]", 45.359237),
    ("body_weight", 80000, "g", 80.0),
    ("body_height", 70, "in", 177.8),
    ("body_height", 70, "[in_i]", 177.8),
    ("body_height", 1.78, "m", 178.0),
    ("bmi", 27.4, "kg/m^2", 27.4),
    ("egfr", 72, "mL/min/1.73m2", 72.0),
    ("egfr", 72, "mL/min/1.73 m\u00b2", 72.0),
]


@pytest.mark.parametrize(("key", "value", "unit", "expected"), CONVERSIONS)
def test_conversion_to_canonical(kb, key, value, unit, expected):
    assert kb.to_canonical(key, value, unit) == pytest.approx(expected, rel=2e-3)


def test_si_display_factors(kb):
    assert kb.from_canonical("cholesterol_total", 200, "mmol/L") == pytest.approx(5.17, abs=0.005)
    assert kb.from_canonical("creatinine", 1.0, "umol/L") == pytest.approx(88.4)
    assert kb.from_canonical("bilirubin_total", 1.0, "umol/L") == pytest.approx(17.1)
    assert kb.from_canonical("triglycerides", 150, "mmol/L") == pytest.approx(1.69, abs=0.005)


def test_a_bare_ml_min_is_not_an_egfr_unit(kb):
    assert normalise_unit("mL/min") == "mL/min"
    with pytest.raises(UnitNotConvertible, match="1.73"):
        kb.to_canonical("egfr", 79, "mL/min")


def test_units_are_not_mixed_up_across_analytes(kb):
    with pytest.raises(UnitNotConvertible):
        kb.to_canonical("creatinine", 1.0, "mmol/L")  # not declared: no guessing
    with pytest.raises(UnitNotConvertible):
        kb.to_canonical("body_weight", 80, "mg")


@pytest.mark.parametrize(
    ("written", "normal"),
    [
        ("mm[Hg]", "mmHg"),
        ("mm Hg", "mmHg"),
        ("MMHG", "mmHg"),
        ("bpm", "/min"),
        ("beats/min", "/min"),
        ("{beats}/min", "/min"),
        ("[lb_av]", "lb"),
        ("lbs", "lb"),
        ("[in_i]", "in"),
        ("KG", "kg"),
        ("kg/m^2", "kg/m2"),
        ("kg/m\u00b2", "kg/m2"),
        ("mL/min/{1.73_m2}", "mL/min/{1.73_m2}"),
        ("ml/min/1.73m2", "mL/min/{1.73_m2}"),
        ("mL/min/1.73 m\u00b2", "mL/min/{1.73_m2}"),
        ("mL/min", "mL/min"),  # a different unit, not folded into eGFR's
        ("10*3/uL", "10*3/uL"),
        ("10^3/uL", "10*3/uL"),
        ("x10E3/uL", "10*3/uL"),
        ("10\u00b3/\u00b5L", "10*3/uL"),
        ("K/uL", "10*3/uL"),
        ("10^6/uL", "10*6/uL"),
        ("x10^9/L", "10*9/L"),
        ("10^12/L", "10*12/L"),
        ("fl", "fL"),
        ("u/l", "U/L"),
        ("IU/L", "IU/L"),  # enzyme IU = U is a sourced factor per analyte, not a spelling
    ],
)
def test_unit_spellings_normalise(written, normal):
    assert normalise_unit(written) == normal
    assert normalise_unit(normal) == normal


@pytest.mark.parametrize(
    ("key", "value", "status"),
    [
        ("cholesterol_total", 199, "desirable"),
        ("cholesterol_total", 200, "borderline_high"),
        ("cholesterol_total", 240, "high"),
        ("cholesterol_hdl", 39, "low"),
        ("cholesterol_hdl", 40, "not_low"),
        ("cholesterol_hdl", 60, "hdl_high"),
        ("cholesterol_ldl", 99, "lipid_optimal"),
        ("cholesterol_ldl", 100, "near_optimal"),
        ("cholesterol_ldl", 130, "borderline_high"),
        ("cholesterol_ldl", 160, "high"),
        ("cholesterol_ldl", 190, "very_high"),
        ("triglycerides", 149, "normal"),
        ("triglycerides", 150, "borderline_high"),
        ("triglycerides", 200, "high"),
        ("triglycerides", 500, "very_high"),
        ("bp_systolic", 119, "normal"),
        ("bp_systolic", 120, "elevated"),
        ("bp_systolic", 130, "hypertension_stage_1"),
        ("bp_systolic", 140, "hypertension_stage_2"),
        ("bp_diastolic", 79, "normal"),
        ("bp_diastolic", 80, "hypertension_stage_1"),
        ("bp_diastolic", 90, "hypertension_stage_2"),
    ],
)
def test_guideline_cut_offs(kb, key, value, status):
    found = kb.thresholds(key)
    assert found is not None and not found.draft
    assert found.evidence_grade == "guideline"
    assert found.classify(value).status == status


def test_cut_offs_cite_atp_iii_and_acc_aha(kb):
    assert kb.thresholds("cholesterol_ldl").citation == "ncep_atp3_2002"
    assert kb.thresholds("bp_systolic").citation == "acc_aha_2017_bp"
    assert "Circulation. 2002;106" in citation_text(kb.citation("ncep_atp3_2002"))


def test_default_ranges_come_from_a_lab_directory(kb):
    creatinine = kb.reference_range("creatinine", "male", 40)
    assert (creatinine.low, creatinine.high, creatinine.citation) == (0.4, 1.2, "arup_creatinine")
    assert kb.reference_range("egfr", "female", 40).low == 60
    assert kb.reference_range("cholesterol_ldl", "male", 40) is None  # the lab's range wins


def test_older_analyzer_volume_units_are_the_same_counts(kb):
    """mm³ is µL and µm³ is fL by definition (UCUM); such exports are converted, not kept."""
    from app.core.units import normalise_unit

    assert kb.to_canonical("wbc", 6.7, normalise_unit("10^3/mm3")) == 6.7
    assert kb.to_canonical("rbc", 4.9, normalise_unit("10^6/mm3")) == 4.9
    assert kb.to_canonical("platelets", 162, normalise_unit("10^3/mm3")) == 162
    assert kb.to_canonical("mcv", 45.0, normalise_unit("µm3")) == 45.0
    assert kb.unit_label("10*3/mm3") == "×10³/mm³" and kb.unit_label("um3") == "µm³"
    # The spellings such exports use, the knowledge base's own label included.
    for spelt in ("K/mm3", "thou/mm3", "10³/mm³", "×10³/mm³", "10^3/mm3"):
        assert normalise_unit(spelt) == "10*3/mm3", spelt
    assert normalise_unit("M/mm3") == normalise_unit("×10⁶/mm³") == "10*6/mm3"
    assert normalise_unit("µm³") == normalise_unit("um3") == "um3"
