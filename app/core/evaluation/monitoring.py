"""``kind = "monitoring"`` rules: gaps in the KB protocol monitoring schedule.

For each protocol detected from the active regimen and each analyte of each
schedule item:

* ``baseline``: a result within ``baseline_window_days`` before the therapy
  began (or ``baseline_grace_days`` after); reported while the therapy is
  younger than ``baseline_report_days``. A test first drawn once therapy had
  begun is ``no_baseline``: it can no longer be drawn, so it reads as
  ``params.no_baseline`` says (info, no severity override, its own patient text
  and next step: the first on-therapy result is the reference).
* ``after_start`` / ``after_dose_change``: a result drawn from ``weeks_min``
  (less ``tolerance_days``) after the start or latest dose change of a required
  component. Due inside the window (info), overdue after ``weeks_max``;
  not reported once more than ``overdue_report_days`` have passed (the
  periodic check takes over).
* ``periodic``: the last result is older than ``every_months``, or there is none
  although the therapy has run that long.
* ``as_indicated``: never a gap; the clinician decides.

Day counts are rule parameters in rules.toml; weeks and months come from the KB.
"""

from __future__ import annotations

from datetime import date, timedelta

from app.core.evaluation.build import (
    component_label,
    make_finding,
    marker_label,
    subject_fingerprint,
)
from app.core.evaluation.findings import (
    ActiveComponent,
    Finding,
    TraceRange,
    TraceValue,
    severity_rank,
)
from app.core.evaluation.patient import PatientData
from app.core.evaluation.rules_model import Rule
from app.core.evaluation.texts import format_age, join_words, render

_DAYS_PER_MONTH = 365.25 / 12
PARAMS = (
    "baseline_window_days",
    "baseline_grace_days",
    "baseline_report_days",
    "tolerance_days",
    "overdue_report_days",
)


def _required(data: PatientData, protocol_key: str) -> list[ActiveComponent]:
    protocol = data.kb.protocols[protocol_key]
    wanted = {s for c in protocol.components if c.required for s in c.substances}
    return [c for c in data.components if c.substance in wanted]


def evaluate_monitoring(data: PatientData, rule: Rule) -> list[Finding]:
    """One finding per protocol and test with a gap in its monitoring schedule.

    A test can be due under several schedule items at once (the check after starting
    therapy and the one after a dose change, say); it is one thing to order, so the
    most pressing gap makes the finding and the others are named in it.
    """
    results: list[Finding] = []
    for key in data.protocols:
        components = _required(data, key)
        if not components:
            continue
        start = min(c.therapy_start for c in components)
        gaps: dict[str, list[tuple]] = {}
        for item in data.kb.protocols[key].monitoring:
            gap_of = _item_gaps(data, rule, item, components, start)
            if gap_of is None:  # no result of this item can be missing today
                continue
            for analyte in item.analytes:
                gap = gap_of(analyte)
                if gap is not None:
                    gaps.setdefault(analyte, []).append((item, *gap))
        for analyte, found in gaps.items():
            results.append(_finding(data, rule, key, analyte, components, found))
    return results


def _pressing(gap: tuple) -> tuple[int, bool, date]:
    """Sort key of a gap: its severity, a check still to order before a missed baseline,
    then the later event it dates from."""
    item, _status, severity, since, _detail = gap
    return (severity_rank("info" if item.draft else severity), item.when != "baseline", since)


