"""Sign in to an encrypted clinic: user name and password, errors shown in place."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
)


class SignInDialog(QDialog):
    """Calls ``sign_in(username, password)``; on success ``service`` holds its result."""

    def __init__(self, clinic_label: str, sign_in, parent=None, username: str = ""):
        super().__init__(parent)
        self._sign_in = sign_in
        self.service = None
        self.setWindowTitle("Sign in to Cofactor")
        self.setMinimumWidth(420)
        self.username = QLineEdit(username, objectName="signin_username")
        self.password = QLineEdit(objectName="signin_password")
        self.password.setEchoMode(QLineEdit.Password)
        self.error = QLabel(objectName="signin_error")
        self.error.setStyleSheet("color: #b00020;")
        self.error.setWordWrap(True)
        form = QFormLayout()
        form.addRow("User name", self.username)
        form.addRow("Password", self.password)
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        buttons.button(QDialogButtonBox.Ok).setText("Sign in")
        buttons.accepted.connect(self.try_sign_in)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(f"<b>{clinic_label}</b>"))
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        (self.password if username else self.username).setFocus()

    def try_sign_in(self) -> None:
        from app.services.session import SIGN_IN_REFUSALS

        try:
            self.service = self._sign_in(self.username.text().strip(), self.password.text())
        except SIGN_IN_REFUSALS as exc:
            self.error.setText(str(exc))
            self.password.clear()
            self.password.setFocus()
            return
        self.password.clear()
        self.accept()
