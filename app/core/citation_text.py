"""Citations as a clinician reads them, on screen and in print.

``citation_text`` turns one knowledge-base citation into the words a reader cites
(authors or body, title, year; never the knowledge base's own file names, paths or
hashes). ``FindingSources`` numbers a finding's citations and says what each applied
range rests on. ``band_source_text`` says what a chart's shaded range or limit rests
on. The findings detail, the trend chart's tooltips, the clinician summary and the CLI
all use these, so a citation key never reaches a reader.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

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


def band_source_text(band, citations: Mapping[str, object]) -> str:
    """What a chart band (``app.core.series.Band``) rests on, as a reader reads it.

    A knowledge-base range or target cites a source by key: its readable citation. A
    range the lab printed names the lab. "" when there is nothing readable to say (no
    source, or a key the knowledge base does not list): never the key itself.
    """
    source = band.source or ""
    citation = citations.get(source)
    if citation is not None:
        return citation_text(citation)
    if band.kind == "reference" and source and not (_IDENTIFIER.match(source) and "_" in source):
        # ``series`` names the lab that printed the range, or "lab report" if it had none.
        return "the lab report" if source == "lab report" else f"range printed by {source}"
    return ""


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
