"""A background job still running when the user quits ends quietly, not as a crash."""

from __future__ import annotations

import sys
import threading

import shiboken6
from PySide6.QtCore import QThreadPool

from app.ui.tasks import run_task


def test_a_job_that_outlives_its_task_ends_without_an_error(qtbot, monkeypatch):
    uncaught: list = []
    monkeypatch.setattr(sys, "excepthook", lambda *exc: uncaught.append(exc))
    started, release = threading.Event(), threading.Event()

    def job(_task) -> int:
        started.set()
        release.wait(5)
        return 1

    pool = QThreadPool()
    task = run_task(job, pool=pool)
    assert started.wait(5)
    shiboken6.delete(task)  # what quitting does to it while the job still runs
    release.set()
    assert pool.waitForDone(5000)
    assert uncaught == []
