"""One rule evaluated for one patient: the context its condition nodes read.

``RuleRun`` answers the nodes' questions from the shared ``PatientData`` and
keeps what this rule used (ranges, thresholds, notes) and why any answer was
unknown, so the engine can build the finding and its trace.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, timedelta
from typing import NamedTuple

from app.core.evaluation.findings import ActiveComponent, TraceRange
from app.core.evaluation.judgement import Interval, Tri, result_interval
from app.core.evaluation.patient import PatientData
from app.core.evaluation.points import Point, Resolved
from app.core.evaluation.regimen import dose_escalated
from app.core.evaluation.rules_model import Applicability, InputSpec
from app.core.evaluation.texts import format_number
from app.core.formatting import interval_text
from app.core.knowledge.records import ThresholdSet

# Built positionally (all fields, in order) where it runs per result: the named
# tuple's keyword constructor costs several times more.
_new_tuple = tuple.__new__


class RangeUsed(NamedTuple):
    """A reference range and the value judged against it, in the same unit."""

    value: float
    comparator: str | None
    low: float | None
    high: float | None
    unit: str
    kind: str
    label: str
    source: str
    evidence_grade: str = ""


def band_interval(band) -> Interval:  # noqa: ANN001 - a KB ThresholdBand
    """The numbers a KB threshold band covers, honouring its inclusive flags."""
    return Interval(band.low, band.low_inclusive, band.high, band.high_inclusive)


def describe_threshold(thresholds: ThresholdSet, unit_label: str, kb=None) -> str:  # noqa: ANN001 - a KnowledgeBase
    """``Endocrine Society 2011 (Holick): deficient <20; insufficient 20 to <30; adequate ≥30 ng/mL``.

    Bands read with their kb.toml labels (``not low``, never ``not_low``), their bounds
    as the set's logic has them (``osteoporosis ≤-2.5`` for an inclusive upper bound) and
    with the analyte's usual decimals (MaGNet's 0.85 mmol/L is 2.07 mg/dL, not 2.066).
    A set of one cut-off (``low`` / ``not low``) names only the band of concern:
    ``MaGNet 2022 recommended lower limit: low <2.07 mg/dL``.
    """

    def number(value: float) -> str:
        if kb is None:
            return format_number(value)
        return kb.number_text(thresholds.analyte_key, value)

    def word(status: str) -> str:
        found = kb.statuses.get(status) if kb is not None else None
        return found[0].lower() if found else status.replace("_", " ")

    def concern(status: str) -> str:
        found = kb.statuses.get(status) if kb is not None else None
        return found[1] if found else ""

    bands = thresholds.bands
    if len(bands) == 2 and sum(concern(b.status) == "none" for b in bands) == 1:
        bands = tuple(b for b in bands if concern(b.status) != "none")
    parts = []
    for band in bands:
        above = "" if band.low is None else ("≥" if band.low_inclusive else ">") + number(band.low)
        below = (
            "" if band.high is None else ("≤" if band.high_inclusive else "<") + number(band.high)
        )
        if above and below:
            parts.append(f"{word(band.status)} {above} to {below}")
        else:
            parts.append(f"{word(band.status)} {above or below}")
    name = thresholds.name
    if thresholds.version and thresholds.version not in name:
        name = f"{name} ({thresholds.version})"
    return f"{name}: " + "; ".join(parts) + f" {unit_label}"


# An input's band words, the threshold set they come from and its trace label.
Bands = tuple[tuple[str, ...], ThresholdSet, str]


class RuleRun:
    """The evaluation context of one rule for one patient.

    Attributes:
        causes: ``(input, cause)`` for every unknown answer.
        ranges: Ranges, thresholds and limits applied.
        notes: Free-text trace notes.
    """

    __slots__ = (
        "data",
        "inputs",
        "applies_to",
        "allow_stale",
        "causes",
        "ranges",
        "notes",
        "bands",
        "recording",
    )

    def __init__(
        self,
        data: PatientData,
        inputs: Mapping[str, InputSpec],
        applies_to: Applicability,
        allow_stale: bool = False,
        recording: bool = True,
    ) -> None:
        self.data = data
        self.inputs = inputs
        self.applies_to = applies_to
        self.allow_stale = allow_stale
        # False: a run that only judges (a finding's status in outline): no trace entries.
        self.recording = recording
        self.causes: list[tuple[str, str]] = []
        self.ranges: list[TraceRange] = []
        self.notes: list[str] = []
        self.bands: dict[str, tuple[str, ...]] = {}

    # -- bookkeeping -----------------------------------------------------------------

    def unknown(self, name: str, cause: str) -> None:
        self.causes.append((name, cause))

    def record(self, entry: TraceRange) -> None:
        self.ranges.append(entry)

    def note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)

    def patient_sex(self) -> str | None:
        return self.data.sex

    def patient_age(self) -> int | None:
        return self.data.age

    def on_protocol(self, keys: tuple[str, ...]) -> bool:
        return any(key in self.data.protocols for key in keys)

    def change_text(self, earlier: Point, later: Point) -> str:
        """``from -0.6 T-score on 2025-05-22 to -0.9 T-score on 2026-10-22``: two results
        a trend compares, in the canonical unit it compares them in."""
        return f"from {self._shown(earlier)} to {self._shown(later)}"

    def _shown(self, point: Point) -> str:
        kb = self.data.kb
        number = kb.number_text(point.analyte, point.canonical or 0.0, point.unit_canonical)
        unit = self.data.unit_label(point.unit_canonical)
        day = point.collected_at.date().isoformat()
        return f"{point.comparator or ''}{number} {unit} on {day}"

    def resolved(self, name: str) -> Resolved:
        return self.data.resolve(self.inputs[name])

    # -- results ---------------------------------------------------------------------

    def usable(self, name: str, canonical: bool = True, record: bool = True) -> Resolved | None:
        """The input's latest result if it may be judged, else None (cause recorded)."""
        found = self.resolved(name)
        cause = unusable_because(found, self.allow_stale, canonical)
        if cause is None:
            return found
        if record:
            self.unknown(name, cause)
        return None

    def has_thresholds(self, name: str) -> bool:
        """True when a threshold set applies to this input for this patient."""
        return thresholds_for(self.data, self.inputs[name])[0] is not None

    def bands_of(self, name: str) -> tuple[str, ...] | None:
        """KB band words (e.g. ``marginal``) the result may fall in; None if unknown."""
        if name in self.bands:
            return self.bands[name]
        shared = shared_bands(self.data, self.inputs[name], self.allow_stale)
        if type(shared) is str:
            self.unknown(name, shared)
            return None
        bands, thresholds, label = shared
        self.bands[name] = bands
        if not self.recording:
            return bands
        self.record(
            TraceRange(
                name,
                "threshold",
                None,
                None,
                thresholds.unit,
                label,
                thresholds.citation,
                thresholds.evidence_grade,
                "/".join(bands),
            )
        )
        return bands

    def statuses_of(self, name: str) -> tuple[str, ...] | None:
        """Finding statuses (mapped from KB band words) the result may have."""
        bands = self.bands_of(name)
        if bands is None:
            return None
        return statuses_for(self.data, bands)

    def range_of(self, name: str) -> RangeUsed | None:
        """The lab's printed range when the report had one, else the KB default."""
        used = range_used(self.data, self.inputs[name], self.allow_stale)
        if type(used) is str:
            self.unknown(name, used)
            return None
        return used

    def target_of(self, name: str):  # noqa: ANN201 - a KB TargetBand or None
        """The target band for the input's analyte from the patient's protocols."""
        found = protocol_target(self.data, self.inputs[name])
        if found is None:
            self.unknown(name, "no_target")
        return found

    def previous(self, name: str) -> Point | None:
        """The convertible result before the latest one, if any."""
        analyte = self.inputs[name].analyte
        found = self.data.previous_point(analyte)
        if found is None:
            self.data.require_history(analyte, date.min)
        return found

    def baseline(self, name: str, window_days: int) -> Point | None:
        """The last convertible result on or before therapy start, within the window."""
        start = self._therapy_start(())
        if start is None:
            return None
        earliest = start - timedelta(days=window_days)
        analyte = self.inputs[name].analyte
        rows = self.data.points(analyte)
        for point in reversed(rows):
            day = point.collected_at.date()
            if point.canonical is not None and earliest <= day <= start:
                return point
        self.data.require_history(analyte, earliest)
        return None

    # -- regimen ---------------------------------------------------------------------

    def applicable_components(self) -> list[ActiveComponent]:
        """Components that made this rule apply."""
        return applicable_components(self.data, self.applies_to)

    def components_matching(self, keys: tuple[str, ...]) -> list[ActiveComponent]:
        return self.data.components_matching(keys)

    def stack_has(self, nutrients: tuple[str, ...]) -> bool:
        return self.data.takes(nutrients)

    def escalated(self, keys: tuple[str, ...], within_days: int) -> Tri:
        since = self.data.as_of - timedelta(days=within_days)
        answers = []
        for item in self.data.index.active_on(self.data.as_of):
            if not self.data.components_matching_item(item, keys):
                continue
            answer = dose_escalated(self.data.index, item, since)
            if answer:
                before = self.data.index.previous(item)
                self.note(
                    f"{self._name(item)}: dose raised on {item.start_date.isoformat()}, "
                    f"from {_dose(before)} to {_dose(item)}"
                )
            elif answer is None:
                self.note(
                    f"{self._name(item)}: the dose change on {item.start_date.isoformat()} "
                    "cannot be compared with the dose before"
                )
                self.unknown("", "dose_not_comparable")
            answers.append(answer)
        if any(a is True for a in answers):
            return True
        return None if any(a is None for a in answers) else False

    def _name(self, item) -> str:  # noqa: ANN001 - a RegimenItem
        """The substance as the knowledge base names it, else as recorded."""
        known = self.data.kb.substances.get(item.substance)
        return known.name if known is not None else item.label

    def therapy_days(self, keys: tuple[str, ...]) -> int | None:
        start = self._therapy_start(keys)
        return None if start is None else (self.data.as_of - start).days

    def _therapy_start(self, keys: tuple[str, ...]):  # noqa: ANN202 - date | None
        matching = self.components_matching(keys) if keys else self.applicable_components()
        starts = [c.therapy_start for c in matching]
        return min(starts) if starts else None


