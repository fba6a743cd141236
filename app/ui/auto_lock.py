"""Auto-lock after idle time: patient data hidden, the key dropped, unsaved edits kept.

Any keyboard or mouse input anywhere in the app restarts the idle timer (one
application-wide event filter). On time-out the service audits the lock and
closes its connection; the window's pages are swapped for a lock screen and every
other open window is covered by one, so what the user was typing is still there
after signing in again.

Open dialogs are covered, not hidden: hiding a dialog ends its ``exec()``, and the
code that opened it would go on as if it had been cancelled (an account added after
unlocking never reached the Users list), while a message box Qt built itself would
be deleted under the lock. A covered modal dialog keeps its modality, so its cover
has its own password field. A window that appears while locked (a message box a
background job opens when it ends, the crash handler's box) is covered as it is
shown, before it reaches the screen, and uncovered on unlock; its ``exec()`` goes on
waiting.

A background job (``app.ui.tasks.run_task``: an import's commit, an undo, a backup,
the worklist, a report) uses the clinic's connection. Closing the connection under it
would roll the job back and fail it, so the lock covers everything at once but audits
the lock and lets go of the key only when no job is running any more; until then
unlocking waits.
"""

from __future__ import annotations

import shiboken6
from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.ui.tasks import jobs_running

DEFAULT_MINUTES = 10
# What a covered window must not receive while locked (see IdleLock.eventFilter).
_KEPT_FROM_COVERED = frozenset(
    {QEvent.KeyPress, QEvent.KeyRelease, QEvent.ShortcutOverride, QEvent.Shortcut, QEvent.Close}
)
_INPUT_EVENTS = {
    QEvent.KeyPress,
    QEvent.MouseButtonPress,
    QEvent.MouseMove,
    QEvent.Wheel,
    QEvent.TouchBegin,
}
LOCKED_TITLE = "Cofactor is locked"


#: How often a lock waiting for a background job looks whether it has ended (ms).
KEY_WAIT_MS = 200
STILL_BUSY = "A task started before the lock is still finishing. Sign in again when it has ended."


def _alive(widget) -> bool:
    return widget is not None and shiboken6.isValid(widget)


LOCK_COLUMN_WIDTH = 460  # pixels: the lock screen's text and fields


class LockScreen(QWidget):
    """What the window shows while locked: no patient data, a password field."""

    unlock_requested = Signal(str)

    def __init__(self, username: str, parent=None):
        super().__init__(parent)
        self.setObjectName("lock_screen")
        title = QLabel("<h2>Cofactor is locked</h2>")
        self.message = QLabel(
            f"Locked after a period without activity. Sign in again as {username} to "
            "continue; anything you had not saved is kept."
        )
        self.message.setWordWrap(True)
        self.password = QLineEdit(objectName="unlock_password")
        self.password.setEchoMode(QLineEdit.Password)
        self.password.setPlaceholderText("Password")
        self.error = QLabel(objectName="unlock_error")
        self.error.setStyleSheet("color: #b00020;")
        self.button = QPushButton("Unlock", objectName="unlock_button")
        # A sign-in sized column in the middle, not fields across the whole window.
        column = QWidget(objectName="lock_column")
        column.setMaximumWidth(LOCK_COLUMN_WIDTH)
        inner = QVBoxLayout(column)
        inner.setContentsMargins(0, 0, 0, 0)
        for widget in (title, self.message, self.password, self.error, self.button):
            inner.addWidget(widget)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(column, 4)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        layout.addLayout(row)
        layout.addStretch(2)
        self.button.clicked.connect(self._unlock)
        self.password.returnPressed.connect(self._unlock)

    def _unlock(self) -> None:
        self.unlock_requested.emit(self.password.text())
        self.password.clear()


