"""The clinical knowledge base: TOML content, validated on load, with typed lookups.

Usage::

    from app.core.knowledge import load_knowledge
    kb = load_knowledge()
    kb.to_canonical("testosterone_total", 10, "nmol/L")  # 288.4 ng/dL

See ``docs/KNOWLEDGE.md`` for the file formats.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the names below, for readers and type checkers
    from app.core.knowledge.base import KnowledgeBase
    from app.core.knowledge.errors import KnowledgeError, UnitNotConvertible
    from app.core.knowledge.loader import default_knowledge_dir, load_knowledge
    from app.core.knowledge.names import normalise_name
    from app.core.knowledge.records import (
        Analyte,
        AnalyteNote,
        Citation,
        ReferenceRange,
        ThresholdBand,
        ThresholdSet,
        UnitFactor,
        UnitInfo,
    )
    from app.core.knowledge.records_care import (
        DepotKinetics,
        DerivedConfig,
        DerivedDefinition,
        DerivedInput,
        Interaction,
        Mechanism,
        MonitoringItem,
        Nutrient,
        Protocol,
        ProtocolComponent,
        Substance,
        SupplementForm,
        TargetBand,
        TypicalDose,
        UnitEquivalence,
        UpperLimit,
        VermeulenConstants,
    )

# Each name is imported from its module when first asked for: the app's start needs
# only ``errors`` (about 50 ms less), and the knowledge base loads after the window.
_MODULE_OF = {
    "KnowledgeBase": "base",
    "KnowledgeError": "errors",
    "UnitNotConvertible": "errors",
    "default_knowledge_dir": "loader",
    "load_knowledge": "loader",
    "normalise_name": "names",
    "Analyte": "records",
    "AnalyteNote": "records",
    "Citation": "records",
    "ReferenceRange": "records",
    "ThresholdBand": "records",
    "ThresholdSet": "records",
    "UnitFactor": "records",
    "UnitInfo": "records",
    "DepotKinetics": "records_care",
    "DerivedConfig": "records_care",
    "DerivedDefinition": "records_care",
    "DerivedInput": "records_care",
    "Interaction": "records_care",
    "Mechanism": "records_care",
    "MonitoringItem": "records_care",
    "Nutrient": "records_care",
    "Protocol": "records_care",
    "ProtocolComponent": "records_care",
    "Substance": "records_care",
    "SupplementForm": "records_care",
    "TargetBand": "records_care",
    "TypicalDose": "records_care",
    "UnitEquivalence": "records_care",
    "UpperLimit": "records_care",
    "VermeulenConstants": "records_care",
}


def __getattr__(name: str) -> object:
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


__all__ = [
    "Analyte",
    "AnalyteNote",
    "Citation",
    "DepotKinetics",
    "DerivedConfig",
    "DerivedDefinition",
    "DerivedInput",
    "Interaction",
    "KnowledgeBase",
    "KnowledgeError",
    "Mechanism",
    "MonitoringItem",
    "Nutrient",
    "Protocol",
    "ProtocolComponent",
    "ReferenceRange",
    "Substance",
    "SupplementForm",
    "TargetBand",
    "ThresholdBand",
    "ThresholdSet",
    "TypicalDose",
    "UnitEquivalence",
    "UnitFactor",
    "UnitInfo",
    "UnitNotConvertible",
    "UpperLimit",
    "VermeulenConstants",
    "default_knowledge_dir",
    "load_knowledge",
    "normalise_name",
]
