"""Type and colour for the two documents: a compact clinician summary, a large-type handout."""

from __future__ import annotations

from dataclasses import dataclass

from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import TableStyle

from app.reports.fonts import BOLD, ITALIC, REGULAR, register_fonts

INK = colors.HexColor("#1f2328")
MUTED = colors.HexColor("#57606a")
RULE = colors.HexColor("#d0d7de")
HEADER_FILL = colors.HexColor("#eef1f4")
OVER_FILL = colors.HexColor("#fde2e1")
SEVERITY_COLOURS = {
    "urgent": colors.HexColor("#b42318"),
    "warning": colors.HexColor("#b54708"),
    "consider": colors.HexColor("#175cd3"),
    "info": colors.HexColor("#475467"),
}


@dataclass(frozen=True)
class Styles:
    """The paragraph styles of one document."""

    title: ParagraphStyle
    heading: ParagraphStyle
    subheading: ParagraphStyle
    body: ParagraphStyle
    small: ParagraphStyle
    cell: ParagraphStyle
    cell_head: ParagraphStyle
    bullet: ParagraphStyle
    bullet_small: ParagraphStyle
    note: ParagraphStyle


def _styles(size: float, leading: float) -> Styles:
    register_fonts()
    body = ParagraphStyle(
        "body", fontName=REGULAR, fontSize=size, leading=leading, textColor=INK, spaceAfter=3
    )
    return Styles(
        title=ParagraphStyle(
            "title",
            parent=body,
            fontName=BOLD,
            fontSize=size * 1.75,
            leading=size * 2.1,
            spaceAfter=size * 0.6,
        ),
        heading=ParagraphStyle(
            "heading",
            parent=body,
            fontName=BOLD,
            fontSize=size * 1.3,
            leading=size * 1.6,
            spaceBefore=size * 1.1,
            spaceAfter=size * 0.4,
        ),
        subheading=ParagraphStyle(
            "subheading", parent=body, fontName=BOLD, spaceBefore=size * 0.6, spaceAfter=1
        ),
        body=body,
        small=ParagraphStyle(
            "small",
            parent=body,
            fontSize=size * 0.85,
            leading=leading * 0.85,
            textColor=MUTED,
            spaceAfter=1,
        ),
        cell=ParagraphStyle(
            "cell", parent=body, fontSize=size * 0.92, leading=leading * 0.92, spaceAfter=0
        ),
        cell_head=ParagraphStyle(
            "cell_head",
            parent=body,
            fontName=BOLD,
            fontSize=size * 0.92,
            leading=leading * 0.92,
            spaceAfter=0,
        ),
        bullet=ParagraphStyle(
            "bullet", parent=body, leftIndent=size * 1.3, bulletIndent=size * 0.3, spaceAfter=2
        ),
        bullet_small=ParagraphStyle(
            "bullet_small",
            parent=body,
            fontSize=size * 0.85,
            leading=leading * 0.85,
            textColor=MUTED,
            leftIndent=size * 1.6,
            bulletIndent=size * 0.4,
            spaceAfter=1,
        ),
        note=ParagraphStyle("note", parent=body, fontName=ITALIC, textColor=MUTED),
    )


def summary_styles() -> Styles:
    """Compact type for the clinician summary (9 pt)."""
    return _styles(9.0, 11.5)


def handout_styles() -> Styles:
    """Large type for the patient handout (13 pt): easier to read, fewer words a line."""
    return _styles(13.0, 18.0)


def grid_style(*, over_rows: tuple[int, ...] = ()) -> TableStyle:
    """A light table: shaded header row, hairlines, highlighted rows over a limit."""
    commands = [
        ("BACKGROUND", (0, 0), (-1, 0), HEADER_FILL),
        ("LINEBELOW", (0, 0), (-1, -1), 0.4, RULE),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
    ]
    commands += [("BACKGROUND", (0, row), (-1, row), OVER_FILL) for row in over_rows]
    return TableStyle(commands)
