"""Regimen tests: components and supplements taken, dose escalation, time on therapy."""

from __future__ import annotations

from dataclasses import dataclass

from app.core.evaluation.judgement import Tri
from app.core.evaluation.nodes import All, AnyOf, Context, Node, Not, Quick, verdict_of


@dataclass(frozen=True, slots=True)
class ComponentActive(Node):
    """A protocol component with one of these roles or substance keys is active."""

    keys: tuple[str, ...]

    def evaluate(self, ctx: Context) -> Tri:
        return bool(ctx.components_matching(self.keys))

    def quick(self, spec: object, allow_stale: bool) -> Quick:
        keys = self.keys
        return lambda data: verdict_of(bool(data.components_matching(keys)))

    def could_hold_without_results(self, regimen: dict[int, bool]) -> Tri:
        return regimen[id(self)]

    def describe(self) -> str:
        return f"on {'/'.join(self.keys)}"


@dataclass(frozen=True, slots=True)
class SupplementActive(Node):
    """A supplement of one of these nutrients is active."""

    nutrients: tuple[str, ...]

    def evaluate(self, ctx: Context) -> Tri:
        return ctx.stack_has(self.nutrients)

    def quick(self, spec: object, allow_stale: bool) -> Quick:
        nutrients = self.nutrients
        return lambda data: verdict_of(data.takes(nutrients))

    def could_hold_without_results(self, regimen: dict[int, bool]) -> Tri:
        return regimen[id(self)]

    def describe(self) -> str:
        return f"taking {'/'.join(self.nutrients)} supplement"


@dataclass(frozen=True, slots=True)
class SexIs(Node):
    """The patient's sex at birth is one of these (a sentence that holds for men only)."""

    sexes: tuple[str, ...]

    def evaluate(self, ctx: Context) -> Tri:
        return ctx.patient_sex() in self.sexes

    def quick(self, spec: object, allow_stale: bool) -> Quick:
        sexes = self.sexes
        return lambda data: verdict_of(data.sex in sexes)

    def could_hold_without_results(self, regimen: dict[int, bool]) -> Tri:
        return regimen[id(self)]

    def describe(self) -> str:
        return f"sex {'/'.join(self.sexes)}"


@dataclass(frozen=True, slots=True)
class AgeAtLeast(Node):
    """The patient is at least ``years`` old on the evaluation date (unknown age: None),
    e.g. where WHO T-score bands apply (men 50 and over)."""

    years: int

    def evaluate(self, ctx: Context) -> Tri:
        age = ctx.patient_age()
        return None if age is None else age >= self.years

    def quick(self, spec: object, allow_stale: bool) -> Quick:
        years = self.years
        return lambda data: (None, ()) if data.age is None else verdict_of(data.age >= years)

    def could_hold_without_results(self, regimen: dict[int, bool]) -> Tri:
        return regimen[id(self)]

    def describe(self) -> str:
        return f"age {self.years} or over"


@dataclass(frozen=True, slots=True)
class ProtocolActive(Node):
    """One of these KB protocols is detected from the active regimen (e.g. the
    menopausal estradiol protocol standing for a postmenopausal woman)."""

    keys: tuple[str, ...]

    def evaluate(self, ctx: Context) -> Tri:
        return ctx.on_protocol(self.keys)

    def quick(self, spec: object, allow_stale: bool) -> Quick:
        keys = self.keys
        return lambda data: verdict_of(any(k in data.protocols for k in keys))

    def could_hold_without_results(self, regimen: dict[int, bool]) -> Tri:
        return regimen[id(self)]

    def describe(self) -> str:
        return f"on the {'/'.join(self.keys)} protocol"


@dataclass(frozen=True, slots=True)
class DoseEscalated(Node):
    """An active component's daily dose was raised within the last ``within_days``."""

    keys: tuple[str, ...]
    within_days: int

    def evaluate(self, ctx: Context) -> Tri:
        return ctx.escalated(self.keys, self.within_days)

    def could_hold_without_results(self, regimen: dict[int, bool]) -> Tri:
        return regimen[id(self)]

    def describe(self) -> str:
        return f"{'/'.join(self.keys)} dose raised within {self.within_days} days"


@dataclass(frozen=True, slots=True)
class TherapyDays(Node):
    """Days since the therapy (first row of the chain) began, against a bound."""

    keys: tuple[str, ...]
    operator: str
    days: int

    def evaluate(self, ctx: Context) -> Tri:
        days = ctx.therapy_days(self.keys)
        if days is None:
            return False
        return days <= self.days if self.operator == "<=" else days >= self.days

    def could_hold_without_results(self, regimen: dict[int, bool]) -> Tri:
        return regimen[id(self)]

    def describe(self) -> str:
        return f"on {'/'.join(self.keys) or 'therapy'} {self.operator} {self.days} days"


def regimen_leaves(node: Node) -> list[Node]:
    """The regimen tests (not result tests) inside a condition."""
    if isinstance(node, All | AnyOf):
        return [leaf for child in node.children for leaf in regimen_leaves(child)]
    if isinstance(node, Not):
        return regimen_leaves(node.child)
    if isinstance(
        node,
        ComponentActive
        | SupplementActive
        | SexIs
        | AgeAtLeast
        | ProtocolActive
        | DoseEscalated
        | TherapyDays,
    ):
        return [node]
    return []