class _Cover:
    """One open window while locked: its contents and title hidden under a lock screen.

    The window itself stays shown, so a dialog's ``exec()`` keeps waiting for it.
    """

    def __init__(self, window: QWidget, username: str, unlock):
        self.window = window
        self.title = window.windowTitle()
        self.size = window.size()
        self.limits = (window.minimumSize(), window.maximumSize())
        self.focus = window.focusWidget()
        self.hidden = [
            child
            for child in window.findChildren(QWidget, options=Qt.FindDirectChildrenOnly)
            if not child.isWindow() and not child.isHidden()
        ]
        for child in self.hidden:
            child.hide()
        self.screen = LockScreen(username, window)
        self.screen.setAutoFillBackground(True)
        # Queued: the Return that unlocks must not reach the dialog's own default
        # button, which is shown again by the unlock.
        self.screen.unlock_requested.connect(unlock, Qt.QueuedConnection)
        window.setWindowTitle(LOCKED_TITLE)
        self.grown_to = window.size()  # put back on unlock unless the user resized it
        self.fit()
        self.screen.show()
        self.screen.raise_()
        # Typing goes to the password field, never to a hidden button of the window.
        self.screen.password.setFocus(Qt.OtherFocusReason)

    def fit(self) -> None:
        """Fill the window with the lock screen, growing the window to hold it.

        A message box fixes its size to what it shows, which while covered is
        nothing: without this its lock screen had no room for the password field.
        """
        if not (_alive(self.screen) and _alive(self.window)):
            return
        window, need = self.window, self.screen.sizeHint()
        if need.boundedTo(window.size()) != need:  # too small in either direction
            window.setMaximumSize(window.maximumSize().expandedTo(need))
            window.setMinimumSize(window.minimumSize().expandedTo(need))
            window.resize(window.size().expandedTo(need))
            self.grown_to = window.size()
        self.screen.setGeometry(window.rect())

    def say(self, text: str) -> None:
        if _alive(self.screen):
            self.screen.error.setText(text)

    def remove(self) -> None:
        """Show the window's contents again (it may have been closed meanwhile)."""
        if _alive(self.screen):
            self.screen.hide()
            self.screen.deleteLater()
        if not _alive(self.window):
            return
        for child in self.hidden:
            if _alive(child):
                child.show()
        self.window.setWindowTitle(self.title)
        self.window.setMinimumSize(self.limits[0])
        self.window.setMaximumSize(self.limits[1])
        if self.window.size() == self.grown_to:
            self.window.resize(self.size)
        if _alive(self.focus) and self.focus.isVisible():
            self.focus.setFocus()


