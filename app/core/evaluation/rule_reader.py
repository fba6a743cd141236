"""Validation of one ``[[rules]]`` table of rules.toml.

``RuleReader.rule`` checks every field (names, types, vocabulary, keys into the
knowledge base, citations, grades, text placeholders, no dose in ``next_step``)
and compiles the condition; problems read ``rules.toml: rule_id: problem``.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import re
from types import MappingProxyType
from typing import Any

from app.core.evaluation.conditions import ROLE_NAMES, ConditionParser
from app.core.evaluation.findings import EVIDENCE_GRADES, SEVERITIES, STATUSES
from app.core.evaluation.monitoring import PARAMS as MONITORING_PARAMS
from app.core.evaluation.next_steps import known_list, parse_next_steps
from app.core.evaluation.nodes_regimen import regimen_leaves
from app.core.evaluation.rule_sections import SectionReader
from app.core.evaluation.rules_model import (
    GATE_MASKS,
    RULE_KINDS,
    WHEN_MISSING,
    Applicability,
    DraftTarget,
    Escalation,
    Gate,
    GateUse,
    Rule,
    SexText,
    TimingAdjust,
)
from app.core.evaluation.texts import INPUT_FIELDS, placeholders
from app.core.evaluation.timing import PHASES

_ID = re.compile(r"^[a-z][a-z0-9_]*$")
# A dose instruction: a number followed by a dose unit. next_step never carries one.
DOSE_PATTERN = re.compile(r"\d+(?:[.,]\d+)?\s*(?:mg|mcg|µg|ug|g|iu|IU|units?)\b", re.IGNORECASE)
_RULE_FIELDS = {
    "id", "version", "kind", "title", "marker", "applies_to", "inputs", "condition",
    "status", "status_from", "severity", "severity_by_status", "severity_unknown",
    "when_missing", "requires", "optional_inputs", "escalate", "gate", "timing",
    "clinician_text", "patient_text", "next_step", "rationale", "patient_rationale",
    "evidence_grade", "citations", "params", "by_sex", "next_steps", "draft_target",
}  # fmt: skip
_TEXT_FIELDS = ("clinician_text", "patient_text", "next_step", "rationale", "patient_rationale")
_KIND_NAMES = {
    # {met}: the results meeting the rule's own cut-offs (build.met_text).
    "condition": {"components", "marker", "met"},
    "upper_limit": {"nutrient", "daily", "limit", "items", "components", "marker", "source"},
    "monitoring": {
        "analyte",
        "protocol",
        "since",
        "weeks",
        "months",
        "components",
        "marker",
        "gap",
    },
}


def _silent_without_results(condition: Any, when_missing: Any) -> bool:
    """True when, with no result for any input, no regimen state can make it fire."""
    if condition is None or when_missing != "silent" or not condition.input_names():
        return False
    leaves = regimen_leaves(condition)
    for assignment in itertools.product((False, True), repeat=len(leaves)):
        regimen = {id(leaf): value for leaf, value in zip(leaves, assignment, strict=True)}
        if condition.could_hold_without_results(regimen) is True:
            return False
    return True


def fingerprint_of(raw: Any) -> str:
    """A stable hash of a rule's whole definition (id and version included)."""
    text = json.dumps(raw, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


class RuleReader(SectionReader):
    """Validation and compilation of single rules."""

    def rule(self, raw: Any, index: int, gates: dict[str, Gate]) -> Rule | None:
        if not isinstance(raw, dict):
            self.problems.add(f"rules[{index}]", "must be a table")
            return None
        rule_id = raw.get("id")
        if not isinstance(rule_id, str) or not _ID.match(rule_id):
            self.problems.add(f"rules[{index}]", "id must be lower_snake_case text")
            rule_id = f"rules[{index}]"
        add = lambda message: self.problems.add(rule_id, message)  # noqa: E731
        for name in sorted(set(raw) - _RULE_FIELDS):
            add(f"unknown field {name!r}")
        version = raw.get("version")
        if not isinstance(version, int) or isinstance(version, bool) or version < 1:
            add("version must be a whole number of at least 1")
            version = 0
        kind = raw.get("kind", "condition")
        if kind not in RULE_KINDS:
            add(f"kind must be one of {list(RULE_KINDS)}")
        marker = raw.get("marker", "")
        if kind == "monitoring":
            # Each finding is about the test its gap names (and cites that schedule item).
            if marker:
                add("a monitoring rule takes no marker: each finding's is the gap's test")
        elif marker not in self.kb.nutrients and marker not in self.kb.analytes:
            add(f"marker {marker!r} is neither a KB nutrient nor a KB analyte")
        inputs = {
            name: self.input_spec(rule_id, name, spec)
            for name, spec in dict(raw.get("inputs", {})).items()
        }
        condition = None
        if kind == "condition":
            parser = ConditionParser(rule_id, inputs, self.kb, self.problems, STATUSES)
            condition = parser.parse(raw.get("condition"))
            used = condition.input_names() | {
                raw.get("status_from"),
                raw.get("timing", {}).get("input"),
            }
            unused = set(inputs) - used
            for name in sorted(unused):
                if not inputs[name].trace_only:
                    add(f"input {name!r} is not used by the condition (mark it trace_only)")
        elif "condition" in raw:
            add(f"a {kind!r} rule has no condition")
        status, status_from = self._status(raw, inputs, add)
        grade = raw.get("evidence_grade")
        if grade not in EVIDENCE_GRADES:
            add(f"evidence_grade must be one of {list(EVIDENCE_GRADES)}")
        citations = raw.get("citations")
        by_sex_raw = raw.get("by_sex", {})
        # Sources by sex may stand in for the rule's own when both sexes have some.
        sexed = isinstance(by_sex_raw, dict) and all(
            isinstance(by_sex_raw.get(sex), dict) and by_sex_raw[sex].get("citations")
            for sex in ("male", "female")
        )
        if kind == "monitoring" and isinstance(citations, list) and citations:
            # A schedule item's own source (else its protocol's) cites each finding.
            add("a monitoring rule takes no citations: each finding cites its schedule item")
        elif kind == "monitoring" and citations is None:
            citations = []
        elif not isinstance(citations, list) or not (citations or sexed):
            add("needs at least one citation (or citations for each sex in by_sex)")
            citations = []
        for key in citations:
            if key not in self.kb.citations:
                add(f"unknown citation {key!r} (not in kb.citations)")
        requires = tuple(raw.get("requires", ()))
        optional = tuple(raw.get("optional_inputs", ()))
        for name in requires + optional:
            if name not in inputs:
                add(f"requires/optional_inputs names undeclared input {name!r}")
        escalate = self._escalations(rule_id, raw.get("escalate", []), inputs)
        when_missing = raw.get("when_missing", "report")
        if when_missing not in WHEN_MISSING:
            add(f"when_missing must be one of {list(WHEN_MISSING)}")
        texts = {name: raw.get(name, "") for name in _TEXT_FIELDS}
        self._texts(texts, inputs, kind, add)
        timing_input, timing = self._timing(raw.get("timing"), inputs, add)
        by_sex = self._by_sex(raw.get("by_sex", {}), inputs, kind, add)
        next_steps = parse_next_steps(
            raw.get("next_steps", []), self.kb.citations, DOSE_PATTERN, add
        )
        if next_steps and kind != "condition":
            add("next_steps is read by condition rules only")
        read = condition.input_names() if condition is not None else set()
        if kind == "monitoring":
            self._monitoring_params(raw.get("params", {}), add)
        return Rule(
            id=rule_id,
            version=int(version),
            kind=str(kind),
            title=self._text(raw, "title", add),
            marker=str(marker),
            applies_to=self._applies(raw.get("applies_to"), add),
            inputs=MappingProxyType(inputs),
            condition=condition,
            status=status,
            status_from=status_from,
            severity=self._severity(raw.get("severity"), "severity", add),
            severity_by_status=MappingProxyType(self._by_status(raw, add)),
            severity_unknown=self._severity(
                raw.get("severity_unknown", "info"), "severity_unknown", add
            ),
            when_missing=str(when_missing),
            requires=requires,
            optional_inputs=optional,
            escalate=escalate,
            gate=self._gate_use(raw.get("gate"), gates, add),
            timing_input=timing_input,
            timing=MappingProxyType(timing),
            evidence_grade=str(grade),
            citations=tuple(citations),
            fingerprint=fingerprint_of(raw),
            by_sex=MappingProxyType(by_sex),
            next_steps=next_steps,
            draft_target=self._draft_target(raw.get("draft_target"), inputs, add),
            params=MappingProxyType(dict(raw.get("params", {}))),
            condition_text=condition.describe() if condition is not None else str(kind),
            silent_without_results=_silent_without_results(condition, when_missing),
            result_analytes=tuple(sorted({inputs[n].analyte for n in read if n in inputs})),
            condition_inputs=tuple(n for n in inputs if n in read),
            # Whitespace folded once here, so findings never carry TOML line breaks.
            **{name: " ".join(str(texts[name]).split()) for name in _TEXT_FIELDS},
        )

    def _draft_target(self, raw: Any, inputs: dict, add: Any) -> DraftTarget | None:
        """``draft_target = { severity, evidence_grade, note }``: validated. Only an input
        judged against a protocol target (``target = ...``) can meet a draft target."""
        if raw is None:
            return None
        if not isinstance(raw, dict) or set(raw) != {"severity", "evidence_grade", "note"}:
            add("draft_target needs exactly 'severity', 'evidence_grade' and 'note'")
            return None
        if not any(spec.target for spec in inputs.values()):
            add("draft_target needs an input with a protocol target (target = ...)")
        grade = raw["evidence_grade"]
        if grade not in EVIDENCE_GRADES or grade == "guideline":
            add("draft_target.evidence_grade must be a grade other than 'guideline'")
        note = " ".join(str(raw["note"]).split())
        if not note:
            add("draft_target.note is required text")
        for base, field in placeholders(note):
            if not (base in inputs and (field is None or field in INPUT_FIELDS)):
                add(f"draft_target.note: unknown placeholder {{{base}}}")
        severity = self._severity(raw["severity"], "draft_target.severity", add)
        return DraftTarget(severity, str(grade), note)

    def _monitoring_params(self, params: Any, add: Any) -> None:
        for name in MONITORING_PARAMS:
            value = params.get(name) if isinstance(params, dict) else None
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                add(f"params.{name} must be a whole number of days")
        own = params.get("no_baseline") if isinstance(params, dict) else None
        if not isinstance(own, dict) or set(own) != {"severity", "patient_text", "next_step"}:
            add("params.no_baseline needs exactly 'severity', 'patient_text' and 'next_step'")
        else:
            self._severity(own["severity"], "params.no_baseline.severity", add)
            for name in ("patient_text", "next_step"):
                if not isinstance(own[name], str) or not own[name].strip():
                    add(f"params.no_baseline.{name} is required text")
            if placeholders(str(own["next_step"])) or DOSE_PATTERN.search(str(own["next_step"])):
                add("params.no_baseline.next_step takes no placeholders and no dose")
            for base, field in placeholders(str(own["patient_text"])):
                if base not in _KIND_NAMES["monitoring"] or field is not None:
                    add(f"params.no_baseline.patient_text: unknown placeholder {{{base}}}")
        overrides = params.get("severity_overrides", {}) if isinstance(params, dict) else {}
        for analyte, severity in overrides.items():
            if analyte not in self.kb.analytes:
                add(f"params.severity_overrides: unknown analyte {analyte!r}")
            self._severity(severity, f"params.severity_overrides.{analyte}", add)

    def _escalations(self, rule_id: str, raw: Any, inputs: dict) -> tuple[Escalation, ...]:
        if not isinstance(raw, list):
            self.problems.add(rule_id, "escalate must be a list of tables")
            return ()
        found = []
        parser = ConditionParser(rule_id, inputs, self.kb, self.problems, STATUSES)
        for n, entry in enumerate(raw):
            where = f"escalate[{n}]"
            if not isinstance(entry, dict) or set(entry) - {
                "when",
                "severity",
                "note",
                "patient_text",
            }:
                self.problems.add(
                    rule_id, f"{where}: needs only 'when', 'severity', 'note', 'patient_text'"
                )
                continue
            severity = self._severity(
                entry.get("severity"), f"{where}.severity", lambda m: self.problems.add(rule_id, m)
            )
            condition = parser.parse(entry.get("when"), f"{where}.when")
            patient = str(entry.get("patient_text", ""))
            for key in ("note", "patient_text"):
                for base, field in placeholders(str(entry.get(key, ""))):
                    if base in inputs and (field is None or field in INPUT_FIELDS):
                        continue
                    if base in _KIND_NAMES["condition"] and field is None:
                        continue
                    named = f"{base}{'.' + field if field else ''}"
                    self.problems.add(rule_id, f"{where}.{key}: unknown placeholder {{{named}}}")
            found.append(Escalation(condition, severity, str(entry.get("note", "")), patient))
        return tuple(found)

    def _text(self, raw: dict, name: str, add: Any) -> str:
        value = raw.get(name)
        if not isinstance(value, str) or not value.strip():
            add(f"{name} is required text")
            return ""
        return value

    def _status(self, raw: dict, inputs: dict, add: Any) -> tuple[str | None, str | None]:
        status, status_from = raw.get("status"), raw.get("status_from")
        if raw.get("kind", "condition") != "condition":
            return status, status_from
        if (status is None) == (status_from is None):
            add("give exactly one of status or status_from")
        if status is not None and status not in STATUSES:
            add(f"status must be one of {list(STATUSES)}")
        if status_from is not None and status_from not in inputs:
            add(f"status_from names undeclared input {status_from!r}")
        return status, status_from

    def _severity(self, value: Any, name: str, add: Any) -> str:
        if value not in SEVERITIES:
            add(f"{name} must be one of {list(SEVERITIES)}")
            return "info"
        return str(value)

    def _by_status(self, raw: dict, add: Any) -> dict[str, str]:
        table = raw.get("severity_by_status", {})
        for status in table:
            if status not in STATUSES:
                add(f"severity_by_status: unknown status {status!r}")
        return {s: self._severity(v, f"severity_by_status.{s}", add) for s, v in table.items()}

    def _applies(self, raw: Any, add: Any) -> Applicability:
        if not isinstance(raw, dict):
            add("applies_to is required")
            return Applicability()
        allowed = {
            "roles", "substances", "protocols", "any_hormone", "everyone", "sex", "age_min", "age_max"
        }  # fmt: skip
        for key in sorted(set(raw) - allowed):
            add(f"applies_to: unknown field {key!r}")
        roles = tuple(raw.get("roles", ()))
        substances = tuple(raw.get("substances", ()))
        protocols = tuple(raw.get("protocols", ()))
        for role in roles:
            if role not in ROLE_NAMES:
                add(f"applies_to: unknown role {role!r}")
        for key in substances:
            if key not in self.kb.substances:
                add(f"applies_to: unknown substance {key!r}")
        for key in protocols:
            if key not in self.kb.protocols:
                add(f"applies_to: unknown protocol {key!r}")
        any_hormone = bool(raw.get("any_hormone", False))
        everyone = bool(raw.get("everyone", False))
        if not (roles or substances or protocols or any_hormone or everyone):
            add("applies_to needs roles, substances, protocols, any_hormone or everyone")
        sex = tuple(raw.get("sex", ()))
        for value in sex:
            if value not in ("female", "male", "intersex", "unknown"):
                add(f"applies_to: unknown sex {value!r}")
        return Applicability(
            roles,
            substances,
            protocols,
            any_hormone,
            everyone,
            sex,
            raw.get("age_min"),
            raw.get("age_max"),
        )

    def _gate_use(self, raw: Any, gates: dict[str, Gate], add: Any) -> GateUse | None:
        if raw is None:
            return None
        name = raw.get("name") if isinstance(raw, dict) else None
        masks = tuple(raw.get("masks", ())) if isinstance(raw, dict) else ()
        if name not in gates:
            add(f"gate: unknown gate {name!r}")
        if not masks or any(m not in GATE_MASKS for m in masks):
            add(f"gate.masks must list some of {list(GATE_MASKS)}")
        return GateUse(str(name), masks)

    def _timing(self, raw: Any, inputs: dict, add: Any) -> tuple[str | None, dict]:
        if raw is None:
            return None, {}
        name = raw.get("input")
        if name not in inputs:
            add(f"timing.input names undeclared input {name!r}")
        adjust = {}
        for phase, spec in raw.items():
            if phase == "input":
                continue
            if phase not in PHASES:
                add(f"timing: unknown phase {phase!r}")
                continue
            severity = spec.get("severity")
            if severity is not None and severity not in SEVERITIES:
                add(f"timing.{phase}.severity must be one of {list(SEVERITIES)}")
            adjust[phase] = TimingAdjust(severity, str(spec.get("note", "")))
        return name, adjust

    def _by_sex(self, raw: Any, inputs: dict, kind: str, add: Any) -> dict[str, SexText]:
        """``by_sex = { male = { note = "...", citations = [...] } }``: validated."""
        if not isinstance(raw, dict):
            add("by_sex must be a table keyed by sex")
            return {}
        found = {}
        for sex, entry in raw.items():
            where = f"by_sex.{sex}"
            if sex not in ("male", "female"):
                add(f"{where}: sex must be 'male' or 'female'")
                continue
            if not isinstance(entry, dict) or set(entry) - {"note", "citations"}:
                add(f"{where}: needs only 'note' and 'citations'")
                continue
            note = " ".join(str(entry.get("note", "")).split())
            citations = known_list(
                entry.get("citations", []), self.kb.citations, f"{where}.citations",
                "citation", add, "kb.citations",
            )  # fmt: skip
            allowed = _KIND_NAMES.get(kind, {"components", "marker"})
            for base, field in placeholders(note):
                known = base in inputs and (field is None or field in INPUT_FIELDS)
                if not (known or base in allowed and field is None):
                    add(
                        f"{where}.note: unknown placeholder {{{base}{'.' + field if field else ''}}}"
                    )
            found[sex] = SexText(note, tuple(citations))
        return found

    def _texts(self, texts: dict, inputs: dict, kind: str, add: Any) -> None:
        for name in _TEXT_FIELDS:
            if not str(texts.get(name, "")).strip():
                add(f"{name} is required text")
        if DOSE_PATTERN.search(str(texts.get("next_step", ""))):
            add("next_step must not contain a dose")
        allowed = _KIND_NAMES.get(kind, {"components", "marker"})
        for name, text in texts.items():
            for base, field in placeholders(str(text)):
                if name == "next_step":
                    add("next_step takes no placeholders")
                elif (
                    base in inputs
                    and (field is None or field in INPUT_FIELDS)
                    or base in allowed
                    and field is None
                ):
                    continue
                else:
                    add(f"{name}: unknown placeholder {{{base}{'.' + field if field else ''}}}")
