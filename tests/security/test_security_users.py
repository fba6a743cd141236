"""User accounts in the store (security.md A1, A2, A3, A5, A8)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.security.accounts import UsernameError, sanitize_typed_username, validate_username
from app.security.kdf import Argon2Params
from app.security.passwords import hash_password, verify_password
from app.store.database import open_database
from app.store.sqlite import IntegrityError
from app.store.users import DuplicateUsername, LastAdministrator, UnknownUser, UserRepository

CHEAP = Argon2Params(time_cost=1, memory_cost=8, parallelism=1)


@pytest.fixture
def clinic():
    db = open_database(None, create=True)
    yield db
    db.close()


@pytest.fixture
def users(clinic):
    return UserRepository(clinic)


def test_add_and_read_back(users):
    admin = users.add("admin", "administrator", "h1", display_name=" Dr. Osei ")
    assert admin.id and admin.username == "admin" and admin.display_name == "Dr. Osei"
    assert admin.role == "administrator" and not admin.disabled and not admin.emergency_access
    assert users.get(admin.id) == admin
    assert users.by_username("ADMIN") == admin
    assert users.by_username("nobody") is None and users.get(999) is None
    assert "h1" not in repr(admin)  # the hash never reaches a log through repr


def test_username_is_unique_ignoring_case(users):
    users.add("nurse.li", "assistant", "h")
    with pytest.raises(DuplicateUsername, match="already an account named NURSE.LI"):
        users.add("NURSE.LI", "clinician", "h")
    assert users.count() == 1


def test_unknown_role_is_refused(users, clinic):
    with pytest.raises(ValueError, match="Unknown role"):
        users.add("x1", "superuser", "h")
    with pytest.raises(IntegrityError):  # the schema refuses it even past the repository
        clinic.conn.execute(
            "INSERT INTO users (username, role, created_at, updated_at) VALUES ('x', 'root', '', '')"
        )


@pytest.mark.parametrize("name", ["admin", "dr.osei", "nurse_li-2", "a@clinic.example"])
def test_valid_usernames(name):
    assert validate_username(f"  {name} ") == name


@pytest.mark.parametrize("name", ["", " ", ".admin", "two words", "x" * 65, "Åsa", "a\nb", "a;b"])
def test_invalid_usernames(name):
    with pytest.raises(UsernameError):
        validate_username(name)


def test_typed_username_is_sanitised_for_the_audit():
    assert sanitize_typed_username("admin\r\nFAKE LINE") == "admin\\x0d\\x0aFAKE LINE"
    assert len(sanitize_typed_username("x" * 500)) == 64


def test_changes_return_before_and_after_for_the_audit(users):
    users.add("admin", "administrator", "h")
    clin = users.add("dr.osei", "clinician", "old-hash")
    change = users.set_role(clin.id, "administrator")
    assert (change.before.role, change.after.role) == ("clinician", "administrator")
    assert change.describe() == "role: clinician -> administrator"
    change = users.set_password_hash(clin.id, "new-hash")
    assert change.describe() == "password: changed"
    assert "old-hash" not in change.describe() and "new-hash" not in change.describe()
    change = users.set_disabled(clin.id, True)
    assert change.describe() == "disabled: False -> True"
    assert users.list(include_disabled=False) == [users.by_username("admin")]
    assert users.set_emergency_access(clin.id, True).after.emergency_access
    assert users.set_display_name(clin.id, "Dr. K. Osei").describe() == (
        "display_name:  -> Dr. K. Osei"
    )


def test_the_last_enabled_administrator_cannot_be_demoted_or_disabled(users):
    admin = users.add("admin", "administrator", "h")
    with pytest.raises(LastAdministrator):
        users.set_role(admin.id, "clinician")
    with pytest.raises(LastAdministrator):
        users.set_disabled(admin.id, True)
    second = users.add("admin2", "administrator", "h")
    users.set_disabled(admin.id, True)
    with pytest.raises(LastAdministrator):
        users.set_role(second.id, "assistant")
    with pytest.raises(UnknownUser):
        users.set_role(999, "assistant")


def test_accounts_are_disabled_never_deleted(users, clinic):
    user = users.add("admin", "administrator", "h")
    with pytest.raises(IntegrityError, match="disabled, not deleted"):
        clinic.conn.execute("DELETE FROM users WHERE id = ?", (user.id,))


def test_lockout_state_is_stored(users):
    user = users.add("nurse.li", "assistant", "h")
    assert [users.record_failed_attempt(user.id) for _ in range(3)] == [1, 2, 3]
    until = datetime(2026, 11, 23, 10, 30, tzinfo=UTC)
    users.lock_until(user.id, until)
    locked = users.get(user.id)
    assert locked.failed_attempts == 3 and locked.locked_until == until
    assert locked.locked_at(until - timedelta(seconds=1))
    assert not locked.locked_at(until)
    users.reset_failures(user.id)
    cleared = users.get(user.id)
    assert cleared.failed_attempts == 0 and cleared.locked_until is None


def test_plaintext_password_never_reaches_the_database_files(tmp_path):
    password = "violet kettle orbit 42"
    db = tmp_path / "clinic.db"
    clinic = open_database(db, create=True)  # plain on purpose: the worst case
    repo = UserRepository(clinic)
    with clinic.transaction():
        user = repo.add("admin", "administrator", hash_password(password, CHEAP))
    assert verify_password(repo.get(user.id).password_hash, password)
    assert repo.get(user.id).password_hash.startswith("$argon2id$")
    files = [db, db.with_name("clinic.db-wal"), db.with_name("clinic.db-shm")]
    for path in files:
        if path.exists():
            assert password.encode() not in path.read_bytes()
    clinic.close()
    assert password.encode() not in db.read_bytes()


def test_refusals_by_the_clinics_own_rules_are_audited(tmp_path, kb):
    """Demoting or disabling the last administrator, or taking a name already used, is
    refused and written to the trail as a failure (a permission refusal already was)."""
    from app.services.admin import AdminService
    from tests.conftest import create_encrypted_clinic

    service = create_encrypted_clinic(tmp_path / "clinic.db", kb)
    admin = AdminService(service)
    with pytest.raises(LastAdministrator):
        admin.set_role("ana", "clinician")
    with pytest.raises(LastAdministrator):
        admin.set_disabled("ana", True)
    with pytest.raises(DuplicateUsername):
        admin.add_user("ANA", "clinician", "another long passphrase 88")
    failures = [
        (r.action, r.detail.split(" refused")[0])
        for r in service.session.audit.rows()
        if r.outcome == "failure"
    ]
    assert failures == [
        ("role change", "ana to clinician"), ("disable", "ana"), ("create", "user ANA (clinician)")
    ]  # fmt: skip
    assert [u.role for u in admin.users()] == ["administrator"]
    service.close()


def test_giving_an_account_the_role_it_has_writes_nothing(tmp_path, kb):
    from app.services.admin import AdminService
    from tests.conftest import create_encrypted_clinic

    service = create_encrypted_clinic(tmp_path / "clinic.db", kb)
    admin = AdminService(service)
    before = service.session.audit.count()
    assert admin.set_role("ana", "administrator") is False
    assert service.session.audit.count() == before
    service.close()


def test_guesses_at_ones_own_current_password_are_limited(tmp_path, kb):
    from app.services.admin import AdminService, CurrentPasswordWrong
    from tests.conftest import ADMIN_PASSWORD, create_encrypted_clinic

    service = create_encrypted_clinic(tmp_path / "clinic.db", kb)
    admin = AdminService(service)
    messages = []
    for _ in range(12):
        with pytest.raises(CurrentPasswordWrong) as refused:
            admin.change_own_password("a wrong guess of it", "a brand new passphrase 9")
        messages.append(str(refused.value))
    assert "Too many wrong passwords" in messages[-1]
    with pytest.raises(CurrentPasswordWrong, match="Too many"):  # even the right one waits
        admin.change_own_password(ADMIN_PASSWORD, "a brand new passphrase 9")
    service.close()


def test_a_plain_clinic_unlocks_with_the_new_password_after_a_change(tmp_path, kb):
    """The session's copy of the account is the one an unlock checks on a plain clinic."""
    from app.services import ClinicService
    from app.services.admin import AdminService
    from app.services.session import SignInError
    from tests.conftest import TODAY

    service = ClinicService.create(
        tmp_path / "plain.db", name="Plain", admin="ana", password="the first passphrase 1",
        today=lambda: TODAY, knowledge=kb, encrypted=False,
    )  # fmt: skip
    AdminService(service).change_own_password("the first passphrase 1", "a second passphrase 2")
    service.lock()
    with pytest.raises(SignInError):
        service.unlock("the first passphrase 1")
    service.unlock("a second passphrase 2")
    service.close()
