"""Names and units from the knowledge base, as the screen and the paper show them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from app.core.formatting import used_value_text
from app.core.knowledge.errors import UnitNotConvertible
from app.core.models import RegimenItem

if TYPE_CHECKING:  # the evaluation package is loaded when a patient is evaluated
    from app.core.evaluation.findings import TraceValue


@dataclass(frozen=True)
class SubstanceChoice:
    key: str
    label: str
    kind: str
    route: str
    unit: str


@dataclass(frozen=True)
class AnalyteChoice:
    key: str
    label: str
    units: list[str]
    # Every name the analyte goes by (label, short name, synonyms), for finding it by
    # the words a clinician types ("total testosterone" for "Testosterone, total").
    names: tuple[str, ...] = ()

    def matches(self, typed: str) -> bool:
        """True when every typed word begins a word of one of the analyte's names."""
        words = _words(typed)
        return bool(words) and any(
            all(any(w.startswith(t) for w in _words(name)) for t in words) for name in self.names
        )


def _words(text: str) -> list[str]:
    return "".join(c if c.isalnum() else " " for c in text.casefold()).split()


class KnowledgeLabels:
    """Mixed into ``ClinicService``; needs ``self.knowledge``."""

    def substance_choices(self) -> list[SubstanceChoice]:
        """Hormone drugs, medications and supplements the knowledge base knows, for pickers."""
        substances = self.knowledge.substances.values()
        return sorted(
            (
                SubstanceChoice(s.key, s.name, s.kind, s.default_route, s.default_unit)
                for s in substances
            ),
            key=lambda c: (c.kind != "hormone", c.label.casefold()),
        )

    def analyte_choices(self) -> list[AnalyteChoice]:
        """Analytes a user can record by hand (not the calculated ones), with their units."""
        choices = []
        for analyte in self.knowledge.analytes.values():
            if analyte.kind == "derived":
                continue
            units = [analyte.canonical_unit] + [
                u for u in analyte.units if u != analyte.canonical_unit
            ]
            names = (analyte.name, analyte.short_name, *analyte.synonyms)
            choices.append(AnalyteChoice(analyte.key, analyte.name, units, names))
        return sorted(choices, key=lambda c: c.label.casefold())

    def analyte_label(self, key: str) -> str:
        """What a test or a finding's marker is called: an analyte's name, else a nutrient's.

        A finding's marker may be a nutrient (``magnesium``, measured by serum and RBC
        magnesium); the worklist's Test column shows it as "Magnesium", not its key.
        """
        analyte = self.knowledge.analytes.get(key)
        if analyte is not None:
            return analyte.name
        nutrient = self.knowledge.nutrients.get(key)
        return nutrient.name if nutrient is not None else key

    def unit_refusal(self, analyte_key: str, unit: str) -> str:
        """Why results in ``unit`` are kept as reported for the analyte ("" if converted)."""
        try:
            self.knowledge.unit_factor(analyte_key, unit)
        except UnitNotConvertible as exc:
            return exc.reason
        except KeyError:
            return f"{analyte_key} is not in the knowledge base"
        return ""

    def substance_label(self, item: RegimenItem) -> str:
        """What a regimen row is called on screen and paper: the user's words, else the KB's."""
        if item.display_name:
            return item.display_name
        substance = self.knowledge.substances.get(item.substance)
        return substance.name if substance else item.label

    def protocol_label(self, key: str) -> str:
        protocol = self.knowledge.protocols.get(key)
        return protocol.name if protocol else key.replace("_", " ")

    def format_value(self, analyte_key: str, value: float, unit: str | None = None) -> str:
        """A number with the analyte's usual decimals in ``unit`` (the canonical unit by
        default): ``5.11``, not ``5.1104``; in a unit without known decimals, as reported."""
        return self.knowledge.number_text(analyte_key, value, unit)

    def unit_label(self, unit: str) -> str:
        """A unit as people write it (``µg/dL``, ``score (0-10)``), from its stored spelling."""
        return self.knowledge.unit_label(unit) if unit else ""

    def trace_value_text(self, value: TraceValue) -> str:
        """One input a finding used, as screen, PDF and command line show it."""
        return used_value_text(value, self.knowledge)
