"""Frozen records for citations, units, reference ranges, thresholds and analytes.

Every clinical number in these records came from a TOML file under
``resources/knowledge`` and carries the key of the citation it came from.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Draft:
    """A knowledge item that still needs a primary source (``draft = true`` in TOML)."""

    file: str
    key: str
    note: str


@dataclass(frozen=True, slots=True)
class Citation:
    """A source: guideline, paper, lab directory page, calculator or seed document.

    The fields are what a reader needs to look the source up; ``citation_text`` in
    ``app.core.citation_text`` prints them. ``authors`` names people, ``body`` an
    issuing organisation (at least one is given). ``year`` is an ``int`` or
    ``"not recorded"``; a web page without a year has ``accessed`` instead
    (``YYYY-MM-DD``, ``YYYY-MM`` or ``"not recorded"``). ``locator`` places the item
    inside its source (volume, issue and pages; a report number; a test code).
    ``cites`` names works the source itself cites (a seed's reference list).
    ``note`` is for the knowledge base's maintainers (internal references, how it was
    checked) and is never printed.
    """

    key: str
    kind: str
    title: str
    authors: str = ""
    body: str = ""
    source: str = ""
    year: int | str | None = None
    accessed: str = ""
    locator: str = ""
    url: str = ""
    doi: str = ""
    cites: str = ""
    evidence_grade: str = ""
    note: str = ""

    @property
    def link(self) -> str:
        """Where a reader opens the source: the DOI resolver when there is a DOI, else ``url``."""
        return f"https://doi.org/{self.doi}" if self.doi else self.url


@dataclass(frozen=True, slots=True)
class UnitInfo:
    """A unit the knowledge base knows, in normal spelling, with its display label."""

    key: str
    label: str
    dimension: str


@dataclass(frozen=True, slots=True)
class UnitFactor:
    """How one accepted unit converts to the analyte's canonical unit.

    ``canonical = value * scale + offset``; the offset is zero except for affine
    scales such as HbA1c mmol/mol (IFCC) to % (NGSP).
    """

    unit: str
    scale: float
    offset: float = 0.0
    citation: str = ""
    draft: bool = False
    note: str = ""

    def to_canonical(self, value: float) -> float:
        """Convert a value in this unit to the canonical unit."""
        return value * self.scale + self.offset

    def from_canonical(self, value: float) -> float:
        """Convert a canonical value to this unit."""
        return (value - self.offset) / self.scale


@dataclass(frozen=True, slots=True)
class ReferenceRange:
    """A default reference interval in the analyte's canonical unit.

    ``low`` or ``high`` is None for a one-sided interval (e.g. boron "< 100 ug/L").
    Age bounds are in whole years, ``age_min`` inclusive and ``age_max`` exclusive.
    """

    low: float | None
    high: float | None
    unit: str
    label: str
    citation: str
    sex: str = "any"
    age_min: float | None = None
    age_max: float | None = None
    context: str = ""
    lab: str = ""
    draft: bool = False
    note: str = ""

    def applies_to(self, sex: str | None, age_years: float | None, context: str) -> bool:
        """Return True when this interval is for ``sex``, ``age_years`` and ``context``.

        An unknown sex only matches sex-neutral intervals, and an unknown age only
        matches intervals without age bounds: the caller never gets a guessed range.
        """
        if self.context != context:
            return False
        if self.sex != "any" and self.sex != sex:
            return False
        if self.age_min is None and self.age_max is None:
            return True
        if age_years is None:
            return False
        if self.age_min is not None and age_years < self.age_min:
            return False
        return not (self.age_max is not None and age_years >= self.age_max)


@dataclass(frozen=True, slots=True)
class ThresholdBand:
    """One status band of a threshold set, in the analyte's canonical unit.

    ``low`` is None for the lowest band and ``high`` None for the highest; by default
    ``low`` is inclusive and ``high`` exclusive (``low <= x < high``).
    """

    status: str
    low: float | None
    high: float | None
    citation: str
    evidence_grade: str
    low_inclusive: bool = True
    high_inclusive: bool = False
    label: str = ""
    draft: bool = False
    note: str = ""

    def contains(self, value: float) -> bool:
        """Return True when ``value`` falls in this band."""
        if self.low is not None and (
            value < self.low or (value == self.low and not self.low_inclusive)
        ):
            return False
        return not (
            self.high is not None
            and (value > self.high or (value == self.high and not self.high_inclusive))
        )


@dataclass(frozen=True, slots=True)
class ThresholdSet:
    """Status cut-offs from one named guideline (and version), ordered low to high.

    The bands cover the whole number line without gaps or overlaps (the loader checks
    it), so every exact value has exactly one status.
    """

    analyte_key: str
    guideline: str
    name: str
    version: str
    unit: str
    bands: tuple[ThresholdBand, ...]
    citation: str
    evidence_grade: str
    sex: str = "any"
    context: str = ""
    population_only: bool = False
    draft: bool = False
    note: str = ""

    def classify(self, value: float, comparator: str | None = None) -> ThresholdBand | None:
        """Return the band a (possibly censored) canonical value falls in.

        Args:
            value: The canonical value (for a censored result, its limit).
            comparator: ``None`` for an exact value, or ``<``, ``<=``, ``>``, ``>=``.

        Returns:
            The band, or None when a censored value could lie in more than one band
            (e.g. ``<25`` against a cut-off at 20): indeterminate, never guessed.
        """
        if comparator is None:
            return next((band for band in self.bands if band.contains(value)), None)
        if comparator in ("<", "<="):
            # The true value lies anywhere below the limit: only the lowest band can
            # hold all of it, and only if the limit does not reach past its top.
            lowest = self.bands[0]
            if lowest.high is None or value < lowest.high:
                return lowest
            if value == lowest.high and (comparator == "<" or lowest.high_inclusive):
                return lowest
            return None
        if comparator in (">", ">="):
            highest = self.bands[-1]
            if highest.low is None or value > highest.low:
                return highest
            if value == highest.low and (comparator == ">" or highest.low_inclusive):
                return highest
            return None
        raise ValueError(f"unknown comparator {comparator!r}")


@dataclass(frozen=True, slots=True)
class AnalyteNote:
    """A sourced remark about an analyte: sampling, interference, or seed mechanism."""

    topic: str
    text: str
    citation: str
    evidence_grade: str = ""


@dataclass(frozen=True)
class Analyte:
    """A lab test, measurement, symptom score or derived value the app tracks.

    ``units`` maps each accepted unit (normal spelling) to its factor; the canonical
    unit maps to scale 1. ``unconvertible`` maps units that are recognised but must
    not be converted to the sourced reason (e.g. an assay-dependent insulin factor).
    """

    key: str
    name: str
    short_name: str
    kind: str
    category: str
    synonyms: tuple[str, ...]
    loinc: tuple[str, ...]
    canonical_unit: str
    si_unit: str
    decimals: int
    units: Mapping[str, UnitFactor]
    unconvertible: Mapping[str, str]
    reference_ranges: tuple[ReferenceRange, ...]
    threshold_sets: tuple[ThresholdSet, ...]
    default_guideline: str = ""
    default_threshold_context: str = ""
    no_thresholds_note: str = ""
    specimen: str = ""
    conversion_citation: str = ""
    notes: tuple[AnalyteNote, ...] = ()
    loinc_unconfirmed: tuple[str, ...] = ()
    derived_from: tuple[str, ...] = ()
    direction: str = ""
    scale_min: float | None = None
    scale_max: float | None = None
    si_decimals: int | None = None
    draft: bool = False
    note: str = ""

    @property
    def guidelines(self) -> tuple[str, ...]:
        """Names of the threshold guidelines available, in file order, without repeats."""
        return tuple(dict.fromkeys(s.guideline for s in self.threshold_sets))
