"""A condition rule's answer without its trace: the engine's quick pass.

Most condition rules of a clinic-wide run build nothing: their condition is
false (a check, and the run keeps none) or unknown for a reason that keeps the
rule silent. ``RuleRun`` answers the same question while keeping the ranges,
notes and bands a finding's trace needs. Here each condition is compiled once
per rule pack into closures that return only ``(answer, causes)``, and each
test's answer is shared by the rules of one patient that ask it (seven bone
rules share one bone-density test, the zinc rules one zinc judgement). A rule
the quick pass cannot settle runs in full (``condition_rules``), so every
finding is built exactly as before.

The answer and causes are those of ``nodes._combine``: the first child answering
the deciding value settles a combination with no causes; otherwise it is unknown
with the causes of its unknown children, in order, or the other value.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import NamedTuple

from app.core.evaluation.nodes import FALSE, TRUE, All, AnyOf, Constant, Node, Not, Verdict
from app.core.evaluation.nodes_regimen import TherapyDays
from app.core.evaluation.nodes_results import RiseFromBaseline
from app.core.evaluation.patient import PatientData
from app.core.evaluation.rules_model import Applicability, InputSpec, Rule
from app.core.evaluation.run import RuleRun

Causes = tuple[tuple[str, str], ...]
# (patient data, this patient's answers by test number) -> (answer, causes)
Answer = Callable[[PatientData, dict], Verdict]

# Tests whose answer depends on who the rule is for: without their own component
# keys, time on therapy (and a baseline) count from the components the rule applies to.
_READS_APPLICABILITY = (TherapyDays, RiseFromBaseline)


class Compiler:
    """Compiles the conditions of one rule pack, numbering equal tests once.

    Two tests are equal when they are the same node on the same input spec (and,
    for tests reading the rule's applicability, the same applicability), judged
    with stale results allowed or not: such tests answer alike for one patient.
    """

    def __init__(self) -> None:
        self._numbers: dict[tuple, int] = {}

    def compile(
        self,
        node: Node,
        inputs: Mapping[str, InputSpec],
        applies_to: Applicability,
        allow_stale: bool = False,
    ) -> Answer:
        """The quick answer of ``node`` for a rule with these inputs and applicability."""
        if isinstance(node, All | AnyOf):
            children = tuple(
                self.compile(c, inputs, applies_to, allow_stale) for c in node.children
            )
            return _combination(children, isinstance(node, AnyOf))
        if isinstance(node, Not):
            return _negation(self.compile(node.child, inputs, applies_to, allow_stale))
        if isinstance(node, Constant):
            verdict = (node.value, ())
            return lambda _data, _answers: verdict
        return self._test(node, inputs, applies_to, allow_stale)

    def _test(
        self,
        node: Node,
        inputs: Mapping[str, InputSpec],
        applies_to: Applicability,
        allow_stale: bool,
    ) -> Answer:
        names = sorted(node.input_names())
        specs = tuple(inputs.get(name) for name in names)
        who = applies_to if isinstance(node, _READS_APPLICABILITY) else None
        number = self._numbers.setdefault((node, specs, who, allow_stale), len(self._numbers))
        quick = node.quick(specs[0] if len(specs) == 1 else None, allow_stale)
        if quick is None:
            quick = _through_a_run(node, inputs, applies_to, allow_stale)

        def answer(data: PatientData, answers: dict) -> Verdict:
            found = answers.get(number)
            if found is None:
                found = answers[number] = quick(data)
            return found

        return answer


def _through_a_run(
    node: Node, inputs: Mapping[str, InputSpec], applies_to: Applicability, allow_stale: bool
) -> Callable[[PatientData], Verdict]:
    """A test without a quick form, through a run of its own: the same answer and causes
    (and the same refusal when a history was not read) as in the rule."""
    evaluate = node.evaluate

    def answer(data: PatientData) -> Verdict:
        run = RuleRun(data, inputs, applies_to, allow_stale)
        return evaluate(run), tuple(run.causes)

    return answer


def _combination(children: tuple[Answer, ...], decisive: bool) -> Answer:
    """Kleene AND (``decisive=False``) or OR (``decisive=True``), as ``nodes._combine``."""
    settled = TRUE if decisive else FALSE

    def answer(data: PatientData, answers: dict) -> Verdict:
        unknown = False
        causes: Causes = ()
        for child in children:
            found = child(data, answers)
            value = found[0]
            if value is decisive:
                return settled
            if value is None:
                unknown = True
                causes += found[1]
        if unknown:
            return None, causes
        return FALSE if decisive else TRUE

    return answer


def _negation(child: Answer) -> Answer:
    def answer(data: PatientData, answers: dict) -> Verdict:
        value, causes = child(data, answers)
        return (None if value is None else not value), causes

    return answer


class QuickRule(NamedTuple):
    """A condition rule's quick answers: as judged, with stale results allowed, and of
    each escalation step's condition."""

    answer: Answer
    stale: Answer
    escalations: tuple[Answer, ...]


def compile_quick(rules: Iterable[Rule]) -> tuple[QuickRule | None, ...]:
    """Quick answers for each rule in order (None: not a condition rule, or no condition)."""
    compiler = Compiler()
    return tuple(
        QuickRule(
            compiler.compile(rule.condition, rule.inputs, rule.applies_to),
            compiler.compile(rule.condition, rule.inputs, rule.applies_to, allow_stale=True),
            tuple(
                compiler.compile(s.condition, rule.inputs, rule.applies_to) for s in rule.escalate
            ),
        )
        if rule.kind == "condition" and rule.condition is not None
        else None
        for rule in rules
    )
