"""Load and validate rules.toml against a knowledge base.

Every problem in the file is collected and raised once as ``RuleError`` with
lines reading ``rules.toml: rule_id: problem``. Validation covers field names
and types, the condition vocabulary, analyte/nutrient/substance/role keys,
units of numeric cut-offs, citations (which must exist in ``kb.citations``),
evidence grades, text placeholders, and the no-dose rule for ``next_step``.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import replace
from pathlib import Path
from types import MappingProxyType
from typing import Any

from app.core.evaluation.errors import RuleProblems
from app.core.evaluation.rule_reader import DOSE_PATTERN, RuleReader, fingerprint_of
from app.core.evaluation.rules_model import Rule, RulePack
from app.core.evaluation.texts import render
from app.core.knowledge import KnowledgeBase
from app.core.knowledge.loader import default_knowledge_dir

__all__ = ["DOSE_PATTERN", "compile_rules", "default_rules_path", "fingerprint_of", "load_rules"]


def _checked_text(template: str, rule: Rule) -> str:
    """The fixed text of a check that did not fire (nothing patient-specific in it)."""
    values = {"title": rule.title, "condition": rule.describe(), "marker": rule.marker}
    return render(template, lambda name, _field: values.get(name, ""))


def default_rules_path() -> Path:
    """The bundled rules file, ``resources/knowledge/rules.toml``."""
    return default_knowledge_dir() / "rules.toml"


def load_rules(kb: KnowledgeBase, path: str | Path | None = None) -> RulePack:
    """Read, validate and compile rules.toml.

    Args:
        kb: The knowledge base the rules refer to.
        path: The rules file; defaults to ``resources/knowledge/rules.toml``.

    Raises:
        RuleError: Listing every problem found.
    """
    file = Path(path) if path is not None else default_rules_path()
    problems = RuleProblems(file.name)
    try:
        with file.open("rb") as handle:
            data = tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError) as error:
        problems.add("-", f"cannot read: {error}")
        problems.raise_if_any()
    return compile_rules(data, kb, problems)


def compile_rules(data: dict[str, Any], kb: KnowledgeBase, problems: RuleProblems) -> RulePack:
    """Compile already-parsed TOML data (used by ``load_rules`` and by tests)."""
    reader = RuleReader(kb, problems, data.get("defaults", {}))
    known = {"version", "title", "defaults", "timing", "gates", "messages", "status_map", "rules"}
    extra = sorted(set(data) - known)
    if extra:
        problems.add("-", f"unknown top-level keys {extra}")
    version = data.get("version")
    if not isinstance(version, str) or not re.match(r"^\d{4}\.\d{1,2}\.\d+$", version):
        problems.add("-", "version must be a string like 2026.11.1")
    timing = reader.timing(data.get("timing", {}))
    gates = {name: reader.gate(name, raw) for name, raw in dict(data.get("gates", {})).items()}
    messages = reader.messages(data.get("messages", {}))
    status_map = reader.status_map(data.get("status_map", {}))
    rules = []
    seen: set[str] = set()
    for index, raw in enumerate(data.get("rules", [])):
        rule = reader.rule(raw, index, gates)
        if rule is None:
            continue
        if rule.id in seen:
            problems.add(rule.id, "duplicate rule id")
        seen.add(rule.id)
        rules.append(replace(rule, checked_text=_checked_text(messages.get("checked", ""), rule)))
    if not rules:
        problems.add("-", "no rules")
    problems.raise_if_any()
    derived_windows = [
        spec.freshness_days
        for rule in rules
        for spec in rule.inputs.values()
        if kb.analytes[spec.analyte].kind == "derived"
    ]
    return RulePack(
        version=str(version),
        rules=tuple(rules),
        gates=MappingProxyType(gates),
        timing=timing,
        messages=MappingProxyType(messages),
        status_map=MappingProxyType(status_map),
        kb_version=kb.version,
        derive_window_days=max(derived_windows, default=365),
    )
