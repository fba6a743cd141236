"""Magnesium findings say honestly where a value lies: inside the lab's range or not.

The magnesium rules fire below the MaGNet 2022 lower limit (0.85 mmol/L, 2.07 mg/dL),
which few labs use. A value inside the lab's printed range must not read as if it were
outside it, and the cut-off must read as lab-facts gives it, without internal band words.
"""

from __future__ import annotations

import pytest
from eval_chart import Chart

from app.core.evaluation.run import describe_threshold


def _finding(chart: Chart, rule_id: str):
    return next(f for f in chart.evaluate().findings if f.rule_id == rule_id)


def _on_testosterone(kb, value: float, ref=(1.7, 2.2)) -> Chart:
    chart = Chart(kb, sex="female", age=52)
    chart.on("testosterone_cream", 5, "mg", 1, route="transdermal")
    chart.lab("magnesium_serum", value, ref=ref)
    return chart


def test_in_range_magnesium_says_inside_the_lab_range_and_names_the_stricter_cut_off(kb):
    # DEMO-000013: 1.94 mg/dL read "below the MaGNet 2022 lower limit or the reference
    # range (...: low <2.066; not_low >=2.066 mg/dL)".
    finding = _finding(_on_testosterone(kb, 1.94), "magnesium_on_testosterone")
    text = finding.clinician_text
    assert "is inside the lab's reference range (1.70-2.20 mg/dL)" in text
    assert "by a cut-off few labs use (MaGNet 2022 recommended lower limit: low <2.07 mg/dL)" in (
        text
    )
    assert "it is low" in text
    assert "or the reference range" not in text
    assert "not_low" not in text and "2.066" not in text
    assert "on the low side" not in finding.patient_text
    assert "stricter than the normal range many labs print" in finding.patient_text


def test_magnesium_below_the_lab_range_says_so(kb):
    finding = _finding(_on_testosterone(kb, 1.6), "magnesium_on_testosterone")
    assert "is below the lab's reference range (1.70-2.20 mg/dL)" in finding.clinician_text


def test_without_a_range_on_the_report_the_default_range_is_named(kb):
    finding = _finding(_on_testosterone(kb, 1.94, ref=None), "magnesium_on_testosterone")
    assert (
        "is inside the default reference range (1.82-2.31 mg/dL: commonly cited adult "
        "interval; the report gave none)"
    ) in finding.clinician_text


def test_magnesium_with_a_bone_concern_is_not_called_flatly_low(kb):
    # "1.89 mg/dL is low" for a value inside the lab's range.
    chart = _on_testosterone(kb, 1.89)
    # On menopausal estradiol: the WHO T-score bands apply, so -1.8 is a bone concern.
    chart.on("estradiol", 0.05, "mg", 3.5, route="transdermal")
    chart.lab("bmd_tscore", -1.8, days_ago=60)
    finding = _finding(chart, "magnesium_bone")
    text = finding.clinician_text
    assert "1.89 mg/dL (" in text and "mg/dL) is low" not in text
    assert "is inside the lab's reference range (1.70-2.20 mg/dL)" in text
    assert "(MaGNet 2022 recommended lower limit: low <2.07 mg/dL) it is low" in text
    assert "Your magnesium level was low" not in finding.patient_text
    assert "under a stricter cut-off than most labs use" in finding.patient_text


@pytest.mark.parametrize(
    ("analyte", "expected"),
    [
        # Band words are kb.toml labels; bounds as the logic has them.
        (
            "vitamin_d_25oh",
            "Endocrine Society 2011 (Holick): deficient <20; insufficient ≥20 to <30; "
            "adequate ≥30 ng/mL",
        ),
        ("magnesium_serum", "MaGNet 2022 recommended lower limit: low <2.07 mg/dL"),
    ],
)
def test_threshold_texts_use_labels_and_usual_decimals(kb, analyte, expected):
    found = kb.thresholds(analyte)
    text = describe_threshold(found, kb.unit_label(found.unit), kb)
    assert text == expected
    assert "_" not in text


def test_magnesium_clearly_below_the_lab_range_is_not_read_as_borderline(kb):
    # Review: 1.72 mg/dL (below the default range, and below the common hypomagnesaemia
    # cut-off <1.8 mg/dL) read "consider" and "below a cut-off some experts recommend,
    # which is stricter than the normal range many labs print", as 2.05 did.
    low = _finding(_on_testosterone(kb, 1.72, ref=None), "magnesium_on_testosterone")
    borderline = _finding(_on_testosterone(kb, 2.05, ref=None), "magnesium_on_testosterone")
    assert low.severity == "warning"
    assert borderline.severity == "consider"
    assert "is below the default reference range (1.82-2.31 mg/dL" in low.clinician_text
    assert "low by the usual reading as well, not only by the stricter cut-off" in (
        low.clinician_text
    )
    assert low.patient_text.startswith("Your magnesium level was below the normal range.")
    assert "stricter" not in low.patient_text
    assert "stricter than the normal range many labs print" in borderline.patient_text
    assert "usual reading as well" not in borderline.clinician_text


def test_magnesium_below_the_lab_range_with_a_bone_concern_says_so_plainly(kb):
    chart = _on_testosterone(kb, 1.6)
    chart.on("estradiol", 0.05, "mg", 3.5, route="transdermal")
    chart.lab("bmd_tscore", -1.8, days_ago=60)
    finding = _finding(chart, "magnesium_bone")
    assert finding.severity == "warning"
    assert "is below the lab's reference range (1.70-2.20 mg/dL)" in finding.clinician_text
    assert "Your level was below the normal range" in finding.patient_text
    assert "stricter cut-off" not in finding.patient_text


def test_women_on_testosterone_are_not_told_to_check_free_testosterone(kb):
    # Review: a woman on cream read "consider SHBG and calculated free testosterone",
    # while her symptoms finding says to follow total, not free, testosterone.
    finding = _finding(_on_testosterone(kb, 1.94), "magnesium_on_testosterone")
    assert "free testosterone if not recent" not in finding.next_step
    assert "In women follow total testosterone, not free testosterone (Global Consensus 2019)" in (
        finding.next_step
    )
    assert "global_consensus_2019_women" in finding.citations
    man = Chart(kb, sex="male", age=45)
    man.trt()
    man.lab("magnesium_serum", 1.94, ref=(1.7, 2.2))
    assert "consider SHBG and calculated free testosterone" in (
        _finding(man, "magnesium_on_testosterone").next_step
    )
