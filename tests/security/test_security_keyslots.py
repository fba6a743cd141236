"""Key slots: one database key wrapped per user (security.md C3)."""

from __future__ import annotations

import base64
import hashlib
import json

import pytest

from app.security.kdf import Argon2Params
from app.security.keyslots import (
    KeySlotFileError,
    KeySlots,
    LastSlot,
    NoSuchSlot,
    SlotExists,
    WrongKey,
    WrongPassword,
    new_database_key,
    slots_path_for,
)

CHEAP = Argon2Params(time_cost=1, memory_cost=8, parallelism=1)
ADMIN_PW = "violet kettle orbit"
NURSE_PW = "tram lights over Oslo"


def _digest(folder) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


@pytest.fixture
def clinic_slots(tmp_path):
    key = new_database_key()
    slots = KeySlots.create(
        slots_path_for(tmp_path / "clinic.db"), "admin", ADMIN_PW, key, params=CHEAP
    )
    slots.add("nurse.li", NURSE_PW, key, params=CHEAP)
    return slots, key


def test_path_sits_beside_the_database(tmp_path):
    assert slots_path_for(tmp_path / "clinic.db") == tmp_path / "clinic.db.keys"


def test_any_users_password_opens_the_same_key(clinic_slots):
    slots, key = clinic_slots
    assert slots.unwrap("admin", ADMIN_PW) == key
    assert slots.unwrap("NURSE.LI", NURSE_PW) == key
    assert slots.usernames() == ["admin", "nurse.li"]
    assert slots.verify_key(key) and not slots.verify_key(new_database_key())


def test_wrong_password_and_unknown_user_raise_the_same_error(clinic_slots):
    slots, _ = clinic_slots
    with pytest.raises(WrongPassword) as wrong:
        slots.unwrap("admin", NURSE_PW)
    with pytest.raises(WrongPassword) as unknown:
        slots.unwrap("nobody", ADMIN_PW)
    assert str(wrong.value) == str(unknown.value) == "The username or password is not right."


def test_wrong_password_leaves_every_file_byte_identical(tmp_path, clinic_slots):
    slots, _ = clinic_slots
    before = _digest(tmp_path)
    for attempt in ("violet kettle orbiT", "", "x" * 500):
        with pytest.raises(WrongPassword):
            slots.unwrap("admin", attempt)
    assert _digest(tmp_path) == before


def test_password_change_rewraps_one_slot_and_old_password_fails(clinic_slots):
    slots, key = clinic_slots
    document = json.loads(slots.path.read_text())
    nurse_before = document["slots"][1]
    slots.rewrap("admin", "a brand new admin phrase", key, params=CHEAP)
    after = json.loads(slots.path.read_text())
    assert after["slots"][1] == nurse_before
    assert after["slots"][0]["salt"] != document["slots"][0]["salt"]
    with pytest.raises(WrongPassword):
        slots.unwrap("admin", ADMIN_PW)
    assert slots.unwrap("admin", "a brand new admin phrase") == key


def test_removing_a_user_removes_their_slot_but_never_the_last(clinic_slots):
    slots, key = clinic_slots
    slots.remove("nurse.li")
    assert slots.usernames() == ["admin"]
    with pytest.raises(WrongPassword):
        slots.unwrap("nurse.li", NURSE_PW)
    with pytest.raises(LastSlot):
        slots.remove("admin")
    assert slots.unwrap("admin", ADMIN_PW) == key


def test_adding_needs_the_right_key_and_a_new_name(clinic_slots):
    slots, key = clinic_slots
    with pytest.raises(WrongKey):
        slots.add("dr.osei", "an untouched meadow", new_database_key(), params=CHEAP)
    with pytest.raises(SlotExists):
        slots.add("ADMIN", "an untouched meadow", key, params=CHEAP)
    with pytest.raises(NoSuchSlot):
        slots.rewrap("dr.osei", "an untouched meadow", key, params=CHEAP)


def test_no_key_bytes_or_passwords_in_the_slot_file(clinic_slots):
    slots, key = clinic_slots
    raw = slots.path.read_bytes()
    for secret in (
        key,
        key.hex().encode(),
        base64.b64encode(key),
        ADMIN_PW.encode(),
        NURSE_PW.encode(),
    ):
        assert secret not in raw
    for slot in json.loads(raw)["slots"]:
        assert base64.b64decode(slot["wrapped"]) != key


def test_file_is_private_and_written_atomically(tmp_path, clinic_slots):
    slots, _ = clinic_slots
    assert slots.path.stat().st_mode & 0o077 == 0
    assert [p.name for p in tmp_path.iterdir()] == ["clinic.db.keys"]  # no temp files left


def test_create_refuses_an_existing_file(clinic_slots):
    slots, key = clinic_slots
    before = slots.path.read_bytes()
    with pytest.raises(KeySlotFileError):
        KeySlots.create(slots.path, "other", ADMIN_PW, key, params=CHEAP)
    assert slots.path.read_bytes() == before


@pytest.mark.parametrize("field", ["username", "time_cost", "salt", "wrapped"])
def test_a_tampered_slot_no_longer_opens(clinic_slots, field):
    slots, _ = clinic_slots
    document = json.loads(slots.path.read_text())
    slot = document["slots"][0]
    if field == "username":
        document["slots"][1]["username"], slot["username"] = "admin", "nurse.li"  # swap names
    elif field == "time_cost":
        slot["time_cost"] = 2
    else:
        raw = bytearray(base64.b64decode(slot[field]))
        raw[0] ^= 1
        slot[field] = base64.b64encode(bytes(raw)).decode()
    slots.path.write_text(json.dumps(document))
    with pytest.raises(WrongPassword):
        slots.unwrap("admin", ADMIN_PW)


def test_damaged_or_missing_file_gives_a_clear_error(tmp_path, clinic_slots):
    slots, _ = clinic_slots
    with pytest.raises(KeySlotFileError, match="missing"):
        KeySlots(tmp_path / "other.db.keys").unwrap("admin", ADMIN_PW)
    document = json.loads(slots.path.read_text())
    document["slots"][0]["memory_cost"] = 10**9  # would allocate a terabyte
    slots.path.write_text(json.dumps(document))
    with pytest.raises(KeySlotFileError, match="damaged"):
        slots.unwrap("admin", ADMIN_PW)


def test_needs_rewrap_when_costs_change(clinic_slots):
    slots, key = clinic_slots
    stronger = Argon2Params(time_cost=2, memory_cost=8, parallelism=1)
    assert not slots.needs_rewrap("admin", CHEAP)
    assert slots.needs_rewrap("admin", stronger)
    slots.rewrap("admin", ADMIN_PW, key, params=stronger)
    assert not slots.needs_rewrap("admin", stronger)
    assert slots.unwrap("admin", ADMIN_PW) == key
