"""Resolve parsed lab rows: which analyte, which patient, which canonical value.

Pure and cached per distinct text, so a million rows cost a dictionary lookup each
rather than a knowledge-base search each. Nothing here guesses: a row whose
analyte, patient or unit is not known exactly is reported, never forced.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from app.core.labfiles.model import RawResult
from app.core.labfiles.result_rows import Test, Visit

_SPACES = re.compile(r"\s+")


def mapping_text(raw: RawResult | Test) -> str:
    """The text a user maps once for an unknown analyte (name, else local code)."""
    return normal_test_name(raw.analyte_text or raw.local_code or raw.loinc)


def written_test(analyte_text: str, loinc: str, local_code: str) -> Test:
    """A test as a row wrote it, with nothing else known (a row whose value was not read)."""
    return Test(analyte_text, loinc, local_code, "", "", None, None, "")


def normal_test_name(text: str) -> str:
    """A test's name as mappings remember it: one space between words, case folded."""
    return _SPACES.sub(" ", text.strip()).casefold()


@dataclass(frozen=True, slots=True)
class FilePatient:
    """How a file identifies a patient: an MRN, or a name with a date of birth.

    A file that names no patient at all may still number its samples: ``sample_id`` then
    keeps each sample's rows apart, so the user can assign each to a patient. It is set
    only when nothing names a person, and it never matches a patient by itself.
    """

    mrn: str
    family_name: str
    given_name: str
    date_of_birth: date | None
    sex: str = ""
    sample_id: str = ""

    @property
    def identifiable(self) -> bool:
        """True when the file says enough to create (or match) a patient exactly."""
        named = bool(self.family_name and self.given_name and self.date_of_birth)
        return bool(self.mrn) or named

    def describe(self) -> str:
        parts = []
        if self.mrn:
            parts.append(f"MRN {self.mrn}")
        name = ", ".join(p for p in (self.family_name, self.given_name) if p)
        if name:
            parts.append(name)
        if self.date_of_birth:
            parts.append(f"born {self.date_of_birth.isoformat()}")
        if not parts and self.sample_id:
            return f"Sample {self.sample_id}"
        return " · ".join(parts) or "no patient identifier"


def file_patient(raw: RawResult | Visit) -> FilePatient:
    """The patient a row (or a visit of compact rows) names; one shared object per identity."""
    return _file_patient(
        raw.mrn,
        raw.source_patient_id,
        raw.family_name,
        raw.given_name,
        raw.date_of_birth,
        raw.sex,
        raw.sample_id,
    )


@lru_cache(maxsize=100_000)
def _file_patient(
    mrn: str, source_id: str, family: str, given: str, born: date | None, sex: str, sample: str
) -> FilePatient:
    mrn, family, given = (mrn or source_id).strip(), family.strip(), given.strip()
    names_someone = bool(mrn or family or given or born)
    return FilePatient(
        mrn=mrn,
        family_name=family,
        given_name=given,
        date_of_birth=born,
        sex=sex.strip().lower(),
        sample_id="" if names_someone else sample.strip(),
    )


#: What a remembered mapping holds for a test the clinic does not track (vital signs,
#: questionnaires, tests outside its protocols): its rows are left out of every import
#: and counted, instead of being listed as unknown each time. Not a knowledge-base key
#: (those are snake_case words), so it can never be taken for one.
NOT_TRACKED = "(not tracked)"


class AnalyteMatcher:
    """LOINC code first (check digit validated by the KB), then name and synonym,
    then the clinic's remembered mappings for texts a user mapped before."""

    def __init__(self, kb, remembered: dict[str, str] | None = None):
        self._kb = kb
        self._remembered = dict(remembered or {})
        self._cache: dict[tuple[str, str, str], str | None] = {}

    def remember(self, text: str, analyte_key: str) -> None:
        """Map a test's text to an analyte key, or to ``NOT_TRACKED``."""
        self._remembered[text] = analyte_key
        self._cache.clear()

    def not_tracked(self, raw: RawResult | Test) -> bool:
        """True for a test the clinic chose not to track (and the KB does not know)."""
        return self.match(raw) is None and self._remembered.get(mapping_text(raw)) == NOT_TRACKED

    def match(self, raw: RawResult | Test) -> str | None:
        """The analyte of a row, or of a test of compact rows (the same three codes)."""
        cache_key = (raw.loinc, raw.analyte_text, raw.local_code)
        try:
            return self._cache[cache_key]
        except KeyError:
            pass
        key = None
        if raw.loinc:
            analyte = self._kb.analyte_for_loinc(raw.loinc.strip())
            key = analyte.key if analyte else None
        if key is None and raw.analyte_text:
            analyte = self._kb.analyte_for_name(raw.analyte_text)
            key = analyte.key if analyte else None
        if key is None:
            key = self._remembered.get(mapping_text(raw))
            if key == NOT_TRACKED:
                key = None
        self._cache[cache_key] = key
        return key


class UnitConverter:
    """Canonical value of a result, by the knowledge base's factor; cached per unit."""

    def __init__(self, kb):
        self._kb = kb
        self._cache: dict[tuple[str, str], tuple[float, float, str] | None] = {}

    def linear(self, analyte_key: str, unit: str) -> tuple[float, float, str] | None:
        """(scale, offset, canonical unit) for this unit, or None when it is not known."""
        cache_key = (analyte_key, unit)
        if cache_key in self._cache:
            return self._cache[cache_key]
        found = None
        try:
            zero = self._kb.to_canonical(analyte_key, 0.0, unit)
            one = self._kb.to_canonical(analyte_key, 1.0, unit)
            found = (one - zero, zero, self._kb.analyte(analyte_key).canonical_unit)
        except (ValueError, KeyError):
            found = None
        self._cache[cache_key] = found
        return found

    def convert(self, analyte_key: str, value: float | None, unit: str) -> tuple[float | None, str]:
        if value is None:
            return None, ""
        found = self.linear(analyte_key, unit)
        if found is None:
            return None, ""
        scale, offset, canonical = found
        return value * scale + offset, canonical
