"""Journaled sign-in failures reach the audit trail once, and still count for a lockout.

A sign-in that opens the clinic writes the failures journaled beside it into the audit
trail. When that sign-in then fails itself (a wrong password on a plain clinic, an
account unknown or disabled), the journal used to stay as it was, and every later
attempt wrote the same failures into the trail again.
"""

from __future__ import annotations

import pytest

from app.security.signin_journal import FailureJournal, journal_path_for
from app.services import ClinicService
from app.services.admin import AdminService
from app.services.session import SignInError
from tests.conftest import cheap_params

PASSWORD = "a fine long passphrase here"


def _journaled_rows(service, name: str) -> list[str]:
    return [
        row.detail
        for row in service.session.audit.rows()
        if row.username == name and row.action == "signin" and row.outcome == "failure"
    ]


def test_failures_a_failed_sign_in_audited_are_not_audited_again(tmp_path, kb):
    path = tmp_path / "clinic.db"
    demo = ClinicService.create(path, name="Plain", demo=True, knowledge=kb)
    AdminService(demo).add_user("ben", "clinician", PASSWORD)
    demo.close()
    journal = FailureJournal(journal_path_for(path))
    journal.record("ghost", "wrong_password")  # as a failed unlock or slot would

    def sign_in(password: str) -> ClinicService:
        return ClinicService.sign_in(path, "ben", password, params=cheap_params(), knowledge=kb)

    for _ in range(2):
        with pytest.raises(SignInError):
            sign_in("not the password")
    # Kept for the lockout, but marked as in the trail.
    assert [(e.username, e.audited) for e in journal.entries()] == [("ghost", True)]
    service = sign_in(PASSWORD)
    try:
        (row,) = _journaled_rows(service, "ghost")
        assert row.startswith("wrong_password at ")
        assert len(_journaled_rows(service, "ben")) == 2
    finally:
        service.close()
    assert journal.entries() == []  # a successful sign-in clears it


def test_marking_keeps_an_entry_journaled_meanwhile_unaudited(tmp_path):
    journal = FailureJournal(tmp_path / "clinic.db.signin-failures")
    journal.record("ghost", "wrong_password")
    seen = journal.entries()
    journal.record("later", "wrong_password")  # another process, after the read
    journal.mark_audited(seen)
    assert [(e.username, e.audited) for e in journal.entries()] == [
        ("ghost", True),
        ("later", False),
    ]
    assert journal.locked_until("ghost") is None  # one failure: no lock, but still counted


def test_a_run_that_stopped_before_marking_does_not_audit_them_twice(tmp_path, kb):
    # Audited, then the process ended before the journal was marked or cleared.
    from app.services.session import audit_journaled_failures
    from app.store.users import UserRepository

    path = tmp_path / "clinic.db"
    demo = ClinicService.create(path, name="Plain", demo=True, knowledge=kb)
    AdminService(demo).add_user("ben", "clinician", PASSWORD)
    journal = FailureJournal(journal_path_for(path))
    journal.record("ghost", "wrong_password")
    audit_journaled_failures(demo.session.audit, UserRepository(demo.database), journal)
    demo.close()
    service = ClinicService.sign_in(path, "ben", PASSWORD, params=cheap_params(), knowledge=kb)
    try:
        assert len(_journaled_rows(service, "ghost")) == 1
    finally:
        service.close()
