"""Citations as a clinician reads them, on screen and in print.

``citation_text`` builds the words a reader cites from a knowledge-base citation's
fields (authors or body, title, source, year or access date, locator), in the style of
a Vancouver reference; the maintainers' ``note`` is never printed, so no file name,
path or hash reaches a reader. ``FindingSources`` numbers a finding's citations and says what each applied
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
NOT_RECORDED = "not recorded"  # a year or access date the knowledge base does not know
_IDENTIFIER = re.compile(r"^[a-z0-9_.-]+$")


def citation_text(citation) -> str:
    """A knowledge-base citation as a reader cites it, built from its fields.

    ``citation`` is an ``app.core.knowledge.Citation``. Reads ``Authors; Body. Title.
    Source. Year;locator.`` (a web page: ``Source, locator. Accessed 2026-12-07.``),
    then ``Its reference list includes ...`` when the source's own references are
    recorded (the seed articles). What the knowledge base does not know is said
    ("No author recorded", "Year not recorded", "Access date not recorded"). The link
    (``citation.link``) is not part of the text: callers print it beside it.
    """
    people = (" ".join(part.split()) for part in (citation.authors, citation.body))
    who = _clean("; ".join(part for part in people if part))
    sentences = [who, _clean(citation.title), _where(citation)]
    text = " ".join(_sentence(part) for part in sentences if part)
    if citation.cites.strip():
        text += " " + _sentence(f"Its reference list includes {_clean(citation.cites)}")
    return text


def _where(citation) -> str:
    """Source, date and locator: ``J Clin Endocrinol Metab. 2018;103(5):1715-1744``."""
    source = _clean(citation.source)
    locator = _clean(citation.locator)
    year = citation.year
    if year is not None and year != NOT_RECORDED:
        dated = f"{year};{locator}" if locator else str(year)
        dated = f"{source}. {dated}" if source else dated
        # A dated web page (a guideline's page read on a given day) says both.
        if citation.accessed and citation.accessed != NOT_RECORDED:
            return _join(dated, f"Accessed {citation.accessed}")
        return dated
    where = ", ".join(part for part in (source, locator) if part)
    if year == NOT_RECORDED:
        return _join(where, "Year not recorded")
    if citation.accessed == NOT_RECORDED:
        return _join(where, "Access date not recorded")
    if citation.accessed:
        return _join(where, f"Accessed {citation.accessed}")
    return where


def _join(first: str, second: str) -> str:
    return f"{first}. {second}" if first else second


def _clean(text: str) -> str:
    """One field without surrounding space, runs of spaces or a closing full stop."""
    return " ".join(text.split()).rstrip(".")


def _sentence(text: str) -> str:
    return text if text.endswith(("?", "!", ".")) else f"{text}."


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
                text, url = citation_text(citation), citation.link
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
