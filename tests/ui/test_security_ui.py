"""Sign-in, auto-lock and role-limited screens, as a user meets them."""

from __future__ import annotations

import pytest

from app.services.session import SessionLocked
from app.ui.auto_lock import LockScreen
from app.ui.main_window import MainWindow
from app.ui.patient_form import PatientFormDialog
from app.ui.signin_dialog import SignInDialog
from tests.conftest import ADMIN_PASSWORD as PASSWORD
from tests.conftest import create_encrypted_clinic
from tests.conftest import sign_in as _sign_in


@pytest.fixture
def clinic_file(tmp_path, kb):
    path = tmp_path / "clinic.db"
    create_encrypted_clinic(path, kb).close()
    return path


def test_sign_in_dialog_says_wrong_password_then_signs_in(qtbot, clinic_file, kb):
    dialog = SignInDialog("clinic.db", lambda u, p: _sign_in(clinic_file, kb, u, p))
    qtbot.addWidget(dialog)
    dialog.username.setText("ana")
    dialog.password.setText("not it at all, sorry")
    dialog.try_sign_in()
    assert dialog.service is None and "Wrong user name or password" in dialog.error.text()
    assert dialog.password.text() == ""
    dialog.password.setText(PASSWORD)
    dialog.try_sign_in()
    assert dialog.service is not None and dialog.service.user.username == "ana"
    dialog.service.close()


def test_an_unreadable_clinic_is_restored_from_the_sign_in_dialog(qtbot, clinic_file, kb):
    """Right password, damaged file: the dialog offers the backups, restores, signs in."""
    from app.services.admin import AdminService
    from app.services.recovery import backups_beside, restore_unopenable_clinic
    from app.ui.backup_actions import RestoreChooser
    from tests.conftest import cheap_params

    service = _sign_in(clinic_file, kb)
    AdminService(service).back_up()
    service.close()
    with open(clinic_file, "r+b") as handle:  # page 1 unreadable: the file cannot open
        handle.write(b"\x00" * 64)
    dialog = SignInDialog(
        "clinic.db",
        lambda u, p: _sign_in(clinic_file, kb, u, p),
        recovery=(
            lambda: backups_beside(clinic_file),
            lambda u, p, backup: restore_unopenable_clinic(
                clinic_file, backup, u, p, params=cheap_params()
            ),
        ),
    )
    qtbot.addWidget(dialog)
    assert not dialog.restore_button.isVisibleTo(dialog)
    dialog.username.setText("ana")
    dialog.password.setText(PASSWORD)
    dialog.try_sign_in()
    assert dialog.service is None and "damaged" in dialog.error.text()
    assert dialog.restore_button.isVisibleTo(dialog)

    chooser = dialog.choose_backup()
    assert isinstance(chooser, RestoreChooser) and chooser.table.rowCount() == 1
    backup = chooser.chosen()[0]
    chooser.reject()
    # A wrong password restores nothing and says why.
    dialog.password.setText("not it at all, sorry")
    assert not dialog.restore_from(backup, confirmed=True)
    assert "Nothing was restored" in dialog.error.text()
    assert not list(clinic_file.parent.glob("clinic.db.damaged-*"))

    dialog.password.setText(PASSWORD)
    assert dialog.restore_from(backup, confirmed=True)
    assert dialog.service is not None and dialog.service.find_patient("MRN-1001") is not None
    assert len(list(clinic_file.parent.glob("clinic.db.damaged-*"))) == 1
    dialog.service.close()


def test_idle_lock_hides_data_drops_the_key_and_keeps_unsaved_edits(qtbot, clinic_file, kb):
    service = _sign_in(clinic_file, kb)
    window = MainWindow(service)
    qtbot.addWidget(window)
    window.show()
    form = PatientFormDialog(service, None, window)
    form.show()
    form.family_name.setText("Half-typed")
    window.idle_lock.timer.setInterval(50)
    window.idle_lock.timer.start()
    qtbot.waitUntil(lambda: window.idle_lock.is_locked, timeout=3000)
    assert isinstance(window.centralWidget(), LockScreen)
    # The form stays open (its exec() would end if hidden), its contents covered.
    assert not form.family_name.isVisible() and form.findChildren(LockScreen)
    assert service.session.key is None
    with pytest.raises(SessionLocked):
        service.search_patients("okafor")
    window.idle_lock.unlock("wrong password here")
    assert window.idle_lock.is_locked and "Wrong password" in window.centralWidget().error.text()
    assert window.idle_lock.unlock(PASSWORD)
    assert not isinstance(window.centralWidget(), LockScreen)
    assert form.isVisible() and form.family_name.text() == "Half-typed"
    assert [p.family_name for p in service.search_patients("okafor")] == ["Okafor"]
    actions = [row.action for row in service.session.audit.rows()]
    assert "timeout" in actions and actions[-1] == "signin"
    form.close()
    window.close()
    service.close()


def test_an_assistant_sees_demographics_but_no_clinical_tabs(qtbot, clinic_file, kb):
    from app.services.admin import AdminService

    admin = _sign_in(clinic_file, kb)
    AdminService(admin).add_user("desk1", "assistant", "front desk phrase 2024 ok")
    admin.close()
    assistant = _sign_in(clinic_file, kb, "desk1", "front desk phrase 2024 ok")
    window = MainWindow(assistant)
    qtbot.addWidget(window)
    window.patient_list.table.selectRow(0)
    tabs = window.patient_view.tabs
    assert [tabs.tabText(i) for i in range(tabs.count())] == ["Clinical"]
    from app.security.roles import PermissionDenied

    with pytest.raises(PermissionDenied):
        assistant.observations(window.patient_view.patient.id)
    denied = [r for r in assistant.session.audit.rows() if r.outcome == "denied"]
    assert denied and denied[-1].action == "clinical.read"
    window.close()
    assistant.close()


def test_a_second_instance_on_the_same_clinic_is_refused(clinic_file, kb):
    from app.store.locking import ClinicInUse

    first = _sign_in(clinic_file, kb)
    with pytest.raises(ClinicInUse, match="already open"):
        _sign_in(clinic_file, kb)
    first.close()
    _sign_in(clinic_file, kb).close()
