"""Finding texts show a result and the limits it is judged by in one unit.

Limits (threshold bands, default ranges, protocol targets, rule cut-offs) are in the
analyte's canonical unit. A result reported in another unit (PLP in nmol/L, vitamin D
in nmol/L, testosterone in nmol/L, zinc in umol/L) must also be shown in that unit,
converted by the knowledge base's factor: a reader must never see "1 nmol/L" set
against "deficient <3.4 µg/L".
"""

from __future__ import annotations

import re
from datetime import date
from itertools import product

import pytest
from eval_chart import Chart

from app.core.evaluation import rules_for
from app.core.evaluation.nodes_results import Limit, RiseFromBaseline, Trend

# Ranges whose bounds are in the canonical unit (a lab's printed range is in the
# reported unit, so it is left out).
CANONICAL_KINDS = ("threshold", "kb_range", "target", "limit")
# (substance, dose, unit, every n days, route, start days ago)
REGIMENS = {
    "male": [
        ("testosterone_cypionate", 100, "mg", 7, "IM"), ("anastrozole", 0.5, "mg", 3.5, "oral"),
        ("enclomiphene", 12.5, "mg", 1, "oral"), ("levothyroxine", 75, "ug", 1, "oral"),
        ("zinc", 30, "mg", 1, "oral"), ("vitamin_d3", 5000, "IU", 1, "oral"),
        ("calcium", 1200, "mg", 1, "oral"), ("magnesium", 400, "mg", 1, "oral"),
    ],
    "female": [
        ("testosterone_cream", 5, "mg", 1, "transdermal"),
        ("micronized_progesterone", 100, "mg", 1, "oral"),
        ("estradiol", 0.05, "mg", 3.5, "transdermal"), ("levothyroxine", 75, "ug", 1, "oral"),
        ("zinc", 30, "mg", 1, "oral"), ("vitamin_k2", 100, "ug", 1, "oral"),
    ],
}  # fmt: skip


def _analytes(kb, pack) -> list[str]:
    keys = {spec.analyte for rule in pack.rules for spec in rule.inputs.values()}
    keys |= {gate.input.analyte for gate in pack.gates.values()}
    return sorted(k for k in keys if k in kb.analytes and kb.analytes[k].kind != "derived")


def _other_units(kb, key: str) -> list[str]:
    """Accepted units that read differently from the canonical one."""
    analyte = kb.analytes[key]
    canonical = kb.unit_label(analyte.canonical_unit)
    return [unit for unit in analyte.units if kb.unit_label(unit) != canonical]


def _limits(pack) -> dict[str, set[float]]:
    """Canonical cut-offs rules.toml sets by hand, per analyte (a symptom score of 6)."""
    found: dict[str, set[float]] = {}

    def walk(node, inputs):
        if isinstance(node, Limit):
            found.setdefault(inputs[node.name].analyte, set()).add(node.limit)
        for child in (*getattr(node, "children", ()), getattr(node, "child", None)):
            if child is not None:
                walk(child, inputs)

    for rule in pack.rules:
        if rule.condition is not None:
            walk(rule.condition, rule.inputs)
    return found


def _levels(kb, key: str, limits: set[float]) -> list[float]:
    """Canonical values below, between and above every cut-off the KB has for an analyte."""
    analyte = kb.analytes[key]
    cuts = set(limits)
    for found in analyte.threshold_sets:
        for band in found.bands:
            cuts |= {band.low, band.high}
    for found in analyte.reference_ranges:
        cuts |= {found.low, found.high}
    for protocol in kb.protocols.values():
        cuts |= {b for t in protocol.targets if t.analyte == key for b in (t.low, t.high)}
    cuts = sorted(c for c in cuts if c is not None)
    if not cuts:
        return [1.0]
    # Below the lowest cut-off; none below a cut-off at zero (no concentration is < 0).
    levels = [] if cuts[0] == 0 else [cuts[0] / 2 if cuts[0] > 0 else cuts[0] - 1]
    levels += [(a + b) / 2 for a, b in zip(cuts, cuts[1:], strict=False)]
    return [*levels, cuts[-1] * 1.5 if cuts[-1] > 0 else cuts[-1] + 1]


def _charts(kb, pack):
    """Charts whose every result is in another unit than the canonical one, where it has
    one: at every level between cut-offs, rising and falling, and with every other
    analyte's levels mirrored (high zinc with low copper). Therapy began 400 days ago;
    the first result is a baseline from before it."""
    keys = _analytes(kb, pack)
    limits = _limits(pack)
    levels = {key: _levels(kb, key, limits.get(key, set())) for key in keys}
    others = {key: _other_units(kb, key) for key in keys}
    depth = max(len(v) for v in levels.values())
    width = max(len(v) for v in others.values())
    for sex, regimen in REGIMENS.items():
        for level, choice, (falling, mirrored) in product(
            range(depth), range(width), ((False, False), (True, False), (False, True))
        ):
            # Men are 45 at odd levels: bone density rules split at 50 (WHO T-score bands).
            age = 45 if sex == "male" and level % 2 else 50
            chart = Chart(kb, sex=sex, age=age, as_of=date(2026, 11, 23))
            for substance, dose, unit, every, route in regimen:
                row = chart.on(substance, dose, unit, every, start=400, route=route)
                if substance == "anastrozole":  # a raised dose (its rule shows zinc)
                    chart.change_dose(row, dose * 2, days_ago=90)
            for key in keys:
                units = others[key] or [kb.analytes[key].canonical_unit]
                unit = units[min(choice, len(units) - 1)]
                steps = levels[key]
                now = min(level, len(steps) - 1)
                if mirrored and key < "m":  # copper mirrored, zinc not
                    now = len(steps) - 1 - now
                before = len(steps) - 1 if falling else 0
                for days_ago, step in ((430, before), (150, before), (10, now)):
                    value = kb.from_canonical(key, steps[step], unit)
                    chart.lab(key, round(value, 4), unit, days_ago=days_ago)
            yield chart