def _item_gaps(data, rule, item, components, start):  # noqa: ANN001, ANN202 - internal
    """One schedule item as of today: a function of an analyte giving its gap
    ``(status, severity, since, detail)`` or None when on schedule; None when no
    analyte of the item can have a gap today (whatever its results).

    ``start`` is the therapy start of the protocol's required ``components``.
    """
    p = rule.params
    as_of = data.as_of
    if item.when == "baseline":
        if (as_of - start).days > p["baseline_report_days"]:
            return None
        low = start - timedelta(days=p["baseline_window_days"])
        high = start + timedelta(days=p["baseline_grace_days"])

        def baseline_gap(analyte: str) -> tuple | None:
            if data.any_result_between(analyte, low, high):
                return None
            detail = (
                f"no baseline result from the {p['baseline_window_days']} days before therapy "
                f"began on {start.isoformat()}"
            )
            later = [day for day in data.dates(analyte) if day > high]
            if later:  # measured, but only once therapy had begun: no baseline, not unmeasured
                # A baseline cannot be drawn any more: nothing to order (params.no_baseline).
                detail += f" (first result {later[0].isoformat()}, after therapy began)"
                return "no_baseline", _no_baseline(rule)["severity"], start, detail
            return "not_measured", rule.severity, start, detail

        return baseline_gap
    if item.when in ("after_start", "after_dose_change"):
        if item.weeks_min is None or item.weeks_max is None:
            return None
        if item.when == "after_start":
            anchor, what = start, "starting therapy"
        else:
            changes = [c.last_change for c in components if c.last_change is not None]
            if not changes:
                return None
            anchor, what = max(changes), "the dose change"
        opens = anchor + timedelta(days=round(item.weeks_min * 7))
        closes = anchor + timedelta(days=round(item.weeks_max * 7))
        if as_of < opens or (as_of - closes).days > p["overdue_report_days"]:
            return None
        earliest = opens - timedelta(days=p["tolerance_days"])

        weeks = (as_of - anchor).days // 7
        window = f"{item.weeks_min:g}"
        if item.weeks_min != item.weeks_max:
            window += f"-{item.weeks_max:g}"
        yet = "yet " if as_of <= closes else ""

        def after_gap(analyte: str) -> tuple | None:
            newest = data.newest_day(analyte)
            if newest is not None and newest >= earliest:
                return None
            due = f"due {window} weeks after it"
            if newest is not None and newest >= anchor:  # drawn since, before the window
                due = f"the last, on {newest.isoformat()}, came before it; {due}"
            detail = f"none {yet}since {what} {weeks} weeks ago ({due})"
            return "not_measured", "info" if yet else rule.severity, anchor, detail

        return after_gap
    if item.when == "periodic" and item.every_months:
        period = round(item.every_months * _DAYS_PER_MONTH)
        if (as_of - start).days < period:
            return None

        def periodic_gap(analyte: str) -> tuple | None:
            newest = data.newest_day(analyte)
            if newest is None:
                detail = f"never measured on therapy (schedule: every {item.every_months:g} months)"
                return "not_measured", rule.severity, start, detail
            age = (as_of - newest).days
            if age <= period:
                return None
            detail = (
                f"last result {format_age(age)} ago (schedule: every {item.every_months:g} months)"
            )
            return "stale", rule.severity, newest, detail

        return periodic_gap
    return None


