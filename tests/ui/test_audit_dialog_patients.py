"""The audit viewer's Patient column shows the MRN of the patient each event was about."""

from __future__ import annotations

from app.services.admin import AdminService
from app.ui.audit_dialog import AuditDialog
from tests.conftest import create_encrypted_clinic, make_patient


def _patient_column(dialog: AuditDialog) -> dict[int, str]:
    model = dialog.model
    return {
        model.row_at(r).seq: model.data(model.index(r, model.PATIENT))
        for r in range(model.rowCount())
    }


def test_events_of_a_patient_a_restore_took_away_are_not_shown_as_the_next_patient(
    qtbot, tmp_path, kb
):
    service = create_encrypted_clinic(tmp_path / "clinic.db", kb)  # MRN-1001
    admin = AdminService(service)
    backup = admin.back_up().path
    gone = service.create_patient(make_patient(mrn="MRN-2002", family_name="Lindqvist"))
    admin.restore(backup)
    novak = service.create_patient(make_patient(mrn="MRN-3003", family_name="Novak"))
    assert novak.id != gone.id  # a new patient never takes an id the trail names

    dialog = AuditDialog(service)
    qtbot.addWidget(dialog)
    dialog.refresh()
    shown = _patient_column(dialog)
    by_seq = {row.seq: row for row in admin.audit_rows()}
    carried = {seq for seq in shown if by_seq[seq].patient_id == gone.id}
    assert carried and all(by_seq[s].detail.startswith("carried over") for s in carried)
    assert {shown[s] for s in carried} == {f"#{gone.id}"}
    assert {shown[s] for s in shown if by_seq[s].patient_id == novak.id} == {"MRN-3003"}
    assert "MRN-1001" in shown.values()
    dialog.close()
    service.close()


def test_filtering_the_trail_by_a_patient_is_itself_audited_against_them(qtbot, tmp_path, kb):
    from app.services.admin import AdminService
    from tests.conftest import create_encrypted_clinic

    service = create_encrypted_clinic(tmp_path / "clinic.db", kb)
    (patient,) = service.search_patients("")
    admin = AdminService(service)
    found = admin.audited_patient(patient.family_name)
    admin.audit_rows(patient_id=found.id)
    events = [
        (row.action, row.category, row.patient_id)
        for row in service.session.audit.rows()
        if row.category in ("demographics", "audit")
    ]
    # The search names who it found, and reading their trail names them too.
    assert ("query", "demographics", patient.id) in events
    assert ("read", "audit", patient.id) in events
    service.close()
