"""Password hashing (argon2id) and the password policy.

Policy follows NIST SP 800-63B section 5.1.1.2: a minimum length (12 here, above the
required 8), at least 64 characters allowed (1024 here), nothing truncated, no
composition rules, and a check against commonly used passwords from a bundled offline
list plus context words (the username) and trivial patterns (one character repeated,
simple sequences). Hashes are argon2id PHC strings with argon2-cffi's defaults.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from app.core.resources import resources_dir
from app.security.kdf import DEFAULT_PARAMS, Argon2Params, prepare_secret

MIN_LENGTH = 12
MAX_LENGTH = 1024  # well above NIST's 64; the cap only stops pathological inputs
COMMON_PASSWORDS_FILE = "security/common-passwords.txt"

# Digits and symbols people bolt onto a common word ("dragon2024!"): stripped before
# the second look-up in the common list.
_DECORATION = re.compile(r"^[\d\W_]*(.*?)[\d\W_]*$", re.DOTALL)


class PasswordPolicyError(ValueError):
    """A new password breaks the policy; ``str(error)`` is one sentence for the user.

    Attributes:
        reason: a short machine-readable code (``too_short``, ``too_long``, ``common``,
            ``username``, ``pattern``).
    """

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason


def _hasher(params: Argon2Params) -> PasswordHasher:
    return PasswordHasher(
        time_cost=params.time_cost,
        memory_cost=params.memory_cost,
        parallelism=params.parallelism,
        hash_len=params.hash_len,
        salt_len=params.salt_len,
    )


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """Load the bundled list of common passwords (lower-cased, one a line)."""
    path = resources_dir() / COMMON_PASSWORDS_FILE
    with path.open(encoding="utf-8") as handle:
        return frozenset(line.strip().casefold() for line in handle if line.strip())


def _is_trivial_pattern(text: str) -> bool:
    """One short unit repeated ("aaaa…", "abcabc…") or a run of consecutive characters."""
    for unit in range(1, 5):
        if (
            len(text) >= unit * 3
            and len(text) % unit == 0
            and text == text[:unit] * (len(text) // unit)
        ):
            return True
    steps = {_step(a, b) for a, b in zip(text, text[1:], strict=False)}
    return steps in ({1}, {-1})


def _step(a: str, b: str) -> int:
    # Digits wrap around so "1234567890123" counts as a sequence.
    if a.isdigit() and b.isdigit():
        diff = (int(b) - int(a)) % 10
        return {1: 1, 9: -1}.get(diff, 0)
    return ord(b) - ord(a)


def check_password_policy(
    password: str, username: str | None = None, *, common: frozenset[str] | None = None
) -> None:
    """Check a new password against the policy.

    Args:
        password: the password as typed.
        username: the account's username; the password may not be or contain it.
        common: the common-password list to use (defaults to the bundled one).

    Raises:
        PasswordPolicyError: with a one-sentence explanation.
    """
    text = unicodedata.normalize("NFKC", password)
    if len(text) < MIN_LENGTH:
        raise PasswordPolicyError(
            "too_short", f"Choose a password of at least {MIN_LENGTH} characters."
        )
    if len(text) > MAX_LENGTH:
        raise PasswordPolicyError(
            "too_long", f"Choose a password of at most {MAX_LENGTH} characters."
        )
    folded = text.casefold()
    if username:
        name = unicodedata.normalize("NFKC", username).strip().casefold()
        if name and (folded == name or (len(name) >= 4 and name in folded)):
            raise PasswordPolicyError(
                "username", "Choose a password that does not contain your username."
            )
    if _is_trivial_pattern(folded):
        raise PasswordPolicyError(
            "pattern",
            "Choose a password that is not one character repeated or a simple sequence.",
        )
    listed = common_passwords() if common is None else common
    core = _DECORATION.match(folded).group(1)
    if folded in listed or (len(core) >= 4 and core in listed):
        raise PasswordPolicyError(
            "common",
            "This password is on a list of commonly used passwords; choose a different one.",
        )


def hash_password(password: str, params: Argon2Params = DEFAULT_PARAMS) -> str:
    """Hash a password as an argon2id PHC string (``$argon2id$v=19$m=…``).

    The policy is not applied here, so existing passwords can always be re-hashed.
    """
    return _hasher(params).hash(prepare_secret(password))


def verify_password(stored_hash: str, password: str) -> bool:
    """Tell whether ``password`` matches ``stored_hash`` (in constant time).

    The parameters are read from the hash itself. An empty or malformed hash (an
    account whose password was never set) never matches.
    """
    if not stored_hash:
        return False
    try:
        return _hasher(DEFAULT_PARAMS).verify(stored_hash, prepare_secret(password))
    except (VerificationError, InvalidHashError):
        return False


def check_needs_rehash(stored_hash: str, params: Argon2Params = DEFAULT_PARAMS) -> bool:
    """Tell whether a hash was made with other parameters and should be redone at sign-in."""
    try:
        return _hasher(params).check_needs_rehash(stored_hash)
    except InvalidHashError:
        return True
