"""The loaded knowledge base and its lookups: names, LOINC codes, units, ranges, thresholds."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from app.core.knowledge.errors import UnitNotConvertible
from app.core.knowledge.names import normalise_name
from app.core.knowledge.records import (
    Analyte,
    Citation,
    Draft,
    ReferenceRange,
    ThresholdSet,
    UnitFactor,
    UnitInfo,
)
from app.core.knowledge.records_care import DerivedConfig, Nutrient, Protocol, Substance
from app.core.loinc import is_valid_loinc
from app.core.units import normalise_unit

_UNITLESS_DIMENSIONS = ("score", "ratio")


@dataclass(frozen=True)
class KnowledgeBase:
    """Validated clinical content, read once and shared read-only by every layer.

    Build it with ``load_knowledge()``; the constructor does no validation.
    """

    version: str
    title: str
    analytes: Mapping[str, Analyte]
    nutrients: Mapping[str, Nutrient]
    substances: Mapping[str, Substance]
    protocols: Mapping[str, Protocol]
    citations: Mapping[str, Citation]
    units: Mapping[str, UnitInfo]
    derived: DerivedConfig
    statuses: Mapping[str, tuple[str, str]]
    draft_items: tuple[Draft, ...]
    loinc_index: Mapping[str, str] = field(repr=False)
    name_index: Mapping[str, str] = field(repr=False)

    # -- analytes --------------------------------------------------------------------

    def analyte(self, key: str) -> Analyte:
        """Return the analyte ``key``.

        Raises:
            KeyError: If there is no such analyte.
        """
        try:
            return self.analytes[key]
        except KeyError:
            raise KeyError(f"unknown analyte {key!r}") from None

    def analyte_for_loinc(self, code: str) -> Analyte | None:
        """Return the analyte a LOINC code maps to; None for unknown or bad-check-digit codes.

        Codes the knowledge base lists as unconfirmed are deliberately not matched.
        """
        if not is_valid_loinc(code):
            return None
        key = self.loinc_index.get(code.strip())
        return self.analytes[key] if key else None

    def analyte_for_name(self, text: str) -> Analyte | None:
        """Return the analyte whose name, short name, key or synonym matches ``text``.

        Matching is exact after folding case, spaces, punctuation and micro signs
        (``"ZINC, SERUM"`` matches the synonym ``"Zinc, Serum"``); there is no fuzzy
        guessing.
        """
        key = self.name_index.get(normalise_name(text or ""))
        return self.analytes[key] if key else None

    # -- units -----------------------------------------------------------------------

    def unit_factor(self, key: str, unit: str) -> UnitFactor:
        """Return the factor converting ``unit`` to the analyte's canonical unit.

        An empty unit is accepted for unitless analytes (scores, T-scores, ratios).

        Raises:
            KeyError: If the analyte is unknown.
            UnitNotConvertible: If the unit is not accepted for this analyte.
        """
        analyte = self.analyte(key)
        normal = normalise_unit(unit)
        factor = analyte.units.get(normal)
        if factor is not None:
            return factor
        if not normal and self._is_unitless(analyte):
            return analyte.units[analyte.canonical_unit]
        reason = analyte.unconvertible.get(normal)
        if reason is None:
            accepted = ", ".join(analyte.units)
            reason = f"not an accepted unit for {analyte.name} (accepted: {accepted})"
        raise UnitNotConvertible(key, unit, reason)

    def to_canonical(self, key: str, value: float, unit: str) -> float:
        """Convert ``value`` in ``unit`` to the analyte's canonical unit.

        Raises:
            KeyError: If the analyte is unknown.
            UnitNotConvertible: If the unit is not listed for the analyte.
        """
        return self.unit_factor(key, unit).to_canonical(value)

    def from_canonical(self, key: str, value: float, unit: str) -> float:
        """Convert a canonical ``value`` to ``unit`` (e.g. the SI display unit).

        Raises:
            KeyError: If the analyte is unknown.
            UnitNotConvertible: If the unit is not listed for the analyte.
        """
        return self.unit_factor(key, unit).from_canonical(value)

    def unit_label(self, unit: str) -> str:
        """Return the display spelling of a unit (``ug/dL`` -> ``µg/dL``)."""
        normal = normalise_unit(unit)
        info = self.units.get(normal)
        return info.label if info else unit

    def number_text(self, key: str, value: float, unit: str | None = None) -> str:
        """A result's number with the analyte's usual decimals for ``unit``.

        Decimals are known for the canonical unit (the default) and the SI unit; an SI
        unit without them shows four significant digits (a chart converts into it:
        B12 412 pg/mL is 304 pmol/L, not 303.974); a number in any other unit, or of an
        unknown analyte, is shown as reported (``12.5 nmol/L`` is not rounded to the
        decimals of ng/dL).
        """
        analyte = self.analytes.get(key)
        if analyte is not None:
            normal = analyte.canonical_unit if unit is None else normalise_unit(unit)
            if normal == analyte.canonical_unit:
                return f"{value:.{analyte.decimals}f}"
            if normal == analyte.si_unit:
                if analyte.si_decimals is None:
                    return f"{value:.4g}"
                return f"{value:.{analyte.si_decimals}f}"
        return f"{value:g}"

    def _is_unitless(self, analyte: Analyte) -> bool:
        info = self.units.get(analyte.canonical_unit)
        return info is not None and info.dimension in _UNITLESS_DIMENSIONS

    # -- ranges and thresholds -------------------------------------------------------

    def reference_range(
        self,
        key: str,
        sex: str | None,
        age_years: float | None,
        context: str | None = None,
    ) -> ReferenceRange | None:
        """Return the default reference interval (canonical unit), or None.

        The first interval in file order that fits wins, so the preferred source is
        listed first. Sex-specific intervals need a known sex, age-banded ones a known
        age, and phase-specific ones (e.g. luteal) an explicit ``context``.

        Raises:
            KeyError: If the analyte is unknown.
        """
        wanted = context or ""
        for candidate in self.analyte(key).reference_ranges:
            if candidate.applies_to(sex, age_years, wanted):
                return candidate
        return None

    def reference_ranges(self, key: str) -> tuple[ReferenceRange, ...]:
        """Return every reference interval the knowledge base has for an analyte."""
        return self.analyte(key).reference_ranges

    def thresholds(
        self,
        key: str,
        guideline: str | None = None,
        *,
        sex: str | None = None,
        context: str | None = None,
    ) -> ThresholdSet | None:
        """Return one guideline's status cut-offs for an analyte, or None.

        Args:
            key: The analyte key.
            guideline: A guideline name; None means the analyte's default guideline.
            sex: Picks a sex-specific set (e.g. WHO anaemia); an unknown sex only
                gets sex-neutral sets.
            context: Sampling context (e.g. ``morning_non_fasting`` for zinc); None
                means the analyte's default context.

        Raises:
            KeyError: If the analyte is unknown.
        """
        analyte = self.analyte(key)
        name = guideline or analyte.default_guideline
        if not name:
            return None
        wanted_context = analyte.default_threshold_context if context is None else context
        matching = [
            s for s in analyte.threshold_sets if s.guideline == name and s.context == wanted_context
        ]
        exact = [s for s in matching if sex is not None and s.sex == sex]
        neutral = [s for s in matching if s.sex == "any"]
        return (exact or neutral or [None])[0]

    # -- provenance ------------------------------------------------------------------

    def drafts(self) -> list[tuple[str, str, str]]:
        """Return ``(file, key, note)`` for every item still needing a primary source."""
        return [(item.file, item.key, item.note) for item in self.draft_items]

    def citation(self, key: str) -> Citation:
        """Return a citation by key.

        Raises:
            KeyError: If there is no such citation.
        """
        return self.citations[key]
