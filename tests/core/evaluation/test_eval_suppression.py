"""Per-patient suppression: hidden until the rule changes, never silently dropped."""

from __future__ import annotations

from datetime import datetime

from eval_chart import Chart, compile_text, edit_rule

from app.core.evaluation import Suppression, default_rules_path, suppression_for

WHEN = datetime(2026, 11, 20, 9, 30)


def low_zinc_chart(kb) -> Chart:
    chart = Chart(kb)
    chart.gel()
    chart.ai()
    chart.lab("zinc", 62)
    return chart


def zinc_finding(result):
    return next(f for f in result.findings if f.rule_id == "zinc_on_aromatase_inhibitor")


def test_suppressed_finding_is_returned_marked(kb):
    chart = low_zinc_chart(kb)
    finding = zinc_finding(chart.evaluate())
    hide = suppression_for(finding, "discussed; patient declines supplements", "clinician-a", WHEN)
    result = chart.evaluate(suppressions=[hide])
    again = zinc_finding(result)
    assert again.suppressed == hide
    assert again.is_suppressed
    assert again in result.suppressed
    assert again not in result.visible
    assert again.suppressed.reason and again.suppressed.user == "clinician-a"
    assert again.suppressed.at == WHEN


def test_suppression_only_hides_its_rule(kb):
    chart = low_zinc_chart(kb)
    chart.lab("vitamin_d_25oh", 15)
    first = chart.evaluate()
    hide = suppression_for(zinc_finding(first), "known", "clinician-a", WHEN)
    result = chart.evaluate(suppressions=[hide])
    vitamin_d = next(f for f in result.findings if f.rule_id == "vitamin_d_status")
    assert vitamin_d.suppressed is None
    assert len(result.visible) == len(first.findings) - 1


def test_fingerprint_is_stable_across_evaluations_and_values(kb):
    one = zinc_finding(low_zinc_chart(kb).evaluate())
    other_chart = Chart(kb)
    other_chart.gel()
    other_chart.ai()
    other_chart.lab("zinc", 50)
    two = zinc_finding(other_chart.evaluate())
    assert one.fingerprint == two.fingerprint


def test_new_rule_version_resurfaces_the_finding(kb, tmp_path):
    chart = low_zinc_chart(kb)
    hide = suppression_for(zinc_finding(chart.evaluate()), "known", "clinician-a", WHEN)
    text = default_rules_path().read_text(encoding="utf-8")
    bumped = compile_text(
        kb,
        tmp_path,
        edit_rule(text, "zinc_on_aromatase_inhibitor", "version = 2\n", "version = 3\n"),
    )
    finding = zinc_finding(chart.evaluate(suppressions=[hide], rules=bumped))
    assert finding.rule_version == 3
    assert finding.suppressed is None


def test_edited_definition_resurfaces_the_finding(kb, tmp_path):
    chart = low_zinc_chart(kb)
    hide = suppression_for(zinc_finding(chart.evaluate()), "known", "clinician-a", WHEN)
    text = default_rules_path().read_text(encoding="utf-8")
    edited = compile_text(
        kb,
        tmp_path,
        edit_rule(
            text, "zinc_on_aromatase_inhibitor", 'severity = "consider"', 'severity = "warning"'
        ),
    )
    assert zinc_finding(chart.evaluate(suppressions=[hide], rules=edited)).suppressed is None


def test_a_stale_fingerprint_does_not_match(kb):
    chart = low_zinc_chart(kb)
    old = Suppression("zinc_on_aromatase_inhibitor", "0" * 16, "old rule", "clinician-a", WHEN)
    assert zinc_finding(chart.evaluate(suppressions=[old])).suppressed is None


def test_many_subject_rules_suppress_per_subject(kb):
    chart = Chart(kb)
    chart.on("zinc", 50, "mg", 1)
    chart.on("vitamin_d3", 6000, "IU", 1)
    result = chart.evaluate()
    over = [f for f in result.findings if f.rule_id == "supplement_upper_limit"]
    assert {f.marker for f in over} == {"zinc", "vitamin_d"}
    assert len({f.fingerprint for f in over}) == 2
    zinc = next(f for f in over if f.marker == "zinc")
    again = chart.evaluate(suppressions=[suppression_for(zinc, "reviewed", "clinician-a", WHEN)])
    hidden = {
        f.marker for f in again.findings if f.rule_id == "supplement_upper_limit" and f.suppressed
    }
    assert hidden == {"zinc"}
