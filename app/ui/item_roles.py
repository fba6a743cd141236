"""Qt item-data roles (and header orientations) as plain constants, for the table models' ``data()``.

PySide6 looks an enum member up by name each time ``Qt.DisplayRole`` is evaluated
(3-7 µs on these machines). A view calls ``data()`` several hundred times per paint,
once per visible cell and role, and a model that names three roles per call spent
more time on the names than on the answer (the patient list: 35 µs a call, most of
its repaint). The models compare ``role`` with these constants instead.
"""

from __future__ import annotations

from PySide6.QtCore import Qt

DISPLAY = Qt.ItemDataRole.DisplayRole
FOREGROUND = Qt.ItemDataRole.ForegroundRole
BACKGROUND = Qt.ItemDataRole.BackgroundRole
FONT = Qt.ItemDataRole.FontRole
TOOLTIP = Qt.ItemDataRole.ToolTipRole
ALIGNMENT = Qt.ItemDataRole.TextAlignmentRole
USER = Qt.ItemDataRole.UserRole

HORIZONTAL = Qt.Orientation.Horizontal
VERTICAL = Qt.Orientation.Vertical
RIGHT_ALIGNED = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
