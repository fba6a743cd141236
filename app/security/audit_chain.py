"""Where the audit key comes from, and the audit chain's public names in one place.

The chain itself (canonical JSON of a row, ``mac = HMAC-SHA256(k_audit, canonical)``,
``prev_mac`` links, the anchor and verification) is pure code in
``app.core.audit_chain``, shared with the store; it is re-exported here.

``k_audit`` is never stored in the database:

* encrypted clinic: ``k_audit = HMAC-SHA256(database key, "cofactor-audit-v1")``,
  so it exists only while the clinic is unlocked;
* plain (demo) clinic: a random per-clinic key in ``<db>.auditkey`` beside the
  database. Such a clinic's audit log is tamper-evident only against someone who
  does not also have that file.

Limits, stated plainly: anyone holding ``k_audit`` (any user able to unlock an
encrypted clinic, using outside tools) could rewrite rows and recompute the chain.
The anchor in ``<db>.audit-anchor`` and in every backup manifest narrows that: a
rewritten history no longer matches the anchors already handed out.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from pathlib import Path

from app.core.atomic_file import write_atomic
from app.core.audit_chain import (
    AUDITED_FIELDS,
    AnchorInvalid,
    ChainHead,
    VerifyResult,
    anchor_document,
    anchor_from_document,
    canonical,
    read_anchor,
    row_mac,
    verify_chain,
    write_anchor,
)

__all__ = [
    "AUDITED_FIELDS",
    "AnchorInvalid",
    "AuditKeyMissing",
    "ChainHead",
    "VerifyResult",
    "anchor_document",
    "anchor_from_document",
    "anchor_path_for",
    "audit_key_for",
    "audit_key_from_database_key",
    "audit_key_path_for",
    "canonical",
    "read_anchor",
    "row_mac",
    "verify_chain",
    "write_anchor",
]

_AUDIT_LABEL = b"cofactor-audit-v1"
KEY_BYTES = 32


class AuditKeyMissing(Exception):
    """A plain clinic's ``.auditkey`` file is missing or damaged."""


def audit_key_from_database_key(db_key: bytes) -> bytes:
    """Derive the audit key of an encrypted clinic from its database key."""
    return hmac.new(db_key, _AUDIT_LABEL, hashlib.sha256).digest()


def audit_key_path_for(db_path: Path) -> Path:
    """Return ``<db>.auditkey``: the plain clinic's audit key file."""
    db_path = Path(db_path)
    return db_path.with_name(db_path.name + ".auditkey")


def anchor_path_for(db_path: Path) -> Path:
    """Return ``<db>.audit-anchor``: where the chain's newest seq and MAC are kept."""
    db_path = Path(db_path)
    return db_path.with_name(db_path.name + ".audit-anchor")


def audit_key_for(db_path: Path | None, db_key: bytes | None, *, create: bool = False) -> bytes:
    """Return the audit key of a clinic.

    Args:
        db_path: the database file (``None``: in memory; gets a throwaway key).
        db_key: the SQLCipher key, or ``None`` for a plain clinic.
        create: plain clinic only: create ``<db>.auditkey`` if missing. Do this when
            the clinic is created; a new key cannot verify rows written before it.

    Raises:
        AuditKeyMissing: plain clinic, no key file, and ``create`` is false.
    """
    if db_key is not None:
        return audit_key_from_database_key(db_key)
    if db_path is None:
        return secrets.token_bytes(KEY_BYTES)
    path = audit_key_path_for(db_path)
    try:
        key = path.read_bytes()
    except FileNotFoundError:
        if not create:
            raise AuditKeyMissing(
                f"The audit key file {path.name} is missing; the audit log cannot be checked."
            ) from None
        key = secrets.token_bytes(KEY_BYTES)
        write_atomic(path, key)
        return key
    if len(key) != KEY_BYTES:
        raise AuditKeyMissing(f"The audit key file {path.name} is damaged.")
    return key
