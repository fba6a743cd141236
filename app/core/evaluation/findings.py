"""What an evaluation returns: findings, their traces, and the evaluation itself.

Every finding carries enough to answer "why did this fire?" without re-running
anything: the results used (value, unit, comparator, date, observation id), the
range or threshold applied and where it came from, injection timing, the
regimen rows involved, and the rule, rules-pack and knowledge-base versions.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import MISSING, dataclass, field
from dataclasses import fields as dataclass_fields
from datetime import date, datetime
from typing import Any

from app.core.evaluation.deferred import Later, Once, defer_fields
from app.core.evaluation.timing import DrawTiming

STATUSES = (
    "deficient",
    "insufficient",
    "adequate",
    "high",
    "not_measured",
    # Measured, but only after therapy began: a monitoring baseline is missing.
    "no_baseline",
    "stale",
    "indeterminate",
)
# Ordered from least to most pressing; the UI sorts and colours by position.
SEVERITIES = ("info", "consider", "warning", "urgent")
EVIDENCE_GRADES = (
    "guideline",
    "randomised_trial",
    "observational",
    "mechanistic",
    "expert_opinion",
)


def severity_rank(severity: str) -> int:
    """Position of a severity in ``SEVERITIES`` (higher is more pressing)."""
    return SEVERITIES.index(severity)


@dataclass(frozen=True, slots=True)
class TraceValue:
    """One input as the rule saw it.

    Attributes:
        name: The input's name in the rule (e.g. ``zinc``).
        analyte: KB analyte key, or derived-value key for derived inputs.
        state: ``used``, ``stale``, ``missing``, ``unconvertible`` or ``no_value``.
        observation_id: Id of the observation used (None for derived values).
        collected_at: When the sample was taken.
        value: Number as reported (the limit, for a censored result).
        comparator: ``<``, ``<=``, ``>``, ``>=`` or None.
        unit: Unit as reported.
        value_canonical: Value in the KB canonical unit, when convertible.
        unit_canonical: KB canonical unit.
        age_days: Days between collection and the evaluation date.
        source_ids: Observation ids a derived value was computed from.
        timing: Injection timing of the draw, when the patient is on a depot.
        note: Free text (e.g. why a value could not be used).
    """

    name: str
    analyte: str
    state: str
    observation_id: int | None = None
    collected_at: datetime | None = None
    value: float | None = None
    comparator: str | None = None
    unit: str = ""
    value_canonical: float | None = None
    unit_canonical: str = ""
    age_days: int | None = None
    source_ids: tuple[int, ...] = ()
    timing: DrawTiming | None = None
    note: str = ""

    def display(self) -> str:
        """The value as a clinician reads it, e.g. ``<0.5 ng/mL``."""
        if self.value is None:
            return "not available"
        return f"{self.comparator or ''}{self.value:g} {self.unit}".strip()


@dataclass(frozen=True, slots=True)
class TraceRange:
    """A range, threshold or limit applied to one input.

    Attributes:
        name: Input name the range was applied to.
        kind: ``lab_range`` (printed on the report), ``kb_range`` (KB default
            reference interval), ``threshold`` (guideline bands), ``target``
            (protocol target band), ``limit`` (a fixed cut-off in rules.toml),
            ``baseline`` (a change from an earlier result), ``upper_limit``
            (tolerable upper intake), ``trend`` or ``schedule`` (a protocol
            monitoring item).
        low: Lower bound, None when open.
        high: Upper bound, None when open.
        unit: Unit of the bounds.
        label: What the bound is (guideline name and version, band statuses).
        source: Citation key or lab name.
        evidence_grade: Grade of the threshold itself, when known.
        outcome: What the judgement gave (e.g. ``deficient``, ``above``).
        change: For a ``trend`` or ``baseline``, the two results compared as a
            reader sees them (``from -0.6 T-score on 2025-05-22 to -0.9 T-score on
            2026-10-22``); ``low`` and ``high`` then hold the earlier and the later
            value, not a range.
    """

    name: str
    kind: str
    low: float | None
    high: float | None
    unit: str
    label: str = ""
    source: str = ""
    evidence_grade: str = ""
    outcome: str = ""
    change: str = ""


@dataclass(frozen=True, slots=True)
class TraceRegimen:
    """A regimen row that made the rule apply or fire."""

    item_id: int | None
    substance: str
    kind: str
    dose: float | None
    dose_unit: str
    route: str
    interval_days: float | None
    start_date: date
    stop_date: date | None
    roles: tuple[str, ...] = ()


@dataclass(frozen=True)
class Trace:
    """Everything a finding was built from.

    ``ranges`` and ``notes`` may be given as ``Later`` values, worked out on first
    read (a finding in outline takes them from its rule run in full); equality,
    ``repr``, ``asdict`` and pickling read the values. (Not slotted: the worked-out
    values replace the ``Later`` ones in ``__dict__``.)
    """

    rule_id: str
    rule_version: int
    rules_version: str
    kb_version: str
    as_of: date
    condition: str
    values: tuple[TraceValue, ...] = ()
    ranges: tuple[TraceRange, ...] = ()
    regimen: tuple[TraceRegimen, ...] = ()
    notes: tuple[str, ...] = ()

    def __getstate__(self) -> dict:
        # Pickle the values, not the closures that would work them out.
        for name in TRACE_DEFERRED_FIELDS:
            getattr(self, name)
        return dict(self.__dict__)


TRACE_DEFERRED_FIELDS = ("ranges", "notes")
defer_fields(Trace, TRACE_DEFERRED_FIELDS)


@dataclass(frozen=True, slots=True)
class Suppression:
    """A clinician's decision to hide one rule's finding for one patient.

    The suppression holds only while ``fingerprint`` matches: a new rule version
    or an edited definition changes the fingerprint and the finding returns.
    """

    rule_id: str
    fingerprint: str
    reason: str
    user: str
    at: datetime


@dataclass(frozen=True)
class Finding:
    """One rule's conclusion for one patient as of one date.

    Attributes:
        rule_id: Rule identifier in rules.toml.
        rule_version: Rule version (an integer that grows with each change).
        title: Short heading.
        marker: Nutrient or analyte key the finding is about.
        status: One of ``STATUSES``.
        severity: One of ``SEVERITIES``.
        components: Active protocol components (KB substance keys) affected.
        clinician_text: Text for the clinician, worded to the evidence grade.
        patient_text: Plain-language text for handouts.
        next_step: A test to order, a recheck interval or a supplement to
            discuss; never a dose.
        evidence_grade: One of ``EVIDENCE_GRADES``.
        citations: Keys into ``kb.citations``.
        trace: The inputs, ranges and versions used.
        fingerprint: Hash of the rule id, version and definition.
        fired: True for a finding; False for a check that ran and found nothing.
        suppressed: The suppression hiding this finding, if any.

    The texts, next step and trace may be given as ``Later`` values (see
    ``deferred_finding``): they are worked out on first read and kept. A
    clinic-wide run reads only ids, statuses and severities of most findings, so
    it never formats their texts or assembles their traces. Equality, ``repr``,
    ``asdict``, ``replace`` and pickling read the fields, so they see the values.
    (Not slotted: the worked-out values replace the ``Later`` ones in ``__dict__``.)
    """

    rule_id: str
    rule_version: int
    title: str
    marker: str
    status: str
    severity: str
    components: tuple[str, ...]
    clinician_text: str
    patient_text: str
    next_step: str
    evidence_grade: str
    citations: tuple[str, ...]
    trace: Trace
    fingerprint: str
    fired: bool = True
    suppressed: Suppression | None = None

    @property
    def is_suppressed(self) -> bool:
        return self.suppressed is not None

    def __getstate__(self) -> dict:
        # Pickle the values, not the closures that would work them out.
        for name in DEFERRED_FIELDS:
            getattr(self, name)
        return dict(self.__dict__)


DEFERRED_FIELDS = ("clinician_text", "patient_text", "next_step", "trace")
defer_fields(Finding, DEFERRED_FIELDS)


def deferred_finding(
    texts: Callable[[], tuple[str, str, str]] | tuple[Any, Any, Any],
    trace: Callable[[], Trace],
    **fields: Any,
) -> Finding:
    """A finding whose texts (clinician, patient, next step) and trace are worked out
    when first read; ``texts`` may also be three values, each finished or a ``Later``."""
    if callable(texts):
        once = Once(texts)
        texts = (Later(once, 0), Later(once, 1), Later(once, 2))  # type: ignore[assignment]
    finding = object.__new__(Finding)
    # What the frozen dataclass's __init__ does (one ``object.__setattr__`` per field),
    # written straight into __dict__: this runs for every finding of a clinic-wide run.
    values = finding.__dict__
    values.update(_FINDING_DEFAULTS)
    values.update(fields)
    values["clinician_text"], values["patient_text"], values["next_step"] = texts
    values["trace"] = Later(Once(trace))
    return finding


_FINDING_DEFAULTS = {
    f.name: f.default for f in dataclass_fields(Finding) if f.default is not MISSING
}


@dataclass(frozen=True, slots=True)
class ActiveComponent:
    """A hormone or medication being taken as of the evaluation date.

    Attributes:
        substance: KB substance key.
        roles: Protocol roles of the substance (from the KB).
        item_id: The active regimen row.
        kind: ``hormone`` or ``medication`` (as recorded on the row).
        dose: Current dose (display only).
        dose_unit: Unit of ``dose``.
        route: Route.
        interval_days: Dosing interval.
        therapy_start: Start of the first row in the dose-change chain.
        last_change: Start of the current row when it changed an earlier dose.
    """

    substance: str
    roles: tuple[str, ...]
    item_id: int | None
    kind: str
    dose: float | None
    dose_unit: str
    route: str
    interval_days: float | None
    therapy_start: date
    last_change: date | None


@dataclass(frozen=True, slots=True)
class StackEntry:
    """The summed daily supplement intake of one nutrient.

    Attributes:
        nutrient: KB nutrient key.
        daily_amount: Sum of ``dose / interval_days`` over active items, in ``unit``.
        unit: The unit of the nutrient's upper limit (or of the doses when none).
        item_ids: Regimen rows summed.
        upper_limit: Adult tolerable upper intake, when the KB has one.
        upper_limit_source: Citation key of the upper limit.
        unconverted: Regimen rows that could not be converted (and were not summed).
    """

    nutrient: str
    daily_amount: float
    unit: str
    item_ids: tuple[int | None, ...]
    upper_limit: float | None = None
    upper_limit_source: str = ""
    unconverted: tuple[int | None, ...] = ()


@dataclass(frozen=True, slots=True)
class Evaluation:
    """The result of ``evaluate``: one patient, one date, one KB version.

    Attributes:
        as_of: The evaluation date.
        kb_version: Knowledge-base version used.
        rules_version: Version of rules.toml used.
        patient_id: Patient id.
        protocols: KB protocol keys detected from the active regimen.
        components: Active hormone and medication components.
        stack: Supplement stack with daily sums per nutrient.
        findings: Fired findings, most pressing first; suppressed ones included.
        checks: Rules that ran and did not fire (status and trace included).
        not_applicable: ``(rule_id, reason)`` for rules that did not apply or
            stayed silent (the reason then starts with ``silent:``).
    """

    as_of: date
    kb_version: str
    rules_version: str
    patient_id: int | None
    protocols: tuple[str, ...]
    components: tuple[ActiveComponent, ...]
    stack: tuple[StackEntry, ...]
    findings: tuple[Finding, ...]
    checks: tuple[Finding, ...] = ()
    not_applicable: tuple[tuple[str, str], ...] = field(default=())

    @property
    def visible(self) -> tuple[Finding, ...]:
        """Findings not hidden by a suppression."""
        return tuple(f for f in self.findings if f.suppressed is None)

    @property
    def suppressed(self) -> tuple[Finding, ...]:
        """Findings hidden by a suppression, for "show hidden" in the UI."""
        return tuple(f for f in self.findings if f.suppressed is not None)
