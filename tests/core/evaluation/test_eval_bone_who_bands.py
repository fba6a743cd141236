"""WHO T-score bands judge bone density only where they apply.

Review: a 32-year-old man on TRT whose T-score went -0.8 -> -1.2 got a warning, "the
latest scan is in the low bone mass (osteopenia) band" and "consider a bone-health
referral"; the same band made a "bone concern" for the magnesium rule. Lab-facts §2.3
(and the analytes.toml bmd_tscore note): premenopausal women and men under 50 are read
by the Z-score. The WHO bands now apply to men 50 and over and to women on the
menopausal estradiol protocol; for the others the fall is reported without band words.
"""

from __future__ import annotations

import pytest
from eval_chart import Chart

BAND_WORDS = ("osteopenia", "osteoporosis", "normal band", "referral")


def _bone_findings(chart: Chart):
    return [f for f in chart.evaluate().findings if f.marker == "bmd_tscore"]


def _man(kb, age: int, before: float = -0.8, after: float = -1.2) -> Chart:
    chart = Chart(kb, sex="male", age=age)
    chart.trt(start=900)
    chart.lab("bmd_tscore", before, days_ago=560)
    chart.lab("bmd_tscore", after, days_ago=40)
    return chart


def test_a_young_man_reads_the_fall_without_who_band_words(kb):
    (finding,) = _bone_findings(_man(kb, 32))
    assert finding.severity == "consider"
    text = finding.clinician_text
    assert "has fallen from -0.8 T-score on" in text
    assert "The WHO T-score bands are not applied" in text
    assert "Z-score" in text and "Z-score" in finding.next_step
    for word in BAND_WORDS:
        assert word not in text, word
        assert word not in finding.next_step, word
    assert finding.status != "insufficient"  # no band judged


def test_a_man_of_fifty_or_over_keeps_the_who_bands_and_the_referral(kb):
    (finding,) = _bone_findings(_man(kb, 55))
    assert finding.rule_id == "bone_density_falling"
    assert finding.severity == "warning"
    assert "low bone mass (osteopenia) band" in finding.clinician_text
    assert "consider a bone-health referral" in finding.clinician_text


@pytest.mark.parametrize(("age", "applies"), [(32, False), (60, True)])
def test_a_t_score_makes_a_bone_concern_only_where_the_bands_apply(kb, age, applies):
    chart = _man(kb, age, before=-1.2, after=-1.3)
    chart.lab("magnesium_serum", 1.9, days_ago=20, ref=(1.7, 2.2))
    fired = [f.rule_id for f in chart.evaluate().findings]
    assert ("magnesium_bone" in fired) is applies


def test_a_woman_not_known_to_be_postmenopausal_is_not_banded(kb):
    chart = Chart(kb, sex="female", age=45)
    chart.on("testosterone_cream", 5, "mg", 1, start=900, route="transdermal")
    chart.lab("bmd_tscore", -0.6, days_ago=560)
    chart.lab("bmd_tscore", -1.4, days_ago=40)
    (finding,) = _bone_findings(chart)
    assert "osteopenia" not in finding.clinician_text
    assert finding.severity == "consider"
