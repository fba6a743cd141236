"""The audit log's HMAC chain as pure functions: canonical rows, MACs, anchor, verify.

Each audit row carries ``mac = HMAC-SHA256(k_audit, canonical(row))``; the canonical
form is JSON (sorted keys, no whitespace) of the audited fields, ``seq`` and
``prev_mac`` (the previous row's MAC, empty for seq 1). Changing, inserting or
removing a row breaks the chain at that row unless the attacker also holds
``k_audit``. The *anchor* (newest seq and MAC, itself MAC'd) is kept outside the
database, so deleting the newest rows, which leaves an intact shorter chain, is
detected too.

This module lives in ``core`` because both ``store`` (which writes and reads the
rows) and ``security`` (which owns the keys) need it, and neither may import the
other. Where the key comes from: ``app.security.audit_chain``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from app.core.atomic_file import write_atomic

AUDITED_FIELDS = (
    "seq",
    "at_utc",
    "user_id",
    "username",
    "patient_id",
    "action",
    "category",
    "outcome",
    "workstation",
    "detail",
    "prev_mac",
)
ANCHOR_FORMAT = "cofactor-audit-anchor"
_ANCHOR_LABEL = "cofactor-audit-anchor-v1"


class AnchorInvalid(Exception):
    """The anchor was altered, is damaged, or belongs to another clinic."""


@dataclass(frozen=True)
class ChainHead:
    """The newest audit row's ``seq`` and ``mac``: what the anchor remembers."""

    seq: int
    mac: str

    def as_dict(self) -> dict:
        return {"seq": self.seq, "mac": self.mac}


@dataclass(frozen=True)
class VerifyResult:
    """Outcome of checking the chain.

    Attributes:
        ok: every row, every link and the anchor check out.
        first_bad_seq: the first seq that fails (``None`` when ok, or when the failure
            is not about one row, such as missing append-only triggers).
        reason: one sentence for the user; ``"ok"`` when ok.
        checked: rows verified before the first failure.
    """

    ok: bool
    first_bad_seq: int | None
    reason: str
    checked: int


def canonical(row: Mapping) -> bytes:
    """Return the canonical bytes of an audit row (only the audited fields)."""
    body = {name: row[name] for name in AUDITED_FIELDS}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def row_mac(key: bytes, row: Mapping) -> str:
    """Return the hex HMAC-SHA256 of a row's canonical form."""
    return hmac.new(key, canonical(row), hashlib.sha256).hexdigest()


def _anchor_tag(key: bytes, head: ChainHead) -> str:
    message = f"{_ANCHOR_LABEL}|{head.seq}|{head.mac}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def anchor_document(head: ChainHead, key: bytes) -> dict:
    """Return the anchor as a JSON-ready dict (the anchor file, backup manifests)."""
    return {
        "format": ANCHOR_FORMAT,
        "seq": head.seq,
        "mac": head.mac,
        "updated_at": datetime.now(UTC).replace(microsecond=0).isoformat(),
        "tag": _anchor_tag(key, head),
    }


def anchor_from_document(document: Mapping, key: bytes) -> ChainHead:
    """Read an anchor dict back, checking its tag.

    Raises:
        AnchorInvalid: malformed, or the tag does not match this audit key.
    """
    try:
        if document.get("format") != ANCHOR_FORMAT:
            raise ValueError("format")
        head = ChainHead(int(document["seq"]), str(document["mac"]))
        tag = str(document["tag"])
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise AnchorInvalid("The audit anchor is damaged.") from exc
    if not hmac.compare_digest(_anchor_tag(key, head), tag):
        raise AnchorInvalid("The audit anchor was altered or belongs to another clinic.")
    return head


def write_anchor(path: Path, head: ChainHead, key: bytes) -> None:
    """Write the anchor file atomically."""
    text = json.dumps(anchor_document(head, key), indent=2) + "\n"
    write_atomic(Path(path), text.encode("utf-8"))


def read_anchor(path: Path, key: bytes) -> ChainHead | None:
    """Read the anchor file; ``None`` if there is none yet.

    Raises:
        AnchorInvalid: the file exists but is damaged or forged.
    """
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise AnchorInvalid("The audit anchor cannot be read.") from exc
    return anchor_from_document(document, key)


def verify_chain(
    rows: Iterable[Mapping], key: bytes, anchor: ChainHead | None = None
) -> VerifyResult:
    """Check rows (ascending seq) against the key, their links and the anchor."""
    expected_seq, prev_mac, checked = 1, "", 0
    mac_at_anchor: str | None = None
    for row in rows:
        seq = row["seq"]
        if seq != expected_seq:
            return VerifyResult(
                False, expected_seq, f"Audit rows are missing: seq {expected_seq} is gone.", checked
            )
        if not hmac.compare_digest(row_mac(key, row), str(row["mac"])):
            return VerifyResult(False, seq, f"Audit row {seq} was altered.", checked)
        if row["prev_mac"] != prev_mac:
            return VerifyResult(False, seq, f"The audit chain is broken at row {seq}.", checked)
        if anchor is not None and seq == anchor.seq:
            mac_at_anchor = row["mac"]
        prev_mac, expected_seq, checked = row["mac"], seq + 1, checked + 1
    if anchor is not None and anchor.seq > 0:
        if anchor.seq >= expected_seq:
            return VerifyResult(
                False,
                expected_seq,
                f"The newest audit rows were deleted: the anchor records seq {anchor.seq}, "
                f"the log ends at {expected_seq - 1}.",
                checked,
            )
        if mac_at_anchor is None or not hmac.compare_digest(mac_at_anchor, anchor.mac):
            return VerifyResult(
                False, anchor.seq, f"Audit row {anchor.seq} does not match the anchor.", checked
            )
    return VerifyResult(True, None, "ok", checked)
