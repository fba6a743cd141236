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
    reads = _analytes_read(service.knowledge)
    ended = 0
    for patient_id, analytes in changed.items():
        analytes = set(analytes)
        for record in active[patient_id]:
            if analytes & reads.get(record.rule_id, frozenset()):
                repo.revoke(record.id)
                service.session.record(
                    "unsuppress",
                    "findings",
                    patient_id,
                    detail=f"{record.rule_id}: shown again after {why}",
                )
                ended += 1
    return ended


_READS: dict[int, tuple[object, dict[str, frozenset[str]]]] = {}


def _analytes_read(kb) -> dict[str, frozenset[str]]:  # noqa: ANN001 - a KnowledgeBase
    """Rule id -> the analytes its findings rest on (inputs, their sources, the marker)."""
    cached = _READS.get(id(kb))
    if cached is None or cached[0] is not kb:  # the KB object is kept, so its id stays its
        cached = _READS[id(kb)] = (kb, _work_out_reads(kb))
    return cached[1]


def _work_out_reads(kb) -> dict[str, frozenset[str]]:  # noqa: ANN001 - a KnowledgeBase
    from app.core.evaluation import rules_for

    pack = rules_for(kb)
    monitored = frozenset(
        analyte
        for protocol in kb.protocols.values()
        for item in protocol.monitoring
        for analyte in item.analytes
    )
    reads: dict[str, frozenset[str]] = {}
    for rule in pack.rules:
        keys = {spec.analyte for spec in rule.inputs.values()} | {rule.marker}
        for key in list(keys):
            definition = kb.derived.definitions.get(key)
            if definition is not None:
                keys |= {item.analyte for item in definition.inputs}
        if rule.kind == "monitoring":
            keys |= monitored
        reads[rule.id] = frozenset(k for k in keys if k in kb.analytes)
    return reads
