"""Status colours shared by the trend chart and the flowsheet (one meaning, one colour).

The palette itself is ``app.core.chart_palette``, shared with the printed charts.
"""

from __future__ import annotations

from app.core.chart_palette import EXCLUDED_COLOUR, STATUS_COLOURS, status_colour

__all__ = ["EXCLUDED_COLOUR", "STATUS_COLOURS", "status_colour"]
