"""A finding's text names its cut-off once and its medicines by the knowledge base's names.

The zinc-on-aromatase-inhibitor and low-ferritin texts used to name the cut-off and then
print the range, whose label names it again ("below the IZiNCG lower cut-off (IZiNCG
lower cut-off, males ...)"). A monitoring gap's ``{components}`` printed substance keys
with spaces for underscores ("testosterone cypionate") instead of the names.
"""

from __future__ import annotations

import re

from eval_chart import Chart, compile_text, edit_rule

from app.core.evaluation import default_rules_path


def _finding(chart: Chart, rule_id: str, **options):
    found = [f for f in chart.evaluate(**options).findings if f.rule_id == rule_id]
    assert found, rule_id
    return found[0]


def _named_twice(text: str) -> list[str]:
    """Words of four or more letters that open a parenthesis and also stand just before it."""
    doubled = []
    for match in re.finditer(r"([\w-]+(?: [\w-]+){0,3}) \((\1)\b", text):
        doubled.append(match.group(1))
    return doubled


def test_the_zinc_cut_off_is_named_once(kb):
    chart = Chart(kb)
    chart.trt(start=200)
    chart.ai(start=200)
    chart.lab("zinc", 54, days_ago=5)
    text = _finding(chart, "zinc_on_aromatase_inhibitor").clinician_text
    assert text.startswith("Serum zinc 54 µg/dL")
    assert (
        "by the IZiNCG lower cut-off, males aged 10 y or more, morning fasting (Hotz 2003)" in text
    )
    assert text.count("IZiNCG") == 1 and text.count("cut-off") == 1, text
    assert "while the patient takes Anastrozole." in text


def test_the_ferritin_cut_off_is_named_once(kb):
    chart = Chart(kb)
    chart.trt(start=200)
    chart.lab("ferritin", 9, days_ago=5)
    text = _finding(chart, "ferritin_low").clinician_text
    assert text.startswith(
        "Ferritin 9 ng/mL (2026-11-18) is below the cut-off (WHO 2020: iron deficiency in"
    ), text
    assert text.count("WHO 2020") == 1 and "iron-deficiency cut-off" not in text, text


def test_no_rule_text_names_its_cut_off_twice(kb):
    chart = Chart(kb, sex="male")
    chart.trt(start=400)
    chart.ai(start=400)
    for analyte, value in (
        ("zinc", 50),
        ("ferritin", 9),
        ("magnesium_serum", 1.7),
        ("vitamin_d_25oh", 12),
    ):
        chart.lab(analyte, value, days_ago=5)
    for finding in chart.evaluate().findings:
        assert _named_twice(finding.clinician_text) == [], (finding.rule_id, finding.clinician_text)
    assert _named_twice("below the IZiNCG lower cut-off (IZiNCG lower cut-off, males)") != []


def test_a_monitoring_gap_names_the_medicines_as_the_knowledge_base_does(kb, tmp_path):
    rules_text = default_rules_path().read_text(encoding="utf-8")
    text = edit_rule(
        rules_text,
        "protocol_monitoring_gap",
        'clinician_text = "{protocol} monitoring: {analyte}: {gap}."',
        'clinician_text = "{protocol} monitoring on {components}: {analyte}: {gap}."',
    )
    pack = compile_text(kb, tmp_path, text)
    chart = Chart(kb)
    chart.trt(start=45 * 7)
    gap = _finding(chart, "protocol_monitoring_gap", rules=pack)
    assert "monitoring on Testosterone cypionate: " in gap.clinician_text, gap.clinician_text
    assert "testosterone cypionate" not in gap.clinician_text
