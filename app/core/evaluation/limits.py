"""``kind = "upper_limit"`` rules: summed supplement intake against adult ULs.

One finding (or check) per nutrient in the stack that has a KB upper limit:
``high`` when the daily sum exceeds the UL, ``indeterminate`` when a row's dose
unit cannot be converted to the UL's unit (it is never guessed into the sum).
"""

from __future__ import annotations

from app.core.evaluation.build import make_finding, marker_label, subject_fingerprint
from app.core.evaluation.deferred import Later, Once
from app.core.evaluation.findings import Finding, StackEntry, TraceRange
from app.core.evaluation.patient import PatientData
from app.core.evaluation.rules_model import Rule
from app.core.evaluation.texts import format_number, join_words, render


def _labels(data: PatientData, ids: tuple[int | None, ...]) -> str:
    rows = [item for item in data.index.items if item.id in ids]
    names = []
    for item in rows:
        substance = data.kb.substances.get(item.substance)
        names.append(item.display_name or (substance.name if substance else item.label))
    return join_words(names) or "supplements on record"


def evaluate_upper_limits(data: PatientData, rule: Rule) -> list[Finding]:
    """A finding or check for each stacked nutrient that has an upper limit."""
    results = []
    for entry in data.stack:
        if entry.upper_limit is None:
            continue
        found = _one(data, rule, entry)
        if found is not None:
            results.append(found)
    return results


def _one(data: PatientData, rule: Rule, entry: StackEntry) -> Finding | None:
    over = entry.daily_amount > (entry.upper_limit or 0.0)
    if not over and not entry.unconverted and not data.include_checks:
        return None  # a check, and a clinic-wide run keeps none: nothing to build
    unit = data.unit_label(entry.unit)
    lookup_values = {
        "nutrient": marker_label(data, entry.nutrient),
        "marker": marker_label(data, entry.nutrient),
        "daily": f"{format_number(entry.daily_amount)} {unit}/day",
        "limit": f"{format_number(entry.upper_limit or 0.0)} {unit}/day",
        "items": _labels(data, entry.item_ids + entry.unconverted),
        "source": entry.upper_limit_source,
        "components": "",
    }

    def lookup(name: str, _field: str | None) -> str:
        return lookup_values.get(name, "{" + name + "}")

    texts = Once(lambda: (render(rule.clinician_text, lookup), render(rule.patient_text, lookup)))

    limit = TraceRange(
        name=entry.nutrient,
        kind="upper_limit",
        low=None,
        high=entry.upper_limit,
        unit=entry.unit,
        label=f"Adult tolerable upper intake level: at most {lookup_values['limit']}",
        source=entry.upper_limit_source,
        evidence_grade="guideline",
        outcome=f"summed {lookup_values['daily']}",
    )
    notes = [f"Summed regimen rows: {_labels(data, entry.item_ids)} (daily = dose / interval)."]
    common = {
        "components": [],
        "marker": entry.nutrient,
        "fingerprint": subject_fingerprint(rule, entry.nutrient),
        "values": (),
        "ranges": [limit],
        "citations": [entry.upper_limit_source] if entry.upper_limit_source else [],
    }
    if entry.unconverted:
        notes.append(
            f"Not summed (dose unit cannot be converted to {unit}): {_labels(data, entry.unconverted)}."
        )
        detail = (
            f"{_labels(data, entry.unconverted)} has a dose unit that cannot be converted to "
            f"{unit}, so the daily {lookup_values['nutrient']} intake cannot be totalled."
        )
        messages = data.pack.messages
        values = {"title": rule.title, "detail": detail, "rationale": rule.rationale,
                  "patient_rationale": rule.patient_rationale, "marker": lookup_values["nutrient"]}  # fmt: skip
        fill = lambda name, _f: values.get(name, "")  # noqa: E731
        return make_finding(
            data,
            rule,
            status="indeterminate",
            severity=rule.severity_unknown,
            fired=True,
            texts=(
                render(messages["indeterminate"], fill),
                render(messages["patient_indeterminate"], fill),
                messages["next_step_dose_unit"],
            ),
            notes=notes,
            **common,
        )
    if not over:
        return make_finding(
            data, rule, status="adequate", severity="info", fired=False,
            texts=(rule.checked_text, "", ""),
            notes=notes, **common,
        )  # fmt: skip
    return make_finding(
        data,
        rule,
        status="high",
        severity=rule.severity,
        fired=True,
        # Rendered on first read; the next step is the rule's own text (a worklist's).
        texts=(Later(texts, 0), Later(texts, 1), rule.next_step),
        notes=notes,
        **common,
    )
