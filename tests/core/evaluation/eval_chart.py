"""Small in-code patient charts for the evaluation tests.

``Chart`` builds one patient's regimen and results the way the importer would
(canonical values filled in from the knowledge base) and evaluates them. Dates
are given as days before the evaluation date, so a case reads like a chart.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from itertools import count

from app.core.evaluation import Evaluation, EvaluationOptions, Finding, evaluate
from app.core.knowledge import KnowledgeBase, UnitNotConvertible
from app.core.models import Observation, Patient, RegimenItem

AS_OF = date(2026, 11, 23)
UNKNOWN_STATUSES = ("not_measured", "stale", "indeterminate")


def days_ago_for(days_since: int, every: int = 14, start: int = 400) -> int:
    """Days before the evaluation date of a draw ``days_since`` days after an injection."""
    days_ago = (start - days_since) % every
    return days_ago + every if days_ago < 3 else days_ago


class Chart:
    """One synthetic patient: regimen rows, results, and an evaluation."""

    def __init__(self, kb: KnowledgeBase, sex: str = "male", age: int = 45, as_of: date = AS_OF):
        self.kb = kb
        self.as_of = as_of
        self.patient = Patient(
            id=7,
            mrn="T-0007",
            family_name="Case",
            given_name="Test",
            date_of_birth=date(as_of.year - age, 1, 2),
            sex_at_birth=sex,
        )
        self.regimen: list[RegimenItem] = []
        self.observations: list[Observation] = []
        self._ids = count(1)
        self._obs_ids = count(101)

    def day(self, days_ago: float) -> date:
        return self.as_of - timedelta(days=days_ago)

    # -- regimen -----------------------------------------------------------------------

    def on(
        self,
        substance: str,
        dose: float | None = 1.0,
        unit: str = "mg",
        every: float | None = 1.0,
        start: int = 400,
        stop: int | None = None,
        route: str = "oral",
        kind: str | None = None,
        previous: RegimenItem | None = None,
    ) -> RegimenItem:
        """Add a regimen row that started ``start`` days ago (stopped ``stop`` days ago)."""
        known = self.kb.substances.get(substance)
        item = RegimenItem(
            id=next(self._ids),
            patient_id=7,
            kind=kind or (known.kind if known else "medication"),
            substance=substance,
            dose=dose,
            dose_unit=unit,
            route=route,
            interval_days=every,
            start_date=self.day(start),
            stop_date=None if stop is None else self.day(stop),
            previous_id=None if previous is None else previous.id,
        )
        self.regimen.append(item)
        return item

    def change_dose(
        self, item: RegimenItem, dose: float, days_ago: int, every: float | None = None
    ) -> RegimenItem:
        """End ``item`` ``days_ago`` days ago and start a new row at ``dose``."""
        index = self.regimen.index(item)
        stopped = replace(item, stop_date=self.day(days_ago))
        self.regimen[index] = stopped
        return self.on(
            item.substance,
            dose,
            item.dose_unit,
            every if every is not None else item.interval_days,
            start=days_ago,
            route=item.route,
            kind=item.kind,
            previous=stopped,
        )

    def trt(self, dose: float = 100, every: float = 7, start: int = 400) -> RegimenItem:
        """Testosterone cypionate IM (the male TRT backbone)."""
        return self.on("testosterone_cypionate", dose, "mg", every, start=start, route="IM")

    def gel(self, start: int = 400) -> RegimenItem:
        """Daily testosterone gel: TRT without an injection schedule (no draw timing)."""
        return self.on("testosterone_gel", 50, "mg", 1, start=start, route="transdermal")

    def ai(self, dose: float = 0.5, every: float = 3.5, start: int = 300) -> RegimenItem:
        """Anastrozole by mouth."""
        return self.on("anastrozole", dose, "mg", every, start=start)

    # -- results -----------------------------------------------------------------------

    def lab(
        self,
        analyte: str,
        value: float | None,
        unit: str | None = None,
        days_ago: float = 10,
        comparator: str | None = None,
        ref: tuple[float | None, float | None] | None = None,
        excluded: str = "",
        hour: int = 8,
    ) -> Observation:
        """Add a result ``days_ago`` days before the evaluation date (8 a.m. by default)."""
        target = self.kb.analytes[analyte]
        unit = target.canonical_unit if unit is None else unit
        canonical = None
        canonical_unit = ""
        if value is not None:
            try:
                canonical = self.kb.to_canonical(analyte, value, unit)
                canonical_unit = target.canonical_unit
            except UnitNotConvertible:
                pass
        taken = datetime.combine(self.day(days_ago), time(hour, 0))
        obs = Observation(
            id=next(self._obs_ids),
            patient_id=7,
            analyte_key=analyte,
            collected_at=taken,
            raw_value=f"{comparator or ''}{value}",
            value=value,
            comparator=comparator,
            unit=unit,
            value_canonical=canonical,
            unit_canonical=canonical_unit,
            ref_low=None if ref is None else ref[0],
            ref_high=None if ref is None else ref[1],
            lab="Test Lab",
            excluded_reason=excluded,
        )
        self.observations.append(obs)
        return obs

    # -- evaluation --------------------------------------------------------------------

    def evaluate(self, suppressions=(), **options) -> Evaluation:
        return evaluate(
            self.patient,
            self.regimen,
            self.observations,
            self.kb,
            self.as_of,
            suppressions,
            options=EvaluationOptions(**options),
        )


@dataclass(frozen=True)
class Outcome:
    """What one rule did for one evaluation."""

    kind: str  # finding | check | silent | not_applicable | none
    finding: Finding | None = None
    reason: str = ""

    @property
    def status(self) -> str | None:
        return self.finding.status if self.finding else None

    @property
    def severity(self) -> str | None:
        return self.finding.severity if self.finding else None


def outcome(result: Evaluation, rule_id: str) -> Outcome:
    """The first finding, check or reason a rule produced."""
    for finding in result.findings:
        if finding.rule_id == rule_id:
            return Outcome("finding", finding)
    for check in result.checks:
        if check.rule_id == rule_id:
            return Outcome("check", check)
    for skipped, reason in result.not_applicable:
        if skipped == rule_id:
            kind = "silent" if reason.startswith("silent") else "not_applicable"
            return Outcome(kind, reason=reason)
    return Outcome("none")


@dataclass(frozen=True)
class Case:
    """A golden case: a chart, the rule, and what the rule must do.

    ``expect`` is ``fires`` (a finding with ``status``), ``unknown`` (a finding whose
    status is not_measured, stale or indeterminate), ``check`` (ran, did not fire),
    ``silent``, ``not_applicable`` or ``none`` (no output at all, for many-subject
    rules). ``severity`` and ``text`` (a substring of the clinician text) are
    checked when given.
    """

    rule: str
    name: str
    build: object
    expect: str
    status: str | None = None
    severity: str | None = None
    sex: str = "male"
    age: int = 45
    text: str | None = None
    options: dict = field(default_factory=dict)

    @property
    def id(self) -> str:
        return f"{self.rule}:{self.name}"

    def run(self, kb: KnowledgeBase) -> tuple[Outcome, Evaluation]:
        chart = Chart(kb, sex=self.sex, age=self.age)
        self.build(chart)
        result = chart.evaluate(**self.options)
        return outcome(result, self.rule), result

    @property
    def resulting_status(self) -> str | None:
        return self.status if self.expect in ("fires", "unknown", "check") else None

    @property
    def fires(self) -> bool:
        return self.expect in ("fires", "unknown")


# --- editing a copy of rules.toml -------------------------------------------------------


def rule_span(rules_text: str, rule_id: str) -> tuple[int, int]:
    """Start and end offsets of one [[rules]] table in the rules.toml text."""
    start = rules_text.index(f'[[rules]]\nid = "{rule_id}"')
    end = rules_text.find("[[rules]]", start + 10)
    return start, len(rules_text) if end == -1 else end


def edit_rule(rules_text: str, rule_id: str, old: str, new: str) -> str:
    """Replace ``old`` (which must occur once inside the rule's table) with ``new``."""
    start, end = rule_span(rules_text, rule_id)
    block = rules_text[start:end]
    assert block.count(old) == 1, f"{old!r} not found once in {rule_id}"
    return rules_text[:start] + block.replace(old, new) + rules_text[end:]


def compile_text(kb: KnowledgeBase, folder, text: str):
    """Write ``text`` as rules.toml in ``folder`` and load it."""
    from app.core.evaluation import load_rules

    path = folder / "rules.toml"
    path.write_text(text, encoding="utf-8")
    return load_rules(kb, path)
