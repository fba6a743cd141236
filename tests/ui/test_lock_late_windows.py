"""A window that appears after the clinic locked is covered too.

A background job that ends while the clinic is locked may open a message box (an
undo's result, the crash handler's box). It used to show uncovered over the lock,
with whatever it said, to whoever walked up to the workstation.
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import QRect, Qt, QTimer
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QApplication, QLabel, QMessageBox

from app.ui.auto_lock import LOCKED_TITLE, LockScreen
from tests.conftest import ADMIN_PASSWORD as PASSWORD
from tests.ui.modal_rescue import windows_closed_if_unanswered

SECRET = "Batch 7 was undone: 1,204 results removed for Testcase, One (MRN-1001)."


@pytest.fixture
def window(encrypted_window):
    return encrypted_window[0]


def _open_box() -> QMessageBox:
    return next(
        w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible()
    )


def _lock_fits(box: QMessageBox, screen: LockScreen) -> bool:
    """Whether the lock screen's password field and Unlock button are whole in ``box``."""
    for widget in (screen.password, screen.button):
        where = QRect(widget.mapTo(box, widget.rect().topLeft()), widget.size())
        if widget.height() < widget.sizeHint().height() or not box.rect().contains(where):
            return False
    return True


def _shown_text(box: QMessageBox) -> list[str]:
    """The text of the labels a passer-by can read on ``box``."""
    return [label.text() for label in box.findChildren(QLabel) if label.isVisible()]


@pytest.mark.parametrize("parented", [True, False], ids=["child of the window", "parentless"])
def test_a_message_box_opened_while_locked_is_covered_until_unlock(qtbot, window, parented):
    window.idle_lock.lock()
    seen: dict = {}

    def while_open() -> None:
        box = _open_box()
        seen["title"] = box.windowTitle()
        seen["secret_shown"] = any(SECRET in text for text in _shown_text(box))
        screens = [s for s in box.findChildren(LockScreen) if s.isVisible()]
        seen["covers"] = len(screens)
        seen["field_fits"] = bool(screens) and _lock_fits(box, screens[0])
        for key in (Qt.Key_O, Qt.Key_Escape, Qt.Key_Return):  # none may answer it
            qtbot.keyClick(box, key)
        QApplication.sendEvent(box, QCloseEvent())
        seen["still_open"] = box.isVisible()
        seen["unlocked"] = window.idle_lock.unlock(PASSWORD)
        seen["after_title"] = box.windowTitle()
        seen["after_secret_shown"] = any(SECRET in text for text in _shown_text(box))
        seen["after_covers"] = len([s for s in box.findChildren(LockScreen) if s.isVisible()])
        QTimer.singleShot(0, lambda: box.button(QMessageBox.Ok).click())

    QTimer.singleShot(0, while_open)
    with windows_closed_if_unanswered():
        answer = QMessageBox.information(window if parented else None, "Undo import", SECRET)
    assert seen["secret_shown"] is False, "the late box showed its text over the lock"
    assert seen["title"] == LOCKED_TITLE and seen["covers"] == 1
    assert seen["field_fits"], "the box squashed its lock screen's password field or button"
    assert seen["still_open"], "a key or close typed while locked answered the late box"
    assert seen["unlocked"] is True
    assert seen["after_title"] == "Undo import" and seen["after_secret_shown"]
    assert seen["after_covers"] == 0
    assert answer == QMessageBox.Ok, "the box's exec() did not go on waiting for the user"


def test_a_box_open_before_the_lock_keeps_room_for_the_password_field(qtbot, window):
    """A message box fixes its size to what it shows; covered, that was nothing."""
    seen: dict = {}

    def while_open() -> None:
        box = _open_box()
        before = box.size()
        window.idle_lock.lock()
        QApplication.processEvents()  # the box's own re-layout after its contents hid
        (screen,) = [s for s in box.findChildren(LockScreen) if s.isVisible()]
        seen["field_fits"] = _lock_fits(box, screen)
        seen["unlocked"] = window.idle_lock.unlock(PASSWORD)
        QApplication.processEvents()
        seen["size_back"] = box.size() == before
        QTimer.singleShot(0, lambda: box.button(QMessageBox.Ok).click())

    QTimer.singleShot(0, while_open)
    with windows_closed_if_unanswered():
        QMessageBox.information(window, "Undo import", SECRET)
    assert seen == {"field_fits": True, "unlocked": True, "size_back": True}
