"""User management for administrators: add, change role, disable, re-enable, reset password.

Every change goes through ``AdminService`` (which checks the role, keeps the key slots
in step and audits old and new values). A refusal is shown as a sentence in the
dialog, never as a traceback.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from app.services.admin import AdminService, CurrentPasswordWrong
from app.services.admin_refusals import (
    ADMIN_REFUSALS,
    DUPLICATE_ACCOUNT,
    ROLES,
    PasswordPolicyError,
    UsernameError,
    refusal_message,
)
from app.ui.form_errors import FieldErrors

USER, ROLE, STATUS = range(3)


def _password_edit() -> QLineEdit:
    edit = QLineEdit()
    edit.setEchoMode(QLineEdit.Password)
    return edit


class _PasswordFields:
    """A password and its repeat, with their error labels, added to a form."""

    def __init__(self, form: QFormLayout, errors: FieldErrors, label: str = "Password"):
        self.password = _password_edit()
        self.repeat = _password_edit()
        errors.add_row(form, label, "password", self.password)
        errors.add_row(form, "Repeat", "repeat", self.repeat)

    def mismatch(self) -> dict[str, str]:
        if self.password.text() != self.repeat.text():
            return {"repeat": "The two passwords differ."}
        return {}


class AddUserDialog(QDialog):
    """Ask for a user name, role and password, then create the account."""

    def __init__(self, admin: AdminService, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Add user")
        self._admin = admin
        self.created = None
        self.username = QLineEdit()
        self.role = QComboBox()
        self.role.addItems(list(ROLES))
        self.role.setCurrentText("clinician")
        self.errors = FieldErrors()
        form = QFormLayout()
        self.errors.add_row(form, "User name", "username", self.username)
        self.errors.add_row(form, "Role", "role", self.role)
        self.passwords = _PasswordFields(form, self.errors)
        hint = QLabel("At least 12 characters; a phrase of several words is easy to remember.")
        hint.setWordWrap(True)
        hint.setStyleSheet("color: palette(mid);")
        form.addRow("", hint)
        self.buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        self.buttons.button(QDialogButtonBox.Ok).setText("Add user")
        self.buttons.accepted.connect(self.try_add)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.buttons)
        self.resize(620, 0)

    def try_add(self) -> bool:
        """Create the account, or show why not beside the field; nothing is written then."""
        errors = self.passwords.mismatch()
        if not self.username.text().strip():
            errors["username"] = "Enter a user name."
        if errors:
            self.errors.show(errors)
            return False
        try:
            self.created = self._admin.add_user(
                self.username.text(), self.role.currentText(), self.passwords.password.text()
            )
        except PasswordPolicyError as exc:
            self.errors.show({"password": str(exc)})
            return False
        except UsernameError as exc:
            self.errors.show({"username": str(exc)})
            return False
        except DUPLICATE_ACCOUNT:
            name = self.username.text().strip()
            self.errors.show({"username": f"There is already an account named {name}."})
            return False
        except ADMIN_REFUSALS as exc:
            self.errors.show({"username": refusal_message(exc)})
            return False
        self.accept()
        return True


class PasswordDialog(QDialog):
    """Ask for a new password twice, then hand it to ``apply`` (reset, re-enable)."""

    def __init__(
        self,
        title: str,
        prompt: str,
        apply: Callable[[str], None],
        parent=None,
        *,
        ask_current: bool = False,
    ):
        super().__init__(parent)
        self.setWindowTitle(title)
        self._apply = apply
        self.errors = FieldErrors()
        form = QFormLayout()
        text = QLabel(prompt)
        text.setWordWrap(True)
        form.addRow(text)
        #: One's own password is changed only with the current one (``ask_current``).
        self.current = _password_edit()
        if ask_current:
            self.errors.add_row(form, "Current password", "current", self.current)
        self.passwords = _PasswordFields(form, self.errors, "New password")
        self.buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        self.buttons.accepted.connect(self.try_apply)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.buttons)
        self.resize(560, 0)

    def try_apply(self) -> bool:
        errors = self.passwords.mismatch()
        if errors:
            self.errors.show(errors)
            return False
        try:
            self._apply(self.passwords.password.text())
        except CurrentPasswordWrong as exc:
            self.errors.show({"current": str(exc)})
            return False
        except PasswordPolicyError as exc:
            self.errors.show({"password": str(exc)})
            return False
        except ADMIN_REFUSALS as exc:
            self.errors.show({"password": refusal_message(exc)})
            return False
        self.accept()
        return True


class UsersDialog(QDialog):
    """The clinic's accounts, with the actions an administrator may take on them."""

    def __init__(self, service, parent=None, admin: AdminService | None = None):
        super().__init__(parent)
        self.setWindowTitle("Users")
        self.setObjectName("users_dialog")
        self._admin = admin or AdminService(service)
        self.table = QTableWidget(0, 3)
        self.table.setHorizontalHeaderLabels(["User", "Role", "Status"])
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.Stretch)
        self.add_button = QPushButton("Add user…")
        self.role_button = QPushButton("Change role…")
        self.disable_button = QPushButton("Disable")
        self.enable_button = QPushButton("Re-enable…")
        self.password_button = QPushButton("Reset password…")
        self.close_button = QPushButton("Close")
        self.message = QLabel()
        self.message.setObjectName("users_message")
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #b00020;")
        side = QVBoxLayout()
        for button in (
            self.add_button,
            self.role_button,
            self.disable_button,
            self.enable_button,
            self.password_button,
        ):
            side.addWidget(button)
        side.addStretch(1)
        side.addWidget(self.close_button)
        body = QHBoxLayout()
        body.addWidget(self.table, 1)
        body.addLayout(side)
        layout = QVBoxLayout(self)
        layout.addLayout(body)
        layout.addWidget(self.message)
        self._connect()
        self.refresh()
        self.resize(640, 380)

    def _connect(self) -> None:
        self.add_button.clicked.connect(lambda: self.add_user())
        self.role_button.clicked.connect(lambda: self.change_role())
        self.disable_button.clicked.connect(lambda: self.disable())
        self.enable_button.clicked.connect(lambda: self.enable())
        self.password_button.clicked.connect(lambda: self.reset_password())
        self.close_button.clicked.connect(self.close)
        self.table.itemSelectionChanged.connect(self._update_buttons)

    # -- list --------------------------------------------------------------------------

    def refresh(self) -> None:
        selected = self.selected_username()
        try:
            users = self._admin.users()
        except ADMIN_REFUSALS as exc:
            users = []
            self._say(refusal_message(exc))
        self._users = {user.username: user for user in users}
        self.table.setRowCount(len(users))
        for row, user in enumerate(users):
            status = "disabled" if user.disabled else "active"
            for column, text in ((USER, user.username), (ROLE, user.role), (STATUS, status)):
                self.table.setItem(row, column, QTableWidgetItem(text))
            if user.username == selected:
                self.table.selectRow(row)
        self._update_buttons()

    def select_user(self, username: str) -> None:
        for row in range(self.table.rowCount()):
            if self.table.item(row, USER).text().casefold() == username.casefold():
                self.table.selectRow(row)
                return

    def selected_username(self) -> str | None:
        rows = self.table.selectionModel().selectedRows() if self.table.model() else []
        return self.table.item(rows[0].row(), USER).text() if rows else None

    def _update_buttons(self) -> None:
        user = self._users.get(self.selected_username() or "")
        for button in (self.role_button, self.password_button):
            button.setEnabled(user is not None and not user.disabled)
        self.disable_button.setEnabled(user is not None and not user.disabled)
        self.enable_button.setEnabled(user is not None and user.disabled)

    # -- actions -----------------------------------------------------------------------

    def add_user(self) -> AddUserDialog:
        dialog = AddUserDialog(self._admin, self)
        if dialog.exec() and dialog.created is not None:
            self._after(f"Account {dialog.created.username} added.", dialog.created.username)
        return dialog

    def change_role(self, role: str | None = None) -> bool:
        username = self.selected_username()
        if username is None:
            return False
        if role is None:
            current = self._users[username].role
            role, ok = QInputDialog.getItem(
                self,
                "Change role",
                f"Role of {username}:",
                list(ROLES),
                ROLES.index(current),
                False,
            )
            if not ok:
                return False
        return self._run(lambda: self._admin.set_role(username, role), f"{username} is now {role}.")

    def disable(self, confirmed: bool = False) -> bool:
        username = self.selected_username()
        if username is None:
            return False
        if not confirmed:
            answer = QMessageBox.question(
                self,
                "Disable account",
                f"Disable {username}? They can no longer sign in; their audit history stays.",
            )
            if answer != QMessageBox.Yes:
                return False
        return self._run(
            lambda: self._admin.set_disabled(username, True), f"{username} is disabled."
        )

    def enable(self) -> PasswordDialog | None:
        """Re-enable the selected account; it needs a new password (its key slot was removed)."""
        username = self.selected_username()
        if username is None:
            return None
        dialog = PasswordDialog(
            "Re-enable account",
            f"Choose a new password for {username}; tell it to them in person.",
            lambda password: self._admin.set_disabled(username, False, password),
            self,
        )
        if dialog.exec():
            self._after(f"{username} is enabled again.", username)
        return dialog

    def reset_password(self) -> PasswordDialog | None:
        username = self.selected_username()
        if username is None:
            return None
        dialog = PasswordDialog(
            "Reset password",
            f"Choose a new password for {username}.",
            lambda password: self._admin.change_password(username, password),
            self,
        )
        if dialog.exec():
            self._after(f"The password of {username} was changed.", username)
        return dialog

    def _run(self, change: Callable[[], None], done: str) -> bool:
        username = self.selected_username()
        try:
            change()
        except ADMIN_REFUSALS as exc:
            self._say(refusal_message(exc))
            return False
        self._after(done, username)
        return True

    def _after(self, text: str, username: str | None) -> None:
        self.refresh()
        if username:
            self.select_user(username)
        self._say(text, error=False)

    def _say(self, text: str, error: bool = True) -> None:
        self.message.setStyleSheet(f"color: {'#b00020' if error else '#1b5e20'};")
        self.message.setText(text)


def own_password_dialog(service, parent=None) -> PasswordDialog:  # noqa: ANN001
    """File > Change my password: for the signed-in user, whatever the role; the current
    password is proven first."""
    admin = AdminService(service)
    dialog = PasswordDialog(
        "Change my password",
        f"Signed in as {service.user.username}. Type your current password, then the new "
        "one twice. Other users are not affected.",
        lambda new: admin.change_own_password(dialog.current.text(), new),
        parent,
        ask_current=True,
    )
    return dialog
