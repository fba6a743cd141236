"""Default reference ranges are labelled by their source, never as example data.

New-user trial: albumin's range showed on the chart and in the PDF as "KB: Adult
(example interval)". Its 3.5-5.5 g/dL is the NLM LOINC flowsheet's example interval
(lab-facts §2.5, a display data file, not a laboratory's range), so it is a draft
awaiting a lab directory source, and its label says so.
"""

from __future__ import annotations


def test_no_reference_range_label_reads_as_example_data(kb):
    for key, analyte in kb.analytes.items():
        for entry in analyte.reference_ranges:
            assert "example" not in entry.label.lower(), (key, entry.label)


def test_albumin_range_is_a_draft_and_its_label_says_so(kb):
    found = kb.reference_range("albumin", "female", 40)
    assert (found.low, found.high) == (3.5, 5.5)
    assert found.label == "Adult, draft awaiting a lab directory source"
    assert found.draft
    drafts = {(file, key) for file, key, _note in kb.drafts()}
    assert any(file == "analytes.toml" and "albumin" in key for file, key in drafts), drafts
