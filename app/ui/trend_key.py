"""The one-line key under the trend chart: what colours, shapes, bands and lines mean."""

from __future__ import annotations

from PySide6.QtGui import QColor

from app.core.chart_palette import CHANGE_COLOUR, DOSE_CHANGE_COLOUR, LIMIT_COLOUR
from app.ui.trend_bands import REFERENCE_BRUSH, TARGET_BRUSH
from app.ui.trend_colours import STATUS_COLOURS


def _swatch(colour: QColor | str, text: str, glyph: str = "■") -> str:
    name = colour.name() if isinstance(colour, QColor) else colour
    # One entry never breaks across lines: the key wraps between entries only.
    text = text.replace(" ", "&nbsp;")
    return f'<span style="color:{name}">{glyph}</span>&nbsp;{text}'


def chart_key_html() -> str:
    """Rich text for a QLabel: status colours, marker styles, bands and change lines."""
    # The band fills are faint on purpose; the key shows them at full strength.
    reference = QColor(REFERENCE_BRUSH)
    reference.setAlpha(255)
    target = QColor(TARGET_BRUSH)
    target.setAlpha(255)
    parts = [
        _swatch(STATUS_COLOURS["low"], "low", "●"),
        _swatch(STATUS_COLOURS["normal"], "in range", "●"),
        _swatch(STATUS_COLOURS["high"], "high", "●"),
        # No range to judge it by (calculated free T, symptom scores), or a censored value
        # the range cannot place.
        _swatch(STATUS_COLOURS["unknown"], "not judged (no range)", "●"),
        _swatch("#555555", "censored (&lt; or &gt; a limit)", "▽"),
        _swatch("#bbbbbb", "excluded (faded)", "●"),
        _swatch(reference, "reference range"),
        _swatch(target, "protocol target"),
        _swatch(LIMIT_COLOUR, "action limit (refer, reduce the dose)", "╌"),
        _swatch(DOSE_CHANGE_COLOUR, "dose change", "┊"),
        _swatch(CHANGE_COLOUR, "lab or unit changed", "┆"),
    ]
    return "&nbsp;&nbsp; ".join(parts)
