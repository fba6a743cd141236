"""Trend series: one object the screen chart and the PDF chart both draw.

``build_trend_series`` is pure: it takes a patient, the regimen rows, the
observations and the knowledge base, and returns a ``TrendSeries`` with values in
the unit system asked for, the bands to shade (the lab's reference range and the
protocol target, kept apart), censored results at their limit, and one regimen
lane per substance with its dose steps and steady-state windows.

A point's status (low, in range, high) is the Results tab's judgement of the same
result, from ``app.core.result_range.result_line``: the lab's range or flag, else the
knowledge base's range for the patient's sex and age on the day it was drawn. The
shaded band shows the latest lab range (or the KB's); a point is still judged by
its own, which its tooltip names.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache

from app.core.derived import derive_series
from app.core.knowledge import KnowledgeBase, UnitNotConvertible
from app.core.models import Observation, Patient, RegimenItem
from app.core.result_range import ResultLine, result_line
from app.core.series_regimen import (  # noqa: F401  (re-exported: one import for callers)
    RegimenLane,
    RegimenStep,
    change_text,
    regimen_lanes_for,
    substance_label,
)
from app.core.units import normalise_unit

UNIT_SYSTEMS = ("conventional", "si")
STATUSES = ("low", "normal", "high", "unknown")


@dataclass(frozen=True, slots=True)
class SeriesPoint:
    """One result as drawn: ``value`` is in the series' display unit.

    A censored result (``<0.5``) sits at its limit with ``censored`` set; the
    chart marks it apart and keeps it out of any trend line.
    """

    collected_at: datetime
    value: float
    raw_value: str
    comparator: str | None
    censored: bool
    excluded: bool
    flag: str
    lab: str
    unit_reported: str
    status: str
    observation_id: int | None
    note: str = ""
    range_text: str = ""  # the range it was judged by, in the reported unit ("" if none)


@dataclass(frozen=True, slots=True)
class Band:
    """A shaded range in the display unit; ``None`` on a side means open there."""

    kind: str  # 'reference' | 'target'
    low: float | None
    high: float | None
    label: str
    source: str


@dataclass(frozen=True, slots=True)
class AnalyteSeries:
    """One analyte's lane: points, bands and where the lab or the unit changed."""

    key: str
    label: str
    unit: str
    points: tuple[SeriesPoint, ...]
    bands: tuple[Band, ...]
    lab_changes: tuple[datetime, ...] = ()
    unit_changes: tuple[datetime, ...] = ()
    derived: bool = False
    inputs_note: str = ""
    unplotted: int = 0  # results without a convertible number (QNS, unknown unit)
    unit_label: str = ""  # the unit as people write it (``T-score``, ``µg/dL``)

    def band(self, kind: str) -> Band | None:
        """The first band of ``kind`` ('reference' or 'target'), if any."""
        return next((b for b in self.bands if b.kind == kind), None)


def is_limit(band: Band) -> bool:
    """True for an action limit: a protocol target bounded on one side only.

    PSA above 4 ng/mL (refer to urology) or haematocrit above 54 % (reduce the dose)
    is a line to stay on one side of, not a range to aim for: the screen and the
    printed charts both draw it as a dashed line at its bound, not a shaded band.
    """
    return band.kind == "target" and (band.low is None) != (band.high is None)


def limit_bound(band: Band) -> float:
    """The value an action limit (``is_limit``) draws its line at."""
    return band.high if band.high is not None else band.low


def limit_label(band: Band) -> str:
    """An action limit's words, without the 'Target: ' a protocol target's label has."""
    return band.label.removeprefix("Target: ")


@dataclass(frozen=True, slots=True)
class TrendSeries:
    """Everything a trend chart draws for one patient."""

    patient_id: int | None
    analytes: tuple[AnalyteSeries, ...]
    regimen_lanes: tuple[RegimenLane, ...]
    start: date | None
    end: date | None
    unit_system: str = "conventional"

    def analyte(self, key: str) -> AnalyteSeries | None:
        return next((a for a in self.analytes if a.key == key), None)


