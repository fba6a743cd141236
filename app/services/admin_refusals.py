"""What the administration screens show as a message rather than a traceback.

The UI may not import ``app.security`` or ``app.store`` (layer rule), so the refusals
they raise through ``AdminService`` are gathered here, with the role names a picker
offers.
"""

from __future__ import annotations

from app.security.accounts import UsernameError
from app.security.keyslots import KeySlotError, SlotExists
from app.security.passwords import PasswordPolicyError
from app.security.roles import ROLE_LABELS, ROLES, PermissionDenied
from app.services.session import SessionLocked
from app.store.backup import BackupError
from app.store.users import DuplicateUsername, LastAdministrator

__all__ = [
    "ADMIN_REFUSALS",
    "BACKUP_REFUSALS",
    "DUPLICATE_ACCOUNT",
    "DuplicateUsername",
    "PasswordPolicyError",
    "ROLES",
    "ROLE_LABELS",
    "UsernameError",
    "refusal_message",
]

# The key-slot file can know a name the users table does not (a slot left behind);
# either way the name is taken.
DUPLICATE_ACCOUNT: tuple[type[Exception], ...] = (DuplicateUsername, SlotExists)

# ValueError covers a bad role and "re-enabling needs a new password"; KeyError an
# account that vanished between listing and acting on it.
ADMIN_REFUSALS: tuple[type[Exception], ...] = (
    PermissionDenied,
    PasswordPolicyError,
    LastAdministrator,
    UsernameError,
    DuplicateUsername,
    KeySlotError,
    SessionLocked,
    KeyError,
    ValueError,
)

# OSError: the backup folder is unwritable or full; the user can act on that.
BACKUP_REFUSALS: tuple[type[Exception], ...] = (
    PermissionDenied,
    BackupError,
    SessionLocked,
    ValueError,
    OSError,
)


def refusal_message(error: BaseException) -> str:
    """Return the one-sentence text of a refusal (``KeyError`` would show its repr)."""
    if isinstance(error, KeyError) and error.args:
        return str(error.args[0])
    return str(error)
