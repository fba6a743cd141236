"""Argon2id parameters and the one way a typed password becomes bytes.

Both the password hash (``passwords``) and the key-slot key derivation (``keyslots``)
use these, so a password typed at sign-in always turns into the same bytes.
"""

from __future__ import annotations

import unicodedata
from dataclasses import asdict, dataclass

from argon2 import PasswordHasher

_LIBRARY_DEFAULTS = PasswordHasher()


@dataclass(frozen=True)
class Argon2Params:
    """Argon2id cost parameters.

    The defaults are argon2-cffi's (RFC 9106 "low memory": 64 MiB, 3 passes, 4 lanes),
    about 140 ms on a 2-core VM. Tests pass cheaper parameters explicitly.

    Attributes:
        time_cost: number of passes over memory.
        memory_cost: memory in KiB.
        parallelism: lanes.
        hash_len: output length in bytes.
        salt_len: salt length in bytes.
    """

    time_cost: int = _LIBRARY_DEFAULTS.time_cost
    memory_cost: int = _LIBRARY_DEFAULTS.memory_cost
    parallelism: int = _LIBRARY_DEFAULTS.parallelism
    hash_len: int = 32
    salt_len: int = 16

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


DEFAULT_PARAMS = Argon2Params()

# Bounds accepted when parameters are read back from a file: a damaged or hostile
# key-slot file must not make sign-in allocate gigabytes or loop for minutes.
MAX_TIME_COST = 64
MAX_MEMORY_COST = 4 * 1024 * 1024  # KiB, i.e. 4 GiB
MAX_PARALLELISM = 64


def params_in_bounds(params: Argon2Params) -> bool:
    """Tell whether parameters read from disk are sane enough to run."""
    return (
        1 <= params.time_cost <= MAX_TIME_COST
        and 8 * params.parallelism <= params.memory_cost <= MAX_MEMORY_COST
        and 1 <= params.parallelism <= MAX_PARALLELISM
        and params.hash_len == 32
        and 8 <= params.salt_len <= 64
    )


def prepare_secret(password: str) -> bytes:
    """Turn a typed password into the bytes that are hashed, never truncated.

    NIST SP 800-63B asks verifiers to normalise Unicode (NFKC) so the same password
    typed on two keyboards or input methods gives the same bytes.
    """
    return unicodedata.normalize("NFKC", password).encode("utf-8")
