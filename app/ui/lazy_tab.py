"""A tab page whose panel is built the first time it is needed.

The Trends tab's chart imports pyqtgraph and numpy, the Reports tab the report
builder: building them when the tab is first shown keeps those imports out of the
start of the app.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QVBoxLayout, QWidget


class LazyTab(QWidget):
    """Holds the panel ``build()`` makes, once, on the first call of ``panel()``."""

    def __init__(self, build: Callable[[QWidget], QWidget], parent=None):
        super().__init__(parent)
        self._build = build
        self._panel: QWidget | None = None
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)

    @property
    def is_built(self) -> bool:
        return self._panel is not None

    def panel(self) -> QWidget:
        if self._panel is None:
            self._panel = self._build(self)
            self._layout.addWidget(self._panel)
        return self._panel
