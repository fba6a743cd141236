"""Readable citations live in their own core module (app.core.citation_text).

The findings detail, the clinician summary, the CLI and the trend chart import them
from there; ``app.core.report_data`` still re-exports them for older imports.
"""

from __future__ import annotations

import ast
from pathlib import Path

import app.core.citation_text as citations_module
import app.core.report_data as report_data
from app.core.citation_text import FindingSources, citation_text
from app.core.knowledge.records import Citation

ROOT = Path(__file__).resolve().parents[2]
CALLERS = ("app/ui/findings_panel.py", "app/services/reports.py", "app/cli_findings.py")


def test_citations_are_their_own_module_and_old_imports_still_work():
    assert FindingSources.__module__ == "app.core.citation_text"
    assert citation_text.__module__ == "app.core.citation_text"
    assert report_data.FindingSources is FindingSources
    assert report_data.citation_text is citation_text
    defined = {
        node.name
        for node in ast.parse(Path(report_data.__file__).read_text()).body
        if isinstance(node, ast.FunctionDef | ast.ClassDef)
    }
    assert not defined & {"FindingSources", "CitedSource", "citation_text"}
    assert hasattr(citations_module, "RANGE_KIND_WORDS")


def test_callers_import_citations_from_their_module():
    for path in CALLERS:
        text = (ROOT / path).read_text()
        assert "from app.core.citation_text import" in text, path
        tree = ast.parse(text)
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module == "app.core.report_data":
                names = {alias.name for alias in node.names}
                assert not names & {"FindingSources", "citation_text"}, path


def test_a_journal_article_reads_authors_title_journal_year_volume_and_pages():
    cited = Citation(
        "es_2018_testosterone",
        "guideline",
        "Testosterone Therapy in Men With Hypogonadism",
        authors="Bhasin S, et al.",
        source="J Clin Endocrinol Metab",
        year=2018,
        locator="103(5):1715-1744",
        doi="10.1210/jc.2018-00229",
    )
    assert citation_text(cited) == (
        "Bhasin S, et al. Testosterone Therapy in Men With Hypogonadism. "
        "J Clin Endocrinol Metab. 2018;103(5):1715-1744."
    )
    assert cited.link == "https://doi.org/10.1210/jc.2018-00229"


def test_a_web_page_reads_its_body_directory_test_code_and_access_date():
    page = Citation(
        "arup_zinc",
        "lab_directory",
        "Zinc, Serum or Plasma",
        body="ARUP Laboratories",
        source="Laboratory Test Directory",
        locator="test 0020097",
        accessed="2026-12-07",
        url="https://ltd.aruplab.com/Tests/Pub/0020097",
    )
    assert citation_text(page) == (
        "ARUP Laboratories. Zinc, Serum or Plasma. Laboratory Test Directory, test 0020097. "
        "Accessed 2026-12-07."
    )
    unknown = Citation("x", "lab_directory", "Zinc", body="Labcorp", accessed="not recorded")
    assert citation_text(unknown) == "Labcorp. Zinc. Access date not recorded."


def test_a_dated_page_read_on_a_given_day_says_both():
    # The access date was dropped when a year was given too (found in review).
    page = Citation(
        "ods", "guideline", "Magnesium", body="NIH ODS", source="Fact sheet", year=2022,
        accessed="2024-08-01",
    )  # fmt: skip
    assert citation_text(page) == "NIH ODS. Magnesium. Fact sheet. 2022. Accessed 2024-08-01."


def test_authors_and_body_are_both_named():
    cited = Citation(
        "magnet_2022", "consensus", "Serum magnesium reference ranges",
        authors="Rosanoff A, et al.", body="MaGNet Global Magnesium Project",
        source="Eur J Nutr", year=2022,
    )  # fmt: skip
    assert citation_text(cited).startswith(
        "Rosanoff A, et al.; MaGNet Global Magnesium Project. Serum magnesium reference ranges."
    )


def test_what_is_not_known_is_said_and_the_note_is_never_printed():
    seed = Citation(
        "seed_bone",
        "seed",
        "Untitled patient-education article on bone health",
        authors="No author recorded",
        source="Patient-facing, not peer-reviewed",
        year="not recorded",
        cites="Holick MF 2007 (N Engl J Med 357:266)",
        note="shared/seeds/001_8d2527d27bb821d8.txt, see lab-facts.md",
    )
    assert citation_text(seed) == (
        "No author recorded. Untitled patient-education article on bone health. "
        "Patient-facing, not peer-reviewed. Year not recorded. "
        "Its reference list includes Holick MF 2007 (N Engl J Med 357:266)."
    )


def test_a_title_ending_in_a_question_mark_keeps_it():
    cited = Citation(
        "harris_2004_omega3", "paper", "The Omega-3 Index: a new risk factor?",
        authors="Harris WS, von Schacky C", source="Prev Med", year=2004,
    )  # fmt: skip
    assert "risk factor? Prev Med. 2004." in citation_text(cited)


def test_citations_are_printed_from_fields_not_stripped_by_patterns():
    source = Path(citations_module.__file__).read_text()
    assert "_INTERNAL_PAREN" not in source and "_FILE_NAME" not in source
