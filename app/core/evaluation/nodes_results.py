"""Result tests: a result against bands, ranges, targets, limits, its own history.

Each test reads the input through the evaluation context and answers True,
False or None; a None is always accompanied by a recorded cause (missing,
stale, unconvertible, censored across the cut-off, no range, no history).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app.core.evaluation.findings import TraceRange
from app.core.evaluation.judgement import (
    Interval,
    Tri,
    compare,
    holds,
    operator_interval,
    range_side,
    result_interval,
)
from app.core.evaluation.nodes import Context, Node, Quick, Verdict, verdict_of
from app.core.evaluation.patient import PatientData
from app.core.evaluation.rules_model import InputSpec
from app.core.evaluation.run import (
    protocol_target,
    range_used,
    shared_bands,
    statuses_for,
    unusable_because,
)
from app.core.formatting import amount_text, format_number

RANGE_POSITIONS = ("below", "within", "above", "outside")


def _member(ctx: Context, name: str, possible, allowed: tuple[str, ...]) -> Tri:
    """``_membership``, the unknown noted as censored (None: the cause is noted already)."""
    if possible is None:
        return None
    answer = _membership(possible, allowed)
    if answer is None:
        ctx.unknown(name, "censored")
    return answer


def _membership(possible: tuple[str, ...], allowed: tuple[str, ...]) -> Tri:
    """True when every word a (possibly censored) result could have is allowed, False
    when none is, and unknown when it depends on the hidden value."""
    inside = [word in allowed for word in possible]
    if all(inside):
        return True
    if not any(inside):
        return False
    return None


# -- quick forms: the answer and its causes, no trace (see ``verdicts``) --------------
# Each mirrors its test's ``evaluate`` through the same judgement functions of ``run``.


def _verdict(name: str, answer: Tri) -> Verdict:
    """A judged answer; unknown only when a censored result spans the cut-off."""
    if answer is None:
        return None, ((name, "censored"),)
    return verdict_of(answer)


def _quick_member(name: str, spec: InputSpec, allow_stale: bool, allowed, statuses: bool) -> Quick:
    def answer(data: PatientData) -> Verdict:
        shared = shared_bands(data, spec, allow_stale)
        if type(shared) is str:
            return None, ((name, shared),)
        possible = statuses_for(data, shared[0]) if statuses else shared[0]
        return _verdict(name, _membership(possible, allowed))

    return answer


@dataclass(frozen=True, slots=True)
class StatusIn(Node):
    """The result's threshold status (guideline bands) is one of ``statuses``."""

    name: str
    statuses: tuple[str, ...]

    def evaluate(self, ctx: Context) -> Tri:
        return _member(ctx, self.name, ctx.statuses_of(self.name), self.statuses)

    def quick(self, spec: InputSpec, allow_stale: bool) -> Quick:
        return _quick_member(self.name, spec, allow_stale, self.statuses, statuses=True)

    def describe(self) -> str:
        return f"{self.name} status in {'/'.join(self.statuses)}"

    def input_names(self) -> set[str]:
        return {self.name}


@dataclass(frozen=True, slots=True)
class BandIn(Node):
    """The result's KB threshold band (its own word, e.g. ``possible_toxicity``) is listed."""

    name: str
    words: tuple[str, ...]

    def evaluate(self, ctx: Context) -> Tri:
        return _member(ctx, self.name, ctx.bands_of(self.name), self.words)

    def quick(self, spec: InputSpec, allow_stale: bool) -> Quick:
        return _quick_member(self.name, spec, allow_stale, self.words, statuses=False)

    def describe(self) -> str:
        return f"{self.name} band in {'/'.join(self.words)}"

    def input_names(self) -> set[str]:
        return {self.name}


def _position(value: float, comparator: str | None, low: Any, high: Any, where: str) -> Tri:
    return range_side(value, comparator, low, high, where)


