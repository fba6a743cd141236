"""Validation of the shared sections of rules.toml: timing, gates, messages, status map.

``SectionReader`` also reads rule inputs, which gates share with rules. Problems
are recorded as ``rules.toml: section: problem`` and never raised here.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Any

from app.core.evaluation.conditions import ROLE_NAMES, ConditionParser
from app.core.evaluation.errors import RuleProblems
from app.core.evaluation.findings import STATUSES
from app.core.evaluation.rules_model import Gate, InputSpec, TimingConfig
from app.core.evaluation.texts import placeholders
from app.core.knowledge import KnowledgeBase

MESSAGE_KEYS = (
    "not_measured",
    "stale",
    "indeterminate",
    "checked",
    "patient_not_measured",
    "patient_stale",
    "patient_indeterminate",
    "next_step_not_measured",
    "next_step_stale",
    "next_step_indeterminate",
    "next_step_dose_unit",
)
MESSAGE_NAMES = (
    "title", "marker", "detail", "tests", "rationale", "patient_rationale", "condition", "components"
)  # fmt: skip

# A gate's three notes (active, clear, cannot judge) and the placeholders each takes.
_GATE_NOTES = {
    "note": ("value",),
    "clear_note": ("value", "limit"),
    "unknown_note": ("value", "days"),
}


class SectionReader:
    """Field-by-field validation of the shared sections of rules.toml."""

    def __init__(self, kb: KnowledgeBase, problems: RuleProblems, defaults: Any) -> None:
        self.kb = kb
        self.problems = problems
        fresh = defaults.get("freshness_days", 365) if isinstance(defaults, dict) else 365
        self.default_freshness = fresh if isinstance(fresh, int) and fresh > 0 else 365
        # Equal input specs of different rules become one object, so the per-patient
        # caches keyed by a spec's id (resolved inputs, band judgements) serve them all.
        self._specs: dict[InputSpec, InputSpec] = {}

    # -- shared sections -------------------------------------------------------------

    def timing(self, raw: Any) -> TimingConfig:
        where = "timing"
        fraction = raw.get("trough_fraction") if isinstance(raw, dict) else None
        if not isinstance(fraction, int | float) or not 0 < fraction < 1:
            self.problems.add(where, "trough_fraction must be a number between 0 and 1")
            fraction = 0.15
        mid = raw.get("mid_from_fraction") if isinstance(raw, dict) else None
        if not isinstance(mid, int | float) or not 0 < mid < 1 - fraction:
            self.problems.add(
                where, "mid_from_fraction must be a number between 0 and the trough start"
            )
            mid = 0.4
        mid_to = raw.get("mid_to_fraction") if isinstance(raw, dict) else None
        if not isinstance(mid_to, int | float) or not mid < mid_to <= 1 - fraction:
            self.problems.add(
                where,
                "mid_to_fraction must be a number above mid_from_fraction, at most the "
                "trough start",
            )
            mid_to = 1 - fraction
        analytes: dict[str, tuple[str, ...]] = {}
        for analyte, roles in dict(
            raw.get("analytes", {}) if isinstance(raw, dict) else {}
        ).items():
            if analyte not in self.kb.analytes:
                self.problems.add(where, f"analytes: unknown analyte {analyte!r}")
            bad = [r for r in roles if r not in ROLE_NAMES]
            if bad:
                self.problems.add(where, f"analytes.{analyte}: unknown roles {bad}")
            analytes[analyte] = tuple(roles)
        source = raw.get("source", "") if isinstance(raw, dict) else ""
        return TimingConfig(
            float(fraction), float(mid), str(source), MappingProxyType(analytes), float(mid_to)
        )

    def gate(self, name: str, raw: Any) -> Gate:
        where = f"gates.{name}"
        if not isinstance(raw, dict):
            self.problems.add(where, "must be a table")
            raw = {}
        spec = self.input_spec(where, "value", raw.get("input", {}))
        parser = ConditionParser(where, {"value": spec}, self.kb, self.problems, STATUSES)
        condition = parser.parse(raw.get("condition"), "condition")
        citation = raw.get("citation", "")
        if citation not in self.kb.citations:
            self.problems.add(where, f"unknown citation {citation!r}")
        notes = {}
        for key, allowed in _GATE_NOTES.items():
            notes[key] = " ".join(str(raw.get(key, "")).split())
            if not notes[key]:
                self.problems.add(where, f"{key} is required text")
            for base, _field in placeholders(notes[key]):
                if base not in allowed:
                    self.problems.add(where, f"{key}: unknown placeholder {{{base}}}")
        return Gate(
            name,
            spec,
            condition,
            str(citation),
            notes["note"],
            notes["clear_note"],
            notes["unknown_note"],
        )

    def messages(self, raw: Any) -> dict[str, str]:
        found = (
            {key: str(raw.get(key, "")) for key in MESSAGE_KEYS} if isinstance(raw, dict) else {}
        )
        for key in MESSAGE_KEYS:
            if not found.get(key):
                self.problems.add("messages", f"missing template {key!r}")
            for base, field in placeholders(found.get(key, "")):
                if base not in MESSAGE_NAMES or field is not None:
                    self.problems.add("messages", f"{key}: unknown placeholder {{{base}}}")
        return found

    def status_map(self, raw: Any) -> dict[str, str]:
        """KB band words -> finding statuses; every KB status word must be mapped."""
        table = raw if isinstance(raw, dict) else {}
        allowed = ("deficient", "insufficient", "adequate", "high")
        for word in self.kb.statuses:
            if word not in table:
                self.problems.add("status_map", f"KB status {word!r} is not mapped")
        for word, status in table.items():
            if word not in self.kb.statuses:
                self.problems.add("status_map", f"{word!r} is not a KB status")
            if status not in allowed:
                self.problems.add(
                    "status_map", f"{word!r} maps to {status!r}, not one of {allowed}"
                )
        return {str(k): str(v) for k, v in table.items()}

    # -- one rule --------------------------------------------------------------------

    def input_spec(self, owner: str, name: str, raw: Any) -> InputSpec:
        add = lambda message: self.problems.add(owner, f"inputs.{name}: {message}")  # noqa: E731
        if not isinstance(raw, dict):
            add("must be a table { analyte = ..., freshness_days = ... }")
            raw = {}
        allowed = {
            "analyte", "freshness_days", "guideline", "threshold_context", "trace_only", "target"
        }  # fmt: skip
        for key in sorted(set(raw) - allowed):
            add(f"unknown field {key!r}")
        analyte = raw.get("analyte", "")
        if analyte not in self.kb.analytes:
            add(f"unknown analyte {analyte!r}")
        fresh = raw.get("freshness_days", self.default_freshness)
        if not isinstance(fresh, int) or isinstance(fresh, bool) or fresh <= 0:
            add("freshness_days must be a positive whole number")
            fresh = self.default_freshness
        guideline = raw.get("guideline")
        known = self.kb.analytes.get(analyte)
        if guideline is not None and known is not None and guideline not in known.guidelines:
            add(f"analyte {analyte!r} has no guideline {guideline!r}")
        target = raw.get("target")
        if target is not None and not any(
            t.analyte == analyte and t.citation == target
            for p in self.kb.protocols.values()
            for t in p.targets
        ):
            add(f"no protocol target for {analyte!r} cites {target!r}")
        spec = InputSpec(
            name=name,
            target=target,
            analyte=str(analyte),
            freshness_days=fresh,
            guideline=guideline,
            threshold_context=raw.get("threshold_context"),
            trace_only=bool(raw.get("trace_only", False)),
        )
        return self._specs.setdefault(spec, spec)
