"""Sign in to an encrypted clinic: user name and password, errors shown in place.

When the password is right but the clinic file cannot be read (it is damaged),
the dialog offers to restore it from one of the verified backups beside it, as an
administrator, and then signs in to the restored clinic.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
)


class SignInDialog(QDialog):
    """Calls ``sign_in(username, password)``; on success ``service`` holds its result.

    ``recovery``, if given, is ``(backups, restore)``: ``backups()`` lists the
    ``(path, manifest)`` of the clinic's backups and ``restore(username, password,
    backup)`` restores a clinic too damaged to open.
    """

    def __init__(
        self,
        clinic_label: str,
        sign_in,
        parent=None,
        username: str = "",
        recovery: tuple | None = None,
    ):
        super().__init__(parent)
        self._sign_in = sign_in
        self._recovery = recovery
        self.service = None
        self.restore_dialog = None
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
        self.restore_button = QPushButton("Restore from a backup…", objectName="signin_restore")
        buttons.addButton(self.restore_button, QDialogButtonBox.ActionRole)
        self.restore_button.setVisible(False)  # after addButton, which shows it
        buttons.accepted.connect(self.try_sign_in)
        buttons.rejected.connect(self.reject)
        self.restore_button.clicked.connect(self.choose_backup)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(f"<b>{clinic_label}</b>"))
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        (self.password if username else self.username).setFocus()

    def try_sign_in(self) -> None:
        from app.services.session import SIGN_IN_REFUSALS, ClinicUnreadable

        try:
            self.service = self._sign_in(self.username.text().strip(), self.password.text())
        except SIGN_IN_REFUSALS as exc:
            if isinstance(exc, ClinicUnreadable) and self._recovery is not None:
                self.restore_button.setVisible(True)
                self._refused(
                    "The clinic file cannot be read although the password is right: it is "
                    "damaged. Nothing was changed. An administrator can restore it from a "
                    "backup: type the password again, then choose Restore from a backup…"
                )
            else:
                self._refused(str(exc))
            return
        self.password.clear()
        self.accept()

    def _refused(self, message: str) -> None:
        self.error.setText(message)
        self.password.clear()
        self.password.setFocus()
        self.adjustSize()  # a long message wraps onto more lines: make room for them

    # -- restoring a clinic too damaged to open ----------------------------------------

    def choose_backup(self):
        """Show the clinic's backups; the chosen one is restored (after a confirmation)."""
        from app.ui.backup_actions import RestoreChooser

        backups, _restore = self._recovery
        found = backups()
        folder = found[0][0].parent if found else Path("backups")
        chooser = RestoreChooser(found, folder, self)
        self.restore_dialog = chooser

        def chosen() -> None:
            picked = chooser.chosen()
            if picked is not None:
                self.restore_from(picked[0])

        chooser.accepted.connect(chosen)
        chooser.open()
        return chooser

    def restore_from(self, backup: Path, confirmed: bool = False) -> bool:
        """Restore ``backup`` over the damaged clinic as the typed user, then sign in."""
        from app.services.admin_refusals import BACKUP_REFUSALS
        from app.services.session import SIGN_IN_REFUSALS

        if not confirmed:
            answer = QMessageBox.question(
                self,
                "Restore from backup",
                f"Replace the damaged clinic with {Path(backup).name}? Changes made since "
                "that backup are lost; the damaged file is kept beside the clinic.",
            )
            if answer != QMessageBox.Yes:
                return False
        _backups, restore = self._recovery
        user, password = self.username.text().strip(), self.password.text()
        try:
            restore(user, password, Path(backup))
        except (*SIGN_IN_REFUSALS, *BACKUP_REFUSALS) as exc:
            self._refused(f"Nothing was restored: {exc}")
            return False
        self.restore_button.setVisible(False)
        self.try_sign_in()
        return self.service is not None
