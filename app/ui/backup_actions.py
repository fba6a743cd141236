"""Back up now, restore from a backup, and the automatic daily backup at start.

Backups run on the task pool (the window stays responsive; a busy dialog says so),
through ``AdminService.back_up``, which verifies each copy before it counts and
audits it. A restore runs on the GUI thread: it closes and reopens the clinic's
connection, so nothing else may use it meanwhile.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QMessageBox,
    QProgressDialog,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from app.services.admin import AdminService
from app.services.admin_refusals import BACKUP_REFUSALS, refusal_message
from app.ui.local_time import local_time_text
from app.ui.tasks import run_task

log = logging.getLogger(__name__)

KEEP_SETTING = "backup_keep"
EVERY_HOURS_SETTING = "backup_every_hours"
DEFAULT_KEEP = 14
DEFAULT_EVERY_HOURS = 24.0
_SHOWN_COUNTS = (("patients", "Patients"), ("observations", "Results"), ("audit_events", "Audit"))


def _setting(service, key: str, default, kind):
    """A number from the clinic's settings; a missing or garbled value means the default."""
    try:
        value = kind(service.settings.get(key, str(default)))
    except (TypeError, ValueError):
        return default
    return value if value > 0 else default


class RestoreChooser(QDialog):
    """The verified backups in the backups folder, newest first, with their counts."""

    COLUMNS = ("Taken (local time)", *(label for _key, label in _SHOWN_COUNTS), "File")

    def __init__(self, backups: list[tuple[Path, dict]], folder: Path, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Restore from backup")
        self.setObjectName("restore_chooser")
        self._backups = list(reversed(backups))  # newest first: the usual choice
        self.table = QTableWidget(len(self._backups), len(self.COLUMNS))
        self.table.setHorizontalHeaderLabels(list(self.COLUMNS))
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeToContents)
        header.setStretchLastSection(True)
        for row, (path, manifest) in enumerate(self._backups):
            counts = manifest.get("tables", {})
            cells = [local_time_text(manifest.get("created_at", ""))]
            cells += [f"{counts.get(key, 0):,}" for key, _label in _SHOWN_COUNTS]
            cells.append(path.name)
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if 0 < column < len(cells) - 1:
                    item.setTextAlignment(Qt.AlignRight | Qt.AlignVCenter)
                self.table.setItem(row, column, item)
        if self._backups:
            self.table.selectRow(0)
        intro = QLabel(
            f"Backups in {folder}. Restoring replaces everything in the clinic with the "
            "backup; a copy of the clinic as it is now is kept first."
            if self._backups
            else f"There are no backups in {folder} yet."
        )
        intro.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        buttons.button(QDialogButtonBox.Ok).setText("Restore…")
        buttons.button(QDialogButtonBox.Ok).setEnabled(bool(self._backups))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.table.doubleClicked.connect(self.accept)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.table, 1)
        layout.addWidget(buttons)
        self.resize(760, 360)

    def chosen(self) -> tuple[Path, dict] | None:
        rows = self.table.selectionModel().selectedRows()
        return self._backups[rows[0].row()] if rows else None


