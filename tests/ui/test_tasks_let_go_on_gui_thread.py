"""What a background job holds (a dialog, through its function) is let go on the GUI
thread: freed on a pool thread, a widget crashed Qt when a dialog closed while its
job was ending."""

from __future__ import annotations

import threading

from PySide6.QtCore import QThreadPool

from app.ui.tasks import run_task


class _Witness:
    """Records the thread that frees it (stands for the widget a job's function holds)."""

    def __init__(self, freed_on: list) -> None:
        self._freed_on = freed_on

    def __del__(self) -> None:
        self._freed_on.append(threading.current_thread())


def test_a_finished_jobs_function_is_freed_on_the_gui_thread(qtbot):
    freed_on: list = []
    results: list = []
    pool = QThreadPool()
    for _ in range(20):
        witness = _Witness(freed_on)
        # Only the job's function refers to the witness, as a lambda refers to its dialog.
        task = run_task(lambda _task, w=witness: id(w), on_finished=results.append, pool=pool)
        del witness, task
    qtbot.waitUntil(lambda: len(results) == 20, timeout=10_000)
    assert pool.waitForDone(5000)
    qtbot.waitUntil(lambda: len(freed_on) == 20, timeout=5000)
    assert set(freed_on) == {threading.main_thread()}


def test_a_failed_jobs_function_is_freed_on_the_gui_thread(qtbot):
    freed_on: list = []
    failures: list = []
    pool = QThreadPool()
    witness = _Witness(freed_on)

    def job(_task, w=witness):
        raise ValueError("the job failed")

    task = run_task(job, on_failed=failures.append, pool=pool)
    del witness, task, job
    qtbot.waitUntil(lambda: len(failures) == 1, timeout=10_000)
    assert pool.waitForDone(5000)
    failures.clear()  # the exception's traceback holds the job's frame
    qtbot.waitUntil(lambda: len(freed_on) == 1, timeout=5000)
    assert freed_on == [threading.main_thread()]
