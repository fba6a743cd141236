"""Key slots: one random database key, wrapped once per user under their password.

The clinic database is encrypted (SQLCipher) with a random 256-bit key that no one
types. Each user has a *slot* in ``<db>.keys`` (JSON) holding that key wrapped under
a key derived from their password, so any user's password opens the clinic, a
password change rewraps one slot, and removing a user removes their slot.

Construction, stdlib only (no ``cryptography`` package), per slot:

1. ``kek = argon2id(password, salt, t, m, p, 32 bytes)`` with a fresh random salt
   for every wrap (``argon2.low_level.hash_secret_raw``, type ID).
2. Two independent subkeys, HKDF-expand style: ``pad_key = HMAC-SHA256(kek,
   "cofactor-keyslot-v1/pad")`` and ``mac_key = HMAC-SHA256(kek,
   "cofactor-keyslot-v1/mac")``.
3. ``wrapped = key XOR HMAC-SHA256(pad_key, "cofactor-keyslot-v1")``. The pad is a
   PRF output under a key that exists for this one wrap only (fresh salt), so it is
   used once, and the wrapped plaintext is itself uniformly random; the XOR is a
   one-time pad.
4. ``tag = HMAC-SHA256(mac_key, canonical JSON of username, parameters, salt and
   wrapped)``. A wrong password gives a different ``mac_key``, so the tag check
   (constant-time) rejects it before anything is unwrapped; the tag also binds the
   slot to its username and parameters, so slots cannot be swapped or weakened.

The file also stores ``key_check = HMAC-SHA256(key, "cofactor-key-check-v1")`` so
adding a slot can prove it is wrapping the clinic's key. Nothing here ever writes
the plaintext key or a password; a wrong password never writes anything.

Security rests on the password and the argon2id cost: anyone holding the ``.keys``
file can guess passwords offline at about one guess per 140 ms per core (default
parameters), which is why the password policy refuses common passwords.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from pathlib import Path

from argon2.low_level import ARGON2_VERSION, Type, hash_secret_raw

from app.core.atomic_file import write_atomic
from app.security.kdf import DEFAULT_PARAMS, Argon2Params, params_in_bounds, prepare_secret

FORMAT = "cofactor-keyslots"
FORMAT_VERSION = 1
KEY_BYTES = 32
_PAD_LABEL = b"cofactor-keyslot-v1/pad"
_MAC_LABEL = b"cofactor-keyslot-v1/mac"
_PAD_INPUT = b"cofactor-keyslot-v1"
_CHECK_LABEL = b"cofactor-key-check-v1"


class KeySlotError(Exception):
    """A key-slot operation failed; the message is meant for the user."""


class WrongPassword(KeySlotError):
    """The password (or the username) does not open any slot."""

    def __init__(self) -> None:
        super().__init__("The username or password is not right.")


class KeySlotFileError(KeySlotError):
    """The key file is missing, unreadable or not a Cofactor key file."""


class SlotExists(KeySlotError):
    """The user already has a slot."""


class NoSuchSlot(KeySlotError):
    """The user has no slot."""


class LastSlot(KeySlotError):
    """Removing the only slot would lock everyone out of the clinic for good."""


class WrongKey(KeySlotError):
    """The key given is not this clinic's database key."""


def slots_path_for(db_path: Path) -> Path:
    """Return the key-slot file that belongs beside a database: ``<db>.keys``."""
    db_path = Path(db_path)
    return db_path.with_name(db_path.name + ".keys")


def new_database_key() -> bytes:
    """Return a fresh random 256-bit database key."""
    return secrets.token_bytes(KEY_BYTES)


