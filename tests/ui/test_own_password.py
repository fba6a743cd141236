"""File > Change my password: every role changes its own, proving the current one."""

from __future__ import annotations

from app.services.admin import AdminService
from app.ui.users_dialog import own_password_dialog
from tests.conftest import ADMIN_PASSWORD, create_encrypted_clinic, sign_in

CLIN = "a long clinician passphrase 42"
RENEWED = "a renewed clinician phrase 77"


def test_a_clinician_changes_their_own_password_after_proving_the_current_one(qtbot, tmp_path, kb):
    path = tmp_path / "clinic.db"
    admin = create_encrypted_clinic(path, kb)
    AdminService(admin).add_user("clin1", "clinician", CLIN)
    admin.close()
    clinician = sign_in(path, kb, "clin1", CLIN)
    try:
        dialog = own_password_dialog(clinician)
        qtbot.addWidget(dialog)
        dialog.current.setText("not my password at all")
        dialog.passwords.password.setText(RENEWED)
        dialog.passwords.repeat.setText(RENEWED)
        assert not dialog.try_apply()
        assert "current password is not right" in dialog.errors.label("current").text()
        refused = [r for r in clinician.session.audit.rows() if r.outcome == "failure"]
        assert refused and "not changed" in refused[-1].detail
        dialog.current.setText(CLIN)
        assert dialog.try_apply()
    finally:
        clinician.close()
    sign_in(path, kb, "clin1", RENEWED).close()
    sign_in(path, kb, "ana", ADMIN_PASSWORD).close()  # others are not affected


def test_the_menu_offers_it_to_every_role_but_the_demo(qtbot, tmp_path, kb):
    from app.services import ClinicService
    from app.ui.main_window import MainWindow
    from tests.conftest import TODAY

    demo_clinic = ClinicService.create(
        tmp_path / "demo.db", name="Demo", demo=True, today=lambda: TODAY, knowledge=kb
    )
    demo = MainWindow(demo_clinic)
    qtbot.addWidget(demo)
    assert not demo.password_action.isEnabled()  # its built-in user has no password
    demo.close()
    demo_clinic.close()
    path = tmp_path / "clinic.db"
    admin = create_encrypted_clinic(path, kb)
    AdminService(admin).add_user("desk1", "assistant", "front desk phrase 2024 ok")
    admin.close()
    assistant = sign_in(path, kb, "desk1", "front desk phrase 2024 ok")
    try:
        window = MainWindow(assistant)
        qtbot.addWidget(window)
        assert window.password_action.isEnabled()
        window.close()
    finally:
        assistant.close()
