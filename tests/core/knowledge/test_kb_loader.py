"""The real knowledge base loads, is complete, and the loader refuses broken content."""

from __future__ import annotations

import re

import pytest

from app.core.knowledge import load_knowledge
from app.core.loinc import is_valid_loinc
from app.core.models import REGIMEN_KINDS

# Codes lab-facts §1.1/§1.3 says are wrong; none may be mapped.
KNOWN_BAD_CODES = ("3236-2", "29900-7", "57241-0", "2823-9", "81576-7", "38263-2")

REQUIRED_ANALYTES = [
    "zinc",
    "copper",
    "magnesium_serum",
    "magnesium_rbc",
    "vitamin_d_25oh",
    "vitamin_b6_plp",
    "selenium",
    "iodine_urine",
    "vitamin_a",
    "folate_serum",
    "folate_rbc",
    "b12",
    "homocysteine",
    "vitamin_c",
    "calcium_total",
    "calcium_ionized",
    "pth",
    "ferritin",
    "omega3_index",
    "coq10",
    "boron",
    "testosterone_total",
    "free_testosterone",
    "bioavailable_testosterone",
    "shbg",
    "albumin",
    "estradiol",
    "lh",
    "fsh",
    "progesterone",
    "dhea_s",
    "prolactin",
    "tsh",
    "free_t4",
    "free_t3",
    "hs_crp",
    "il6",
    "tnf_alpha",
    "hba1c",
    "glucose_fasting",
    "insulin_fasting",
    "hematocrit",
    "hemoglobin",
    "psa",
    "bmd_tscore_lumbar",
    "bmd_tscore_femur",
    "symptom_fatigue",
    "symptom_libido",
    "symptom_mood",
    "symptom_sleep",
    "symptom_brain_fog",
    "symptom_joint_pain",
    "free_testosterone_calc",
    "bioavailable_testosterone_calc",
    "estradiol_testosterone_ratio",
    "zinc_copper_ratio",
    "calcium_corrected",
]
REQUIRED_NUTRIENTS = [
    "zinc",
    "copper",
    "magnesium",
    "vitamin_d",
    "vitamin_b6",
    "selenium",
    "iodine",
    "vitamin_a",
    "folate",
    "vitamin_b12",
    "vitamin_c",
    "vitamin_k2",
    "calcium",
    "boron",
    "silicon",
    "omega_3",
    "coq10",
]
REQUIRED_SUBSTANCES = [
    "testosterone_cypionate",
    "testosterone_enanthate",
    "testosterone_cream",
    "testosterone_gel",
    "gonadorelin",
    "anastrozole",
    "hcg",
    "clomiphene",
    "enclomiphene",
    "micronized_progesterone",
    "estradiol",
    "levothyroxine",
    "liothyronine",
    "zinc",
    "magnesium",
    "vitamin_d3",
    "vitamin_k2",
    "boron",
    "selenium",
    "iodine",
    "vitamin_b6",
    "vitamin_c",
    "copper",
    "calcium",
    "omega_3",
    "coq10",
    "silicon",
    "folate",
    "b12",
    "vitamin_a",
]


# -- the real knowledge base ---------------------------------------------------------------


def test_real_kb_loads_with_a_version(kb):
    assert re.fullmatch(r"\d{4}\.\d{1,2}\.\d+", kb.version)


def test_repeated_loads_share_one_immutable_result():
    assert load_knowledge() is load_knowledge()


def test_required_content_is_present(kb):
    assert set(REQUIRED_ANALYTES) <= set(kb.analytes)
    assert set(REQUIRED_NUTRIENTS) <= set(kb.nutrients)
    assert set(REQUIRED_SUBSTANCES) <= set(kb.substances)
    assert {"male_trt", "female_low_dose_testosterone", "estradiol_therapy"} <= set(kb.protocols)
    assert {"thyroid_replacement", "male_serm"} <= set(kb.protocols)


def test_every_loinc_code_passes_its_check_digit(kb):
    codes = [code for analyte in kb.analytes.values() for code in analyte.loinc]
    assert len(codes) > 80
    assert all(is_valid_loinc(code) for code in codes)