def _shown(comparator, value: float, unit: str, kb, analyte: str) -> str:
    """A number as texts and the trace show it: the analyte's usual decimals."""
    return f"{comparator or ''}{kb.number_text(analyte, value, unit)} {kb.unit_label(unit)}"


def _contains(text: str, shown: str) -> bool:
    return re.search(r"(?<![\d.])" + re.escape(shown) + r"(?![\w/])", text) is not None


@pytest.fixture(scope="module")
def evaluations(kb):
    pack = rules_for(kb)
    found = []
    for chart in _charts(kb, pack):
        result = chart.evaluate()
        found += [*result.findings, *result.checks]
    return found


def test_the_charts_fire_every_rule_that_reads_a_convertible_result(kb, evaluations):
    """The sweep is only worth as much as what it fires."""
    pack = rules_for(kb)
    convertible = {
        rule.id
        for rule in pack.rules
        if rule.kind == "condition"
        and any(
            spec.analyte in kb.analytes and _other_units(kb, spec.analyte)
            for spec in rule.inputs.values()
        )
    }
    fired = {f.rule_id for f in evaluations if f.fired}
    assert convertible - fired == set()
    assert len(convertible) > 20


def test_a_value_and_the_limits_it_is_judged_by_read_in_one_unit(kb, evaluations):
    problems = []
    for finding in evaluations:
        texts = (finding.clinician_text, finding.patient_text, finding.next_step)
        for value in finding.trace.values:
            if value.value is None or value.value_canonical is None:
                continue
            if kb.unit_label(value.unit) == kb.unit_label(value.unit_canonical):
                continue
            reported = _shown(value.comparator, value.value, value.unit, kb, value.analyte)
            limit_units = {
                r.unit
                for r in finding.trace.ranges
                if r.name == value.name and r.kind in CANONICAL_KINDS and r.unit
            }
            for text in texts:
                if not _contains(text, reported):
                    continue
                for unit in limit_units:
                    if kb.unit_label(unit) == kb.unit_label(value.unit):
                        continue
                    converted = kb.from_canonical(value.analyte, value.value_canonical, unit)
                    expected = _shown(value.comparator, converted, unit, kb, value.analyte)
                    if not _contains(text, expected):
                        problems.append(f"{finding.rule_id}: {expected!r} missing: {text}")
    assert not problems, "\n".join(sorted(set(problems))[:10])


def test_every_result_in_another_unit_is_also_shown_in_the_canonical_unit(kb, evaluations):
    """Also texts that place a limit by hand ("above 3 mg/L") or through a gate's note."""
    problems = []
    for finding in evaluations:
        texts = (finding.clinician_text, finding.patient_text, finding.next_step)
        for value in finding.trace.values:
            if value.value is None or value.value_canonical is None or value.state != "used":
                continue
            if kb.unit_label(value.unit) == kb.unit_label(value.unit_canonical):
                continue
            reported = _shown(value.comparator, value.value, value.unit, kb, value.analyte)
            canonical = _shown(
                value.comparator, value.value_canonical, value.unit_canonical, kb, value.analyte
            )
            for text in texts:
                if _contains(text, reported) and not _contains(text, canonical):
                    problems.append(f"{finding.rule_id}: {canonical!r} missing: {text}")
    assert not problems, "\n".join(sorted(set(problems))[:10])


def test_rule_cut_offs_are_written_in_the_canonical_unit(kb):
    """A cut-off in rules.toml prints in its own unit next to the canonical value."""
    pack = rules_for(kb)
    wrong = []

    def walk(node, inputs, rule_id):
        percent = isinstance(node, Trend) and node.fraction is not None
        if isinstance(node, Limit | Trend | RiseFromBaseline) and not percent:
            analyte = kb.analytes[inputs[node.name].analyte]
            label = node.unit if isinstance(node, Limit) else node.shown
            if not label.endswith(" " + kb.unit_label(analyte.canonical_unit)) and label != (
                kb.unit_label(analyte.canonical_unit)
            ):
                wrong.append(f"{rule_id}: {label}")
        for child in (*getattr(node, "children", ()), getattr(node, "child", None)):
            if child is not None:
                walk(child, inputs, rule_id)

    for rule in pack.rules:
        if rule.condition is not None:
            walk(rule.condition, rule.inputs, rule.id)
        for step in rule.escalate:
            walk(step.condition, rule.inputs, rule.id)
    for name, gate in pack.gates.items():
        walk(gate.condition, {"value": gate.input}, name)
    assert not wrong


def test_a_gate_note_shows_its_result_in_the_unit_of_its_cut_off(kb):
    """hs-CRP reported in mg/dL, set against the gate's "above 3 mg/L"."""
    chart = Chart(kb, sex="male", age=50)
    chart.trt()
    chart.ai()  # the zinc rule on an aromatase inhibitor is gated by inflammation
    chart.lab("hs_crp", 0.5, "mg/dL")
    chart.lab("zinc", 8, "umol/L")
    result = chart.evaluate()
    noted = [
        text
        for finding in (*result.findings, *result.checks)
        for text in (finding.clinician_text, *finding.trace.notes)
        if "hs-CRP 0.5 mg/dL" in text
    ]
    assert any("hs-CRP 0.5 mg/dL (5.0 mg/L) on " in text for text in noted), noted  # the gate
    assert all("hs-CRP 0.5 mg/dL (5.0 mg/L" in text for text in noted), noted
