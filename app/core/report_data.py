"""What a printed report shows, as plain frozen records the PDF renderer draws.

Services fill these from the evaluation and the store; ``app.reports`` only lays
them out. Every field is display text already (dates as ISO text, numbers with
their usual decimals), so the renderer makes no clinical decisions and equal
data always prints equal bytes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

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


# -- sources, as a clinician reads them (screen and print) --------------------------------

# What a knowledge-base range kind is, in words (a trace prints ``kb_range`` otherwise).
RANGE_KIND_WORDS = {
    "lab_range": "lab's printed range",
    "kb_range": "default reference range",
    "threshold": "guideline threshold",
    "target": "protocol target",
    "limit": "cut-off",
    "baseline": "change from baseline",
    "upper_limit": "tolerable upper intake",
    "trend": "trend",
    "schedule": "monitoring schedule",
}
RULES_FILE = "rules.toml"  # the source a rule's own cut-off, trend or baseline step names
# Internal references a citation's text may carry for the knowledge base's maintainers:
# a parenthesis naming the knowledge base's own files or a hash, and file names or paths.
_INTERNAL_PAREN = re.compile(
    r"\s*\((?=[^()]*(?:this knowledge base|shared/|lab-facts|\b[0-9a-f]{12,}\b|"
    r"\.(?:toml|js|tsv|csv|md|py|json|txt)\b))[^()]*\)"
)
_FILE_NAME = re.compile(
    r",?\s*(?<![\w/:])[\w.-]*(?:/[\w.-]+)*\.(?:toml|js|tsv|csv|md|py|json|txt)\b"
)
_IDENTIFIER = re.compile(r"^[a-z0-9_.-]+$")


def citation_text(citation) -> str:
    """A knowledge-base citation as a reader cites it: authors or body, title, year.

    ``citation`` is an ``app.core.knowledge.Citation``. Internal references the text
    carries for the knowledge base's maintainers (its own file names, repository paths,
    hashes) are left out. A seed document (a patient-education article the knowledge
    base was drafted from) prints its title, says that it has no recorded author or year
    and is not peer-reviewed, and keeps the sentence naming its own references.
    """
    text = _FILE_NAME.sub("", _INTERNAL_PAREN.sub("", citation.text))
    text = re.sub(r"\s+([,.;:])", r"\1", re.sub(r"\s{2,}", " ", text)).strip()
    if citation.kind != "seed":
        return text
    title, _, rest = text.partition(": ")
    references = re.search(r"(?:^|\.\s)(Its .*)$", rest)
    said = f"{title} (no author or year recorded; patient-facing, not peer-reviewed)."
    return f"{said} {references.group(1)}" if references else said


@dataclass(frozen=True, slots=True)
class CitedSource:
    """One numbered source of a finding: readable citation text and its URL or DOI link."""

    number: int
    text: str
    url: str = ""


class FindingSources:
    """The sources a finding rests on, numbered, and what each applied range rests on.

    The one place the findings detail (screen) and the clinician summary (print) turn
    citation keys into text, so both cite the same numbered list the same way: a range's
    source reads ``source 2`` and entry 2 is the readable citation. A range citing a
    source the rule itself does not list is added to the list, so every number resolves.

    Args:
        keys: The finding's citation keys, in order.
        ranges: The trace's applied ranges (``TraceRange``), for their ``source``.
        citations: The knowledge base's citations by key.
    """

    def __init__(self, keys: Iterable[str], ranges: Iterable, citations: Mapping[str, object]):
        self._ranges = tuple(ranges)
        wanted = [*keys, *(r.source for r in self._ranges if r.source in citations)]
        self._numbers: dict[str, int] = {}
        entries = []
        for key in dict.fromkeys(wanted):
            citation = citations.get(key)
            if citation is None:
                # The loader refuses unknown keys; never print the key itself if one slips.
                text, url = "A source the knowledge base does not list.", ""
            else:
                text, url = citation_text(citation), citation.url
            entries.append(CitedSource(len(entries) + 1, text, url))
            self._numbers[key] = len(entries)
        self.entries: tuple[CitedSource, ...] = tuple(entries)

    def range_note(self, applied) -> str:
        """What kind of range ``applied`` is and what it rests on, e.g.
        ``guideline threshold; source 2``, ``cut-off set by this rule`` or
        ``lab's printed range, from City Lab``."""
        kind = RANGE_KIND_WORDS.get(applied.kind, applied.kind.replace("_", " "))
        source = applied.source
        if source in self._numbers:
            return f"{kind}; source {self._numbers[source]}"
        if applied.kind == "lab_range":
            lab = source if source and source != "lab report" else ""
            return f"{kind}, from {lab}" if lab else f"{kind}, from the lab report"
        if source == RULES_FILE:
            return f"{kind} set by this rule"
        if not source or _IDENTIFIER.match(source):
            return kind  # an internal key that names no citation: say nothing rather than it
        return f"{kind}; {source}"