def test_codes_lab_facts_marks_wrong_are_absent(kb):
    for code in KNOWN_BAD_CODES:
        assert kb.analyte_for_loinc(code) is None
    assert kb.analyte_for_loinc("2243-4").key == "estradiol"  # not prolactin
    assert kb.analyte_for_loinc("2601-3").key == "magnesium_serum"  # not zinc


def test_every_analyte_has_a_canonical_factor_of_one(kb):
    for analyte in kb.analytes.values():
        assert analyte.units[analyte.canonical_unit].scale == 1.0, analyte.key
        assert analyte.si_unit in analyte.units, analyte.key


def test_every_analyte_with_no_thresholds_says_why(kb):
    for analyte in kb.analytes.values():
        assert analyte.threshold_sets or analyte.no_thresholds_note, analyte.key


def test_boron_selenium_and_rbc_magnesium_explicitly_have_no_threshold(kb):
    for key in ("boron", "selenium", "magnesium_rbc"):
        assert kb.thresholds(key) is None
        assert "threshold" in kb.analyte(key).no_thresholds_note.lower() or "cut-off" in (
            kb.analyte(key).no_thresholds_note.lower()
        )


def test_derived_analytes_are_registered_with_definitions(kb):
    derived = {key for key, a in kb.analytes.items() if a.kind == "derived"}
    assert derived == set(kb.derived.definitions)
    assert kb.analyte("free_testosterone_calc").loinc == ("103227-5",)


def test_symptom_scores_run_zero_to_ten_higher_is_worse(kb):
    symptoms = [a for a in kb.analytes.values() if a.kind == "symptom"]
    assert len(symptoms) == 6
    for symptom in symptoms:
        assert (symptom.scale_min, symptom.scale_max, symptom.direction) == (
            0,
            10,
            "higher_worse",
        )
        assert symptom.loinc == ()


def test_seed_documents_are_cited_but_never_as_guidelines(kb):
    for key in ("seed_micronutrients", "seed_bone"):
        assert kb.citations[key].kind == "seed"
        assert kb.citations[key].evidence_grade in ("mechanistic", "observational")
    seed_claims = [
        m for n in kb.nutrients.values() for m in n.mechanisms if m.citation.startswith("seed_")
    ]
    assert len(seed_claims) >= 17
    assert all(m.evidence_grade in ("mechanistic", "observational") for m in seed_claims)


def test_every_nutrient_has_an_upper_limit_or_says_why_not(kb):
    assert kb.nutrients["zinc"].upper_limit(40).amount == 40
    assert kb.nutrients["calcium"].upper_limit(30).amount == 2500
    assert kb.nutrients["calcium"].upper_limit(60).amount == 2000
    assert kb.nutrients["calcium"].upper_limit(None) is None  # age-banded, age unknown
    for key in ("vitamin_k2", "vitamin_b12", "silicon", "omega_3", "coq10"):
        assert kb.nutrients[key].upper_limits == ()
        assert kb.nutrients[key].no_upper_limit_note


def test_substances_use_the_regimen_vocabulary(kb):
    for substance in kb.substances.values():
        assert substance.kind in REGIMEN_KINDS
        assert substance.default_route in substance.routes
    cypionate = kb.substances["testosterone_cypionate"]
    assert cypionate.injectable_depot
    assert (cypionate.kinetics.peak_days_min, cypionate.kinetics.peak_days_max) == (2, 5)
    assert (cypionate.kinetics.baseline_days_min, cypionate.kinetics.baseline_days_max) == (10, 14)
    assert kb.substances["levothyroxine"].steady_state_weeks == 6


def test_drafts_list_unverified_items_with_notes(kb):
    drafts = kb.drafts()
    assert all(note.strip() for _, _, note in drafts)
    keys = {(file, key) for file, key, _ in drafts}
    assert ("analytes.toml", "calcium_corrected") in keys
    assert ("derived.toml", "pairing") in keys
    assert ("analytes.toml", "hba1c.units.mmol/mol") in keys
    assert ("protocols.toml", "male_trt.targets[0]") in keys  # AUA 450-600, tagged U


