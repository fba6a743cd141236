"""One helper for background work: run a function in QThreadPool, get the result by signal.

Worker threads never touch widgets; the result or the exception is delivered on
the GUI thread through the returned ``Task``'s signals.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

log = logging.getLogger(__name__)


class Task(QObject):
    """Signals of one background job; ``cancel()`` asks the job to stop."""

    progress = Signal(float)  # 0.0 .. 1.0
    finished = Signal(object)  # the function's return value
    failed = Signal(object)  # the exception it raised

    def __init__(self) -> None:
        super().__init__()
        self._cancelled = threading.Event()

    def cancel(self) -> None:
        self._cancelled.set()

    def is_cancelled(self) -> bool:
        return self._cancelled.is_set()


class _Runnable(QRunnable):
    def __init__(self, task: Task, fn: Callable[[Task], object]):
        super().__init__()
        self._task = task
        self._fn = fn

    def run(self) -> None:
        try:
            result = self._fn(self._task)
        except BaseException as exc:  # delivered to the GUI thread, which decides
            log.debug("background task failed", exc_info=True)
            self._deliver("failed", exc)
        else:
            self._deliver("finished", result)

    def _deliver(self, signal: str, value: object) -> None:
        try:
            getattr(self._task, signal).emit(value)
        except RuntimeError:
            # The user quit while the job ran: Qt deleted the task with the application,
            # and nobody is left to tell. Not a crash.
            log.debug("background task ended after the application closed")


def run_task(
    fn: Callable[[Task], object],
    *,
    on_finished: Callable[[object], None] | None = None,
    on_failed: Callable[[BaseException], None] | None = None,
    on_progress: Callable[[float], None] | None = None,
    pool: QThreadPool | None = None,
) -> Task:
    """Run ``fn(task)`` on the pool; the callbacks are connected before it starts."""
    task = Task()
    if on_finished:
        task.finished.connect(on_finished)
    if on_failed:
        task.failed.connect(on_failed)
    if on_progress:
        task.progress.connect(on_progress)
    (pool or QThreadPool.globalInstance()).start(_Runnable(task, fn))
    return task