def _finding(data, rule, key, analyte, components, gaps):  # noqa: ANN001, ANN202
    gaps = sorted(gaps, key=_pressing, reverse=True)
    item, status, severity, since, detail = gaps[0]
    protocol = data.kb.protocols[key]
    overrides = rule.params.get("severity_overrides", {})
    if severity != "info" and status != "no_baseline":  # a missed baseline is not raised
        severity = overrides.get(analyte, severity)
    if item.draft:
        severity = "info"
    also = [other[4] for other in gaps[1:] if other[4] != detail]
    values = {
        "analyte": marker_label(data, analyte),
        "protocol": protocol.name,
        "since": since.isoformat(),
        "weeks": str((data.as_of - since).days // 7),
        "months": str(round((data.as_of - since).days / _DAYS_PER_MONTH)),
        # The knowledge base's names ("Testosterone cypionate"), as condition rules print them.
        "components": join_words([component_label(data, c) for c in components]) or "the protocol",
        "marker": marker_label(data, analyte),
        "gap": "; also ".join([detail, *also]),
    }
    lookup = lambda name, _field: values.get(name, "{" + name + "}")  # noqa: E731
    notes = []
    for gap_item, *_rest, gap_detail in gaps:
        notes.append(f"{protocol.name}: {_schedule(gap_item)} ({gap_detail}).")
        if gap_item.note:
            notes.append(gap_item.note)
        if gap_item.draft:
            notes.append("Schedule item is a draft in the knowledge base (needs a primary source).")
    last = data.latest(analyte)
    trace_value = (
        TraceValue(
            name=analyte,
            analyte=analyte,
            state="stale" if status == "stale" else "used",
            observation_id=last.observation.id if last.observation else None,
            collected_at=last.collected_at,
            value=last.value,
            comparator=last.comparator,
            unit=last.unit,
            value_canonical=last.canonical,
            unit_canonical=last.unit_canonical,
            age_days=(data.as_of - last.collected_at.date()).days,
        )
        if last is not None
        else TraceValue(name=analyte, analyte=analyte, state="missing")
    )
    clinician = render(rule.clinician_text, lookup)
    return make_finding(
        data,
        rule,
        status=status,
        severity=severity,
        fired=True,
        texts=(clinician, *_patient_and_next(rule, status, lookup)),
        components=components,
        notes=notes,
        marker=analyte,
        fingerprint=subject_fingerprint(rule, f"{key}|{analyte}"),
        values=(trace_value,),
        ranges=[
            TraceRange(
                analyte,
                "schedule",
                None,
                None,
                "",
                _schedule(gap_item),
                gap_item.citation or "",
                "",
                gap_detail,
            )
            for gap_item, *_rest, gap_detail in gaps
        ],
        # Each schedule item's own source; a draft item without one: its protocol's.
        citations=list(dict.fromkeys(g[0].citation for g in gaps if g[0].citation))
        or list(protocol.citations),
        evidence_grade=_grade(data, item),
    )


def _no_baseline(rule: Rule) -> dict:
    """``params.no_baseline``: the severity, patient text and next step of a baseline
    missed for good (the test was first drawn once therapy had begun)."""
    return dict(rule.params["no_baseline"])


def _patient_and_next(rule: Rule, status: str, lookup) -> tuple[str, str]:  # noqa: ANN001
    """The patient text and next step: a missed baseline has its own (nothing to order:
    the first on-therapy result is the reference), every other gap the rule's."""
    if status == "no_baseline":
        own = _no_baseline(rule)
        return render(own["patient_text"], lookup), own["next_step"]
    return render(rule.patient_text, lookup), rule.next_step


def _schedule(item) -> str:  # noqa: ANN001 - a KB MonitoringItem
    """The schedule item in words, as a trace shows it: ``4-6 weeks after a dose change``,
    ``52 weeks after starting therapy``, ``at baseline``, ``every 12 months``."""
    weeks = ""
    if item.weeks_min is not None:
        high = item.weeks_max if item.weeks_max is not None else item.weeks_min
        span = f"{item.weeks_min:g}" if high == item.weeks_min else f"{item.weeks_min:g}-{high:g}"
        weeks = f"{span} weeks"
    when = {
        "baseline": "at baseline, before therapy",
        "after_start": f"{weeks} after starting therapy" if weeks else "after starting therapy",
        "after_dose_change": f"{weeks} after a dose change" if weeks else "after a dose change",
        "periodic": weeks or "periodically",
        "as_indicated": "as indicated",
    }.get(item.when, item.when.replace("_", " "))
    if item.every_months:
        when = (
            f"every {item.every_months:g} months"
            if item.when == "periodic"
            else (f"{when}, then every {item.every_months:g} months")
        )
    return when


def _grade(data: PatientData, item) -> str:  # noqa: ANN001 - a KB MonitoringItem
    """The schedule item's own grade: its citation's, or expert opinion for drafts."""
    if item.draft or not item.citation:
        return "expert_opinion"
    return data.kb.citations[item.citation].evidence_grade or "expert_opinion"