@dataclass(frozen=True, slots=True)
class InRange(Node):
    """The result is below/within/above/outside the reference range.

    The lab's printed range wins over the KB default; the trace says which.
    """

    name: str
    position: str

    def evaluate(self, ctx: Context) -> Tri:
        used = ctx.range_of(self.name)
        if used is None:
            return None
        answer = _position(used.value, used.comparator, used.low, used.high, self.position)
        ctx.record(
            TraceRange(
                self.name,
                used.kind,
                used.low,
                used.high,
                used.unit,
                used.label,
                used.source,
                used.evidence_grade,
                _outcome(answer, f"{self.position} range"),
            )
        )
        if answer is None:
            ctx.unknown(self.name, "censored")
        return answer

    def quick(self, spec: InputSpec, allow_stale: bool) -> Quick:
        name, position = self.name, self.position

        def answer(data: PatientData) -> Verdict:
            used = range_used(data, spec, allow_stale)
            if type(used) is str:
                return None, ((name, used),)
            return _verdict(
                name, _position(used.value, used.comparator, used.low, used.high, position)
            )

        return answer

    def describe(self) -> str:
        return f"{self.name} {self.position} reference range"

    def input_names(self) -> set[str]:
        return {self.name}


@dataclass(frozen=True, slots=True)
class InTarget(Node):
    """The result is below/within/above/outside the protocol's target band."""

    name: str
    position: str

    def evaluate(self, ctx: Context) -> Tri:
        found = ctx.usable(self.name)
        target = ctx.target_of(self.name) if found is not None else None
        if found is None or target is None:
            return None
        answer = _position(
            found.canonical, found.comparator, target.low, target.high, self.position
        )
        ctx.record(
            TraceRange(
                self.name,
                "target",
                target.low,
                target.high,
                target.unit,
                f"{target.label} (draft: awaiting its primary source)"
                if target.draft
                else target.label,
                target.citation,
                "expert_opinion" if target.draft else target.evidence_grade,
                _outcome(answer, self.position),
            )
        )
        if answer is None:
            ctx.unknown(self.name, "censored")
        return answer

    def quick(self, spec: InputSpec, allow_stale: bool) -> Quick:
        name, position = self.name, self.position

        def answer(data: PatientData) -> Verdict:
            found = data.resolve(spec)
            cause = unusable_because(found, allow_stale)
            if cause is not None:
                return None, ((name, cause),)
            target = protocol_target(data, spec)
            if target is None:
                return None, ((name, "no_target"),)
            point = found.point
            return _verdict(
                name,
                _position(point.canonical, point.comparator, target.low, target.high, position),
            )

        return answer

    def describe(self) -> str:
        return f"{self.name} {self.position} protocol target"

    def input_names(self) -> set[str]:
        return {self.name}


def _outcome(answer: Tri, label: str) -> str:
    if answer is None:
        return f"cannot say if {label}"
    return label if answer else f"not {label}"


@dataclass(frozen=True, slots=True)
class Limit(Node):
    """The result compared with a fixed cut-off from rules.toml."""

    name: str
    operator: str
    limit: float
    shown: float
    unit: str

    def evaluate(self, ctx: Context) -> Tri:
        found = ctx.usable(self.name)
        if found is None:
            return None
        answer = compare(found.canonical, found.comparator, self.operator, self.limit)
        low, high = (self.limit, None) if self.operator[0] == ">" else (None, self.limit)
        ctx.record(
            TraceRange(
                self.name,
                "limit",
                low,
                high,
                found.unit_canonical,
                limit_words(self.operator, self.shown, found.unit_canonical, self.unit),
                "rules.toml",
                outcome=_outcome(answer, f"{self.operator} {self.shown:g} {self.unit}"),
            )
        )
        if answer is None:
            ctx.unknown(self.name, "censored")
        return answer

    def quick(self, spec: InputSpec, allow_stale: bool) -> Quick:
        name, operator, limit = self.name, self.operator, self.limit

        def answer(data: PatientData) -> Verdict:
            found = data.resolve(spec)
            cause = unusable_because(found, allow_stale)
            if cause is not None:
                return None, ((name, cause),)
            point = found.point
            return _verdict(name, compare(point.canonical, point.comparator, operator, limit))

        return answer

    def describe(self) -> str:
        return f"{self.name} {self.operator} {self.shown:g} {self.unit}"

    def input_names(self) -> set[str]:
        return {self.name}


def _difference(later: Interval, earlier: Interval, k: float) -> Interval:
    """Interval of ``later - k × earlier`` (k > 0) for two result intervals."""
    low = None if later.low is None or earlier.high is None else later.low - k * earlier.high
    high = None if later.high is None or earlier.low is None else later.high - k * earlier.low
    return Interval(
        low,
        later.low_closed and earlier.high_closed,
        high,
        later.high_closed and earlier.low_closed,
    )