def build_trend_series(
    kb: KnowledgeBase,
    patient: Patient,
    regimen: Sequence[RegimenItem],
    observations: Iterable[Observation],
    analyte_keys: Sequence[str],
    *,
    unit_system: str = "conventional",
    start: date | None = None,
    end: date | None = None,
    protocols: Sequence[str] = (),
) -> TrendSeries:
    """Build the trend series for ``analyte_keys`` between ``start`` and ``end``.

    Args:
        kb: The knowledge base (units, ranges, targets, steady-state times).
        patient: The patient (sex and age pick the KB reference range).
        regimen: Every regimen row of the patient.
        observations: The patient's observations (any analytes; others are ignored).
        analyte_keys: Analytes to draw, in lane order; unknown keys are skipped.
        unit_system: ``conventional`` (canonical unit) or ``si`` (the analyte's SI unit).
        start: First day shown (inclusive); None for the earliest data.
        end: Last day shown (inclusive); None for the latest data.
        protocols: Active protocol keys; their targets become target bands.

    Raises:
        ValueError: If ``unit_system`` is not one of ``UNIT_SYSTEMS``.
    """
    if unit_system not in UNIT_SYSTEMS:
        raise ValueError(f"unit_system must be one of {UNIT_SYSTEMS}, got {unit_system!r}")
    observations = list(observations)
    as_of = end or max((o.collected_at for o in observations), default=None)
    if isinstance(as_of, datetime):
        as_of = as_of.date()
    age = patient.age_on(as_of) if as_of else None
    # One pass groups the results by analyte: each lane then reads only its own rows
    # (20 lanes over 10,000 results were 400,000 comparisons).
    by_key: dict[str, list[Observation]] = {}
    for obs in observations:
        by_key.setdefault(obs.analyte_key, []).append(obs)
    derived_values = None
    lanes = []
    # The window as times (whole days, end inclusive): one comparison per result.
    first = datetime.combine(start, time.min) if start is not None else datetime.min
    after_last = datetime.combine(end + timedelta(days=1), time.min) if end else datetime.max
    for key in analyte_keys:
        analyte = kb.analytes.get(key)
        if analyte is None:
            continue
        own = by_key.get(key, [])
        if key in kb.derived.definitions:
            if derived_values is None:
                derived_values = derive_series(kb, observations)
            rows = _derived_observations(kb, key, derived_values, patient.id)
        else:
            rows = own
        if start is not None or end is not None:
            rows = [o for o in rows if first <= o.collected_at < after_last]
        rows = sorted(rows, key=_time_order)
        lanes.append(_analyte_series(kb, key, rows, own, patient, age, unit_system, protocols))
    regimen_lanes = regimen_lanes_for(kb, regimen)
    return TrendSeries(
        patient_id=patient.id,
        analytes=tuple(lanes),
        regimen_lanes=regimen_lanes,
        start=start or _first_day(lanes, regimen_lanes),
        end=end or _last_day(lanes, regimen_lanes),
        unit_system=unit_system,
    )


# -- analytes ------------------------------------------------------------------------


def display_unit(kb: KnowledgeBase, key: str, unit_system: str) -> str:
    """The unit a series is drawn in: canonical, or the analyte's SI unit."""
    analyte = kb.analyte(key)
    if unit_system == "si" and analyte.si_unit:
        return analyte.si_unit
    return analyte.canonical_unit


def _to_display(kb: KnowledgeBase, key: str, canonical: float, unit: str) -> float:
    if unit == kb.analyte(key).canonical_unit:
        return canonical
    return kb.from_canonical(key, canonical, unit)


def _time_order(obs: Observation) -> tuple:
    return (obs.collected_at, obs.id or 0)


