"""The bundled Unicode font (DejaVu Sans), registered with reportlab once.

The standard PDF fonts cannot print µ, ≤, ≥, α, β or many accented names;
DejaVu Sans can. Its licence is in ``resources/fonts/LICENSE-DejaVu.txt``.
"""

from __future__ import annotations

from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from app.core.resources import resources_dir

REGULAR = "DejaVuSans"
BOLD = "DejaVuSans-Bold"
ITALIC = "DejaVuSans-Oblique"

_FILES = {REGULAR: "DejaVuSans.ttf", BOLD: "DejaVuSans-Bold.ttf", ITALIC: "DejaVuSans-Oblique.ttf"}


def register_fonts() -> str:
    """Register DejaVu Sans (regular, bold, oblique) if not yet done; return the family name."""
    registered = set(pdfmetrics.getRegisteredFontNames())
    if REGULAR in registered:
        return REGULAR
    folder = resources_dir() / "fonts"
    for name, file in _FILES.items():
        pdfmetrics.registerFont(TTFont(name, str(folder / file)))
    # <b> and <i> in our own template markup pick the matching face.
    addMapping(REGULAR, 0, 0, REGULAR)
    addMapping(REGULAR, 1, 0, BOLD)
    addMapping(REGULAR, 0, 1, ITALIC)
    addMapping(REGULAR, 1, 1, BOLD)
    return REGULAR