def key_check(key: bytes) -> str:
    """Return the public check value that identifies a key without revealing it."""
    return hmac.new(key, _CHECK_LABEL, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class _Slot:
    username: str
    params: Argon2Params
    salt: bytes
    wrapped: bytes
    tag: bytes

    def to_json(self) -> dict:
        return {
            "username": self.username,
            "kdf": "argon2id",
            "argon2_version": ARGON2_VERSION,
            "time_cost": self.params.time_cost,
            "memory_cost": self.params.memory_cost,
            "parallelism": self.params.parallelism,
            "salt": _b64(self.salt),
            "wrapped": _b64(self.wrapped),
            "tag": _b64(self.tag),
        }

    @classmethod
    def from_json(cls, data: dict) -> _Slot:
        if data.get("kdf") != "argon2id" or data.get("argon2_version") != ARGON2_VERSION:
            raise ValueError("unsupported key derivation")
        salt = _unb64(data["salt"])
        params = Argon2Params(
            time_cost=int(data["time_cost"]),
            memory_cost=int(data["memory_cost"]),
            parallelism=int(data["parallelism"]),
            salt_len=len(salt),
        )
        if not params_in_bounds(params) or not isinstance(data["username"], str):
            raise ValueError("parameters out of bounds")
        wrapped, tag = _unb64(data["wrapped"]), _unb64(data["tag"])
        if len(wrapped) != KEY_BYTES or len(tag) != 32:
            raise ValueError("wrong lengths")
        return cls(data["username"], params, salt, wrapped, tag)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


def _subkeys(password: str, salt: bytes, params: Argon2Params) -> tuple[bytes, bytes]:
    kek = hash_secret_raw(
        prepare_secret(password),
        salt,
        time_cost=params.time_cost,
        memory_cost=params.memory_cost,
        parallelism=params.parallelism,
        hash_len=KEY_BYTES,
        type=Type.ID,
    )
    pad_key = hmac.new(kek, _PAD_LABEL, hashlib.sha256).digest()
    mac_key = hmac.new(kek, _MAC_LABEL, hashlib.sha256).digest()
    return pad_key, mac_key


def _tag(mac_key: bytes, username: str, params: Argon2Params, salt: bytes, wrapped: bytes) -> bytes:
    body = json.dumps(
        {
            "v": FORMAT_VERSION,
            "username": username,
            "time_cost": params.time_cost,
            "memory_cost": params.memory_cost,
            "parallelism": params.parallelism,
            "salt": _b64(salt),
            "wrapped": _b64(wrapped),
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    ).encode("utf-8")
    return hmac.new(mac_key, body, hashlib.sha256).digest()


def _xor(a: bytes, b: bytes) -> bytes:
    return bytes(x ^ y for x, y in zip(a, b, strict=True))


def _wrap(username: str, password: str, key: bytes, params: Argon2Params) -> _Slot:
    salt = secrets.token_bytes(params.salt_len)
    pad_key, mac_key = _subkeys(password, salt, params)
    wrapped = _xor(key, hmac.new(pad_key, _PAD_INPUT, hashlib.sha256).digest())
    return _Slot(username, params, salt, wrapped, _tag(mac_key, username, params, salt, wrapped))


def _same_user(a: str, b: str) -> bool:
    return a.casefold() == b.casefold()


class KeySlots:
    """The key-slot file of one clinic. Every call re-reads the file, so it is never stale.

    Args:
        path: the ``<db>.keys`` file (see ``slots_path_for``).
    """

    def __init__(self, path: Path):
        self.path = Path(path)

    @classmethod
    def create(
        cls,
        path: Path,
        username: str,
        password: str,
        key: bytes,
        *,
        params: Argon2Params = DEFAULT_PARAMS,
    ) -> KeySlots:
        """Write a new key file with the first user's slot; refuses an existing file.

        Create the key file *before* the encrypted database, so a failure cannot leave
        a database nobody can open.
        """
        path = Path(path)
        if len(key) != KEY_BYTES:
            raise ValueError("the database key must be 32 bytes")
        if path.exists():
            raise KeySlotFileError(f"A key file already exists at {path}; choose another name.")
        slots = cls(path)
        slots._write(key_check(key), [_wrap(username, password, key, params)])
        return slots

    # -- reading -------------------------------------------------------------

    def _load(self) -> tuple[str, list[_Slot]]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise KeySlotFileError(
                f"The key file {self.path.name} is missing; restore it from a backup."
            ) from None
        except (OSError, ValueError) as exc:
            raise KeySlotFileError(f"The key file {self.path.name} cannot be read.") from exc
        try:
            if data.get("format") != FORMAT or data.get("version") != FORMAT_VERSION:
                raise ValueError("not a key file")
            check = str(data["key_check"])
            slots = [_Slot.from_json(item) for item in data["slots"]]
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise KeySlotFileError(
                f"The key file {self.path.name} is damaged or from another program."
            ) from exc
        return check, slots

    def usernames(self) -> list[str]:
        """Return the usernames that have a slot, in file order."""
        return [slot.username for slot in self._load()[1]]

    def has(self, username: str) -> bool:
        return any(_same_user(s.username, username) for s in self._load()[1])

    def unwrap(self, username: str, password: str) -> bytes:
        """Return the database key if ``password`` opens ``username``'s slot.

        Raises:
            WrongPassword: for a wrong password and for an unknown username alike, after
                the same argon2id work, so neither timing nor message tells them apart.
            KeySlotFileError: the file is missing or damaged.
        """
        check, slots = self._load()
        slot = next((s for s in slots if _same_user(s.username, username)), None)
        if slot is None:
            params = slots[0].params if slots else DEFAULT_PARAMS
            _subkeys(password, secrets.token_bytes(params.salt_len), params)
            raise WrongPassword()
        pad_key, mac_key = _subkeys(password, slot.salt, slot.params)
        expected = _tag(mac_key, slot.username, slot.params, slot.salt, slot.wrapped)
        if not hmac.compare_digest(expected, slot.tag):
            raise WrongPassword()
        key = _xor(slot.wrapped, hmac.new(pad_key, _PAD_INPUT, hashlib.sha256).digest())
        if not hmac.compare_digest(key_check(key), check):
            raise KeySlotFileError(f"The key file {self.path.name} is damaged.")
        return key

    def verify_key(self, key: bytes) -> bool:
        """Tell whether ``key`` is this clinic's database key."""
        return hmac.compare_digest(key_check(key), self._load()[0])

    def needs_rewrap(self, username: str, params: Argon2Params = DEFAULT_PARAMS) -> bool:
        """Tell whether a slot uses other argon2id costs than ``params`` (rewrap at sign-in)."""
        slot = self._find(self._load()[1], username)
        return (slot.params.time_cost, slot.params.memory_cost, slot.params.parallelism) != (
            params.time_cost,
            params.memory_cost,
            params.parallelism,
        )

    # -- changing ------------------------------------------------------------

    def add(
        self, username: str, password: str, key: bytes, *, params: Argon2Params = DEFAULT_PARAMS
    ) -> None:
        """Add a slot for a new user; needs the key, i.e. someone already signed in."""
        check, slots = self._load_for_change(key)
        if any(_same_user(s.username, username) for s in slots):
            raise SlotExists(f"{username} already has a key slot.")
        self._write(check, [*slots, _wrap(username, password, key, params)])

    def rewrap(
        self, username: str, new_password: str, key: bytes, *, params: Argon2Params = DEFAULT_PARAMS
    ) -> None:
        """Wrap the key under a new password (fresh salt); the old password stops working."""
        check, slots = self._load_for_change(key)
        old = self._find(slots, username)
        fresh = _wrap(old.username, new_password, key, params)
        self._write(check, [fresh if s is old else s for s in slots])

    def remove(self, username: str) -> None:
        """Remove a user's slot (the account was disabled); refuses the last slot."""
        check, slots = self._load()
        old = self._find(slots, username)
        if len(slots) == 1:
            raise LastSlot("The last key slot cannot be removed: no one could open the clinic.")
        self._write(check, [s for s in slots if s is not old])

    def _load_for_change(self, key: bytes) -> tuple[str, list[_Slot]]:
        check, slots = self._load()
        if not hmac.compare_digest(key_check(key), check):
            raise WrongKey("That key does not belong to this clinic.")
        return check, slots

    @staticmethod
    def _find(slots: list[_Slot], username: str) -> _Slot:
        for slot in slots:
            if _same_user(slot.username, username):
                return slot
        raise NoSuchSlot(f"{username} has no key slot.")

    def _write(self, check: str, slots: list[_Slot]) -> None:
        document = {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "key_check": check,
            "slots": [slot.to_json() for slot in slots],
        }
        text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
        write_atomic(self.path, text.encode("utf-8"))
