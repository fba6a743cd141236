"""The idle lock lets go of the clinic's key only when no background job uses it.

Every job ``run_task`` starts (an import's commit, a backup, a report, the worklist)
runs on the clinic's connection. Locking closed that connection under the job: the
job failed and what it wrote was rolled back with the lock's own audit row.
"""

from __future__ import annotations

import threading

import pytest

from app.ui.tasks import jobs_running, run_task
from tests.conftest import ADMIN_PASSWORD as PASSWORD
from tests.conftest import make_patient


@pytest.fixture
def window(encrypted_window):
    return encrypted_window


def test_a_job_writing_when_the_clinic_locks_is_kept(qtbot, window, monkeypatch):
    main, service = window
    reached, release = threading.Event(), threading.Event()
    real_add = service.patients_repo.add

    def held_add(*args, **kwargs):
        reached.set()
        release.wait(10)
        return real_add(*args, **kwargs)

    monkeypatch.setattr(service.patients_repo, "add", held_add)
    outcome = []
    run_task(
        lambda _task: service.create_patient(make_patient(mrn="MRN-7007")),
        on_finished=outcome.append,
        on_failed=outcome.append,
    )
    assert reached.wait(10)  # the job's transaction is open
    main.idle_lock.lock()
    assert main.idle_lock.is_locked and not service.session.locked  # key kept for the job
    assert main.idle_lock.unlock(PASSWORD) is False  # it cannot be checked yet
    release.set()
    qtbot.waitUntil(lambda: jobs_running() == 0, timeout=10_000)
    qtbot.waitUntil(lambda: service.session.locked, timeout=5_000)
    assert main.idle_lock.unlock(PASSWORD) is True
    assert not isinstance(outcome[0], BaseException), outcome
    assert service.find_patient("MRN-7007") is not None
    actions = [row.action for row in service.session.audit.rows()]
    assert actions.index("create") < actions.index("timeout")


def _refuse_writes(service, monkeypatch) -> None:
    """The clinic takes no more writes (found damaged, or the disk full)."""
    from app.store.database import DatabaseDamaged

    def refuse(*_args, **_kwargs):
        raise DatabaseDamaged("the clinic failed its integrity check")

    monkeypatch.setattr(service, "record_event", refuse)


def test_a_lock_whose_audit_row_cannot_be_written_still_wants_the_password(
    qtbot, window, monkeypatch
):
    # The lock waited for a job; when it ended, the lock's own audit row failed. The
    # session had stayed unlocked, and the next unlock let any password through.
    main, service = window
    release = threading.Event()
    run_task(lambda _task: release.wait(10))
    main.idle_lock.lock()
    _refuse_writes(service, monkeypatch)
    release.set()
    qtbot.waitUntil(lambda: jobs_running() == 0, timeout=10_000)
    qtbot.waitUntil(lambda: service.session.locked, timeout=5_000)
    assert main.idle_lock.unlock("not the password") is False
    assert main.idle_lock.is_locked
    monkeypatch.undo()
    assert main.idle_lock.unlock(PASSWORD) is True


def test_a_clinic_that_takes_no_writes_still_locks(qtbot, window, monkeypatch):
    main, service = window
    _refuse_writes(service, monkeypatch)
    main.idle_lock.lock()
    assert main.idle_lock.is_locked and service.session.locked
    assert main.idle_lock.unlock("not the password") is False