@dataclass(frozen=True, slots=True)
class Trend(Node):
    """Latest result against the one before it: a rise (by % or amount) or a fall."""

    name: str
    direction: str
    fraction: float | None
    delta: float | None
    shown: str

    def evaluate(self, ctx: Context) -> Tri:
        latest = ctx.usable(self.name)
        if latest is None:
            return None
        before = ctx.previous(self.name)
        if before is None:
            ctx.unknown(self.name, "no_previous")
            return None
        now = result_interval(latest.canonical, latest.comparator)
        then = result_interval(before.canonical, before.comparator)
        if self.direction == "rise" and self.fraction is not None:
            change = _difference(now, then, 1.0 + self.fraction)
            answer = holds(change, operator_interval(">=", 0.0))
        elif self.direction == "rise":
            answer = holds(_difference(now, then, 1.0), operator_interval(">=", self.delta or 0.0))
        else:
            answer = holds(_difference(then, now, 1.0), operator_interval(">=", self.delta or 0.0))
        ctx.record(
            TraceRange(
                self.name,
                "trend",
                before.canonical,
                latest.canonical,
                latest.unit_canonical,
                f"{self.direction} of at least {self.shown} on the result before",
                "rules.toml",
                outcome=_outcome(answer, self.direction),
                change=ctx.change_text(before, latest),
            )
        )
        if answer is None:
            ctx.unknown(self.name, "censored")
        return answer

    def describe(self) -> str:
        return f"{self.name} {self.direction} >= {self.shown} vs previous"

    def input_names(self) -> set[str]:
        return {self.name}


@dataclass(frozen=True, slots=True)
class RiseFromBaseline(Node):
    """Latest result more than ``delta`` above the last result before therapy began."""

    name: str
    delta: float
    shown: str
    window_days: int

    def evaluate(self, ctx: Context) -> Tri:
        latest = ctx.usable(self.name)
        if latest is None:
            return None
        base = ctx.baseline(self.name, self.window_days)
        if base is None:
            ctx.unknown(self.name, "no_baseline")
            return None
        change = _difference(
            result_interval(latest.canonical, latest.comparator),
            result_interval(base.canonical, base.comparator),
            1.0,
        )
        answer = holds(change, operator_interval(">", self.delta))
        ctx.record(
            TraceRange(
                self.name,
                "baseline",
                base.canonical,
                latest.canonical,
                latest.unit_canonical,
                f"rise of more than {self.shown} above the baseline before therapy",
                "rules.toml",
                outcome=_outcome(answer, "risen"),
                change=ctx.change_text(base, latest),
            )
        )
        if answer is None:
            ctx.unknown(self.name, "censored")
        return answer

    def describe(self) -> str:
        return f"{self.name} rise > {self.shown} above baseline"

    def input_names(self) -> set[str]:
        return {self.name}


@dataclass(frozen=True, slots=True)
class NoResult(Node):
    """True when the input has no result inside its freshness window."""

    name: str

    def evaluate(self, ctx: Context) -> Tri:
        return ctx.usable(self.name, canonical=False, record=False) is None

    def quick(self, spec: InputSpec, allow_stale: bool) -> Quick:
        def answer(data: PatientData) -> Verdict:
            found = data.resolve(spec)
            return verdict_of(unusable_because(found, allow_stale, canonical=False) is not None)

        return answer

    def describe(self) -> str:
        return f"no recent {self.name}"

    def could_hold_without_results(self, regimen: dict[int, bool]) -> Tri:
        return True

    def input_names(self) -> set[str]:
        return {self.name}


_OPERATOR_WORDS = {">": "above", ">=": "at least", "<": "below", "<=": "at most"}


def limit_words(operator: str, shown: float, unit: str, unit_label: str) -> str:
    """A rule's cut-off in words: ``above 54%``, ``at least 6/10``, ``below 20 ng/mL``.

    ``unit`` is the result's unit key (a ``{score}`` reads out of ten), ``unit_label``
    the unit the cut-off is written in, as shown."""
    return f"{_OPERATOR_WORDS[operator]} {amount_text(format_number(shown), unit, unit_label)}"
