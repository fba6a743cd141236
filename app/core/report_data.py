"""What a printed report shows, as plain frozen records the PDF renderer draws.

Services fill these from the evaluation and the store; ``app.reports`` only lays
them out. Every field is display text already (dates as ISO text, numbers with
their usual decimals), so the renderer makes no clinical decisions and equal
data always prints equal bytes.
"""

from __future__ import annotations

from dataclasses import dataclass

# Moved to their own module; imported here so older imports keep working.
from app.core.citation_text import (  # noqa: F401
    RANGE_KIND_WORDS,
    RULES_FILE,
    CitedSource,
    FindingSources,
    citation_text,
)

REPORT_KINDS = ("summary", "handout")
PAPER_SIZES = ("A4", "Letter")

DISCLAIMER = (
    "Cofactor is decision support. It supports and does not replace clinical judgement: "
    "every finding here is for a clinician to review with the patient's full history."
)
HANDOUT_DISCLAIMER = (
    "This sheet supports, and does not replace, your clinician's judgement. It is not a "
    "prescription: do not start, stop or change any medicine or supplement without talking "
    "to your care team first."
)


@dataclass(frozen=True, slots=True)
class ProtocolRow:
    """One active hormone or medication: what, how much, since when."""

    substance: str
    dose: str
    started: str
    last_change: str = ""
    role: str = ""


@dataclass(frozen=True, slots=True)
class StackRow:
    """One nutrient's summed daily intake against its tolerable upper limit."""

    nutrient: str
    daily: str
    upper_limit: str
    percent_of_limit: str
    over_limit: bool = False
    note: str = ""


@dataclass(frozen=True, slots=True)
class LabRow:
    """The latest result of one analyte, value printed as the lab reported it."""

    analyte: str
    value: str
    unit: str
    range_text: str
    flag: str
    collected: str
    lab: str = ""
    # True when the lab printed no range and ``range_text`` is the knowledge base's
    # default for the patient's sex and age, so the page can say whose range it is.
    range_from_kb: bool = False
    # True when the lab sent no flag and ``flag`` (L/H) was worked out against the range.
    flag_computed: bool = False


@dataclass(frozen=True, slots=True)
class FindingBlock:
    """One finding as the clinician summary prints it, with its trace and sources."""

    rule_id: str
    title: str
    status: str
    severity: str
    evidence: str
    clinician_text: str
    next_step: str
    trace_lines: tuple[str, ...] = ()
    citations: tuple[str, ...] = ()
    suppressed_note: str = ""


@dataclass(frozen=True, slots=True)
class MonitoringGap:
    """A test the protocol's monitoring schedule expects and the chart lacks."""

    title: str
    detail: str
    next_step: str


@dataclass(frozen=True, slots=True)
class HandoutItem:
    """A finding the clinician ticked for the patient, in plain language."""

    heading: str
    text: str


@dataclass(frozen=True)
class ReportData:
    """Everything one PDF prints; built by ``app.services.reports``.

    Attributes:
        kind: ``summary`` (clinician) or ``handout`` (patient).
        title: Document title (also the PDF /Title).
        subject: PDF /Subject.
        paper: ``A4`` or ``Letter``.
        chart_series: ``app.core.series.TrendSeries`` objects (the ones the
            Trends tab draws); ``app.reports.charts`` draws one chart per analyte
            and a protocol lane from each. Empty for handouts.
    """

    kind: str
    title: str
    subject: str
    clinic_name: str
    clinic_address: str
    paper: str
    patient_name: str
    mrn: str
    date_of_birth: str
    sex_at_birth: str
    age: str
    generated_at: str
    generated_by: str
    kb_version: str
    rules_version: str
    as_of: str
    protocols: tuple[str, ...] = ()
    protocol_rows: tuple[ProtocolRow, ...] = ()
    stack_rows: tuple[StackRow, ...] = ()
    lab_rows: tuple[LabRow, ...] = ()
    findings: tuple[FindingBlock, ...] = ()
    monitoring_gaps: tuple[MonitoringGap, ...] = ()
    handout_items: tuple[HandoutItem, ...] = ()
    clinician_note: str = ""
    discuss: tuple[str, ...] = ()
    disclaimer: str = DISCLAIMER
    chart_series: tuple[object, ...] = ()
    # The clinic's logo (PNG or JPEG bytes) for the page header, from settings.
    logo: bytes = b""

    @property
    def author(self) -> str:
        """PDF /Author: who generated it, for which clinic."""
        return f"{self.generated_by}, {self.clinic_name}" if self.generated_by else self.clinic_name
