"""The clinical knowledge base: TOML content, validated on load, with typed lookups.

Usage::

    from app.core.knowledge import load_knowledge
    kb = load_knowledge()
    kb.to_canonical("testosterone_total", 10, "nmol/L")  # 288.4 ng/dL

See ``docs/KNOWLEDGE.md`` for the file formats.
"""

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
