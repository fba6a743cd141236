"""docs/KNOWLEDGE.md documents every rule field and placeholder the rule loader accepts."""

from __future__ import annotations

from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parents[3] / "docs" / "KNOWLEDGE.md"


@pytest.mark.parametrize(
    "term",
    [
        "{input.reference}",
        "{input.change}",
        "{input.timing}",
        '{ sex = "female" }',
        "by_sex",
        "mid_from_fraction",
        "no_baseline",
        "next_steps",
        "clear_note",
        "unknown_note",
    ],
)
def test_knowledge_doc_names_each_rule_field(term):
    assert term in DOC.read_text(encoding="utf-8")
