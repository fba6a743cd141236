"""Account rules: what a username may be, and how a name typed at sign-in is made safe.

Usernames are ASCII so SQLite's ``COLLATE NOCASE`` (ASCII-only folding) and Python's
case-insensitive comparisons agree on what counts as the same name.
"""

from __future__ import annotations

import re

from app.security.roles import ROLES

USERNAME_MAX = 64
_USERNAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,63}")
_TYPED_MAX = 64


class UsernameError(ValueError):
    """A proposed username breaks the rules; ``str(error)`` is for the user."""


def validate_username(username: str) -> str:
    """Return the username trimmed, or raise ``UsernameError``."""
    name = username.strip()
    if not _USERNAME.fullmatch(name):
        raise UsernameError(
            "A username uses letters, digits and . _ @ - only, starts with a letter or "
            f"digit, and has at most {USERNAME_MAX} characters."
        )
    return name


def validate_role(role: str) -> str:
    if role not in ROLES:
        raise ValueError(f"Unknown role {role!r}; choose one of {', '.join(ROLES)}.")
    return role


def sanitize_typed_username(text: str) -> str:
    """Make a username *as typed* at a failed sign-in safe to audit and display.

    Control characters are escaped (no forged log lines) and the text is cut to 64
    characters, so a password typed into the username box is at least not kept whole.
    """
    cleaned = "".join(
        ch if ch.isprintable() else f"\\x{ord(ch):02x}" if ord(ch) < 256 else f"\\u{ord(ch):04x}"
        for ch in text.strip()
    )
    return cleaned[:_TYPED_MAX]
