"""Derived values: calculated free and bioavailable testosterone, ratios, corrected calcium.

``vermeulen_free_testosterone`` is the pure formula. ``derive_series`` pairs a patient's
observations (drawn within the knowledge base's pairing window) and computes every
derived analyte the knowledge base defines, with a trace of the inputs used. It never
guesses: a missing, censored, unconvertible or too-distant input makes the value
``indeterminate`` with the reason, and a default (ISSAM albumin) is used only where the
knowledge base allows it and is named in the trace.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from app.core.knowledge import (
    DerivedDefinition,
    DerivedInput,
    KnowledgeBase,
    UnitNotConvertible,
    VermeulenConstants,
)
from app.core.models import Observation

OK = "ok"
INDETERMINATE = "indeterminate"


def vermeulen_free_testosterone(
    total_t_nmol_l: float,
    shbg_nmol_l: float,
    albumin_g_l: float,
    constants: VermeulenConstants,
) -> tuple[float, float]:
    """Return ``(free, bioavailable)`` testosterone in nmol/L by Vermeulen (1999).

    Solves the mass-action quadratic ``a*FT^2 + b*FT - TT = 0`` with
    ``N = 1 + Ka*[Alb]``, ``a = Kt*N`` and ``b = N + Kt*([SHBG] - [TT])`` (molar
    concentrations); bioavailable T is ``N * FT`` (lab-facts §5.2).

    Args:
        total_t_nmol_l: Total testosterone, nmol/L.
        shbg_nmol_l: SHBG, nmol/L.
        albumin_g_l: Albumin, g/L.
        constants: Binding constants and albumin molar mass from the knowledge base.

    Returns:
        Free and bioavailable testosterone, both nmol/L.

    Raises:
        ValueError: If an input is negative or not finite, or albumin is zero.
    """
    for name, value in (
        ("total testosterone", total_t_nmol_l),
        ("SHBG", shbg_nmol_l),
        ("albumin", albumin_g_l),
    ):
        if not math.isfinite(value) or value < 0:
            raise ValueError(f"{name} must be a finite, non-negative number, got {value!r}")
    if albumin_g_l == 0:
        raise ValueError("albumin must be positive")
    total = total_t_nmol_l * 1e-9
    shbg = shbg_nmol_l * 1e-9
    albumin = albumin_g_l / constants.albumin_molar_mass_g_per_mol
    n = 1.0 + constants.ka_albumin_l_per_mol * albumin
    a = constants.kt_shbg_l_per_mol * n
    b = n + constants.kt_shbg_l_per_mol * (shbg - total)
    root = math.sqrt(b * b + 4.0 * a * total)
    # Two algebraically equal forms of the positive root; pick the one that does not
    # subtract nearly equal numbers, so tiny totals keep their precision.
    free = 2.0 * total / (b + root) if b >= 0 else (root - b) / (2.0 * a)
    return free * 1e9, n * free * 1e9


@dataclass(frozen=True, slots=True)
class InputTrace:
    """One input as used: which observation (or default), as reported and as converted."""

    role: str
    analyte_key: str
    observation_id: int | None
    collected_at: datetime | None
    reported_value: float | None
    reported_unit: str
    comparator: str | None
    value: float | None
    unit: str
    days_from_anchor: int | None = None
    default_used: bool = False
    problem: str = ""


@dataclass(frozen=True, slots=True)
class DerivedValue:
    """A computed value with its provenance.

    ``value`` is in ``unit`` (the derived analyte's canonical unit) and None when
    ``status`` is ``indeterminate``; ``reason`` then says why. ``notes`` record
    anything the reader must know (e.g. a default albumin was used).
    """

    key: str
    patient_id: int
    value: float | None
    unit: str
    collected_at: datetime
    status: str
    inputs: tuple[InputTrace, ...]
    reason: str = ""
    method: str = ""
    citation: str = ""
    notes: tuple[str, ...] = ()
    stale: bool = False
    draft: bool = False

    @property
    def ok(self) -> bool:
        """True when the value could be computed."""
        return self.status == OK


def derive_series(
    kb: KnowledgeBase,
    observations: Iterable[Observation],
    as_of: date | datetime | None = None,
) -> list[DerivedValue]:
    """Compute every derived analyte the knowledge base defines from ``observations``.

    Each observation of a definition's anchor (e.g. each total testosterone) yields
    one value, paired with the closest same-patient partner drawn within the pairing
    window. Excluded observations are ignored.

    Args:
        kb: The knowledge base (definitions, constants, pairing window, units).
        observations: Observations of one or more patients, any order.
        as_of: Ignore observations collected after this date or datetime (a date
            includes that whole day) and flag values older than the knowledge
            base's stale age. None: use everything and flag nothing as stale.

    Returns:
        Derived values sorted by collection time, then key.
    """
    groups: dict[tuple[int, str], list[Observation]] = defaultdict(list)
    for observation in observations:
        if observation.excluded or not _on_or_before(observation.collected_at, as_of):
            continue
        groups[(observation.patient_id, observation.analyte_key)].append(observation)
    for group in groups.values():
        group.sort(key=lambda o: (o.collected_at, o.id or 0))

    results = []
    for definition in kb.derived.definitions.values():
        anchor_input = next(i for i in definition.inputs if i.role == definition.anchor)
        for (patient_id, analyte_key), anchors in groups.items():
            if analyte_key != anchor_input.analyte:
                continue
            for anchor in anchors:
                results.append(_derive_one(kb, definition, anchor, patient_id, groups, as_of))
    results.sort(key=lambda v: (v.collected_at, v.key, v.inputs[0].observation_id or 0))
    return results


def _on_or_before(moment: datetime, as_of: date | datetime | None) -> bool:
    if as_of is None:
        return True
    if isinstance(as_of, datetime):
        return moment <= as_of
    return moment.date() <= as_of


def _derive_one(
    kb: KnowledgeBase,
    definition: DerivedDefinition,
    anchor: Observation,
    patient_id: int,
    groups: dict[tuple[int, str], list[Observation]],
    as_of: date | datetime | None,
) -> DerivedValue:
    traces: list[InputTrace] = []
    notes: list[str] = []
    for item in definition.inputs:
        if item.role == definition.anchor:
            traces.append(_trace(kb, item, anchor, anchor))
            continue
        candidates = groups.get((patient_id, item.analyte), [])
        traces.append(_pick_partner(kb, definition, item, anchor, candidates, notes))
    problems = [trace.problem for trace in traces if trace.problem]
    value = None
    if not problems:
        try:
            value = _compute(kb, definition, {t.role: t.value for t in traces})
        except (ValueError, ZeroDivisionError, UnitNotConvertible) as error:
            problems.append(f"cannot compute: {error}")
    if definition.draft:
        notes.append(f"formula still needs a primary source: {definition.note}")
    stale = False
    if as_of is not None:
        today = as_of.date() if isinstance(as_of, datetime) else as_of
        stale = (today - anchor.collected_at.date()).days > kb.derived.stale_after_days
    return DerivedValue(
        key=definition.key,
        patient_id=patient_id,
        value=value,
        unit=kb.analyte(definition.key).canonical_unit,
        collected_at=anchor.collected_at,
        status=INDETERMINATE if problems else OK,
        inputs=tuple(traces),
        reason="; ".join(problems),
        method=definition.method,
        citation=definition.citation,
        notes=tuple(notes),
        stale=stale,
        draft=definition.draft,
    )


def _days_apart(a: Observation, b: Observation) -> int:
    return abs((a.collected_at.date() - b.collected_at.date()).days)


def _day_of(observation: Observation) -> date:
    return observation.collected_at.date()


def _nearest_outside(candidates: list[Observation], at: int) -> list[Observation]:
    """The draws closest in time on each side of position ``at`` of a time-ordered list
    with no draw in the window there: the last time before it and the first after it,
    every draw at those two times (ties are then decided by the caller's order)."""
    near = []
    for step, first in ((-1, at - 1), (1, at)):
        if 0 <= first < len(candidates):
            moment = candidates[first].collected_at
            index = first
            while 0 <= index < len(candidates) and candidates[index].collected_at == moment:
                near.append(candidates[index])
                index += step
    return near


def _pick_partner(
    kb: KnowledgeBase,
    definition: DerivedDefinition,
    item: DerivedInput,
    anchor: Observation,
    candidates: list[Observation],
    notes: list[str],
) -> InputTrace:
    """Choose the input observation closest in time to the anchor, within the window."""
    name = kb.analyte(item.analyte).name
    window = definition.max_days_apart

    def closeness(o: Observation) -> tuple[float, float, int]:
        gap = abs((o.collected_at - anchor.collected_at).total_seconds())
        # Ties go to the later draw, then the higher id, so the choice is stable.
        return (gap, -o.collected_at.timestamp(), -(o.id or 0))

    # ``candidates`` are in time order: the window is one slice of them, found by
    # bisection (a long history has hundreds of anchors and candidates each).
    day = anchor.collected_at.date()
    start = bisect_left(candidates, day - timedelta(days=window), key=_day_of)
    end = bisect_right(candidates, day + timedelta(days=window), key=_day_of)
    first_traced = None
    for observation in sorted(candidates[start:end], key=closeness):
        traced = _trace(kb, item, observation, anchor)
        if not traced.problem:
            return traced
        first_traced = first_traced or traced
    if first_traced is not None:
        return first_traced
    nearest = min(_nearest_outside(candidates, start), key=closeness, default=None)
    if item.use_default and definition.method.startswith("vermeulen"):
        default = kb.derived.vermeulen.default_albumin_g_l
        why = "not measured" if nearest is None else "not drawn within the pairing window"
        notes.append(
            f"{name} {why}: the ISSAM default of {default:g} g/L was used "
            f"(citation {kb.derived.vermeulen.citation})"
        )
        return InputTrace(
            role=item.role,
            analyte_key=item.analyte,
            observation_id=None,
            collected_at=None,
            reported_value=None,
            reported_unit="",
            comparator=None,
            value=default,
            unit=item.unit,
            default_used=True,
        )
    if nearest is None:
        problem = f"missing input: no {name} result"
    else:
        problem = (
            f"inputs too far apart: nearest {name} was drawn {_days_apart(nearest, anchor)} "
            f"days from the {kb.analyte(anchor.analyte_key).name} result "
            f"(window {window} days)"
        )
    return InputTrace(
        role=item.role,
        analyte_key=item.analyte,
        observation_id=None if nearest is None else nearest.id,
        collected_at=None if nearest is None else nearest.collected_at,
        reported_value=None if nearest is None else nearest.value,
        reported_unit="" if nearest is None else nearest.unit,
        comparator=None if nearest is None else nearest.comparator,
        value=None,
        unit=item.unit,
        days_from_anchor=None if nearest is None else _days_apart(nearest, anchor),
        problem=problem,
    )


def _trace(
    kb: KnowledgeBase, item: DerivedInput, obs: Observation, anchor: Observation
) -> InputTrace:
    """Convert one observation to the unit the formula wants, or say why it cannot be."""
    name = kb.analyte(item.analyte).name
    value, problem = None, ""
    if obs.value is None:
        problem = f"no numeric result for {name} ({obs.raw_value!r})"
    elif obs.comparator is not None:
        problem = f"censored input: {name} {obs.comparator}{obs.value:g} {obs.unit}".rstrip()
    elif obs.value_canonical is None:
        problem = f"unconvertible unit: {name} reported in {obs.unit!r}"
    else:
        try:
            canonical = kb.to_canonical(item.analyte, obs.value_canonical, obs.unit_canonical)
            value = kb.from_canonical(item.analyte, canonical, item.unit)
        except UnitNotConvertible:
            problem = f"unconvertible unit: {name} stored in {obs.unit_canonical!r}"
    return InputTrace(
        role=item.role,
        analyte_key=item.analyte,
        observation_id=obs.id,
        collected_at=obs.collected_at,
        reported_value=obs.value,
        reported_unit=obs.unit,
        comparator=obs.comparator,
        value=value,
        unit=item.unit,
        days_from_anchor=_days_apart(obs, anchor),
        problem=problem,
    )


def _compute(kb: KnowledgeBase, definition: DerivedDefinition, values: dict) -> float:
    """Apply the definition's formula and return the result in the canonical unit."""
    method = definition.method
    if method in ("vermeulen_free", "vermeulen_bioavailable"):
        free, bioavailable = vermeulen_free_testosterone(
            values["total"], values["shbg"], values["albumin"], kb.derived.vermeulen
        )
        result = free if method == "vermeulen_free" else bioavailable
    elif method == "ratio":
        if values["denominator"] == 0:
            raise ValueError("the denominator is zero")
        result = values["numerator"] / values["denominator"]
    elif method == "albumin_corrected_calcium":
        params = definition.params
        result = values["calcium"] + params["coefficient"] * (
            params["reference_albumin_g_dl"] - values["albumin"]
        )
    else:  # the loader only admits known methods
        raise ValueError(f"unknown method {method!r}")
    return kb.to_canonical(definition.key, result, definition.output_unit)
