"""Read the TOML sources, reusing a parsed copy when the bytes have not changed.

``tomllib`` is pure Python and parsing the knowledge files takes most of a load. The
parsed tables are kept in ``__pycache__/knowledge.marshal`` beside the sources, keyed by
a SHA-256 of every source file's bytes, exactly as Python keeps ``.pyc`` files: any edit
changes the digest and the files are parsed again. Validation always runs on the result,
so a cached parse can never hide a problem. The cache sits in the same folder as the
sources, so it is exactly as trusted as they are; if the folder is read-only the cache
is skipped silently.
"""

from __future__ import annotations

import hashlib
import logging
import marshal
import os
import tempfile
import tomllib
from pathlib import Path
from typing import Any

from app.core.knowledge.errors import Problems

log = logging.getLogger(__name__)

CACHE_DIR = "__pycache__"
CACHE_FILE = "knowledge.marshal"
_FORMAT = 1  # bump when the cached layout changes


def read_sources(folder: Path, names: tuple[str, ...], problems: Problems) -> dict[str, Any]:
    """Return ``{file name: parsed TOML}``; missing or invalid files become problems and ``{}``."""
    blobs: dict[str, bytes | None] = {}
    for name in names:
        try:
            blobs[name] = (folder / name).read_bytes()
        except FileNotFoundError:
            problems.add(name, "-", f"file not found in {folder}")
            blobs[name] = None
    digest = _digest(blobs)
    cached = _read_cache(folder, digest)
    if cached is not None and set(cached) == set(names):
        return cached
    parsed: dict[str, Any] = {}
    clean = True
    for name, blob in blobs.items():
        parsed[name] = {}
        if blob is None:
            clean = False
            continue
        try:
            parsed[name] = tomllib.loads(blob.decode("utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
            problems.add(name, "-", f"invalid TOML: {error}")
            clean = False
    if clean:
        _write_cache(folder, digest, parsed)
    return parsed


def _digest(blobs: dict[str, bytes | None]) -> str:
    sha = hashlib.sha256(f"format {_FORMAT}".encode())
    for name, blob in blobs.items():
        sha.update(name.encode())
        sha.update(b"\0" if blob is None else len(blob).to_bytes(8, "big") + blob)
    return sha.hexdigest()


def _read_cache(folder: Path, digest: str) -> dict[str, Any] | None:
    try:
        data = (folder / CACHE_DIR / CACHE_FILE).read_bytes()
        stored_digest, parsed = marshal.loads(data)
    except (OSError, ValueError, EOFError, TypeError):
        return None
    return parsed if stored_digest == digest and isinstance(parsed, dict) else None


def _write_cache(folder: Path, digest: str, parsed: dict[str, Any]) -> None:
    try:
        payload = marshal.dumps((digest, parsed))
    except ValueError:  # e.g. a TOML datetime, which marshal cannot store
        return
    cache_dir = folder / CACHE_DIR
    try:
        cache_dir.mkdir(exist_ok=True)
        # Write then rename, so a concurrent reader never sees half a file.
        with tempfile.NamedTemporaryFile(dir=cache_dir, delete=False) as handle:
            handle.write(payload)
        os.replace(handle.name, cache_dir / CACHE_FILE)
    except OSError as error:
        log.debug("knowledge parse cache not written: %s", error)
