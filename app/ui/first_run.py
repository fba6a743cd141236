"""First start with no clinic: create one, or open the demo clinic."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
)

DEMO_PATIENTS = 40


class FirstRunDialog(QDialog):
    """Ends with ``chosen_path`` set to the clinic file to open."""

    def __init__(self, data_dir: Path, build_demo, create_clinic, parent=None):
        super().__init__(parent)
        self._data_dir = data_dir
        self._build_demo = build_demo
        self._create_clinic = create_clinic
        self.chosen_path: Path | None = None
        self.username = ""
        self.setWindowTitle("Welcome to Cofactor")
        self.setMinimumWidth(560)

        intro = QLabel(
            "<h2>Welcome to Cofactor</h2>"
            "<p>There is no clinic on this workstation yet. Create your clinic (it is encrypted; "
            "you become its first administrator), or open a demo clinic of synthetic patients "
            "to try the app.</p>"
        )
        intro.setWordWrap(True)
        self.clinic_name = QLineEdit(objectName="clinic_name")
        self.clinic_name.setPlaceholderText("e.g. Riverside Hormone Clinic")
        self.admin = QLineEdit(objectName="admin_username")
        self.admin.setPlaceholderText("your user name, e.g. dr.quinn")
        self.password = QLineEdit(objectName="admin_password")
        self.password.setEchoMode(QLineEdit.Password)
        self.password.setPlaceholderText("at least 12 characters; a phrase is easiest")
        self.confirm = QLineEdit(objectName="admin_confirm")
        self.confirm.setEchoMode(QLineEdit.Password)
        self.error = QLabel(objectName="first_run_error")
        self.error.setStyleSheet("color: #b00020;")
        self.error.hide()
        self.create_button = QPushButton("Create a clinic", objectName="create_clinic")
        self.demo_button = QPushButton("Open the demo clinic", objectName="open_demo")
        self.create_button.setDefault(True)
        form = QFormLayout()
        form.addRow("Clinic name", self.clinic_name)
        form.addRow("Administrator", self.admin)
        form.addRow("Password", self.password)
        form.addRow("Repeat password", self.confirm)
        buttons = QHBoxLayout()
        buttons.addWidget(self.create_button)
        buttons.addStretch(1)
        buttons.addWidget(self.demo_button)
        demo_note = QLabel(
            f"The demo clinic has {DEMO_PATIENTS} synthetic patients on TRT, enclomiphene, "
            "female testosterone with progesterone, estradiol and thyroid protocols. "
            "It is not encrypted and holds no real data."
        )
        demo_note.setWordWrap(True)
        demo_note.setStyleSheet("color: #555;")
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addLayout(buttons)
        layout.addWidget(demo_note)
        self.create_button.clicked.connect(self.create)
        self.demo_button.clicked.connect(self.open_demo)

    def create(self) -> None:
        name = self.clinic_name.text().strip()
        problem = ""
        if not name:
            problem = "Enter the clinic's name."
        elif not self.admin.text().strip():
            problem = "Enter the administrator's user name."
        elif self.password.text() != self.confirm.text():
            problem = "The two passwords differ."
        if problem:
            self.error.setText(problem)
            self.error.show()
            return
        try:
            self.chosen_path = self._create_clinic(
                name, self.admin.text().strip(), self.password.text()
            )
        except Exception as exc:  # shown to the user; the log has the details
            self.error.setText(str(exc))
            self.error.show()
            return
        self.username = self.admin.text().strip()
        self.accept()

    def open_demo(self) -> None:
        QApplication.setOverrideCursor(Qt.WaitCursor)
        try:
            self.chosen_path = self._build_demo()
        finally:
            QApplication.restoreOverrideCursor()
        self.accept()
