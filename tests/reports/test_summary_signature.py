"""The summary's signature block never stands alone on a page.

DEMO-000015's summary put "Reviewed by / Signature / Date" alone on page 5: it was
kept together only with itself, so the page break fell right before it.
"""

from __future__ import annotations

import io

from pypdf import PdfReader
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import SimpleDocTemplate, Spacer

from app.reports.fonts import register_fonts
from app.reports.summary import summary_story
from tests.reports.test_charts import reports, trt_patient  # noqa: F401  (fixtures)


def _pages(story) -> list[str]:
    buffer = io.BytesIO()
    SimpleDocTemplate(buffer, pagesize=A4, invariant=1).build(story)
    return [" ".join(page.extract_text().split()) for page in PdfReader(buffer).pages]


def _first_text(flowable) -> str:
    inner = getattr(flowable, "_content", None)  # a KeepTogether's flowables
    if inner:
        return _first_text(inner[0])
    return flowable.getPlainText() if hasattr(flowable, "getPlainText") else ""


def _from_gaps(story):
    """The summary's end: the monitoring gaps, the disclaimer and the signature block."""
    start = next(i for i, f in enumerate(story) if _first_text(f) == "Monitoring gaps")
    return story[start:]


def test_the_signature_block_moves_with_the_text_before_it(trt_patient, reports):  # noqa: F811
    register_fonts()
    data = reports.build(trt_patient.id, "summary")
    width = A4[0] - 2 * 72  # SimpleDocTemplate's frame, less its padding
    # Push the end of the summary down a step at a time, across a whole page, so some
    # step puts the page break right before the signature block.
    for step in range(0, 236, 2):
        story = [Spacer(1, step * mm), *_from_gaps(summary_story(data, width))]
        pages = _pages(story)
        page = next(text for text in pages if "Reviewed by" in text)
        before, _, _ = page.partition("Reviewed by")
        assert "decision support" in before, (
            step,
            page[:200],
        )
        assert "Monitoring gaps" in page or "Next:" in page or "None:" in page, (step, page[:200])