def _interval(point: Point) -> Interval:
    return result_interval(point.canonical, point.comparator)


# -- judgements shared by every rule of one patient ---------------------------------
# Module functions of (patient data, input spec, stale allowed), so a rule's run and the
# quick pass (``verdicts``) judge alike; each returns the judgement or why there is none.


def unusable_because(found: Resolved, allow_stale: bool, canonical: bool = True) -> str | None:
    """Why a resolved input may not be judged (``missing``, ``stale``, ``unconvertible``)."""
    state = found.state
    if state == "missing":
        return "missing"
    if state == "stale" and not allow_stale:
        return "stale"
    if canonical and found.point.canonical is None:
        return "unconvertible"
    return None


def thresholds_for(data: PatientData, spec: InputSpec):  # noqa: ANN201 - (ThresholdSet | None, extra)
    """The threshold set for an input (guideline option honoured), cached."""
    guideline = spec.guideline or data.guidelines.get(spec.analyte)
    key = (spec.analyte, guideline, data.sex, spec.threshold_context)
    cached = data.threshold_cache.get(key)
    if cached is None:
        found_set = data.kb.thresholds(
            spec.analyte, guideline, sex=data.sex, context=spec.threshold_context
        )
        cached = (found_set, None)
        if found_set is not None:
            label = describe_threshold(found_set, data.unit_label(found_set.unit), data.kb)
            intervals = tuple((b.status, band_interval(b)) for b in found_set.bands)
            cached = (found_set, (label, intervals))
        data.threshold_cache[key] = cached
    return cached


