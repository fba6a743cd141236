"""The trend chart's rows: a slot per lab lane that holds the lane once it is built.

A lane is built when it scrolls into view (or when code asks for it through
``LaneItems[key]``); until then its slot keeps its row's height in the layout.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping

import pyqtgraph as pg

from app.ui.trend_lane import TrendLane


class LaneItems(Mapping):
    """Lane key -> the items drawn in that lane; a lane not built yet is built on access."""

    def __init__(self, keys=(), build: Callable[[str], dict] | None = None):
        self._keys = list(keys)
        self._build = build
        self.built: dict[str, dict] = {}

    def __getitem__(self, key: str) -> dict:
        if key not in self.built:
            if key not in self._keys or self._build is None:
                raise KeyError(key)
            self._build(key)
        return self.built[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)

    def __contains__(self, key) -> bool:
        return key in self._keys


class LaneSlot(pg.GraphicsWidget):
    """A row of the chart that holds its lane once the lane is built."""

    def __init__(self, row: int, key: str):
        super().__init__()
        self.row = row
        self.key = key
        self.lane: TrendLane | None = None

    def hold(self, lane: TrendLane) -> None:
        lane.setParentItem(self)
        lane.setGeometry(self.rect())
        # Lay the lane out now, not at the next event: its view box must know its
        # size before anything maps a point to the screen (clicks, tests, exports).
        lane.layout().activate()
        self.lane = lane

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if self.lane is not None:
            self.lane.setGeometry(self.rect())