class BackupActions(QObject):
    """The window's backup commands; ``restored`` fires after a restore replaced the data."""

    restored = Signal()
    backed_up = Signal(object)  # the BackupInfo

    def __init__(self, window, service, admin: AdminService | None = None):
        super().__init__(window)
        self._window = window
        self._service = service
        self._admin = admin or AdminService(service)
        self.task = None
        self.busy: QProgressDialog | None = None
        self.last_message: QMessageBox | None = None

    def keep(self) -> int:
        return _setting(self._service, KEEP_SETTING, DEFAULT_KEEP, int)

    # -- back up -----------------------------------------------------------------------

    def back_up_now(self) -> None:
        """Start a backup on the task pool behind a busy dialog; say where it went."""
        if self.task is not None:
            return  # one backup at a time
        self.busy = QProgressDialog("Backing up and verifying the copy…", "", 0, 0, self._window)
        self.busy.setWindowTitle("Back up now")
        self.busy.setCancelButton(None)  # the backup API copy cannot be cut short safely
        self.busy.setWindowModality(Qt.WindowModal)
        self.busy.setMinimumDuration(0)
        self.busy.show()
        keep = self.keep()
        self.task = run_task(
            lambda _task: self._admin.back_up(keep=keep),
            on_finished=self._backup_done,
            on_failed=self._backup_failed,
        )

    def _end_busy(self) -> None:
        self.task = None
        if self.busy is not None:
            self.busy.close()
            self.busy = None

    def _backup_done(self, info) -> None:
        self._end_busy()
        self._tell(
            QMessageBox.Information,
            "Backup done",
            f"A verified backup is in\n{info.path}\n\nIt is encrypted with the clinic's key "
            "when the clinic is. Copy the backups folder to another disk regularly.",
        )
        self.backed_up.emit(info)

    def _backup_failed(self, error: BaseException) -> None:
        self._end_busy()
        if not isinstance(error, BACKUP_REFUSALS):
            log.error("backup failed: %s", type(error).__name__)
        self._tell(QMessageBox.Warning, "Backup failed", f"No backup was made: {error}")

    # -- restore -----------------------------------------------------------------------

    def choose_and_restore(self) -> None:
        try:
            folder = self._admin.backup_dir()
            backups = self._admin.backups()
        except BACKUP_REFUSALS as exc:
            self._tell(QMessageBox.Warning, "Restore", refusal_message(exc))
            return
        chooser = RestoreChooser(backups, folder, self._window)
        if chooser.exec() and chooser.chosen() is not None:
            self.restore(chooser.chosen()[0])

    def restore(self, backup: Path, confirmed: bool = False):
        """Replace the clinic with ``backup`` (after asking), then refresh the window."""
        if not confirmed:
            answer = QMessageBox.question(
                self._window,
                "Restore from backup",
                f"Replace everything in the clinic with {Path(backup).name}? Changes made "
                "since that backup will be gone (a copy of the clinic as it is now is kept).",
            )
            if answer != QMessageBox.Yes:
                return None
        QApplication.setOverrideCursor(Qt.WaitCursor)
        try:
            info = self._admin.restore(Path(backup))
        except BACKUP_REFUSALS as exc:
            self._tell(QMessageBox.Warning, "Restore failed", f"Nothing was restored: {exc}")
            return None
        finally:
            QApplication.restoreOverrideCursor()
        self.restored.emit()
        safety = f"\n\nThe clinic as it was is kept in {info.kept_copy}." if info.kept_copy else ""
        self._tell(
            QMessageBox.Information, "Restore done", f"Restored {Path(backup).name}.{safety}"
        )
        return info

    def _tell(self, icon, title: str, text: str) -> None:
        # Non-blocking (open, not exec): the result never stalls the event loop.
        box = QMessageBox(icon, title, text, QMessageBox.Ok, self._window)
        box.setAttribute(Qt.WA_DeleteOnClose, False)
        box.open()
        self.last_message = box


def schedule_automatic_backup(window, service, admin: AdminService | None = None):
    """Back up in the background at start when one is due; the status bar says how it went.

    Nothing happens for a demo or in-memory clinic, for a role that may not back up,
    or when the newest backup is younger than ``backup_every_hours`` (default 24).

    Returns:
        The running ``Task``, or ``None`` when no backup was started.
    """
    if service.is_demo or service.path is None or not service.can("backup.create"):
        return None
    admin = admin or AdminService(service)
    every = _setting(service, EVERY_HOURS_SETTING, DEFAULT_EVERY_HOURS, float)
    try:
        if not admin.backup_due(every_hours=every):
            return None
    except (OSError, ValueError, KeyError):  # a garbled manifest must not stop the start
        log.warning("could not read the backups folder; taking a backup")
    keep = _setting(service, KEEP_SETTING, DEFAULT_KEEP, int)
    status = window.statusBar()
    status.showMessage("Automatic backup running…")

    def done(info) -> None:
        status.showMessage(f"Automatic backup done and verified: {info.path.name}", 30_000)

    def failed(error: BaseException) -> None:
        log.error("automatic backup failed: %s", type(error).__name__)
        status.showMessage(f"Automatic backup FAILED: {error}. Use Back up now.")

    task = run_task(lambda _task: admin.back_up(keep=keep), on_finished=done, on_failed=failed)
    window._automatic_backup_task = task  # keep the signals alive until it reports
    return task