def test_protocol_targets_are_converted_to_canonical_units(kb):
    targets = {t.label: t for t in kb.protocols["male_trt"].targets}
    eau = next(t for label, t in targets.items() if label.startswith("EAU"))
    assert eau.unit == "ng/dL"
    assert eau.low == pytest.approx(15 / 0.03467)
    hct = next(t for t in kb.protocols["male_trt"].targets if t.analyte == "hematocrit")
    assert (hct.high, hct.high_inclusive, hct.unit) == (54, True, "%")


# -- the loader refuses broken content, naming file and key ------------------------------


def test_bad_check_digit_is_rejected(kb_copy):
    kb_copy.edit("analytes.toml", "loinc = ['5763-8', '14955-9']", "loinc = ['5763-7', '14955-9']")
    problems = kb_copy.problems()
    assert any(p.startswith("analytes.toml: zinc.loinc: ") and "5763-7" in p for p in problems)


def test_unknown_citation_is_rejected(kb_copy):
    kb_copy.edit(
        "analytes.toml",
        "citation = 'arup_zinc'\n\n[[zinc.reference",
        "citation = 'arup_zinc_typo'\n\n[[zinc.reference",
    )
    problems = kb_copy.problems()
    assert any(
        p.startswith("analytes.toml: zinc.reference_ranges[0].citation: ")
        and "unknown citation 'arup_zinc_typo'" in p
        for p in problems
    )


def test_missing_citation_on_a_range_is_rejected(kb_copy):
    kb_copy.edit(
        "analytes.toml",
        "lab = 'ARUP'\ncitation = 'arup_zinc'\n\n[[zinc.reference",
        "lab = 'ARUP'\n\n[[zinc.reference",
    )
    problems = kb_copy.problems()
    assert any(
        p.startswith("analytes.toml: zinc.reference_ranges[0]: has no source") for p in problems
    )


def test_unknown_unit_reference_is_rejected(kb_copy):
    kb_copy.edit(
        "analytes.toml",
        "canonical_unit = 'ug/dL'\nsi_unit = 'umol/L'\ndecimals = 0\nsi_decimals = 1\nconversion_citation = 'lab_facts_molar_mass'\ndefault_guideline = 'izincg_2003'",
        "canonical_unit = 'ug/dL'\nsi_unit = 'furlongs/L'\ndecimals = 0\nsi_decimals = 1\nconversion_citation = 'lab_facts_molar_mass'\ndefault_guideline = 'izincg_2003'",
    )
    problems = kb_copy.problems()
    assert any(
        p.startswith("analytes.toml: zinc.si_unit: ") and "unknown unit 'furlongs/L'" in p
        for p in problems
    )


def test_range_in_a_unit_the_analyte_does_not_accept_is_rejected(kb_copy):
    kb_copy.edit(
        "analytes.toml",
        "low = 1.11\nhigh = 1.30\nunit = 'mmol/L'",
        "low = 1.11\nhigh = 1.30\nunit = 'nmol/L'",
    )
    problems = kb_copy.problems()
    assert any(
        p.startswith("analytes.toml: calcium_ionized.reference_ranges[0].unit: ")
        and "not an accepted unit" in p
        for p in problems
    )


def test_threshold_without_source_is_rejected(kb_copy):
    kb_copy.edit(
        "analytes.toml",
        "version = '2022'\nunit = 'mmol/L'\ncitation = 'magnet_2022'\n",
        "version = '2022'\nunit = 'mmol/L'\n",
    )
    problems = kb_copy.problems()
    assert any(
        p.startswith("analytes.toml: magnesium_serum.thresholds[0].bands[0]: has no source")
        for p in problems
    )


def test_threshold_bands_with_a_gap_are_rejected(kb_copy):
    kb_copy.edit(
        "analytes.toml",
        "{ status = 'insufficient', low = 20, high = 30 }",
        "{ status = 'insufficient', low = 21, high = 30 }",
    )
    problems = kb_copy.problems()
    assert any(
        p.startswith(
            "analytes.toml: vitamin_d_25oh.thresholds[0]: bands 'deficient' and 'insufficient' must meet"
        )
        for p in problems
    )


