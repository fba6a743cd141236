"""Golden cases for every rule: it fires, it does not fire, and it says when it cannot tell."""

from __future__ import annotations

import re

import pytest
from eval_cases_bone import CASES as BONE
from eval_cases_nutrients import CASES as NUTRIENTS
from eval_cases_nutrients_more import CASES as NUTRIENTS_MORE
from eval_cases_patterns import CASES as PATTERNS
from eval_cases_stack import CASES as STACK
from eval_chart import UNKNOWN_STATUSES, Case

from app.core.evaluation import SEVERITIES, STATUSES, rules_for

CASES: list[Case] = [*NUTRIENTS, *NUTRIENTS_MORE, *PATTERNS, *STACK, *BONE]
NOT_FIRING = ("check", "silent", "not_applicable", "none")


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_golden_case(kb, case: Case):
    found, result = case.run(kb)
    if case.fires:
        assert found.kind == "finding", f"expected a finding, got {found.kind} {found.reason}"
        finding = found.finding
        if case.status is not None:
            assert finding.status == case.status
        if case.expect == "unknown":
            assert finding.status in UNKNOWN_STATUSES
        assert finding.status in STATUSES
        assert finding.severity in SEVERITIES
        if case.severity is not None:
            assert finding.severity == case.severity
        if case.text is not None:
            assert case.text in finding.clinician_text, finding.clinician_text
        assert finding.clinician_text and finding.patient_text and finding.next_step
        assert finding.trace.rule_id == case.rule
        assert finding.trace.kb_version == kb.version
    else:
        assert found.kind == case.expect, (
            f"expected {case.expect}, got {found.kind}: {found.finding}"
        )
        if case.status is not None and found.kind == "check":
            assert found.finding.status == case.status
        if case.expect == "none":
            assert all(f.rule_id != case.rule for f in result.findings)


def test_every_rule_has_golden_cases(kb):
    """Each rule needs a firing case, a non-firing case and a cannot-tell case."""
    by_rule: dict[str, list[Case]] = {}
    for case in CASES:
        by_rule.setdefault(case.rule, []).append(case)
    missing = []
    for rule in rules_for(kb).rules:
        cases = by_rule.get(rule.id, [])
        if not any(c.fires for c in cases):
            missing.append(f"{rule.id}: no case where it fires")
        if not any(c.expect in NOT_FIRING for c in cases):
            missing.append(f"{rule.id}: no case where it does not fire")
        if not any(c.fires and c.status in UNKNOWN_STATUSES for c in cases):
            missing.append(f"{rule.id}: no not_measured/stale/indeterminate case")
    unknown = sorted(set(by_rule) - {rule.id for rule in rules_for(kb).rules})
    assert not missing, "\n".join(missing)
    assert not unknown, f"cases for rules that do not exist: {unknown}"


def test_case_names_are_unique():
    ids = [case.id for case in CASES]
    assert len(ids) == len(set(ids))


_DOSE = re.compile(r"\d+(?:[.,]\d+)?\s*(?:mg|mcg|µg|ug|g|iu|units?)\b", re.IGNORECASE)


@pytest.mark.parametrize("case", [c for c in CASES if c.fires], ids=lambda c: c.id)
def test_no_dose_instruction_in_next_step(kb, case: Case):
    found, _ = case.run(kb)
    assert not _DOSE.search(found.finding.next_step), found.finding.next_step