def _analyte_series(kb, key, rows, stored, patient, age, unit_system, protocols):
    """One lane; ``stored`` are the analyte's stored results (lab ranges come from them)."""
    analyte = kb.analyte(key)
    unit = display_unit(kb, key, unit_system)
    derived = key in kb.derived.definitions
    reference = _reference_band(kb, key, stored, patient, age, unit)
    bands = ([reference] if reference else []) + _target_bands(kb, key, protocols, unit)
    points, unplotted = [], 0
    # The factor is looked up once per lane, not once per result.
    same_unit = unit == analyte.canonical_unit
    sex = patient.sex_at_birth
    for obs in rows:
        if obs.value_canonical is None:
            unplotted += 1
            continue
        value = (
            obs.value_canonical if same_unit else kb.from_canonical(key, obs.value_canonical, unit)
        )
        # The Results tab's judgement of this result (one judgement, one place).
        line = result_line(kb, obs, sex, patient.age_on(obs.collected_at.date()))
        # Positional, in SeriesPoint's field order: a lane of 500 builds 500 of these.
        points.append(
            SeriesPoint(
                obs.collected_at,
                value,
                obs.raw_value,
                obs.comparator,
                obs.comparator is not None,  # censored
                bool(obs.excluded_reason),  # excluded
                obs.flag,
                obs.lab,
                obs.unit,
                line.status,
                obs.id,
                obs.excluded_reason or obs.note,
                _range_text(kb, line, obs.unit),
            )
        )
    return AnalyteSeries(
        key=key,
        label=analyte.name,
        unit=unit,
        points=tuple(points),
        bands=tuple(bands),
        lab_changes=_changes(points, lambda p: p.lab.strip()),
        unit_changes=() if derived else _changes(points, lambda p: _unit_of(p.unit_reported)),
        derived=derived,
        inputs_note=_inputs_note(kb, key) if derived else "",
        unplotted=unplotted,
        unit_label=kb.unit_label(unit) if unit else "",
    )


# A lane of 500 results has one or two distinct unit spellings: normalise each once.
_unit_of = lru_cache(maxsize=1024)(normalise_unit)


def _changes(points: Sequence[SeriesPoint], attribute) -> tuple[datetime, ...]:
    """Times where ``attribute`` differs from the last point that had one."""
    found, last = [], None
    for point in points:
        current = attribute(point)
        if not current:
            continue
        if last is not None and current != last:
            found.append(point.collected_at)
        last = current
    return tuple(found)


def _reference_band(kb, key, observations, patient, age, unit) -> Band | None:
    """The most recent lab-reported range, else the KB default for sex and age."""
    with_range = [
        o
        for o in observations
        if o.analyte_key == key and (o.ref_low is not None or o.ref_high is not None)
    ]
    for obs in sorted(with_range, key=lambda o: o.collected_at, reverse=True):
        try:
            low = _bound(kb, key, obs.ref_low, obs.unit, unit)
            high = _bound(kb, key, obs.ref_high, obs.unit, unit)
        except (UnitNotConvertible, KeyError):
            continue
        lab = obs.lab or "the lab"
        label = f"Reference range ({lab}, {obs.collected_at.date().isoformat()})"
        return Band("reference", low, high, label, obs.lab or "lab report")
    kb_range = kb.reference_range(key, patient.sex_at_birth, age)
    if kb_range is None or (kb_range.low is None and kb_range.high is None):
        return None
    low = None if kb_range.low is None else _to_display(kb, key, kb_range.low, unit)
    high = None if kb_range.high is None else _to_display(kb, key, kb_range.high, unit)
    label = f"Reference range (KB: {kb_range.label})" if kb_range.label else "Reference range (KB)"
    return Band("reference", low, high, label, kb_range.citation)


def _bound(kb, key, value, reported_unit, unit) -> float | None:
    if value is None:
        return None
    return _to_display(kb, key, kb.to_canonical(key, value, reported_unit), unit)


