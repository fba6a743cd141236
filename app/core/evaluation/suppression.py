"""Per-patient suppression of findings, re-surfacing when the rule changes.

A suppression names a rule and the fingerprint of the finding it hid. The
fingerprint hashes the rule id, version and whole definition (plus the subject
for many-subject rules), so a new rule version or an edited definition no longer
matches and the finding shows again. Suppressed findings are still returned,
marked with who hid them, why and when, so the UI can show them on request.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime

from app.core.evaluation.findings import Finding, Suppression


def matches(suppression: Suppression, finding: Finding) -> bool:
    """True when the suppression was made for this rule at this fingerprint."""
    return suppression.rule_id == finding.rule_id and suppression.fingerprint == finding.fingerprint


def apply_suppressions(
    findings: Iterable[Finding], suppressions: Iterable[Suppression]
) -> tuple[Finding, ...]:
    """Mark findings hidden by a matching suppression (the latest one wins)."""
    by_key: dict[tuple[str, str], Suppression] = {}
    for suppression in sorted(suppressions, key=lambda s: s.at):
        by_key[(suppression.rule_id, suppression.fingerprint)] = suppression
    marked = []
    for finding in findings:
        hit = by_key.get((finding.rule_id, finding.fingerprint))
        marked.append(replace(finding, suppressed=hit) if hit is not None else finding)
    return tuple(marked)


def suppression_for(finding: Finding, reason: str, user: str, at: datetime) -> Suppression:
    """A suppression that hides ``finding`` until its rule changes."""
    return Suppression(finding.rule_id, finding.fingerprint, reason, user, at)
