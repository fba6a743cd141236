"""A suppressed finding shows again when a result it reads changes.

A clinician suppresses a finding about the results in front of them ("discussed; the
patient takes D3"). A new result for what the rule reads (entered, imported,
corrected, excluded or counted again) is new evidence, and a much worse value must
not stay hidden behind the old reason: the suppression ends, and the audit trail
says why. Rules that read no results (supplement upper limits) keep theirs.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from app.store.suppressions import SuppressionRepository


def end_for_new_results(service, changed: Mapping[int, Iterable[str]], why: str) -> int:
    """Revoke the active suppressions of rules that read an analyte changed for a patient.

    Call inside the transaction that writes the results, so both commit or neither.
    ``changed`` maps a patient id to the analyte keys whose results changed; ``why``
    ends the audit detail ("a new zinc result"). Returns how many ended.
    """
    repo = SuppressionRepository(service.database)
    active = {pid: repo.active_for(pid) for pid in changed}
    if not any(active.values()):
        return 0
    # The engine loads on first use, not when the app starts (this module is imported then).
    from app.core.evaluation import rules_for
    from app.core.evaluation.reading import analytes_read

    kb = service.knowledge
    rules = {rule.id: rule for rule in rules_for(kb).rules}  # the pack is cached per KB
    ended = 0
    for patient_id, analytes in changed.items():
        analytes = set(analytes)
        for record in active[patient_id]:
            rule = rules.get(record.rule_id)
            if rule is not None and analytes & analytes_read(kb, rule):
                repo.revoke(record.id)
                service.session.record(
                    "unsuppress",
                    "findings",
                    patient_id,
                    detail=f"{record.rule_id}: shown again after {why}",
                )
                ended += 1
    return ended
