"""One finding per topic a handout would otherwise say twice.

DEMO-000013 (low-dose testosterone cream and progesterone, PLP 18 nmol/L) got both
"Vitamin B6 and mood on progesterone" and "Vitamin B6 status on testosterone therapy",
and her handout said the same thing about B6 twice.
"""

from __future__ import annotations

import re
from collections import Counter

from eval_chart import Chart


def _woman_on_testosterone_and_progesterone(kb) -> Chart:
    chart = Chart(kb, sex="female", age=52)
    chart.on("testosterone_cream", 5, "mg", 1, route="transdermal")
    chart.on("micronized_progesterone", 100, "mg", 1)
    return chart


def _sentences(findings) -> Counter:
    return Counter(
        sentence.strip()
        for finding in findings
        for sentence in re.split(r"(?<=\.)\s+", finding.patient_text)
        if sentence.strip()
    )


def test_low_b6_on_testosterone_and_progesterone_is_one_finding(kb):
    chart = _woman_on_testosterone_and_progesterone(kb)
    chart.lab("vitamin_b6_plp", 18, "nmol/L")
    findings = chart.evaluate().findings
    b6 = [f.rule_id for f in findings if f.marker == "vitamin_b6"]
    assert b6 == ["b6_mood_on_progesterone"]
    repeated = [s for s, n in _sentences(findings).items() if n > 1]
    assert not repeated


def test_low_b6_on_testosterone_alone_keeps_its_own_finding(kb):
    chart = Chart(kb, sex="male", age=45)
    chart.trt()
    chart.lab("vitamin_b6_plp", 18, "nmol/L")
    b6 = [f.rule_id for f in chart.evaluate().findings if f.marker == "vitamin_b6"]
    assert b6 == ["b6_on_testosterone"]


def test_two_magnesium_findings_do_not_repeat_a_handout_sentence(kb):
    chart = _woman_on_testosterone_and_progesterone(kb)
    chart.lab("magnesium_serum", 1.9, ref=(1.7, 2.2))
    # On menopausal estradiol: the WHO T-score bands apply, so -1.8 is a bone concern.
    chart.on("estradiol", 0.05, "mg", 3.5, route="transdermal")
    chart.lab("bmd_tscore", -1.8, days_ago=60)
    findings = chart.evaluate().findings
    assert {"magnesium_on_testosterone", "magnesium_bone"} <= {f.rule_id for f in findings}
    repeated = [s for s, n in _sentences(findings).items() if n > 1]
    assert not repeated
