"""Hook for trend charts in the PDF (not drawn yet).

The chart series (``app.core`` series of points, censored points, bands and
regimen steps) is being built for the screen; the PDF will draw the same series
with ``reportlab.graphics`` here, never a screenshot. Until then this returns no
flowables and the summary prints no chart rather than a made-up one.
"""

from __future__ import annotations

from reportlab.platypus import Flowable

from app.core.report_data import ReportData


def trend_chart_flowables(data: ReportData, width: float) -> list[Flowable]:
    """Flowables drawing ``data.chart_series`` in ``width`` points; none yet (see module doc)."""
    del data, width  # drawn once the core chart series exists
    return []
