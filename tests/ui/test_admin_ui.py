"""Administration screens as an administrator meets them: audit trail, users, backups."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication

from app.security.kdf import Argon2Params
from app.security.keyslots import KeySlots, slots_path_for
from app.services import ClinicService
from app.services.admin import AdminService
from app.ui.audit_dialog import AuditDialog
from app.ui.backup_actions import RestoreChooser, schedule_automatic_backup
from app.ui.main_window import MainWindow
from app.ui.users_dialog import AddUserDialog, UsersDialog
from tests.conftest import TODAY, make_patient

CHEAP = Argon2Params(time_cost=1, memory_cost=8, parallelism=1)
PASSWORD = "quiet harbour morning 1947"
CLINICIAN_PASSWORD = "lantern over the quay 2031"


def _sign_in(path, kb, user="ana", password=PASSWORD):
    return ClinicService.sign_in(
        path, user, password, params=CHEAP, today=lambda: TODAY, knowledge=kb
    )


@pytest.fixture
def clinic_file(tmp_path, kb):
    """An encrypted clinic with administrator ana, clinician ben and one patient."""
    path = tmp_path / "clinic.db"
    service = ClinicService.create(
        path,
        name="Riverside",
        admin="ana",
        password=PASSWORD,
        params=CHEAP,
        today=lambda: TODAY,
        knowledge=kb,
    )
    service.create_patient(make_patient())
    AdminService(service).add_user("ben", "clinician", CLINICIAN_PASSWORD)
    service.close()
    return path


@pytest.fixture
def admin_service(clinic_file, kb):
    service = _sign_in(clinic_file, kb)
    yield service
    service.close()


def _shown(dialog: AuditDialog) -> list:
    return [dialog.model.row_at(r) for r in range(dialog.model.rowCount())]


def test_audit_filter_by_user_and_action_shows_exactly_the_matching_rows(qtbot, clinic_file, kb):
    ben = _sign_in(clinic_file, kb, "ben", CLINICIAN_PASSWORD)
    patient = ben.find_patient("MRN-1001")
    ben.open_chart(patient.id)
    ben.open_chart(patient.id)
    ben.close()
    service = _sign_in(clinic_file, kb)
    service.open_chart(patient.id)  # ana's read must not show under ben's filter
    expected = {
        row.seq
        for row in service.session.audit.rows()
        if row.username == "ben" and row.action == "read"
    }
    assert len(expected) == 2

    dialog = AuditDialog(service)
    qtbot.addWidget(dialog)
    dialog.user.setCurrentText("BEN")  # names match ignoring case
    dialog.action.setCurrentText("read")
    dialog.refresh()
    shown = _shown(dialog)
    assert {row.seq for row in shown} == expected
    patient_column = dialog.model.index(0, dialog.model.PATIENT)
    assert dialog.model.data(patient_column) == "MRN-1001"
    assert dialog.count.text() == "2 rows"

    dialog.user.setCurrentText("")
    dialog.mrn.setText("MRN-1001")
    dialog.refresh()
    assert {row.username for row in _shown(dialog)} == {"ana", "ben"}
    assert all(row.patient_id == patient.id for row in _shown(dialog))
    dialog.mrn.setText("NO-SUCH-MRN")
    dialog.refresh()
    assert dialog.model.rowCount() == 0 and "No patient has" in dialog.message.text()
    # A name finds the same trail when it names one patient.
    dialog.mrn.setText(patient.family_name)
    dialog.refresh()
    assert {row.username for row in _shown(dialog)} == {"ana", "ben"}
    assert all(row.patient_id == patient.id for row in _shown(dialog))

    # Viewing the audit trail is itself audited.
    assert service.session.audit.rows(action="read", category="audit")
    dialog.close()
    service.close()


def test_audit_sorts_by_seq_numerically(qtbot, admin_service):
    for n in range(12):
        admin_service.record_event("print", "chart", detail=f"page {n}")
    dialog = AuditDialog(admin_service)
    qtbot.addWidget(dialog)
    dialog.refresh()
    dialog.table.sortByColumn(dialog.model.SEQ, Qt.AscendingOrder)
    first = dialog.proxy.index(0, dialog.model.SEQ).data()
    last = dialog.proxy.index(dialog.proxy.rowCount() - 1, dialog.model.SEQ).data()
    assert int(first) == 1 and int(last) == dialog.proxy.rowCount()


def test_verify_passes_then_names_the_tampered_seq(qtbot, admin_service, tmp_path):
    dialog = AuditDialog(admin_service)
    qtbot.addWidget(dialog)
    assert dialog.verify().ok
    assert dialog.message.text().startswith("Audit chain OK")

    conn = admin_service.database.conn
    conn.execute("DROP TRIGGER audit_events_no_update")
    conn.execute("DROP TRIGGER audit_events_no_delete")
    conn.execute("UPDATE audit_events SET detail = 'nothing happened' WHERE seq = 3")
    result = dialog.verify()
    assert not result.ok and result.first_bad_seq == 3
    assert "broken at seq 3" in dialog.message.text()

    dialog.refresh()
    target = tmp_path / "audit.csv"
    assert dialog.export(str(target)) == dialog.model.rowCount()
    assert target.read_text(encoding="utf-8-sig").startswith("seq,at_utc,")


def test_add_a_clinician_change_role_disable_and_enable_again(qtbot, admin_service):
    dialog = UsersDialog(admin_service)
    qtbot.addWidget(dialog)
    add = AddUserDialog(AdminService(admin_service), dialog)
    add.username.setText("cara")
    add.role.setCurrentText("clinician")
    add.passwords.password.setText("copper kettle evening walk")
    add.passwords.repeat.setText("copper kettle evening walk")
    assert add.try_add()
    dialog.refresh()
    rows = {
        dialog.table.item(r, 0).text(): (
            dialog.table.item(r, 1).text(),
            dialog.table.item(r, 2).text(),
        )
        for r in range(dialog.table.rowCount())
    }
    assert rows["cara"] == ("clinician", "active")

    dialog.select_user("cara")
    assert dialog.change_role("assistant")
    assert dialog.table.item(dialog.table.currentRow(), 1).text() == "assistant"
    assert dialog.disable(confirmed=True)
    assert dialog.table.item(dialog.table.currentRow(), 2).text() == "disabled"
    assert not dialog.disable_button.isEnabled() and dialog.enable_button.isEnabled()
    slots = KeySlots(slots_path_for(admin_service.path))
    assert not slots.has("cara")

    def fill_password_dialog() -> None:
        modal = QApplication.activeModalWidget()
        modal.passwords.password.setText("second copper kettle walk")
        modal.passwords.repeat.setText("second copper kettle walk")
        modal.try_apply()

    QTimer.singleShot(50, fill_password_dialog)
    dialog.enable()
    assert dialog.table.item(dialog.table.currentRow(), 2).text() == "active"
    assert slots.has("cara")

    actions = [
        (row.action, row.detail)
        for row in admin_service.session.audit.rows(category="users")
        if "cara" in row.detail or row.action in ("role change", "disable", "enable")
    ]
    assert [a for a, _ in actions][-4:] == ["create", "role change", "disable", "enable"]
    assert "role: clinician -> assistant" in actions[1][1]


def test_the_last_administrator_cannot_be_disabled(qtbot, admin_service):
    dialog = UsersDialog(admin_service)
    qtbot.addWidget(dialog)
    dialog.select_user("ana")
    assert not dialog.disable(confirmed=True)
    assert "at least one enabled administrator" in dialog.message.text()


def test_weak_password_is_shown_beside_the_field_and_nothing_is_written(qtbot, admin_service):
    admin = AdminService(admin_service)
    before_users = len(admin.users())
    before_audit = admin_service.session.audit.count()
    add = AddUserDialog(admin)
    qtbot.addWidget(add)
    add.username.setText("dana")
    add.passwords.password.setText("password123")
    add.passwords.repeat.setText("password123")
    assert not add.try_add()
    assert add.errors.message("password")
    assert add.errors.label("password").isVisibleTo(add)
    assert add.errors.message("username") == ""
    assert len(admin.users()) == before_users
    assert not KeySlots(slots_path_for(admin_service.path)).has("dana")
    assert admin_service.session.audit.count() == before_audit

    add.passwords.repeat.setText("something else entirely")
    assert not add.try_add()
    assert add.errors.message("repeat") == "The two passwords differ."
    add.username.setText("ben")
    add.passwords.password.setText("a fine long passphrase here")
    add.passwords.repeat.setText("a fine long passphrase here")
    assert not add.try_add()
    assert "already an account" in add.errors.message("username")


def test_back_up_now_then_restore_round_trips(qtbot, admin_service, kb):
    window = MainWindow(admin_service)
    qtbot.addWidget(window)
    actions = window.backup_actions
    actions.back_up_now()
    qtbot.waitUntil(lambda: actions.task is None, timeout=10_000)
    assert actions.last_message is not None and "verified backup" in actions.last_message.text()
    backups = AdminService(admin_service).backups()
    assert len(backups) == 1 and str(backups[0][0]) in actions.last_message.text()
    actions.last_message.close()

    admin_service.create_patient(make_patient(mrn="MRN-2002", family_name="Lindqvist"))
    window.patient_list.refresh()
    assert window.patient_list.model.rowCount() == 2

    chooser = RestoreChooser(backups, backups[0][0].parent)
    qtbot.addWidget(chooser)
    assert chooser.table.rowCount() == 1 and chooser.table.item(0, 1).text() == "1"
    assert chooser.chosen()[0] == backups[0][0]

    assert actions.restore(chooser.chosen()[0], confirmed=True) is not None
    assert admin_service.find_patient("MRN-2002") is None
    assert admin_service.find_patient("MRN-1001") is not None
    assert window.patient_list.model.rowCount() == 1  # the window refreshed its list
    assert admin_service.session.audit.rows(action="restore")
    assert AdminService(admin_service).verify_audit().ok
    window.close()


def test_automatic_backup_runs_when_due_and_not_again(qtbot, admin_service):
    window = MainWindow(admin_service)
    qtbot.addWidget(window)
    admin_service.settings.set("backup_keep", "3")
    task = schedule_automatic_backup(window, admin_service)
    assert task is not None
    qtbot.waitUntil(
        lambda: "Automatic backup done" in window.statusBar().currentMessage(), timeout=10_000
    )
    assert len(AdminService(admin_service).backups()) == 1
    assert schedule_automatic_backup(window, admin_service) is None
    window.close()


def test_administration_menu_follows_the_role(qtbot, clinic_file, kb):
    admin = _sign_in(clinic_file, kb)
    window = MainWindow(admin)
    qtbot.addWidget(window)
    titles = [a.text() for a in window.menuBar().actions()]
    assert "&Administration" in titles
    assert [a.text() for a in window.admin_menu.actions()] == [
        "&Users…",
        "&Audit trail…",
        "&Back up now",
        "&Restore from backup…",
    ]
    window.close()
    admin.close()

    clinician = _sign_in(clinic_file, kb, "ben", CLINICIAN_PASSWORD)
    window = MainWindow(clinician)
    qtbot.addWidget(window)
    assert window.admin_menu is None
    assert "&Administration" not in [a.text() for a in window.menuBar().actions()]
    window.close()
    clinician.close()