def shared_bands(data: PatientData, spec: InputSpec, allow_stale: bool) -> Bands | str:
    """The bands of an input's result and the threshold set judging it, or why not."""
    # Rules sharing an input (zinc, vitamin D, estradiol...) share the judgement.
    return _kept(data.band_cache, _judge_bands, data, spec, allow_stale)


def _kept(cache: dict, judge: Callable, data: PatientData, spec: InputSpec, allow_stale: bool):  # noqa: ANN202
    """``judge(data, spec, allow_stale)``, kept in the patient's ``cache`` by the spec's id
    (equal specs of a pack are one object: ``rule_sections``)."""
    key = (id(spec), allow_stale)
    known = cache.get(key)
    if known is not None and known[0] is spec:
        return known[1]
    found = judge(data, spec, allow_stale)
    cache[key] = (spec, found)  # the spec is kept: its id stays its own
    return found


def _judge_bands(data: PatientData, spec: InputSpec, allow_stale: bool) -> Bands | str:
    found = data.resolve(spec)
    cause = unusable_because(found, allow_stale)
    if cause is not None:
        return cause
    thresholds, extra = thresholds_for(data, spec)
    if thresholds is None:
        return "no_threshold"
    label, intervals = extra
    point = found.point
    if point.comparator is None:  # most results: is the number in the band?
        value = point.canonical
        bands = tuple(status for status, band in intervals if band.holds_number(value))
    else:  # a censored result: every band its values may fall in
        candidates = _interval(point)
        bands = tuple(status for status, band in intervals if candidates.overlaps(band))
    # The trace entry is made only when a rule's run records it (few are read).
    return bands, thresholds, label


