"""Start the desktop app: check the system, set up logging and crash handling, open a clinic.

The only module (with ``cli``) that knows the UI, the services and the store at once.
"""

from __future__ import annotations

import logging
import sys
import traceback
from pathlib import Path

from app.logsetup import configure_logging
from app.paths import AppPaths
from app.syscheck import explain_missing
from app.workstation import current_clinic, missing_clinic, remember_clinic

log = logging.getLogger(__name__)

DEMO_FILE = "demo-clinic.db"


# After the window is up, how long the GUI thread waits before importing the charts.
CHARTS_IDLE_MS = 1500


def _warm_up_in_background(service) -> None:
    """Load the engine, its rules, the knowledge base and numpy while the user looks at the list.

    Start-up shows the window without them; the first patient opened then does
    not pay for them either. The engine package names its parts lazily, so the
    rule pack is compiled here (``rules_for``, cached per knowledge base): that
    imports the engine modules the first evaluation needs, not just the package.

    The Trends tab's chart modules (pyqtgraph: 0.3-0.9 s) import Qt widget modules,
    which must load on the GUI thread: a single-shot timer imports them once the
    window is shown and the worker is done, so neither start-up to the window nor
    the first Trends tab pays for them.
    """
    import threading

    def warm() -> None:
        try:
            import numpy  # noqa: F401 (most of the chart's imports; safe off the GUI thread)

            from app.core.evaluation import rules_for

            rules_for(service.knowledge)  # loads the KB, imports the engine, caches its rules
        except Exception:  # a warm-up failure shows up again, loudly, on real use
            log.debug("warm-up failed", exc_info=True)

    worker = threading.Thread(target=warm, name="warm-up", daemon=True)
    worker.start()
    _import_charts_when_idle(worker)


def _import_charts_when_idle(worker) -> None:
    """Import the Trends tab's modules on the GUI thread, after ``worker`` has ended."""
    import importlib

    from PySide6.QtCore import QCoreApplication, QTimer

    gui = QCoreApplication.instance()
    if gui is None:  # no GUI: nothing to warm
        return

    def charts() -> None:
        if worker.is_alive():  # it holds numpy's import lock: come back later
            QTimer.singleShot(CHARTS_IDLE_MS, gui, charts)
            return
        try:
            importlib.import_module("app.ui.trends_panel")  # pyqtgraph and the chart
        except Exception:
            log.debug("chart warm-up failed", exc_info=True)

    QTimer.singleShot(CHARTS_IDLE_MS, gui, charts)


def install_crash_handler(paths: AppPaths) -> None:
    """Log any uncaught exception with its traceback and tell the user, instead of vanishing."""

    def handle(exc_type, exc, tb) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            sys.__excepthook__(exc_type, exc, tb)
            return
        log.critical(
            "uncaught exception:\n%s", "".join(traceback.format_exception(exc_type, exc, tb))
        )
        from PySide6.QtWidgets import QApplication, QMessageBox

        if QApplication.instance() is not None:
            QMessageBox.critical(
                None,
                "Cofactor: unexpected error",
                f"Something went wrong: {exc_type.__name__}: {exc}\n\n"
                f"Nothing you saved before this was lost. Details are in {paths.log_file}.",
            )

    sys.excepthook = handle


def _open_service(path: Path, username: str = ""):
    """Sign in: a demo clinic opens as its demo user, a real one asks for a password.

    The window appears at once; the integrity check runs on a worker thread and
    every write waits for it (a damaged file is never written to).
    """
    from app.security.signin import SignInThrottle
    from app.services import ClinicService
    from app.services.clinic import is_encrypted_clinic
    from app.ui.signin_dialog import SignInDialog

    if not is_encrypted_clinic(path):
        try:
            return ClinicService.open_demo(path, verify_now=False)
        except Exception:  # a plain clinic that is not a demo: it has passwords
            log.info("plain clinic is not a demo; asking for a password")
    from app.services.recovery import backups_beside, restore_unopenable_clinic

    throttle = SignInThrottle()
    dialog = SignInDialog(
        path.name,
        lambda user, password: ClinicService.sign_in(
            path, user, password, throttle=throttle, verify_now=False
        ),
        username=username,
        recovery=(
            lambda: backups_beside(path),
            lambda user, password, backup: restore_unopenable_clinic(path, backup, user, password),
        ),
    )
    return dialog.service if dialog.exec() else None


