"""A guard for tests that answer a modal dialog from a timer.

Should the dialog never be answered (the test's timer failed), every window is closed
after a while so ``exec()`` returns and the test fails instead of hanging. The guard
is stopped when the dialog returns: a plain ``QTimer.singleShot`` kept running and, a
few seconds into a later test, closed that test's windows under it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication


@contextmanager
def windows_closed_if_unanswered(ms: int = 8000) -> Iterator[None]:
    rescue = QTimer(singleShot=True, interval=ms)
    rescue.timeout.connect(lambda: [w.close() for w in QApplication.topLevelWidgets()])
    rescue.start()
    try:
        yield
    finally:
        rescue.stop()
