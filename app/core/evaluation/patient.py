"""One patient's data made ready for rules: results by analyte, regimen, stack.

Built once per ``evaluate`` call, then shared by every rule: observations are
filtered (excluded, non-numeric and future results dropped), grouped by analyte
and sorted; conversions to canonical units, threshold look-ups, derived values
and injection timings are computed on first use and cached.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import date, timedelta

from app.core.evaluation.derived_adapter import derived_points, narrowed
from app.core.evaluation.findings import ActiveComponent, StackEntry
from app.core.evaluation.held import HeldResults, HistoryNotHeld
from app.core.evaluation.points import Point, Resolved
from app.core.evaluation.regimen import RegimenIndex
from app.core.evaluation.rules_model import InputSpec, RulePack
from app.core.evaluation.timing import DepotTiming, DrawTiming, draw_timing
from app.core.knowledge import KnowledgeBase, UnitNotConvertible
from app.core.models import Observation, Patient

_new_tuple = tuple.__new__
_UNSET = object()


def _collected(obs: Observation):  # noqa: ANN202 - datetime
    return obs.collected_at


def _time_order(obs: Observation) -> tuple:
    return (obs.collected_at, obs.id)


class PatientData:
    """The patient-level caches every rule of one evaluation shares."""

    def __init__(
        self,
        patient: Patient,
        index: RegimenIndex,
        observations: Iterable[Observation],
        kb: KnowledgeBase,
        pack: RulePack,
        as_of: date,
        components: tuple[ActiveComponent, ...],
        stack: tuple[StackEntry, ...],
        protocols: tuple[str, ...],
        guidelines: Mapping[str, str],
        depots: Mapping[str, Mapping[str, DepotTiming]],
        threshold_cache: dict | None = None,
        include_checks: bool = True,
        unit_factors: dict | None = None,
    ) -> None:
        self.patient = patient
        self.index = index
        self.kb = kb
        self.pack = pack
        self.as_of = as_of
        self.components = components
        self.stack = stack
        self.stack_nutrients = {entry.nutrient for entry in stack}
        self.protocols = protocols
        self.guidelines = guidelines
        self.depots = depots
        self.sex = patient.sex_at_birth
        self.age = patient.age_on(as_of)
        if isinstance(observations, HeldResults):
            # A clinic-wide read: already usable, grouped and in time order.
            self._observations: list | None = None
            self._raw = observations.by_analyte
            self._complete_from = observations.complete_from
            self._read = observations.analytes
        else:
            self._observations = [
                obs
                for obs in observations
                if not obs.excluded_reason
                and obs.value is not None
                and obs.collected_at.date() <= as_of
            ]
            grouped: dict[str, list[Observation]] = defaultdict(list)
            for obs in self._observations:
                grouped[obs.analyte_key].append(obs)
            for rows in grouped.values():
                rows.sort(key=_collected)
            self._raw = grouped
            self._complete_from = {}
            self._read = None
        # Analytes with a result on file (a live view; derived ones are not listed).
        self.on_file = self._raw.keys()
        self._points: dict[str, list[Point]] = {}
        self._latest: dict[str, Point | None] = {}
        self._dates: dict[str, list[date]] = {}
        self._resolved: dict[tuple[str, int], Resolved] = {}
        self._resolved_by_spec: dict[int, tuple[InputSpec, Resolved]] = {}
        self._timings: dict[str, DrawTiming | None] = {}
        self._resolvable: set[str] = set()  # analytes ``ensure_held`` found held
        # Derived values are needed for the latest draw (and the one before, for
        # trends): derive from the rule pack's longest freshness window only.
        self._derive_since = as_of - timedelta(days=pack.derive_window_days)
        self.status_map = pack.status_map
        self.threshold_cache = threshold_cache if threshold_cache is not None else {}
        self.include_checks = include_checks
        self.unit_factors = unit_factors if unit_factors is not None else {}
        derived = self.unit_factors.get(("derived analytes",))
        if derived is None:
            derived = frozenset(k for k, a in kb.analytes.items() if a.kind == "derived")
            self.unit_factors[("derived analytes",)] = derived
        self._derived: frozenset[str] = derived
        # Substance keys and roles of active components, for quick applicability tests.
        self.active_keys = frozenset(
            {c.substance for c in components} | {role for c in components for role in c.roles}
        )
        # Gate name -> (active, its trace note, or None until a finding asks for it).
        self.gate_cache: dict[str, tuple[bool | None, str | None]] = {}
        # Test number -> (answer, causes): the quick pass's answers, shared by the rules
        # that ask the same test (``verdicts``).
        self.answers: dict[int, tuple] = {}
        # (id of an input spec, stale allowed) -> (that spec, (band words, threshold set,
        # its label) of this patient's result, or why it cannot be judged).
        self.band_cache: dict = {}
        # (id of an input spec, stale allowed) -> (that spec, its range used or why none).
        self.range_cache: dict = {}
        # id of an input spec -> (that spec, its TraceValue), shared by findings' traces.
        self.trace_values: dict = {}
        # Band words -> finding statuses (a pure mapping, shared by every evaluation).
        self.status_cache: dict = self.unit_factors.setdefault(("status_map",), {})

    def components_matching_item(self, item, keys: Iterable[str]) -> bool:  # noqa: ANN001
        """True when a regimen row's substance key or KB role is in ``keys``."""
        wanted = set(keys)
        if item.substance in wanted:
            return True
        substance = self.kb.substances.get(item.substance)
        return substance is not None and substance.role in wanted

    # -- results ---------------------------------------------------------------------

    def unit_label(self, unit: str) -> str:
        """Display spelling of a unit (``ug/dL`` -> ``µg/dL``), cached across patients."""
        label = self.unit_factors.get(("label", unit))
        if label is None:
            label = self.kb.unit_label(unit)
            self.unit_factors[("label", unit)] = label
        return label

    def has_results(self, analyte: str) -> bool:
        """True when the analyte (or, if derived, its anchor analyte) has any result."""
        if analyte in self._raw:
            return True
        definition = self.kb.derived.definitions.get(analyte)
        if definition is None:
            return bool(self._rows(analyte))  # refuses an analyte the read skipped
        return any(self._rows(item.analyte) for item in definition.inputs if not item.use_default)

    def _is_derived(self, analyte: str) -> bool:
        return analyte in self._derived

    def points(self, analyte: str) -> list[Point]:
        """Every usable result of an analyte, oldest first (for trends and baselines)."""
        found = self._points.get(analyte)
        if found is None:
            if self._is_derived(analyte):
                kb = narrowed(self.kb, analyte, self.unit_factors)
                found = derived_points(
                    kb, self._usable_of(analyte), self.as_of, analyte, self._derive_since
                )
            else:
                found = [self._point(analyte, obs) for obs in self._rows(analyte)]
            self._points[analyte] = found
        return found

    def previous_point(self, analyte: str) -> Point | None:
        """The newest convertible result before the latest one (trends), converting
        only as many results as it walks back over."""
        if analyte in self._points or self._is_derived(analyte):
            candidates = reversed(self.points(analyte)[:-1])
        else:
            raw = self._rows(analyte)
            candidates = (self._point(analyte, raw[i]) for i in range(len(raw) - 2, -1, -1))
        for point in candidates:
            if point.canonical is not None:
                return point
        return None

    def _rows(self, analyte: str) -> list:
        """An analyte's usable results, oldest first; refuses one a clinic-wide read skipped."""
        rows = self._raw.get(analyte)
        if rows is not None:
            return rows
        if self._read is not None and analyte not in self._read:
            raise HistoryNotHeld(analyte)
        return []

    def _usable_of(self, derived: str) -> list:
        """The usable results a derived value may draw on, in time order."""
        if self._observations is not None:
            return self._observations
        definition = self._derived_held(derived)
        rows = [obs for item in definition.inputs for obs in self._rows(item.analyte)]
        rows.sort(key=_time_order)
        return rows

    def _derived_held(self, derived: str):  # noqa: ANN202 - a KB derived definition
        """The definition of a derived value, once sure its sources' window was read."""
        definition = self.kb.derived.definitions[derived]
        # Anchors are tried back to the derive window, partners a few days further.
        earliest = self._derive_since - timedelta(days=definition.max_days_apart)
        for item in definition.inputs:
            self.require_history(item.analyte, earliest)
            self._rows(item.analyte)
        return definition

    def ensure_inputs_held(self, specs: Iterable[InputSpec]) -> None:
        """``ensure_held`` for each input's analyte."""
        if self._read is None:
            return
        resolvable = self._resolvable
        for spec in specs:
            if spec.analyte not in resolvable:
                self.ensure_held(spec.analyte)

    def ensure_held(self, analyte: str) -> None:
        """Raise ``HistoryNotHeld`` now where resolving ``analyte`` later would.

        A finding's trace resolves its rule's inputs on first read; by then the
        clinic-wide run can no longer read the patient whole instead.
        """
        if self._read is None or analyte in self._resolvable:
            return
        if self._is_derived(analyte):
            if analyte not in self._points:
                self._derived_held(analyte)
        else:
            self._rows(analyte)
        self._resolvable.add(analyte)

    def require_history(self, analyte: str, day: date) -> None:
        """Refuse to answer from a partial history when results from ``day`` on may be unread.

        Raises:
            HistoryNotHeld: A clinic-wide read left older results of ``analyte`` unread.
        """
        complete_from = self._complete_from.get(analyte)
        if complete_from is not None and day < complete_from:
            raise HistoryNotHeld(analyte)

    def any_result_between(self, analyte: str, low: date, high: date) -> bool:
        """True when a usable result was collected between ``low`` and ``high`` (inclusive)."""
        if any(low <= day <= high for day in self.dates(analyte)):
            return True
        self.require_history(analyte, low)
        return False

    def latest(self, analyte: str) -> Point | None:
        """The newest usable result of an analyte; converts only that one."""
        found = self._latest.get(analyte, _UNSET)
        if found is not _UNSET:
            return found
        if analyte in self._derived or analyte in self._points:
            rows = self.points(analyte)
            found = rows[-1] if rows else None
        else:
            raw = self._rows(analyte)
            found = self._point(analyte, raw[-1]) if raw else None
        self._latest[analyte] = found
        return found

    def dates(self, analyte: str) -> list[date]:
        """Collection dates of an analyte's usable results, oldest first (no conversion)."""
        found = self._dates.get(analyte)
        if found is None:
            if self._is_derived(analyte):
                found = [p.collected_at.date() for p in self.points(analyte)]
            else:
                found = [obs.collected_at.date() for obs in self._rows(analyte)]
            self._dates[analyte] = found
        return found

    def newest_day(self, analyte: str) -> date | None:
        """Collection date of the newest usable result of an analyte (None: no result)."""
        found = self._dates.get(analyte)
        if found is not None:
            return found[-1] if found else None
        rows = self.points(analyte) if self._is_derived(analyte) else self._rows(analyte)
        return rows[-1].collected_at.date() if rows else None

    def _point(self, analyte: str, obs: Observation) -> Point:
        value = float(obs.value)  # filtered: never None here
        canonical, unit_canonical, error = None, "", ""
        target = self.kb.analytes.get(analyte)
        if target is None:
            error = f"unknown analyte {analyte!r}"
        elif obs.value_canonical is not None and obs.unit_canonical == target.canonical_unit:
            canonical, unit_canonical = obs.value_canonical, target.canonical_unit
        else:
            factor = self.unit_factors.get((analyte, obs.unit))
            if factor is None:
                try:
                    factor = self.kb.unit_factor(analyte, obs.unit)
                except UnitNotConvertible as refused:
                    factor = refused
                self.unit_factors[(analyte, obs.unit)] = factor
            if isinstance(factor, UnitNotConvertible):
                error = factor.reason
            else:
                canonical = factor.to_canonical(value)
                unit_canonical = target.canonical_unit
        # Built as the tuple it is (field order of ``Point``): this runs for every
        # result a clinic-wide run judges, and skips the keyword constructor.
        return _new_tuple(
            Point,
            (analyte, obs.collected_at, value, obs.comparator, obs.unit, canonical)
            + (unit_canonical, obs, error, ()),
        )

    def resolve(self, spec: InputSpec) -> Resolved:
        """The latest result of an input and its freshness.

        Cached per (analyte, freshness window): rules that read the same analyte
        with the same window share one resolution.
        """
        # First by the spec object itself (rules read their inputs many times over):
        # a dict look-up by id is cheaper than hashing a key built from its fields.
        known = self._resolved_by_spec.get(id(spec))
        if known is not None and known[0] is spec:
            return known[1]
        key = (spec.analyte, spec.freshness_days)
        found = self._resolved.get(key)
        if found is not None:
            self._resolved_by_spec[id(spec)] = (spec, found)
            return found
        latest = self.latest(spec.analyte)
        if latest is None:
            found = _new_tuple(Resolved, (spec.analyte, "missing", None, None))
        else:
            age = (self.as_of - latest.collected_at.date()).days
            state = "used" if age <= spec.freshness_days else "stale"
            found = _new_tuple(Resolved, (spec.analyte, state, latest, age))
        self._resolved[key] = found
        self._resolved_by_spec[id(spec)] = (spec, found)  # the spec is kept: its id stays its own
        return found

    def timing_of(self, analyte: str, point: Point | None) -> DrawTiming | None:
        """Injection timing of the latest draw (``point``) when a depot drives this analyte."""
        if point is None:
            return None
        if analyte in self._timings:
            return self._timings[analyte]
        depots = self.depots.get(analyte)
        found = draw_timing(self.index.items, depots, point.collected_at) if depots else None
        self._timings[analyte] = found
        return found

    def default_range(self, analyte: str):  # noqa: ANN201 - a KB ReferenceRange or None
        """The KB's default reference range for this patient's sex and age (kept per pack)."""
        key = ("range", analyte, self.sex, self.age)
        memo = self.unit_factors
        if key in memo:
            return memo[key]
        found = memo[key] = self.kb.reference_range(analyte, self.sex, self.age)
        return found

    # -- regimen ---------------------------------------------------------------------

    def takes(self, nutrients: Iterable[str]) -> bool:
        """True when a supplement of one of these nutrients is active."""
        return any(n in self.stack_nutrients for n in nutrients)

    def components_matching(self, keys: Iterable[str]) -> list[ActiveComponent]:
        """Active components whose substance key or role is in ``keys``."""
        wanted = set(keys)
        return [c for c in self.components if c.substance in wanted or wanted & set(c.roles)]