def _verify_in_background(service, window) -> None:
    from PySide6.QtWidgets import QMessageBox

    from app.ui.tasks import run_task

    def report(damage) -> None:
        if not damage:
            service.complete_sign_in()
            if not service.is_demo:
                # Only now: a damaged file is never backed up over a good backup, and
                # the sign-in writes are done before the backup reads the connection.
                from app.ui.backup_actions import schedule_automatic_backup

                schedule_automatic_backup(window, service)
        else:
            log.error("integrity check failed")
            QMessageBox.critical(
                window,
                "Cofactor: clinic damaged",
                f"The clinic database {service.path} failed its integrity check ({damage}). "
                f"Nothing will be saved to it. {_newest_backup_text(service)}",
            )

    window._integrity_task = run_task(lambda _task: service.verify_integrity(), on_finished=report)


def _newest_backup_text(service) -> str:
    """Where to restore from, named, so the user need not search for it."""
    from app.services.admin import AdminService

    try:
        backups = AdminService(service).backups()
    except Exception:  # the folder may be missing or unreadable: say what to do anyway
        backups = []
    if not backups:
        return "No backup was found beside the clinic; ask your administrator."
    newest, manifest = backups[-1]
    return (
        f"The newest backup is {newest} (made {manifest.get('created_at', '?')}); "
        "an administrator can restore it with Administration ▸ Restore from backup."
    )


def _choose_clinic(paths: AppPaths) -> tuple[Path | None, str]:
    from app.services import ClinicService
    from app.services.demo import build_demo_clinic
    from app.ui.first_run import DEMO_PATIENTS, FirstRunDialog

    def build_demo() -> Path:
        target = paths.data_dir / DEMO_FILE
        if not target.exists():
            service, _ = build_demo_clinic(target, patients=DEMO_PATIENTS)
            service.close()
        return target

    def create_clinic(name: str, admin: str, password: str) -> Path:
        ClinicService.create(paths.clinic_db, name=name, admin=admin, password=password).close()
        return paths.clinic_db

    dialog = FirstRunDialog(paths.data_dir, build_demo, create_clinic)
    if not dialog.exec():
        return None, ""
    return dialog.chosen_path, dialog.username


def run_gui(paths: AppPaths, clinic: Path | None = None) -> int:
    problem = explain_missing()
    if problem:
        print(problem, file=sys.stderr)
        return 3
    paths.ensure()
    configure_logging(paths, console=True)
    install_crash_handler(paths)

    from PySide6.QtWidgets import QApplication, QMessageBox

    from app.store.database import ClinicDatabaseError
    from app.ui.main_window import MainWindow

    app = QApplication.instance() or QApplication(sys.argv)
    app.setApplicationName("Cofactor")
    app.setOrganizationName("Cofactor")
    path, username = clinic or current_clinic(paths), ""
    if path is None and (missing := missing_clinic(paths)) is not None:
        # Never open the data folder's own copy instead: it may be stale (a split clinic).
        QMessageBox.warning(
            None,
            "Cofactor",
            f"This workstation's clinic {missing} cannot be found: a drive not connected, "
            "or the file moved or deleted. Connect it and start Cofactor again, or choose "
            "another clinic.",
        )
    if path is None:
        path, username = _choose_clinic(paths)
    if path is None:
        return 0
    try:
        service = _open_service(path, username)
    except ClinicDatabaseError as exc:
        QMessageBox.critical(None, "Cofactor", str(exc))
        return 2
    if service is None:
        return 0
    remember_clinic(paths, path)
    log.info("clinic opened (schema %s)", service.database.schema_version)
    window = MainWindow(service)
    window.show()
    _verify_in_background(service, window)
    _warm_up_in_background(service)
    code = app.exec()
    service.close()
    return code