def applicable_components(data: PatientData, applies: Applicability) -> list[ActiveComponent]:
    """The patient's components that make a rule with this applicability apply."""
    if applies.any_hormone:
        return list(data.components)
    keys = set(applies.roles) | set(applies.substances)
    for protocol in applies.protocols:
        if protocol in data.protocols:
            for component in data.kb.protocols[protocol].components:
                keys.update(component.substances)
    return data.components_matching(keys)


def protocol_target(data: PatientData, spec: InputSpec):  # noqa: ANN201 - a KB TargetBand or None
    """The target band for the input's analyte from the patient's protocols.

    The input's ``target`` (a citation key) picks among several bands; when the
    protocol has none from that source, its own first band is used.
    """
    fallback = None
    for key in data.protocols:
        for target in data.kb.protocols[key].targets:
            if target.analyte != spec.analyte:
                continue
            if spec.target in (None, target.citation):
                return target
            fallback = fallback or target
    # The preferred source has no target for this protocol (e.g. a female protocol):
    # use the protocol's own target for the analyte.
    return fallback


def statuses_for(data: PatientData, bands: tuple[str, ...]) -> tuple[str, ...]:
    """Finding statuses (mapped from KB band words) of these bands, cached."""
    found = data.status_cache.get(bands)
    if found is None:
        status_map = data.status_map
        found = tuple(dict.fromkeys(status_map.get(b, "indeterminate") for b in bands))
        data.status_cache[bands] = found
    return found


def range_used(data: PatientData, spec: InputSpec, allow_stale: bool) -> RangeUsed | str:
    """The lab's printed range when the report had one, else the KB default; or why not.

    Kept per patient like band judgements: rules ask for the same input's range on
    either side (zinc above, zinc below).
    """
    return _kept(data.range_cache, _range_used, data, spec, allow_stale)


def _range_used(data: PatientData, spec: InputSpec, allow_stale: bool) -> RangeUsed | str:
    found = data.resolve(spec)
    cause = unusable_because(found, allow_stale, canonical=False)
    if cause is not None:
        return cause
    point = found.point
    obs = point.observation
    if obs is not None and (obs.ref_low is not None or obs.ref_high is not None):
        text = obs.ref_text or "range printed on the lab report"
        return _new_tuple(
            RangeUsed,
            (point.value, point.comparator, obs.ref_low, obs.ref_high, point.unit, "lab_range")
            + (text, obs.lab or "lab report", ""),
        )
    if point.canonical is None:
        return "unconvertible"
    default = data.default_range(point.analyte)
    if default is None or (default.low is None and default.high is None):
        return "no_range"
    return _new_tuple(
        RangeUsed,
        (point.canonical, point.comparator, default.low, default.high, default.unit, "kb_range")
        + (default.label, default.citation, ""),
    )


def _dose(item) -> str:  # noqa: ANN001 - a RegimenItem
    """``100 mg weekly``: a dose and its schedule in words."""
    amount = f"{item.dose:g} {item.dose_unit}".strip() if item.dose is not None else "no dose"
    return f"{amount} {interval_text(item.interval_days)}"
