"""Import history's background jobs and the idle lock.

An undo runs in a transaction on the clinic's connection, off the GUI thread. The
lock used to write its audit row inside that transaction and then close the
connection under it: the undo and the lock's audit row were both rolled back, and
the dialog raised on the closed connection, its buttons left off. Now the lock covers
everything at once and lets go of the key when the job has ended.
"""

from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QLabel, QMessageBox

from app.services.importing import Importer
from app.ui.auto_lock import LOCKED_TITLE, LockScreen
from app.ui.import_history_dialog import ImportHistoryDialog
from app.ui.main_window import MainWindow
from tests.conftest import ADMIN_PASSWORD as PASSWORD
from tests.conftest import create_encrypted_clinic, sign_in

CSV = "MRN,Test,Result,Units,Collected\nMRN-1001,Zinc,58,ug/dL,2026-10-02 08:15\n"


@pytest.fixture
def clinic(qtbot, tmp_path, kb):
    """A clinic on disk with one imported batch: the window, its service and the batch."""
    path = tmp_path / "clinic.db"
    admin = create_encrypted_clinic(path, kb)
    importer = Importer(admin)
    data = CSV.encode()
    batch_id = importer.commit(
        importer.preview(data, "labs.csv", importer.read(data, "labs.csv")), data
    ).batch_id
    admin.close()
    service = sign_in(path, kb)
    main = MainWindow(service)
    qtbot.addWidget(main)
    main.show()
    yield main, service, batch_id
    main.close()
    service.close()


def _held(monkeypatch, obj, name: str) -> tuple[threading.Event, threading.Event]:
    """Make ``obj.name`` wait, once reached, until released: (reached, release)."""
    reached, release = threading.Event(), threading.Event()
    real = getattr(obj, name)

    def held(*args):
        reached.set()
        release.wait(10)
        return real(*args)

    monkeypatch.setattr(obj, name, held)
    return reached, release


def _uncovered_windows(main) -> list:
    """Visible windows other than the main one with no lock screen over them."""
    return [
        w
        for w in QApplication.topLevelWidgets()
        if w.isVisible()
        and w is not main
        and w.isWindow()
        and not any(s.isVisible() for s in w.findChildren(LockScreen))
    ]


def test_an_undo_running_when_the_clinic_locks_is_kept_and_shown_after_unlock(
    qtbot, clinic, monkeypatch
):
    main, service, batch_id = clinic
    dialog = ImportHistoryDialog(service, main)
    dialog.show()
    reached, release = _held(monkeypatch, dialog._importer._repo, "undo_batch")
    dialog.undo(batch_id)
    assert reached.wait(10)  # the undo's transaction is open
    main.idle_lock.lock()
    assert dialog.windowTitle() == LOCKED_TITLE and not dialog.detail.isVisible()
    assert _uncovered_windows(main) == []
    release.set()
    qtbot.waitUntil(lambda: not dialog.busy(), timeout=10_000)
    assert not dialog.detail.isVisible() and _uncovered_windows(main) == []
    qtbot.waitUntil(lambda: service.session.locked, timeout=5_000)  # the key let go
    assert main.idle_lock.unlock(PASSWORD) is True
    assert dialog.windowTitle() == "Import history" and dialog.detail.isVisible()
    assert "1 result removed" in dialog.detail.text(), "the undo's result was lost"
    assert dialog.close_button.isEnabled() and not dialog.undo_button.isEnabled()
    assert service.observations_repo.count() == 0
    actions = [(r.action, r.detail) for r in service.session.audit.rows()]
    undone = actions.index(("delete", f"import batch {batch_id} undone: 1 rows"))
    timeout = actions.index(("timeout", ""))
    assert undone < timeout < actions.index(("signin", "unlocked")), actions
    dialog.accept()
    assert not dialog.isVisible()


def test_unlocking_waits_for_a_job_that_started_before_the_lock(qtbot, clinic, monkeypatch):
    """Until the job ends the session is not signed out, so a password could not be
    checked (throttled, journaled, audited) as an unlock checks it: unlocking waits."""
    main, service, batch_id = clinic
    dialog = ImportHistoryDialog(service, main)
    dialog.show()
    reached, release = _held(monkeypatch, dialog._importer._repo, "undo_batch")
    dialog.undo(batch_id)
    assert reached.wait(10)
    main.idle_lock.lock()
    assert main.idle_lock.unlock("not the password") is False
    assert main.idle_lock.unlock(PASSWORD) is False
    assert "still finishing" in main.idle_lock.screen.error.text()
    assert main.idle_lock.is_locked and not dialog.detail.isVisible()
    release.set()
    qtbot.waitUntil(lambda: service.session.locked, timeout=10_000)
    assert main.idle_lock.unlock(PASSWORD) is True
    assert "1 result removed" in dialog.detail.text()


def test_the_count_arriving_while_locked_asks_under_the_lock_and_the_undo_follows(
    qtbot, clinic, monkeypatch
):
    """The whole path: count, lock, the confirmation covered, unlock, Yes, undone."""
    main, service, batch_id = clinic
    dialog = ImportHistoryDialog(service, main)
    dialog.show()
    reached, release = _held(monkeypatch, dialog._importer, "batch_impact")
    seen: dict = {}

    def confirm_shown() -> None:
        box = next((w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox)), None)
        if box is None or not box.isVisible():
            QTimer.singleShot(20, confirm_shown)
            return
        labels = [lbl.text() for lbl in box.findChildren(QLabel) if lbl.isVisible()]
        seen["question_shown"] = any("Undo batch" in text for text in labels)
        seen["uncovered"] = _uncovered_windows(main)
        qtbot.waitUntil(lambda: service.session.locked, timeout=5_000)
        seen["unlocked"] = main.idle_lock.unlock(PASSWORD)
        seen["asks"] = [lbl.text() for lbl in box.findChildren(QLabel) if lbl.isVisible()]
        box.button(QMessageBox.Yes).click()

    QTimer.singleShot(15_000, lambda: [w.close() for w in QApplication.topLevelWidgets()])
    dialog.ask_undo()
    assert reached.wait(10)
    main.idle_lock.lock()
    QTimer.singleShot(0, confirm_shown)
    with qtbot.waitSignal(dialog.undone, timeout=15_000):
        release.set()
    assert seen["question_shown"] is False and seen["uncovered"] == []
    assert seen["unlocked"] is True
    assert any("removes its 1 result for 1 patient" in text for text in seen["asks"])
    assert service.observations_repo.count() == 0
