"""Password policy (NIST SP 800-63B) and argon2id hashing (security.md A3, A4)."""

from __future__ import annotations

import pytest

from app.security.kdf import DEFAULT_PARAMS, Argon2Params
from app.security.passwords import (
    MAX_LENGTH,
    PasswordPolicyError,
    check_needs_rehash,
    check_password_policy,
    common_passwords,
    hash_password,
    verify_password,
)

CHEAP = Argon2Params(time_cost=1, memory_cost=8, parallelism=1)
OLDER = Argon2Params(time_cost=1, memory_cost=16, parallelism=1)


@pytest.mark.parametrize(
    ("password", "username", "reason"),
    [
        ("", None, "too_short"),
        ("short pass", None, "too_short"),
        ("elevenchars", None, "too_short"),
        ("x" * (MAX_LENGTH + 1), None, "too_long"),
        ("password1234", None, "common"),
        ("PASSWORD1234", None, "common"),
        ("qwertyuiop123", None, "common"),
        ("iloveyou123456", None, "common"),
        ("Dragon2024!!!!", None, "common"),  # a listed word with digits and symbols bolted on
        ("!!Sunshine2025", None, "common"),
        ("correcthorsebatterystaple", None, "common"),
        ("aaaaaaaaaaaa", None, "pattern"),
        ("abcabcabcabc", None, "pattern"),
        ("123456789012", None, "pattern"),
        ("234567890123", None, "pattern"),
        ("zyxwvutsrqpo", None, "pattern"),
        ("nakamura.kenji", "nakamura.kenji", "username"),
        ("NAKAMURA.KENJI", "nakamura.kenji", "username"),
        ("my nakamura.kenji login", "nakamura.kenji", "username"),
    ],
)
def test_policy_refuses(password, username, reason):
    with pytest.raises(PasswordPolicyError) as caught:
        check_password_policy(password, username)
    assert caught.value.reason == reason
    message = str(caught.value)
    assert message.endswith(".") and message.count(".") == 1
    assert not password or password not in message


@pytest.mark.parametrize(
    ("password", "username"),
    [
        ("exactly12chr", None),
        ("violet kettle orbit", None),
        ("no composition rules needed at all", None),
        ("Ünïcödé pässwörd ✓", None),
        ("tram-lights-Oslo", "ana"),  # a short username inside a word is fine
        (" ".join(["violet kettle orbit"] * 10) + "!", None),  # 200 characters
        ("q" + "w" * 62 + "e", None),  # 64 characters
    ],
)
def test_policy_accepts(password, username):
    check_password_policy(password, username)


def test_bundled_list_is_lower_case_and_a_few_thousand_long():
    listed = common_passwords()
    assert len(listed) >= 3000
    assert all(p == p.casefold() for p in listed)
    assert {"password", "123456", "qwerty", "iloveyou", "letmein"} <= listed


def test_hash_is_argon2id_with_library_defaults():
    assert (DEFAULT_PARAMS.memory_cost, DEFAULT_PARAMS.time_cost, DEFAULT_PARAMS.parallelism) == (
        65536,
        3,
        4,
    )
    stored = hash_password("violet kettle orbit")  # the real default, once
    assert stored.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert verify_password(stored, "violet kettle orbit")
    assert not check_needs_rehash(stored)


def test_verify_rejects_wrong_password_and_unset_hash():
    stored = hash_password("violet kettle orbit", CHEAP)
    assert verify_password(stored, "violet kettle orbit")
    assert not verify_password(stored, "violet kettle orbiT")
    assert not verify_password("", "anything at all")
    assert not verify_password("not a hash", "anything at all")


def test_two_hundred_character_password_is_not_truncated():
    password = "".join(chr(ord("a") + i % 26) + str(i % 10) for i in range(100))
    assert len(password) == 200
    stored = hash_password(password, CHEAP)
    assert verify_password(stored, password)
    assert not verify_password(stored, password[:199])
    assert not verify_password(stored, password[:-1] + "X")


def test_unicode_is_normalised_so_composed_and_decomposed_match():
    composed, decomposed = "caf\u00e9 au lait noir", "cafe\u0301 au lait noir"
    stored = hash_password(composed, CHEAP)
    assert verify_password(stored, decomposed)


def test_hash_with_old_parameters_needs_rehash_and_upgrade_verifies():
    old = hash_password("violet kettle orbit", OLDER)
    assert check_needs_rehash(old, CHEAP)
    assert check_needs_rehash("garbage", CHEAP)
    new = hash_password("violet kettle orbit", CHEAP)  # what sign-in does after verifying
    assert not check_needs_rehash(new, CHEAP)
    assert verify_password(new, "violet kettle orbit")
