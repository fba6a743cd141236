"""An action limit on a lab lane: a dashed dark-red line at its bound, with its words.

A protocol target bounded on one side (``app.core.series.is_limit``: PSA above 4 ng/mL,
refer; haematocrit above 54 %, reduce the dose) is a line to stay on one side of,
not a range to aim for. The printed charts draw it the same way, by the same rule.
The label is the limit's first clause ("Urology referral if confirmed PSA above
4.0 ng/mL"), sitting on the line at the left of the dates shown; hovering it shows
the whole text and its source.
"""

from __future__ import annotations

import re

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from app.core.chart_palette import LIMIT_COLOUR
from app.core.series import Band, limit_bound, limit_label

LIMIT_PEN_WIDTH = 1.5
CAPTION_PREFIX = "Action limit: "
# Where a limit's words may be cut for its caption: after a clause, before an aside.
_CLAUSE_END = re.compile(r";\s|\s\(|,\s(?:and|or|then)\s")


def limit_caption(band: Band) -> str:
    """The words on the line: the limit's first clause, marked as an action limit."""
    words = limit_label(band)
    found = _CLAUSE_END.search(words)
    return CAPTION_PREFIX + (words[: found.start()] if found else words)


def limit_items(band: Band, tooltip: str) -> tuple[pg.InfiniteLine, pg.TextItem]:
    """The dashed line across all dates at the limit's bound, and its caption."""
    colour = QColor(LIMIT_COLOUR)
    line = pg.InfiniteLine(
        pos=limit_bound(band),
        angle=0,
        movable=False,
        pen=pg.mkPen(colour, width=LIMIT_PEN_WIDTH, style=Qt.DashLine),
    )
    line.setToolTip(tooltip)
    caption = pg.TextItem(limit_caption(band), color=colour, anchor=(0, 1))
    caption.setToolTip(tooltip)
    return line, caption
