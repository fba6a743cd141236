"""The condition vocabulary of rules.toml: small, declarative, and never ``eval``.

A condition is a TOML inline table. Logic: ``{ all = [...] }``, ``{ any = [...] }``,
``{ not = {...} }``. Result tests name an input of the rule (``input = "zinc"``)
and one test: ``status_in``, ``band_in`` (exact KB band words), ``range``, ``above``/``below``/``at_least``/
``at_most`` with ``unit``, ``target``, ``rise_pct_at_least``, ``rise_at_least``
or ``fall_at_least`` (with ``unit``), ``rise_from_baseline_above`` (with
``unit``). Presence: ``{ no_result = "o3" }``. Regimen tests:
``component_active``, ``supplement_active``, ``dose_escalated`` (with
``within_days``), ``therapy_days`` (``{ of = [...], at_most = N }``).

Every test answers True, False or None (cannot say: missing, stale, censored
across the cut-off, unit not convertible). ``all``/``any``/``not`` combine the
answers with Kleene logic, so an unknown never turns into a guess. See
``nodes_results.py`` and ``nodes_regimen.py`` for the tests themselves.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.core.evaluation import nodes, nodes_regimen, nodes_results
from app.core.evaluation.errors import RuleProblems
from app.core.evaluation.nodes import Node
from app.core.knowledge import KnowledgeBase, UnitNotConvertible

ROLE_NAMES = (
    "androgen",
    "aromatase_inhibitor",
    "gnrh_agonist",
    "gonadotropin",
    "serm",
    "progestogen",
    "estrogen",
    "thyroid_hormone",
    "micronutrient",
    "supplement_compound",
)
_LIMIT_KEYS = {"above": ">", "below": "<", "at_least": ">=", "at_most": "<="}
_TREND_KEYS = ("rise_pct_at_least", "rise_at_least", "fall_at_least")
_INPUT_TESTS = (
    "status_in",
    "band_in",
    "range",
    "target",
    "rise_from_baseline_above",
    *_LIMIT_KEYS,
    *_TREND_KEYS,
)


class ConditionParser:
    """Turns one rule's condition table into a tree of ``nodes``.

    Problems are recorded (``rules.toml: rule_id: problem``), never raised here,
    so one load reports every problem in the file.
    """

    def __init__(
        self,
        rule_id: str,
        inputs: Mapping[str, Any],
        kb: KnowledgeBase,
        problems: RuleProblems,
        statuses: tuple[str, ...],
    ) -> None:
        self.rule_id = rule_id
        self.inputs = inputs
        self.kb = kb
        self.problems = problems
        self.statuses = statuses

    def problem(self, path: str, message: str) -> None:
        self.problems.add(self.rule_id, f"{path}: {message}")

    def parse(self, raw: Any, path: str = "condition") -> Node:
        """Parse a condition table; unknown shapes become a problem and a False node."""
        if not isinstance(raw, dict) or not raw:
            self.problem(path, "a condition must be a non-empty table")
            return nodes.Constant(False)
        for word in ("all", "any"):
            if word in raw:
                return self._logic(word, raw, path)
        if "not" in raw:
            self._only(raw, {"not"}, path)
            return nodes.Not(self.parse(raw["not"], f"{path}.not"))
        if "input" in raw:
            return self._input_test(raw, path)
        if "no_result" in raw:
            self._only(raw, {"no_result"}, path)
            name = self._input_name(raw["no_result"], path)
            return nodes_results.NoResult(name)
        if "component_active" in raw:
            self._only(raw, {"component_active"}, path)
            return nodes_regimen.ComponentActive(self._components(raw["component_active"], path))
        if "sex" in raw:
            self._only(raw, {"sex"}, path)
            sexes = raw["sex"] if isinstance(raw["sex"], list) else [raw["sex"]]
            bad = [s for s in sexes if s not in ("male", "female")]
            if bad or not sexes:
                self.problem(path, "sex must list 'male' and/or 'female'")
            return nodes_regimen.SexIs(tuple(str(s) for s in sexes))
        if "age_at_least" in raw:
            self._only(raw, {"age_at_least"}, path)
            years = raw["age_at_least"]
            if not isinstance(years, int) or isinstance(years, bool) or years <= 0:
                self.problem(path, "age_at_least needs a positive whole number of years")
                years = 0
            return nodes_regimen.AgeAtLeast(int(years))
        if "protocol_active" in raw:
            self._only(raw, {"protocol_active"}, path)
            keys = raw["protocol_active"]
            keys = [keys] if isinstance(keys, str) else keys if isinstance(keys, list) else []
            if not keys or any(k not in self.kb.protocols for k in keys):
                self.problem(path, "protocol_active needs KB protocol keys")
            return nodes_regimen.ProtocolActive(tuple(str(k) for k in keys))
        if "supplement_active" in raw:
            self._only(raw, {"supplement_active"}, path)
            return nodes_regimen.SupplementActive(self._nutrients(raw["supplement_active"], path))
        if "dose_escalated" in raw:
            self._only(raw, {"dose_escalated", "within_days"}, path)
            days = self._positive_int(raw.get("within_days"), f"{path}.within_days")
            return nodes_regimen.DoseEscalated(self._components(raw["dose_escalated"], path), days)
        if "therapy_days" in raw:
            self._only(raw, {"therapy_days"}, path)
            return self._therapy_days(raw["therapy_days"], f"{path}.therapy_days")
        self.problem(path, f"unknown condition keys {sorted(raw)}")
        return nodes.Constant(False)

    # -- helpers ---------------------------------------------------------------------

    def _only(self, raw: dict, allowed: set[str], path: str) -> None:
        extra = sorted(set(raw) - allowed)
        if extra:
            self.problem(path, f"unexpected keys {extra} (allowed: {sorted(allowed)})")

    def _logic(self, word: str, raw: dict, path: str) -> Node:
        self._only(raw, {word}, path)
        items = raw[word]
        if not isinstance(items, list) or not items:
            self.problem(f"{path}.{word}", "needs a non-empty list of conditions")
            return nodes.Constant(False)
        children = tuple(self.parse(item, f"{path}.{word}[{i}]") for i, item in enumerate(items))
        return nodes.All(children) if word == "all" else nodes.AnyOf(children)

    def _input_name(self, name: Any, path: str) -> str:
        if not isinstance(name, str) or name not in self.inputs:
            self.problem(path, f"names input {name!r}, which the rule does not declare")
            return str(name)
        return name

    def _components(self, raw: Any, path: str) -> tuple[str, ...]:
        names = (raw,) if isinstance(raw, str) else tuple(raw) if isinstance(raw, list) else ()
        if not names:
            self.problem(path, "needs a role or substance key, or a list of them")
        for name in names:
            if name not in ROLE_NAMES and name not in self.kb.substances:
                self.problem(path, f"{name!r} is neither a protocol role nor a KB substance")
        return tuple(str(n) for n in names)

    def _nutrients(self, raw: Any, path: str) -> tuple[str, ...]:
        names = (raw,) if isinstance(raw, str) else tuple(raw) if isinstance(raw, list) else ()
        if not names:
            self.problem(path, "needs a nutrient key or a list of them")
        for name in names:
            if name not in self.kb.nutrients:
                self.problem(path, f"unknown nutrient {name!r}")
        return tuple(str(n) for n in names)

    def _positive_int(self, value: Any, path: str) -> int:
        if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
            self.problem(path, "needs a positive whole number of days")
            return 1
        return value

    def _number(self, value: Any, path: str) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.problem(path, "needs a number")
            return 0.0
        return float(value)

    def _canonical(self, name: str, value: float, unit: Any, path: str, delta: bool) -> float:
        """Convert a rule's cut-off to the input's canonical unit, checked at load."""
        if not isinstance(unit, str):
            self.problem(path, "a numeric cut-off needs 'unit'")
            return value
        analyte = self.inputs[name].analyte if name in self.inputs else ""
        try:
            if delta:
                # A difference converts by scale only (an offset cancels out).
                return self.kb.unit_factor(analyte, unit).scale * value
            return self.kb.to_canonical(analyte, value, unit)
        except (KeyError, UnitNotConvertible) as error:
            self.problem(path, f"unit {unit!r} cannot be used for {analyte!r}: {error}")
            return value

    def _therapy_days(self, raw: Any, path: str) -> Node:
        if not isinstance(raw, dict):
            self.problem(path, "must be a table { of = [...], at_most = N } or at_least")
            return nodes.Constant(False)
        self._only(raw, {"of", "at_most", "at_least"}, path)
        # Without "of", the therapy is whichever component made the rule apply.
        of = self._components(raw["of"], f"{path}.of") if "of" in raw else ()
        at_most = raw.get("at_most")
        at_least = raw.get("at_least")
        if (at_most is None) == (at_least is None):
            self.problem(path, "give exactly one of at_most or at_least")
        if at_most is not None:
            return nodes_regimen.TherapyDays(of, "<=", self._positive_int(at_most, path))
        return nodes_regimen.TherapyDays(of, ">=", self._positive_int(at_least, path))

    def _input_test(self, raw: dict, path: str) -> Node:
        name = self._input_name(raw["input"], path)
        tests = [key for key in _INPUT_TESTS if key in raw]
        if len(tests) != 1:
            self.problem(path, f"give exactly one test of {list(_INPUT_TESTS)}")
            return nodes.Constant(False)
        test = tests[0]
        allowed = {"input", test}
        if test in _LIMIT_KEYS or test in ("rise_at_least", "fall_at_least"):
            allowed.add("unit")
        if test == "rise_from_baseline_above":
            allowed |= {"unit", "baseline_window_days"}
        self._only(raw, allowed, path)
        value = raw[test]
        where = f"{path}.{test}"
        if test == "status_in":
            statuses = tuple(value) if isinstance(value, list) else ()
            bad = [s for s in statuses if s not in self.statuses]
            if not statuses or bad:
                self.problem(where, f"needs a list of statuses from {list(self.statuses)}")
            return nodes_results.StatusIn(name, statuses)
        if test == "band_in":
            words = tuple(value) if isinstance(value, list) else ()
            bad = [w for w in words if w not in self.kb.statuses]
            if not words or bad:
                self.problem(
                    where, f"needs a list of KB status words (kb.toml), not {bad or value!r}"
                )
            return nodes_results.BandIn(name, words)
        if test == "range":
            if value not in nodes_results.RANGE_POSITIONS:
                self.problem(where, f"must be one of {list(nodes_results.RANGE_POSITIONS)}")
            return nodes_results.InRange(name, str(value))
        if test == "target":
            if value not in nodes_results.RANGE_POSITIONS:
                self.problem(where, f"must be one of {list(nodes_results.RANGE_POSITIONS)}")
            return nodes_results.InTarget(name, str(value))
        number = self._number(value, where)
        label = self.kb.unit_label(str(raw.get("unit", "")))
        if test in _LIMIT_KEYS:
            limit = self._canonical(name, number, raw.get("unit"), where, delta=False)
            return nodes_results.Limit(name, _LIMIT_KEYS[test], limit, number, label)
        if test == "rise_pct_at_least":
            return nodes_results.Trend(name, "rise", number / 100.0, None, f"{number:g}%")
        if test in ("rise_at_least", "fall_at_least"):
            delta = self._canonical(name, number, raw.get("unit"), where, delta=True)
            return nodes_results.Trend(name, test.split("_")[0], None, delta, f"{number:g} {label}")
        delta = self._canonical(name, number, raw.get("unit"), where, delta=True)
        window = self._positive_int(raw.get("baseline_window_days"), f"{path}.baseline_window_days")
        return nodes_results.RiseFromBaseline(name, delta, f"{number:g} {label}", window)
