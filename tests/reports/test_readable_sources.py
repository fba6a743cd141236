"""A finding's sources read as citations, on screen and in print: authors or body, title,
year and a DOI or address, never a knowledge-base file name, repository path, hash or key."""

from __future__ import annotations

import io
import re
from datetime import date, datetime

import pytest
from pypdf import PdfReader
from PySide6.QtGui import QTextDocument

from app.core.citation_text import FindingSources, citation_text
from app.core.models import RegimenItem
from app.reports import render_pdf
from app.services.findings import FindingsService
from app.services.reports import ReportService
from app.ui.findings_panel import detail_html
from tests.conftest import TODAY, make_patient

INTERNAL = (
    "shared/seeds",
    "source document of this knowledge base",
    "rules.toml",
    ".toml",
    "kb_range",
    "lab_range",
)
HASH = re.compile(r"\b[0-9a-f]{12,}\b")


@pytest.fixture
def patient(service):
    patient = service.create_patient(make_patient())
    service.add_regimen_item(
        RegimenItem(
            None, patient.id, "hormone", "testosterone_cypionate", 140.0, "mg", "IM", 7.0,
            date(2025, 6, 2),
        )
    )  # fmt: skip
    collected = datetime(2026, 10, 1, 8)
    # Vitamin D low (a guideline threshold, cited with the micronutrient seed article),
    # magnesium low (MaGNet 2022 threshold), haematocrit over the rule's 54 % cut-off.
    service.record_result(patient.id, "vitamin_d_25oh", "18", "ng/mL", collected)
    service.record_result(patient.id, "magnesium_serum", "1.87", "mg/dL", collected)
    service.record_result(patient.id, "hematocrit", "55.2", "%", collected)
    return patient


def _unreadable(text: str, keys) -> list[str]:
    """Internal references a reader would see in ``text``."""
    found = [marker for marker in INTERNAL if marker in text]
    found += HASH.findall(text)
    found += [key for key in keys if "_" in key and re.search(rf"\b{key}\b", text)]
    return found


def _pdf_text(pdf: bytes) -> str:
    pages = PdfReader(io.BytesIO(pdf)).pages
    return " ".join(" ".join(page.extract_text() for page in pages).split())


def _html_text(html: str) -> str:
    document = QTextDocument()
    document.setHtml(html)
    return " ".join(document.toPlainText().split())


def test_the_clinician_summary_cites_readable_sources(service, patient):
    data = ReportService(service, now=lambda: datetime(2026, 11, 23, 9)).build(
        patient.id, "summary"
    )
    text = _pdf_text(render_pdf(data))
    assert _unreadable(text, service.knowledge.citations) == []
    # The seed article by what it is, saying what is not known about it.
    assert "No author recorded. Untitled patient-education article on micronutrients" in text
    assert "not peer-reviewed; publisher not recorded. Year not recorded." in text
    # Guideline and consensus sources by authors, title, year and DOI.
    assert "Holick MF, et al. Evaluation, Treatment, and Prevention of Vitamin D" in text
    assert "https://doi.org/10.1210/jc.2011-0385" in text
    assert "Rosanoff A, West C, Elin RJ, et al.; MaGNet Global Magnesium Project" in text
    # A threshold points at its numbered source; a rule's own cut-off says so.
    [vitamin_d] = [b for b in data.findings if b.rule_id == "vitamin_d_status"]
    [threshold] = [line for line in vitamin_d.trace_lines if "Endocrine Society 2011" in line]
    number = int(re.search(r"guideline threshold; source (\d)\)", threshold).group(1))
    assert vitamin_d.citations[number - 1].startswith("Holick MF, et al.")
    assert "above 54% (cut-off set by this rule)" in text


def test_the_findings_detail_cites_the_same_sources(service, patient):
    evaluation = FindingsService(service).evaluate(patient.id, TODAY)
    keys = service.knowledge.citations
    shown = {f.rule_id: _html_text(detail_html(f, service)) for f in evaluation.findings}
    for rule_id, text in shown.items():
        assert _unreadable(text, keys) == [], rule_id
    magnesium = shown["magnesium_on_testosterone"]
    assert "Rosanoff A, West C, Elin RJ, et al.; MaGNet Global Magnesium Project" in magnesium
    assert "Eur J Nutr. 2022;61(7):3697-3706" in magnesium
    assert "(guideline threshold; source 2)" in magnesium
    assert "Untitled patient-education article on micronutrients" in magnesium
    assert "https://doi.org/10.1210/jc.2011-0385" in shown["vitamin_d_status"]
    assert "(cut-off set by this rule)" in shown["hematocrit_above_54_on_trt"]


def test_a_range_citing_a_source_the_rule_does_not_list_adds_it_to_the_list(kb):
    class Applied:
        kind, source = "kb_range", "arup_zinc"

    sources = FindingSources(["es_2018_testosterone"], [Applied()], kb.citations)
    assert [e.number for e in sources.entries] == [1, 2]
    assert sources.entries[1].text.startswith("ARUP Laboratories. Zinc, Serum or Plasma.")
    assert sources.entries[1].url == "https://ltd.aruplab.com/Tests/Pub/0020097"
    assert sources.range_note(Applied()) == "default reference range; source 2"


def test_no_citation_prints_a_file_name_path_or_hash(kb):
    for key, citation in kb.citations.items():
        text = citation_text(citation)
        assert _unreadable(text, kb.citations) == [], key
        assert not re.search(r"\.(toml|js|tsv|md)\b", text), key
