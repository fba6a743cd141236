"""Auto-lock after idle time: patient data hidden, the key dropped, unsaved edits kept.

Any keyboard or mouse input anywhere in the app restarts the idle timer (one
application-wide event filter). On time-out the service audits the lock and
closes its connection; the window's pages and any open dialogs are hidden, not
closed, so what the user was typing is still there after signing in again.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QTimer, Signal
from PySide6.QtWidgets import (
    QApplication,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

DEFAULT_MINUTES = 10
_INPUT_EVENTS = {
    QEvent.KeyPress,
    QEvent.MouseButtonPress,
    QEvent.MouseMove,
    QEvent.Wheel,
    QEvent.TouchBegin,
}


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
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        for widget in (title, self.message, self.password, self.error, self.button):
            layout.addWidget(widget)
        layout.addStretch(2)
        self.button.clicked.connect(self._unlock)
        self.password.returnPressed.connect(self._unlock)

    def _unlock(self) -> None:
        self.unlock_requested.emit(self.password.text())
        self.password.clear()


class IdleLock(QObject):
    """Watches for input and locks ``window`` after ``minutes`` without any."""

    locked = Signal()
    unlocked = Signal()

    def __init__(self, window, service, minutes: float = DEFAULT_MINUTES):
        super().__init__(window)
        self._window = window
        self._service = service
        self._hidden_dialogs: list[QWidget] = []
        self._saved_central = None
        self.screen: LockScreen | None = None
        self.timer = QTimer(self, singleShot=True)
        self.timer.setInterval(int(minutes * 60_000))
        self.timer.timeout.connect(self.lock)
        QApplication.instance().installEventFilter(self)
        self.timer.start()

    @property
    def is_locked(self) -> bool:
        return self.screen is not None

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 (Qt override)
        if event.type() in _INPUT_EVENTS and not self.is_locked:
            self.timer.start()
        return False

    def stop(self) -> None:
        """The window is closing: no more locking, no more watching input."""
        self.timer.stop()
        QApplication.instance().removeEventFilter(self)

    def lock(self) -> None:
        if self.is_locked or not self._window.isVisible():
            return
        self._service.lock("timeout")
        app = QApplication.instance()
        self._hidden_dialogs = [
            w for w in app.topLevelWidgets() if w is not self._window and w.isVisible()
        ]
        for widget in self._hidden_dialogs:
            widget.hide()
        self._saved_central = self._window.takeCentralWidget()
        self.screen = LockScreen(self._service.user.username)
        self.screen.unlock_requested.connect(self.unlock)
        self._window.setCentralWidget(self.screen)
        self._window.menuBar().setEnabled(False)
        self.locked.emit()

    def unlock(self, password: str) -> bool:
        from app.services.session import SignInError

        try:
            self._service.unlock(password)
        except SignInError as exc:
            if self.screen is not None:
                self.screen.error.setText(str(exc))
            return False
        self._window.setCentralWidget(self._saved_central)
        self._saved_central = None
        self.screen = None
        self._window.menuBar().setEnabled(True)
        for widget in self._hidden_dialogs:
            widget.show()
        self._hidden_dialogs = []
        self.timer.start()
        self.unlocked.emit()
        return True
