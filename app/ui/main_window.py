"""The main window: patient list on the left, the chosen patient on the right."""

from __future__ import annotations

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QLabel, QMainWindow, QMenu, QMessageBox, QSplitter

from app import __version__
from app.services.findings import FindingsService
from app.ui.patient_list import PatientListPane
from app.ui.patient_view import PatientView


class MainWindow(QMainWindow):
    def __init__(self, service, parent=None):
        super().__init__(parent)
        self._service = service
        self.setObjectName("main_window")
        self.patient_list = PatientListPane(service, self)
        self.findings_service = FindingsService(service)
        self.patient_view = PatientView(service, self.findings_service, self)
        splitter = QSplitter()
        splitter.addWidget(self.patient_list)
        splitter.addWidget(self.patient_view)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 5)
        splitter.setSizes([420, 980])
        self.setCentralWidget(splitter)
        self._build_menus()
        self._build_status_bar()
        self._connect()
        self._set_title()
        self.resize(1400, 860)
        self.setAcceptDrops(True)
        self.idle_lock = None
        if not service.is_demo:
            from app.ui.auto_lock import DEFAULT_MINUTES, IdleLock

            minutes = float(service.settings.get("auto_lock_minutes", str(DEFAULT_MINUTES)))
            self.idle_lock = IdleLock(self, service, minutes)
        self.patient_list.refresh()

    def _set_title(self) -> None:
        plain = "" if self._service.encrypted else "  —  NOT ENCRYPTED (demo clinic)"
        user = self._service.user
        self.setWindowTitle(
            f"Cofactor — {self._service.clinic_name} — {user.username} ({user.role}){plain}"
        )

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        self.new_patient_action = QAction("&New patient…", self)
        self.new_patient_action.setShortcut(QKeySequence.New)
        file_menu.addAction(self.new_patient_action)
        self.import_action = QAction("&Import lab results…", self)
        self.import_action.setShortcut(QKeySequence("Ctrl+I"))
        file_menu.addAction(self.import_action)
        self.import_history_action = QAction("Import &history…", self)
        file_menu.addAction(self.import_history_action)
        self.import_list_action = QAction("Import &patient list…", self)
        self.import_list_action.setEnabled(self._service.can("patient.write"))
        file_menu.addAction(self.import_list_action)
        file_menu.addSeparator()
        self.password_action = QAction("Change my pass&word…", self)
        # The demo clinic's built-in user has no password to change.
        self.password_action.setEnabled(not self._service.is_demo)
        file_menu.addAction(self.password_action)
        self.clinic_menu = clinic_menu = self.menuBar().addMenu("&Clinic")
        self.worklist_action = QAction("&Worklist…", self)
        self.worklist_action.setShortcut(QKeySequence("Ctrl+L"))
        clinic_menu.addAction(self.worklist_action)
        # The worklist reads every chart's findings: a role without clinical.read is not
        # offered it (as the Administration menu), rather than refused after a long run.
        if not self._service.can("clinical.read"):
            self.worklist_action.setEnabled(False)
            self.worklist_action.setVisible(False)
            clinic_menu.menuAction().setVisible(False)
        self.quit_action = QAction("&Quit", self)
        self.quit_action.setShortcut(QKeySequence.Quit)
        file_menu.addAction(self.quit_action)
        help_menu = self.menuBar().addMenu("&Help")
        self.about_action = QAction("&About Cofactor", self)
        help_menu.addAction(self.about_action)
        self._build_admin_menu(help_menu)

    def _build_admin_menu(self, before_menu) -> None:
        """The Administration menu, holding only what the signed-in role may do."""
        self._backup_actions = None
        self.users_action = QAction("&Users…", self)
        self.audit_action = QAction("&Audit trail…", self)
        self.backup_action = QAction("&Back up now", self)
        self.restore_action = QAction("&Restore from backup…", self)
        allowed = [
            action
            for action, permission in (
                (self.users_action, "user.manage"),
                (self.audit_action, "audit.view"),
                (self.backup_action, "backup.create"),
                (self.restore_action, "backup.restore"),
            )
            if self._service.can(permission)
        ]
        self.admin_menu = None
        if allowed:
            self.admin_menu = QMenu("&Administration", self)
            self.menuBar().insertMenu(before_menu.menuAction(), self.admin_menu)
            self.admin_menu.addActions(allowed)

    @property
    def backup_actions(self):
        """Back up now and restore, made on first use (they import the backup machinery)."""
        if self._backup_actions is None:
            from app.ui.backup_actions import BackupActions

            self._backup_actions = BackupActions(self, self._service)
            self._backup_actions.restored.connect(lambda: self._after_import(0))
        return self._backup_actions

    def _status_text(self) -> str:
        total = self._service.count_patients()
        where = self._service.path or "in memory"
        return f"{total} active patient{'' if total == 1 else 's'}  ·  {where}"

    def refresh_status(self) -> None:
        """Recount the patients; called wherever patients are added, changed or archived."""
        self.status_label.setText(self._status_text())

    def _build_status_bar(self) -> None:
        self.status_label = QLabel(self._status_text())
        self.statusBar().addPermanentWidget(self.status_label)

    def _connect(self) -> None:
        """Every signal of the window in one place, so the event graph reads on one screen."""
        self.new_patient_action.triggered.connect(self.new_patient)
        self.import_action.triggered.connect(lambda: self.import_file(None))
        self.import_list_action.triggered.connect(lambda: self.import_patient_list(None))
        self.import_history_action.triggered.connect(self.show_import_history)
        self.password_action.triggered.connect(self.change_my_password)
        self.worklist_action.triggered.connect(self.show_worklist)
        self.quit_action.triggered.connect(self.close)
        self.about_action.triggered.connect(self.show_about)
        self.users_action.triggered.connect(self.show_users)
        self.audit_action.triggered.connect(self.show_audit)
        self.backup_action.triggered.connect(lambda: self.backup_actions.back_up_now())
        self.restore_action.triggered.connect(lambda: self.backup_actions.choose_and_restore())
        self.patient_list.new_patient_requested.connect(self.new_patient)
        self.patient_list.patient_selected.connect(self.patient_view.show_patient)
        self.patient_view.patient_changed.connect(self._patient_changed)

    def new_patient(self) -> None:
        from app.ui.patient_form import PatientFormDialog

        dialog = PatientFormDialog(self._service, None, self)
        if dialog.exec() and dialog.saved_patient:
            self.patient_list.search.clear()
            self.patient_list.refresh()
            self.patient_list.select_patient(dialog.saved_patient.id)
            self.patient_view.show_patient(dialog.saved_patient.id)
            self.refresh_status()

    def show_users(self) -> None:
        from app.ui.users_dialog import UsersDialog

        UsersDialog(self._service, self).exec()

    def show_audit(self) -> None:
        from app.ui.audit_dialog import AuditDialog

        self._audit_dialog = AuditDialog(self._service, self)
        self._audit_dialog.show()

    def show_worklist(self) -> None:
        from app.ui.worklist_dialog import WorklistDialog

        dialog = WorklistDialog(self._service, self.findings_service, self)
        dialog.open_patient.connect(self.open_patient)
        dialog.show()
        self._worklist = dialog

    def open_patient(self, patient_id: int) -> None:
        """Show a patient opened from elsewhere (the worklist): one chart open, one audit row."""
        self.patient_list.search.clear()
        self.patient_list.select_patient(patient_id, emit=False)
        self.patient_view.show_patient(patient_id)

    def import_file(self, path: str | None) -> None:
        from app.ui.import_wizard import ImportWizard

        wizard = ImportWizard(self._service, path, self)
        wizard.imported.connect(self._after_import)
        if path:
            wizard.read_file()
        wizard.exec()

    def change_my_password(self) -> None:
        from app.ui.users_dialog import own_password_dialog

        if own_password_dialog(self._service, self).exec():
            self.statusBar().showMessage("Your password was changed.", 10_000)

    def show_import_history(self) -> None:
        from app.ui.import_history_dialog import ImportHistoryDialog

        dialog = ImportHistoryDialog(self._service, self)
        dialog.undone.connect(self._after_import)
        dialog.exec()

    def import_patient_list(self, path: str | None) -> None:
        from app.ui.patient_list_dialog import PatientListDialog

        dialog = PatientListDialog(self._service, path, self)
        dialog.added.connect(self._after_import)
        if path:
            dialog.read_file()
        dialog.exec()

    def _after_import(self, _batch_id: int) -> None:
        self.patient_list.refresh()
        self.patient_view.show_patient(self.patient_list.selected_patient_id())
        self.refresh_status()

    def closeEvent(self, event) -> None:
        if self.idle_lock is not None:
            self.idle_lock.stop()
        super().closeEvent(event)

    def dragEnterEvent(self, event) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:
        urls = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        if urls:
            event.acceptProposedAction()
            self.import_file(urls[0])

    def _patient_changed(self, patient_id: int) -> None:
        self.patient_list.refresh()
        self.patient_list.select_patient(patient_id, emit=False)
        self.refresh_status()  # archiving changes the count of active patients

    def show_about(self) -> None:
        QMessageBox.about(
            self,
            "About Cofactor",
            f"Cofactor {__version__}\n\nLab trends and micronutrient gaps for clinics running "
            "hormone-therapy protocols. Cofactor supports clinical judgement; it does not "
            "diagnose or prescribe.",
        )
