"""Next steps that fit the patient: by sex, and by whether the therapy is injected.

A rule's ``next_step`` is its default. ``next_steps`` lists replacements, each for
the patients it fits, first match wins::

    next_steps = [
      { sex = "female", text = "...", citations = ["global_consensus_2019_women"] },
      { depot = false, text = "..." },
    ]

``sex`` is ``male`` or ``female``; ``depot`` is true when one of the components that
made the rule apply is an injectable depot (a schedule with an injection interval),
false when none is; ``routes`` matches a component given by one of those routes.
Every key given must fit. An entry's citations join the finding's.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from app.core.evaluation.findings import ActiveComponent
from app.core.evaluation.rules_model import NextStep, Rule
from app.core.evaluation.texts import placeholders
from app.core.models import ROUTES

_FIELDS = {"sex", "depot", "routes", "text", "citations"}


def known_list(value: Any, known: Any, where: str, what: str, add: Any, among: str = "") -> list:
    """``value`` as a list whose every item is one of ``known`` (problems go to ``add``):
    ``routes = [...]``, ``citations = [...]``. Not a list: reported, and taken as empty."""
    if not isinstance(value, list):
        add(f"{where} must be a list")
        return []
    for item in value:
        if item not in known:
            add(f"{where}: unknown {what} {item!r}" + (f" (not in {among})" if among else ""))
    return value


def parse_next_steps(raw: Any, citations: Any, dose_pattern: Any, add: Any) -> tuple[NextStep, ...]:
    """``next_steps`` of one rule, validated; problems go to ``add``.

    ``citations`` is the knowledge base's citation table, ``dose_pattern`` the regex a
    next step must not match (no dose instructions).
    """
    if not isinstance(raw, list):
        add("next_steps must be a list of tables")
        return ()
    found = []
    for n, entry in enumerate(raw):
        where = f"next_steps[{n}]"
        if not isinstance(entry, dict):
            add(f"{where} must be a table")
            continue
        for key in sorted(set(entry) - _FIELDS):
            add(f"{where}: unknown field {key!r}")
        if not {"sex", "depot", "routes"} & set(entry):
            add(f"{where}: needs sex, depot or routes (else it is the rule's next_step)")
        sex = entry.get("sex")
        if sex is not None and sex not in ("male", "female"):
            add(f"{where}.sex must be 'male' or 'female'")
        depot = entry.get("depot")
        if depot is not None and not isinstance(depot, bool):
            add(f"{where}.depot must be true or false")
        routes = known_list(entry.get("routes", []), ROUTES, f"{where}.routes", "route", add)
        text = " ".join(str(entry.get("text", "")).split())
        if not text:
            add(f"{where}.text is required")
        if placeholders(text):
            add(f"{where}.text takes no placeholders")
        if dose_pattern.search(text):
            add(f"{where}.text must not contain a dose")
        keys = known_list(
            entry.get("citations", []), citations, f"{where}.citations", "citation", add,
            "kb.citations",
        )  # fmt: skip
        found.append(NextStep(text, tuple(keys), sex, depot, tuple(routes)))
    return tuple(found)


def next_step_for(
    rule: Rule, sex: str | None, components: Sequence[ActiveComponent], substances: Any
) -> NextStep | None:
    """The first of the rule's ``next_steps`` that fits the patient, else None.

    ``substances`` is the knowledge base's substance table (which are injectable depots).
    """
    if not rule.next_steps:
        return None
    injected = any(
        getattr(substances.get(c.substance), "injectable_depot", False) for c in components
    )
    for step in rule.next_steps:
        if step.sex is not None and step.sex != sex:
            continue
        if step.depot is not None and step.depot != injected:
            continue
        if step.routes and not any(c.route in step.routes for c in components):
            continue
        return step
    return None