def _target_bands(kb, key, protocols, unit) -> list[Band]:
    """The first target of each active protocol for ``key`` (the KB lists the preferred first)."""
    bands = []
    for protocol_key in protocols:
        protocol = kb.protocols.get(protocol_key)
        if protocol is None:
            continue
        target = next((t for t in protocol.targets if t.analyte == key), None)
        if target is None:
            continue
        low = None if target.low is None else _to_display(kb, key, target.low, unit)
        high = None if target.high is None else _to_display(kb, key, target.high, unit)
        bands.append(Band("target", low, high, f"Target: {target.label}", target.citation))
    return bands


def _range_text(kb: KnowledgeBase, line: ResultLine, unit: str) -> str:
    """'1.823 – 2.31 mg/dL (knowledge base)': the range a point was judged by."""
    found = line.range
    if found is None or not found.text:
        return ""
    label = kb.unit_label(unit) if unit else ""
    whose = "knowledge base" if found.from_kb else (line.observation.lab or "lab")
    return f"{found.text} {label}".rstrip() + f" ({whose})"


def _derived_observations(kb, key, values, patient_id) -> list[Observation]:
    """Computed values of ``key`` as observations in the canonical unit."""
    rows = []
    canonical = kb.analyte(key).canonical_unit
    for value in values:
        if value.key != key or not value.ok or value.value is None:
            continue
        try:
            converted = kb.to_canonical(key, value.value, value.unit)
        except UnitNotConvertible:
            continue
        inputs = ", ".join(
            f"{kb.analytes[i.analyte_key].short_name or i.analyte_key}"
            f"{' (default)' if i.default_used else ''}"
            for i in value.inputs
            if i.analyte_key in kb.analytes
        )
        rows.append(
            Observation(
                id=None,
                patient_id=patient_id or 0,
                analyte_key=key,
                collected_at=value.collected_at,
                raw_value=f"{value.value:.4g} {value.unit} (calculated)",
                value=value.value,
                unit=value.unit,
                value_canonical=converted,
                unit_canonical=canonical,
                source="derived",
                note=f"from {inputs}" + ("; " + "; ".join(value.notes) if value.notes else ""),
            )
        )
    return rows


def _inputs_note(kb: KnowledgeBase, key: str) -> str:
    definition = kb.derived.definitions[key]
    names = ", ".join(
        kb.analytes[i.analyte].name if i.analyte in kb.analytes else i.analyte
        for i in definition.inputs
    )
    return f"Calculated from {names}"  # the analyte name already says how (Vermeulen)


# -- window --------------------------------------------------------------------------


def data_span(series: TrendSeries) -> tuple[date, date] | None:
    """The first and last day the series has something to draw, inside its window.

    Results, and the regimen steps that overlap the window (clipped to it; a step
    still taken runs to the window's end). A chart opens on this span rather than the
    whole window: a patient with a week of results is not shown three empty years.
    """
    days = [p.collected_at.date() for lane in series.analytes for p in lane.points]
    for lane in series.regimen_lanes:
        for step in lane.steps:
            stop = step.end or series.end or step.start
            if series.start and stop < series.start:
                continue
            if series.end and step.start > series.end:
                continue
            days.append(max(step.start, series.start) if series.start else step.start)
            days.append(min(stop, series.end) if series.end else stop)
    if not days:
        return None
    return min(days), max(days)


def _first_day(lanes, regimen_lanes) -> date | None:
    days = [p.collected_at.date() for lane in lanes for p in lane.points]
    days += [lane.steps[0].start for lane in regimen_lanes if lane.steps]
    return min(days, default=None)


def _last_day(lanes, regimen_lanes) -> date | None:
    days = [p.collected_at.date() for lane in lanes for p in lane.points]
    days += [s.end or s.start for lane in regimen_lanes for s in lane.steps]
    return max(days, default=None)
