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


def test_a_citation_reads_without_file_names_or_hashes():
    cited = Citation(
        "magnet_2022",
        "MaGNet consortium. Magnesium cut-offs, 2022 (see rules.toml, shared/seeds 0a1b2c3d4e5f6a7b).",
        "guideline",
    )
    assert citation_text(cited) == "MaGNet consortium. Magnesium cut-offs, 2022."