class IdleLock(QObject):
    """Watches for input and locks ``window`` after ``minutes`` without any."""

    locked = Signal()
    unlocked = Signal()

    def __init__(self, window, service, minutes: float = DEFAULT_MINUTES):
        super().__init__(window)
        self._window = window
        self._service = service
        self._covers: list[_Cover] = []
        self._saved_central = None
        self._username = ""
        self.screen: LockScreen | None = None
        self.timer = QTimer(self, singleShot=True)
        self.timer.setInterval(int(minutes * 60_000))
        self.timer.timeout.connect(self.lock)
        # Locked on screen, the key still held: a window's job is using the connection.
        self.key_wait = QTimer(self, interval=KEY_WAIT_MS)
        self.key_wait.timeout.connect(self._release_key)
        QApplication.instance().installEventFilter(self)
        self.timer.start()

    @property
    def is_locked(self) -> bool:
        return self.screen is not None

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 (Qt override)
        kind = event.type()
        if kind in _INPUT_EVENTS and not self.is_locked:
            self.timer.start()
        elif kind == QEvent.Show and self.is_locked and self._coverable(watched):
            # Shown while locked (a job's result box, say): covered before it reaches
            # the screen; its exec() goes on waiting for it.
            self._covers.append(_Cover(watched, self._username, self.unlock))
        elif kind == QEvent.Resize and self._covers:
            for cover in self._covers:
                if cover.window is watched:
                    cover.fit()
        elif kind in _KEPT_FROM_COVERED and self._covers and self._reaches_covered(watched):
            # Keys typed while locked go to the lock screen only: not to a covered
            # dialog's buttons (its 'y' mnemonic answering "Disable desk1?"), nor an
            # Escape or a close that would throw away what it holds.
            if kind == QEvent.Close:
                event.ignore()
            return True
        return False

    def _reaches_covered(self, watched) -> bool:
        """Whether ``watched`` is (in) a covered window, not its lock screen."""
        if not isinstance(watched, QWidget) or not _alive(watched):
            return False
        for cover in self._covers:
            if not (_alive(cover.window) and _alive(cover.screen)):
                continue
            inside = watched is cover.window or cover.window.isAncestorOf(watched)
            on_screen = watched is cover.screen or cover.screen.isAncestorOf(watched)
            if inside and not on_screen:
                return True
        return False

    def _coverable(self, widget) -> bool:
        """Whether ``widget``, being shown while locked, is a window to cover now.

        Not the main window (its pages are swapped already), nor one covered already,
        nor a menu or tooltip (the lock screen's own context menu is one). A native
        dialog cannot be covered (the platform draws it, not Qt) and is left alone: a
        job does not open one, and it shows no patient data of the app's.
        """
        if not isinstance(widget, QWidget) or not _alive(widget) or not widget.isWindow():
            return False
        if widget is self._window or isinstance(widget, LockScreen):
            return False
        if widget.windowType() in (Qt.Popup, Qt.ToolTip) or widget.testAttribute(
            Qt.WA_DontShowOnScreen
        ):
            return False
        return not any(cover.window is widget for cover in self._covers)

    def stop(self) -> None:
        """The window is closing: no more locking, no more watching input."""
        self.timer.stop()
        self.key_wait.stop()
        QApplication.instance().removeEventFilter(self)

    def lock(self) -> None:
        if self.is_locked or not self._window.isVisible():
            return
        if not self._release_key():
            self.key_wait.start()  # a background job still uses the connection
        username = self._username = self._service.user.username
        for widget in QApplication.instance().topLevelWidgets():
            if widget is self._window or not widget.isVisible():
                continue
            if widget.windowType() in (Qt.Popup, Qt.ToolTip) or widget.testAttribute(
                Qt.WA_DontShowOnScreen
            ):
                # A menu or tooltip is fleeting; a native dialog (shown by the platform,
                # not by Qt) cannot be covered: closing them loses nothing typed.
                widget.hide()
                continue
            self._covers.append(_Cover(widget, username, self.unlock))
        self._saved_central = self._window.takeCentralWidget()
        self.screen = LockScreen(username)
        self.screen.unlock_requested.connect(self.unlock)
        self._window.setCentralWidget(self.screen)
        self._window.menuBar().setEnabled(False)
        self.locked.emit()

    def _release_key(self) -> bool:
        """Audit the lock and close the connection once no background job uses it.

        A job's transaction shares the connection: the lock's audit row would be
        written inside it, and closing the connection would roll both back and fail
        the job (an undo lost, its dialog raising on the closed connection). The job
        ends on its own; its result reaches its covered window before the key goes.
        """
        if jobs_running():
            return False
        self._service.lock("timeout")
        self.key_wait.stop()  # only once locked: until then an unlock comes back here
        return True

    def _say(self, text: str) -> None:
        if self.screen is not None:
            self.screen.error.setText(text)
        for cover in self._covers:
            cover.say(text)

    def unlock(self, password: str) -> bool:
        from app.services.session import SignInError

        if not self.is_locked:
            return True  # a queued request from a cover after another screen unlocked
        if self.key_wait.isActive() and not self._release_key():
            # Not signed out yet, so the password could not be checked as an unlock is.
            self._say(STILL_BUSY)
            return False
        try:
            self._service.unlock(password)
        except SignInError as exc:
            self._say(str(exc))
            return False
        self._window.setCentralWidget(self._saved_central)
        self._saved_central = None
        self.screen = None
        self._window.menuBar().setEnabled(True)
        self.timer.start()
        covers, self._covers = self._covers, []
        for cover in covers:
            cover.remove()
        self.unlocked.emit()
        return True
