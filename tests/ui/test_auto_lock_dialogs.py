"""Auto-lock with a dialog open: its contents hidden, the dialog itself kept waiting.

Hiding a dialog ends its ``exec()``: the code that opened it went on as if it had
been cancelled (an account added after unlocking never reached the Users list), and
a message box Qt had built itself was deleted, so unlocking raised. The lock now
covers each open window instead.
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QDialog, QLineEdit, QMessageBox, QVBoxLayout

from app.ui.auto_lock import LockScreen
from tests.conftest import ADMIN_PASSWORD as PASSWORD
from tests.ui.modal_rescue import windows_closed_if_unanswered


@pytest.fixture
def window(encrypted_window):
    return encrypted_window[0]


def _lock_screens(widget) -> list[LockScreen]:
    return [s for s in widget.findChildren(LockScreen) if s.isVisible()]


def test_a_dialog_open_in_exec_stays_open_and_waiting_across_a_lock(qtbot, window):
    dialog = QDialog(window)
    dialog.setWindowTitle("Testcase, One")
    typed = QLineEdit("half-typed")
    QVBoxLayout(dialog).addWidget(typed)
    seen: dict = {}

    def while_open() -> None:
        window.idle_lock.lock()
        seen["locked_visible"] = typed.isVisible()
        seen["locked_title"] = dialog.windowTitle()
        seen["covers"] = len(_lock_screens(dialog))
        seen["unlocked"] = window.idle_lock.unlock(PASSWORD)
        seen["after_visible"] = dialog.isVisible() and typed.isVisible()
        seen["after_title"] = dialog.windowTitle()
        seen["after_covers"] = len(_lock_screens(dialog))
        QTimer.singleShot(0, dialog.accept)  # the user finishes the dialog after unlocking

    QTimer.singleShot(0, while_open)
    result = dialog.exec()
    assert seen["locked_visible"] is False, "the dialog's contents showed while locked"
    assert seen["locked_title"] != "Testcase, One"
    assert seen["covers"] == 1
    assert seen["unlocked"] is True
    assert seen["after_visible"] and seen["after_title"] == "Testcase, One"
    assert seen["after_covers"] == 0
    assert typed.text() == "half-typed"
    assert result == QDialog.Accepted, "exec() ended at the lock as if cancelled"


def test_unlocking_with_a_qt_built_message_box_open_does_not_raise(qtbot, window):
    seen: dict = {}

    def while_open() -> None:
        box = next(
            w
            for w in QApplication.topLevelWidgets()
            if isinstance(w, QMessageBox) and w.isVisible()
        )
        window.idle_lock.lock()
        seen["covered"] = len(_lock_screens(box)) == 1
        seen["unlocked"] = window.idle_lock.unlock(PASSWORD)
        seen["timer"] = window.idle_lock.timer.isActive()
        box.button(QMessageBox.Yes).click()

    QTimer.singleShot(0, while_open)
    answer = QMessageBox.question(window, "Disable account", "Disable desk1?")
    assert seen == {"covered": True, "unlocked": True, "timer": True}
    assert answer == QMessageBox.Yes
    assert not window.idle_lock.is_locked and window.menuBar().isEnabled()


def test_the_lock_screen_keeps_its_fields_to_a_sign_in_sized_column(qtbot):
    from app.ui.auto_lock import LOCK_COLUMN_WIDTH, LockScreen

    screen = LockScreen("ana")
    qtbot.addWidget(screen)
    screen.resize(1400, 900)
    screen.show()
    qtbot.waitExposed(screen)
    assert screen.password.width() <= LOCK_COLUMN_WIDTH
    assert screen.password.mapTo(screen, screen.password.rect().center()).x() > 600  # centred


def test_keys_typed_while_locked_never_reach_a_covered_dialog(qtbot, window):
    """Typing a password into the lock of a "Disable desk1?" box must not answer it (its
    'y' is the Yes mnemonic), and Escape or the window's X must not throw it away."""
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QCloseEvent

    seen: dict = {}

    def while_open() -> None:
        box = next(
            w
            for w in QApplication.topLevelWidgets()
            if isinstance(w, QMessageBox) and w.isVisible()
        )
        window.idle_lock.lock()
        (screen,) = _lock_screens(box)
        seen["focus_on_password"] = box.focusWidget() is screen.password
        yes = box.button(QMessageBox.Yes)
        for target in (yes, box):  # where a stray key or close would land
            qtbot.keyClick(target, Qt.Key_Y)
            qtbot.keyClick(target, Qt.Key_Escape)
            qtbot.keyClick(target, Qt.Key_Return)
        QApplication.sendEvent(box, QCloseEvent())
        seen["still_open"] = box.isVisible()
        seen["unlocked"] = window.idle_lock.unlock(PASSWORD)
        QTimer.singleShot(0, lambda: box.button(QMessageBox.No).click())

    QTimer.singleShot(0, while_open)
    with windows_closed_if_unanswered():
        answer = QMessageBox.question(window, "Disable", "Disable desk1?")
    assert seen["still_open"] and seen["unlocked"] and seen["focus_on_password"]
    assert answer == QMessageBox.No, "a key typed while locked answered the dialog"
