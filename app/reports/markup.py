"""The one way data-derived text enters a reportlab Paragraph: escaped (security.md E1).

Paragraph text is XML-like markup: an unescaped ``<img src=...>`` would embed a
local file, ``<a href>`` would add a link, and an unclosed ``<tag`` would stop the
document printing. Only the template's own markup stays unescaped.
"""

from __future__ import annotations

from xml.sax.saxutils import escape

from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Paragraph


def esc(value: object) -> str:
    """Escape data for Paragraph markup; line breaks become ``<br/>``."""
    text = escape("" if value is None else str(value))
    return "<br/>".join(text.splitlines()) if "\n" in text or "\r" in text else text


def para(value: object, style: ParagraphStyle, *, label: str = "") -> Paragraph:
    """A Paragraph of escaped data, optionally after a bold template label."""
    prefix = f"<b>{escape(label)}</b> " if label else ""
    return Paragraph(prefix + esc(value), style)


def bullets(values, style: ParagraphStyle) -> list[Paragraph]:
    """One Paragraph per value, each with a bullet (values escaped)."""
    return [Paragraph(esc(v), style, bulletText="•") for v in values]
