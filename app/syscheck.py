"""Name a missing system library in one sentence instead of a Qt traceback.

On a bare Debian/Ubuntu box PySide6's wheels load fine but Qt's platform plugin
fails deep inside C++ with a message that does not say which package to add.
"""

from __future__ import annotations

import ctypes.util
import os
import sys

APT_LINE = (
    "sudo apt-get install libegl1 libxkbcommon0 libfontconfig1 libdbus-1-3 "
    "libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxkbcommon-x11-0"
)

# (library name for find_library, Debian/Ubuntu package)
_ALWAYS = [
    ("EGL", "libegl1"),
    ("xkbcommon", "libxkbcommon0"),
    ("fontconfig", "libfontconfig1"),
    ("dbus-1", "libdbus-1-3"),
]
_ON_X11 = [
    ("xcb-cursor", "libxcb-cursor0"),
    ("xcb-icccm", "libxcb-icccm4"),
    ("xcb-keysyms", "libxcb-keysyms1"),
    ("xkbcommon-x11", "libxkbcommon-x11-0"),
]


def missing_libraries(
    platform_name: str | None = None, find=ctypes.util.find_library
) -> list[tuple[str, str]]:
    """System libraries Qt needs here that the dynamic loader cannot find."""
    if not sys.platform.startswith("linux"):
        return []
    platform_name = platform_name or os.environ.get("QT_QPA_PLATFORM", "xcb")
    needed = list(_ALWAYS)
    if platform_name.startswith("xcb"):
        needed += _ON_X11
    return [(lib, pkg) for lib, pkg in needed if find(lib) is None]


def explain_missing(platform_name: str | None = None, find=ctypes.util.find_library) -> str | None:
    """One sentence naming the first missing library and the apt line, or ``None``."""
    missing = missing_libraries(platform_name, find)
    if not missing:
        return None
    lib, pkg = missing[0]
    others = ", ".join(p for _, p in missing[1:])
    extra = f" (also missing: {others})" if others else ""
    return (
        f"Cofactor cannot open its window: the system library lib{lib} is missing; "
        f"install the package {pkg}{extra}, e.g. `{APT_LINE}`."
    )
