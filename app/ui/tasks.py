"""One helper for background work: run a function in QThreadPool, get the result by signal.

Worker threads never touch widgets; the result or the exception is delivered on
the GUI thread through the returned ``Task``'s signals.
"""

from __future__ import annotations

import itertools
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


class _Reaper(QObject):
    """Lets go of finished jobs on the GUI thread (see :class:`_Runnable`)."""

    done = Signal(int)

    def __init__(self) -> None:
        super().__init__()
        #: Job number -> (task, function): what a running job holds, kept here too.
        self.kept: dict[int, tuple[Task, Callable]] = {}
        self.numbers = itertools.count()
        self.done.connect(self._let_go)

    def _let_go(self, number: int) -> None:
        self.kept.pop(number, None)


_reaper: _Reaper | None = None


def _the_reaper() -> _Reaper:
    """The one reaper, made on the GUI thread by the first ``run_task``."""
    global _reaper
    if _reaper is None:
        _reaper = _Reaper()
    return _reaper


def jobs_running() -> int:
    """How many jobs ``run_task`` started have not yet been let go of on the GUI thread.

    A job's result and failure are delivered before it is let go, so at zero every
    job's callbacks have run.
    """
    return len(_reaper.kept) if _reaper is not None else 0


class _Runnable(QRunnable):
    """Runs one job on a pool thread and hands everything it held back to the GUI thread.

    The job's function usually closes over a widget (``lambda task: self._x.y()``). If
    the pool thread dropped the last reference to it, Python would free the widget
    there, and Qt crashes destroying a widget off the GUI thread (seen when a dialog
    closed while its job was ending). So the reaper keeps a reference to the function
    and the task until this thread has let go of its own; only then is it told, and
    it lets go on the GUI thread.
    """

    def __init__(self, task: Task, fn: Callable[[Task], object], number: int, reaper: _Reaper):
        super().__init__()
        self._task: Task | None = task
        self._fn: Callable[[Task], object] | None = fn
        self._number = number
        self._reaper = reaper

    def run(self) -> None:
        # The result is let go here once delivered: jobs return plain data, not widgets.
        task, fn = self._task, self._fn
        self._task = self._fn = None
        try:
            result = fn(task)
        except BaseException as exc:  # delivered to the GUI thread, which decides
            log.debug("background task failed", exc_info=True)
            _deliver(task, "failed", exc)
        else:
            _deliver(task, "finished", result)
            del result
        del task, fn  # this thread holds nothing of the job any more
        try:
            self._reaper.done.emit(self._number)
        except RuntimeError:
            log.debug("background task ended after the application closed")


def _deliver(task: Task, signal: str, value: object) -> None:
    try:
        getattr(task, signal).emit(value)
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
    """Run ``fn(task)`` on the pool; the callbacks are connected before it starts.

    Call it on the GUI thread: the callbacks run there, and whatever ``fn`` holds
    (a widget, say) is let go there.
    """
    task = Task()
    if on_finished:
        task.finished.connect(on_finished)
    if on_failed:
        task.failed.connect(on_failed)
    if on_progress:
        task.progress.connect(on_progress)
    reaper = _the_reaper()
    number = next(reaper.numbers)
    reaper.kept[number] = (task, fn)
    (pool or QThreadPool.globalInstance()).start(_Runnable(task, fn, number, reaper))
    return task
