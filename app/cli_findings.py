"""``cofactor evaluate``, ``cofactor worklist`` and ``cofactor kb check``."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import date, datetime
from pathlib import Path

from app.cli import UserError
from app.core.citation_text import FindingSources
from app.core.evaluation.findings import severity_rank
from app.services.findings import FindingsService


def _json_default(value):
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, tuple | set | frozenset):
        return list(value)
    return str(value)


def run_evaluate(service, args) -> int:
    patient = service.find_patient(args.patient)
    if patient is None:
        raise UserError(f"No patient with MRN {args.patient}.")
    service.open_chart(patient.id)  # audited as a chart read, as opening it in the window is
    as_of = args.as_of or service.today()
    evaluation = FindingsService(service).evaluate(patient.id, as_of)
    if args.json:
        payload = {
            "patient": {"mrn": patient.mrn, "id": patient.id},
            "as_of": as_of.isoformat(),
            "kb_version": evaluation.kb_version,
            "rules_version": evaluation.rules_version,
            "protocols": list(evaluation.protocols),
            "findings": [asdict(f) for f in evaluation.findings],
        }
        print(json.dumps(payload, indent=2, default=_json_default))
        return 0
    print(
        f"{patient.display_name} (MRN {patient.mrn}) as of {as_of.isoformat()} — "
        f"knowledge base {evaluation.kb_version}, rules {evaluation.rules_version}"
    )
    protocols = ", ".join(evaluation.protocols) or "no protocol detected"
    print(f"Protocols: {protocols}")
    if not evaluation.findings:
        print("No findings.")
    for finding in evaluation.findings:
        hidden = f" [suppressed: {finding.suppressed.reason}]" if finding.suppressed else ""
        print(
            f"\n[{finding.severity}] {finding.title} — {finding.status}"
            f" ({finding.evidence_grade}){hidden}"
        )
        print(f"  {finding.clinician_text}")
        print(f"  Next: {finding.next_step}")
        for value in finding.trace.values:
            if value.collected_at is not None and value.value is not None:
                label = service.analyte_label(value.analyte) if value.analyte else value.name
                print(f"  used: {label} {service.trace_value_text(value)}")
        sources = FindingSources(
            finding.citations, finding.trace.ranges, service.knowledge.citations
        )
        print(f"  rule {finding.rule_id} v{finding.rule_version}; sources:")
        for source in sources.entries:
            print(f"    {source.number}. {source.text}" + (f" {source.url}" if source.url else ""))
    return 0


def run_worklist(service, args) -> int:
    findings = FindingsService(service)
    unknown = sorted(set(args.rule) - {rule.id for rule in findings.rules.rules})
    if unknown:
        raise UserError(
            f"Unknown rule(s): {', '.join(unknown)}. `cofactor kb rules` lists the rule ids."
        )
    rows = findings.worklist(args.rule, as_of=args.as_of, statuses=args.status or None)
    # The most pressing first, as a clinician works down the list; then by patient.
    rows = sorted(rows, key=lambda r: (-severity_rank(r.severity), r.name.casefold(), r.mrn))
    hidden = findings.suppressed_left_out
    left_out = f" ({hidden} suppressed by a clinician not listed)" if hidden else ""
    if args.csv:
        findings.export_worklist(rows, Path(args.csv))
        print(f"{len(rows)} patient finding(s) written to {args.csv}{left_out}.")
        return 0
    for row in rows:
        print(f"{row.mrn:<14} {row.name:<28} {row.status:<14} {row.title}  {row.latest}")
    print(f"{len(rows)} patient finding(s){left_out}")
    return 0


def run_kb_rules() -> int:
    """Every rule with its id, severity, evidence grade and title."""
    from app.core.evaluation import load_rules
    from app.core.knowledge import load_knowledge

    rules = load_rules(load_knowledge())
    for rule in sorted(rules.rules, key=lambda r: r.id):
        print(f"{rule.id:<44} {rule.severity:<9} {rule.evidence_grade:<17} {rule.title}")
    print(f"{len(rules.rules)} rules (rules {rules.version})")
    return 0


def run_kb_analytes() -> int:
    """Every analyte: the key ``import --map`` takes, its name, unit and LOINC codes."""
    from app.core.knowledge import load_knowledge

    kb = load_knowledge()
    for analyte in sorted(kb.analytes.values(), key=lambda a: a.key):
        codes = ", ".join(analyte.loinc)
        print(f"{analyte.key:<32} {analyte.name:<48} {analyte.canonical_unit:<16} {codes}")
    print(f"{len(kb.analytes)} analytes (knowledge base {kb.version})")
    return 0


def run_kb_check(args) -> int:
    from app.core.evaluation import RuleError, load_rules
    from app.core.knowledge import KnowledgeError, load_knowledge

    try:
        kb = load_knowledge(Path(args.path) if args.path else None, cache=False)
        rules = load_rules(kb, Path(args.path) / "rules.toml" if args.path else None)
    except (KnowledgeError, RuleError) as exc:
        problems = getattr(exc, "problems", None) or [str(exc)]
        for line in problems:
            print(line)
        raise UserError(f"the knowledge base has {len(problems)} problem(s).") from exc
    drafts = kb.drafts()
    print(
        f"Knowledge base {kb.version}: {len(kb.analytes)} analytes, {len(kb.nutrients)} "
        f"nutrients, {len(kb.substances)} substances, {len(kb.protocols)} protocols, "
        f"{len(kb.citations)} citations; rules {rules.version}: {len(rules.rules)} rules."
    )
    print(f"{len(drafts)} draft item(s) still need a primary source:")
    for file, key, note in drafts:
        print(f"  {file}: {key}: {note}")
    return 0
