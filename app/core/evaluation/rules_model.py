"""The compiled form of rules.toml: rules, inputs, gates, timing and messages."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from app.core.evaluation.nodes import Node

RULE_KINDS = ("condition", "upper_limit", "monitoring")
WHEN_MISSING = ("report", "silent")
GATE_MASKS = ("fired", "not_fired")


@dataclass(frozen=True, slots=True)
class InputSpec:
    """One result a rule reads.

    Attributes:
        name: Name used in the condition and texts.
        analyte: KB analyte key (a ``derived`` analyte is computed, not measured).
        freshness_days: Results older than this are ``stale``.
        guideline: Threshold guideline name; None uses the KB default (or the
            evaluation option for this analyte).
        threshold_context: Threshold sampling context; None uses the KB default.
        trace_only: Shown in the trace for context but not judged.
        target: Citation key preferring one of several protocol target bands.
    """

    name: str
    analyte: str
    freshness_days: int
    guideline: str | None = None
    threshold_context: str | None = None
    trace_only: bool = False
    target: str | None = None


@dataclass(frozen=True, slots=True)
class Applicability:
    """Who a rule is for. Any listed role, substance or protocol makes it apply;
    sex and age then narrow it."""

    roles: tuple[str, ...] = ()
    substances: tuple[str, ...] = ()
    protocols: tuple[str, ...] = ()
    any_hormone: bool = False
    everyone: bool = False
    sex: tuple[str, ...] = ()
    age_min: float | None = None
    age_max: float | None = None


@dataclass(frozen=True, slots=True)
class TimingAdjust:
    """How a draw's injection phase changes a finding's severity and text."""

    severity: str | None
    note: str


@dataclass(frozen=True, slots=True)
class DraftTarget:
    """What a rule does when the protocol target it judges by is a KB draft (its
    numbers await a primary source): severity at most ``severity``, the finding's
    evidence graded ``evidence_grade`` (never "guideline"), and ``note`` appended to
    the clinician text."""

    severity: str
    evidence_grade: str
    note: str


@dataclass(frozen=True, slots=True)
class SexText:
    """What a rule adds for patients of one sex: a sentence that holds only for them
    (appended to the clinician text of a fired finding) and the sources it rests on."""

    note: str
    citations: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class NextStep:
    """A next step that replaces the rule's own for the patients it fits
    (``next_steps`` in rules.toml): by sex, by an injectable depot or not, by route."""

    text: str
    citations: tuple[str, ...]
    sex: str | None = None
    depot: bool | None = None
    routes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Escalation:
    """Raise a fired finding's severity when a further condition holds.

    ``note`` is appended to the clinician text; ``patient_text``, when given, replaces
    the rule's patient text (the last holding step that has one wins), e.g. a value
    below the lab's range is worded plainly instead of as "under a stricter cut-off".
    """

    condition: Node
    severity: str
    note: str
    patient_text: str = ""


@dataclass(frozen=True, slots=True)
class GateUse:
    """A rule's use of a named gate and which outcomes it turns indeterminate."""

    name: str
    masks: tuple[str, ...]


@dataclass(frozen=True)
class Rule:
    """One rule of rules.toml, validated and compiled.

    See ``docs`` in rules.toml's header for the meaning of each field.
    """

    id: str
    version: int
    kind: str
    title: str
    marker: str
    applies_to: Applicability
    inputs: Mapping[str, InputSpec]
    condition: Node | None
    status: str | None
    status_from: str | None
    severity: str
    severity_by_status: Mapping[str, str]
    severity_unknown: str
    when_missing: str
    requires: tuple[str, ...]
    optional_inputs: tuple[str, ...]
    escalate: tuple[Escalation, ...]
    gate: GateUse | None
    timing_input: str | None
    timing: Mapping[str, TimingAdjust]
    clinician_text: str
    patient_text: str
    next_step: str
    rationale: str
    patient_rationale: str
    evidence_grade: str
    citations: tuple[str, ...]
    fingerprint: str
    params: Mapping[str, object] = field(default_factory=dict)
    condition_text: str = ""
    # Set at load: when none of ``result_analytes`` has any result, the rule can only
    # stay silent, so the engine skips it without building an evaluation context.
    silent_without_results: bool = False
    result_analytes: tuple[str, ...] = ()
    # Inputs the condition reads (not the trace-only ones), in declaration order.
    condition_inputs: tuple[str, ...] = ()
    # The text of a check that did not fire, rendered once at load.
    checked_text: str = ""
    # Sentences and sources that hold for one sex only (``by_sex`` in rules.toml).
    by_sex: Mapping[str, SexText] = field(default_factory=dict)
    # Next steps for some patients only (``next_steps``), first match wins.
    next_steps: tuple[NextStep, ...] = ()
    # What changes when the protocol target an input judges by is a draft (``draft_target``).
    draft_target: DraftTarget | None = None

    def describe(self) -> str:
        """The condition read back in words, for the trace."""
        return self.condition_text or self.kind


@dataclass(frozen=True, slots=True)
class Gate:
    """A shared pre-condition that makes other rules' results uninterpretable.

    Example: hs-CRP above 3 mg/L; inflammation lowers zinc and raises ferritin
    and copper, so those results cannot be read as nutrient status.
    """

    name: str
    input: InputSpec
    condition: Node
    citation: str
    note: str
    # Trace notes in words when the gate is clear or cannot be judged
    # ({value}: the result, {limit}: the side of the cut-off that is clear, {days}).
    clear_note: str = ""
    unknown_note: str = ""


@dataclass(frozen=True, slots=True)
class TimingConfig:
    """Injection-timing settings: mid-interval and trough shares, analytes depots drive."""

    trough_fraction: float
    mid_from_fraction: float
    source: str
    analytes: Mapping[str, tuple[str, ...]]
    # End of mid-interval; from here to the trough a draw is "late" (reads lower).
    mid_to_fraction: float


@dataclass(frozen=True)
class RulePack:
    """Every rule of rules.toml plus the shared sections.

    Attributes:
        version: Version of the rules pack (YYYY.MM.N).
        rules: Rules in file order.
        gates: Named gates.
        timing: Injection-timing settings.
        messages: Text templates for not_measured/stale/indeterminate/checked.
        status_map: KB threshold-band status word -> finding status.
        kb_version: Version of the KB the pack was validated against.
        derive_window_days: Longest freshness window of a derived input; derived
            values are computed only from draws this recent.
    """

    version: str
    rules: tuple[Rule, ...]
    gates: Mapping[str, Gate]
    timing: TimingConfig
    messages: Mapping[str, str]
    status_map: Mapping[str, str]
    kb_version: str
    derive_window_days: int = 365

    def rule(self, rule_id: str) -> Rule:
        """Return a rule by id.

        Raises:
            KeyError: If there is no such rule.
        """
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise KeyError(f"unknown rule {rule_id!r}")