def test_seed_graded_as_guideline_is_rejected(kb_copy):
    kb_copy.edit(
        "citations.toml",
        "[seed_bone]\nkind = 'seed'\nevidence_grade = 'mechanistic'",
        "[seed_bone]\nkind = 'seed'\nevidence_grade = 'guideline'",
    )
    problems = kb_copy.problems()
    assert any(
        p.startswith("citations.toml: seed_bone.evidence_grade: a seed document") for p in problems
    )


def test_misspelt_field_is_rejected(kb_copy):
    kb_copy.edit("analytes.toml", "short_name = 'Zn'\n", "shortname = 'Zn'\n")
    problems = kb_copy.problems()
    assert "analytes.toml: zinc: unknown field 'shortname'" in problems


def test_draft_without_a_note_is_rejected(kb_copy):
    kb_copy.append(
        "analytes.toml",
        "[[zinc.reference_ranges]]\nlow = 1\nhigh = 2\nlabel = 'x'\ncitation = 'arup_zinc'\ndraft = true",
    )
    problems = kb_copy.problems()
    assert any(
        p.startswith("analytes.toml: zinc.reference_ranges[2]: draft item needs a 'note'")
        for p in problems
    )


def test_same_loinc_on_two_analytes_is_rejected(kb_copy):
    kb_copy.edit("analytes.toml", "loinc = ['5631-7', '14665-4']", "loinc = ['5631-7', '5763-8']")
    problems = kb_copy.problems()
    assert any("LOINC 5763-8 is also listed for 'zinc'" in p for p in problems)


def test_protocol_naming_an_unknown_substance_is_rejected(kb_copy):
    kb_copy.edit("protocols.toml", "substances = ['anastrozole']", "substances = ['letrozole']")
    problems = kb_copy.problems()
    assert "protocols.toml: male_trt: unknown substance 'letrozole'" in problems


def test_all_problems_are_reported_at_once(kb_copy):
    kb_copy.edit("analytes.toml", "loinc = ['5763-8', '14955-9']", "loinc = ['5763-7', '14955-9']")
    kb_copy.edit("protocols.toml", "substances = ['anastrozole']", "substances = ['letrozole']")
    problems = kb_copy.problems()
    assert any(p.startswith("analytes.toml:") for p in problems)
    assert any(p.startswith("protocols.toml:") for p in problems)


def test_missing_file_and_bad_toml_are_reported(kb_copy):
    (kb_copy.folder / "nutrients.toml").unlink()
    (kb_copy.folder / "units.toml").write_text("[broken\n", encoding="utf-8")
    problems = kb_copy.problems()
    assert any(p.startswith("nutrients.toml: -: file not found") for p in problems)
    assert any(p.startswith("units.toml: -: invalid TOML") for p in problems)


def test_a_draft_item_loads_and_is_listed(kb_copy):
    kb_copy.append(
        "analytes.toml",
        "[[zinc.reference_ranges]]\nlow = 1\nhigh = 2\nlabel = 'x'\ncitation = 'arup_zinc'\n"
        "draft = true\nnote = 'needs a primary source'",
    )
    kb = kb_copy.load()
    assert ("analytes.toml", "zinc.reference_ranges[2]", "needs a primary source") in kb.drafts()
    assert kb.analyte("zinc").reference_ranges[2].draft


# -- the parse cache -------------------------------------------------------------------------


def test_parse_cache_follows_edits(kb_copy):
    version = kb_copy.load().version
    assert (kb_copy.folder / "__pycache__" / "knowledge.marshal").exists()
    kb_copy.edit("kb.toml", f"version = '{version}'", "version = '1999.1.1'")
    assert kb_copy.load().version == "1999.1.1"


def test_corrupt_parse_cache_is_ignored(kb_copy):
    version = kb_copy.load().version
    (kb_copy.folder / "__pycache__" / "knowledge.marshal").write_bytes(b"\x00garbage")
    assert kb_copy.load().version == version
