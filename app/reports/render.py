"""Render a ``ReportData`` to PDF bytes: byte-stable, 'Page X of Y', title/author/subject."""

from __future__ import annotations

import io

from reportlab.lib.pagesizes import A4, LETTER
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Frame, PageTemplate

from app.core.report_data import PAPER_SIZES, REPORT_KINDS, ReportData
from app.reports.fonts import BOLD, REGULAR, register_fonts
from app.reports.handout import handout_story
from app.reports.styles import INK, MUTED, RULE
from app.reports.summary import summary_story

PAGE_SIZES = {"A4": A4, "Letter": LETTER}
MARGIN = 18 * mm
HEADER_HEIGHT = 16 * mm


def render_pdf(data: ReportData) -> bytes:
    """Draw ``data`` as a PDF; equal data gives equal bytes (reportlab invariant mode)."""
    if data.kind not in REPORT_KINDS:
        raise ValueError(f"unknown report kind {data.kind!r}")
    if data.paper not in PAPER_SIZES:
        raise ValueError(f"unknown paper size {data.paper!r}")
    register_fonts()
    buffer = io.BytesIO()
    doc = BaseDocTemplate(
        buffer,
        pagesize=PAGE_SIZES[data.paper],
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN + HEADER_HEIGHT,
        bottomMargin=MARGIN + 4 * mm,
        title=data.title,
        author=data.author,
        subject=data.subject,
        creator="Cofactor",
        keywords=f"knowledge base {data.kb_version}",
        invariant=1,
    )
    # No side padding: the story is ``doc.width`` wide, so tables and charts end at the
    # margin (where the header and footer rules end), not 6 pt past it (the padding of
    # SimpleDocTemplate's frame, which its ``width`` leaves out).
    frame = Frame(
        doc.leftMargin, doc.bottomMargin, doc.width, doc.height,
        leftPadding=0, rightPadding=0, id="normal",
    )  # fmt: skip
    doc.addPageTemplates([PageTemplate(id="page", frames=[frame])])
    story_for = summary_story if data.kind == "summary" else handout_story
    doc.build(story_for(data, doc.width), canvasmaker=_canvas_class(data))
    return buffer.getvalue()


def _canvas_class(data: ReportData) -> type[Canvas]:
    """A canvas that draws the clinic header and 'Page X of Y' once the page count is known.

    ``drawString`` prints text literally (no markup), so data needs no escaping here.
    """
    kind = "Clinician summary" if data.kind == "summary" else "Patient handout"
    footer = f"{data.patient_name} · MRN {data.mrn} · {kind} · generated {data.generated_at}"
    if data.kind == "handout":
        footer = f"{data.patient_name} · {data.generated_at[:10]}"

    class PagedCanvas(Canvas):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._pages: list[dict] = []

        def showPage(self):  # noqa: N802 (reportlab's name)
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            total = len(self._pages)
            for state in self._pages:
                self.__dict__.update(state)
                self._decorate(total)
                super().showPage()
            super().save()

        def _decorate(self, total: int) -> None:
            width, height = self._pagesize
            top = height - MARGIN
            self.setFillColor(INK)
            self.setFont(BOLD, 12)
            self.drawString(MARGIN, top - 4 * mm, data.clinic_name)
            self.setFont(REGULAR, 8)
            self.setFillColor(MUTED)
            address = " · ".join(
                line.strip() for line in data.clinic_address.splitlines() if line.strip()
            )
            self.drawString(MARGIN, top - 8.5 * mm, address[:140])
            right = width - MARGIN
            if data.logo:
                logo = _logo_image(data.logo)
                if logo is not None:
                    image_w, image_h = logo.getSize()
                    height_mm = 9 * mm
                    width_mm = height_mm * image_w / max(image_h, 1)
                    self.drawImage(
                        logo, right - width_mm, top - 9.5 * mm, width_mm, height_mm, mask="auto"
                    )
                    right -= width_mm + 3 * mm
            self.drawRightString(right, top - 4 * mm, kind)
            self.setStrokeColor(RULE)
            self.setLineWidth(0.6)
            self.line(MARGIN, top - 11 * mm, width - MARGIN, top - 11 * mm)
            self.line(MARGIN, MARGIN, width - MARGIN, MARGIN)
            self.setFont(REGULAR, 7.5)
            self.drawString(MARGIN, MARGIN - 4 * mm, footer[:150])
            page = self._pageNumber
            self.drawRightString(width - MARGIN, MARGIN - 4 * mm, f"Page {page} of {total}")

    return PagedCanvas


def _logo_image(raw: bytes):
    """The clinic logo as reportlab reads it, or None for bytes that are not an image."""
    from io import BytesIO

    from reportlab.lib.utils import ImageReader

    try:
        image = ImageReader(BytesIO(raw))
        image.getSize()
    except Exception:  # a broken logo file must not stop a report from printing
        return None
    return image
