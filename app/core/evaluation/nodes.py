"""The logic of rule conditions: the node interface, constants, all/any/not.

The tests themselves live in ``nodes_results`` (result tests) and
``nodes_regimen`` (regimen tests); each answers True, False or None.

A node reads what it needs through the evaluation context (``RuleRun`` in
``run.py``): the resolved input, the range or threshold that applies, the
patient's earlier results, the active regimen. When a value cannot be judged the
context records why (missing, stale, unconvertible, censored across the cut-off,
no range) and the node answers None, so the engine can report ``not_measured``,
``stale`` or ``indeterminate`` instead of a guess.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from app.core.evaluation.findings import TraceRange
from app.core.evaluation.judgement import Tri, tri_all, tri_any, tri_not


class Context(Protocol):
    """What nodes may ask of the evaluation (implemented by ``run.RuleRun``)."""

    causes: list[tuple[str, str]]

    def usable(self, name: str, canonical: bool = True, record: bool = True) -> Any: ...
    def statuses_of(self, name: str) -> tuple[str, ...] | None: ...
    def bands_of(self, name: str) -> tuple[str, ...] | None: ...
    def range_of(self, name: str) -> Any: ...
    def target_of(self, name: str) -> Any: ...
    def previous(self, name: str) -> Any: ...
    def baseline(self, name: str, window_days: int) -> Any: ...
    def change_text(self, earlier: Any, later: Any) -> str: ...
    def patient_sex(self) -> str | None: ...
    def patient_age(self) -> int | None: ...
    def on_protocol(self, keys: tuple[str, ...]) -> bool: ...
    def unknown(self, name: str, cause: str) -> None: ...
    def record(self, entry: TraceRange) -> None: ...
    def note(self, text: str) -> None: ...
    def components_matching(self, keys: tuple[str, ...]) -> list[Any]: ...
    def stack_has(self, nutrients: tuple[str, ...]) -> bool: ...
    def escalated(self, keys: tuple[str, ...], within_days: int) -> Tri: ...
    def therapy_days(self, keys: tuple[str, ...]) -> int | None: ...


# A test's answer and the causes of an unknown one, as ``_combine`` keeps them.
Verdict = tuple[Tri, tuple[tuple[str, str], ...]]
# The quick form of a test for one input spec: patient data -> its verdict.
Quick = Callable[[Any], Verdict]
TRUE: Verdict = (True, ())
FALSE: Verdict = (False, ())


def verdict_of(answer: bool) -> Verdict:
    """A known answer's verdict (no causes)."""
    return TRUE if answer else FALSE


class Node:
    """Base class: ``evaluate`` answers True/False/None, ``describe`` reads back."""

    def evaluate(self, ctx: Context) -> Tri:  # pragma: no cover - interface
        raise NotImplementedError

    def quick(self, spec: Any, allow_stale: bool) -> Quick | None:
        """The answer and causes ``evaluate`` gives, read straight from the patient data
        (no run, no trace), for the quick pass (``verdicts``); None: no quick form."""
        return None

    def describe(self) -> str:  # pragma: no cover - interface
        raise NotImplementedError

    def input_names(self) -> set[str]:
        """Inputs the node reads (for validation and the trace)."""
        return set()

    def could_hold_without_results(self, regimen: dict[int, bool]) -> Tri:
        """The answer when no input has any result, given regimen-leaf answers.

        Result tests answer None (cannot say), ``no_result`` answers True, and
        each regimen test answers ``regimen[id(node)]``. Used at load time to
        find rules that can only stay silent when their results are missing.
        """
        return None


@dataclass(frozen=True, slots=True)
class Constant(Node):
    value: bool

    def evaluate(self, ctx: Context) -> Tri:
        return self.value

    def describe(self) -> str:
        return str(self.value).lower()

    def could_hold_without_results(self, regimen: dict[int, bool]) -> Tri:
        return self.value


def _combine(ctx: Context, children: tuple[Node, ...], decisive: bool) -> Tri:
    """Kleene AND (``decisive=False``) or OR (``decisive=True``) with a short cut.

    The first child answering ``decisive`` settles the result, so later children
    are not evaluated and earlier unknowns did not matter (their causes are
    dropped). Otherwise the result is unknown if any child was, keeping exactly
    those children's causes, or ``not decisive``. The trace therefore holds the
    ranges that decided the answer.
    """
    unknown = False
    causes = ctx.causes
    start = len(causes)
    for child in children:
        mark = len(causes)
        answer = child.evaluate(ctx)
        if answer is decisive:
            del causes[start:]  # nothing recorded inside this combination mattered
            return decisive
        if answer is None:
            unknown = True
        else:
            del causes[mark:]
    return None if unknown else not decisive


@dataclass(frozen=True, slots=True)
class All(Node):
    children: tuple[Node, ...]

    def evaluate(self, ctx: Context) -> Tri:
        return _combine(ctx, self.children, False)

    def describe(self) -> str:
        return "(" + " and ".join(child.describe() for child in self.children) + ")"

    def could_hold_without_results(self, regimen: dict[int, bool]) -> Tri:
        return tri_all([c.could_hold_without_results(regimen) for c in self.children])

    def input_names(self) -> set[str]:
        return set().union(*(child.input_names() for child in self.children))


@dataclass(frozen=True, slots=True)
class AnyOf(Node):
    children: tuple[Node, ...]

    def evaluate(self, ctx: Context) -> Tri:
        return _combine(ctx, self.children, True)

    def describe(self) -> str:
        return "(" + " or ".join(child.describe() for child in self.children) + ")"

    def could_hold_without_results(self, regimen: dict[int, bool]) -> Tri:
        return tri_any([c.could_hold_without_results(regimen) for c in self.children])

    def input_names(self) -> set[str]:
        return set().union(*(child.input_names() for child in self.children))


@dataclass(frozen=True, slots=True)
class Not(Node):
    child: Node

    def evaluate(self, ctx: Context) -> Tri:
        return tri_not(self.child.evaluate(ctx))

    def describe(self) -> str:
        return f"not {self.child.describe()}"

    def could_hold_without_results(self, regimen: dict[int, bool]) -> Tri:
        return tri_not(self.child.could_hold_without_results(regimen))

    def input_names(self) -> set[str]:
        return self.child.input_names()
