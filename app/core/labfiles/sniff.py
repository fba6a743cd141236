"""Look at raw bytes: refuse what is not a text lab file, decode the rest, name the format.

Everything here runs once per file, before any row is read, so it favours clear
refusals over cleverness: a workbook, a PDF or a zip gets a sentence telling the user
what to do instead, not a page of garbled rows.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

from .model import FileRejected

__all__ = ["DecodedText", "decode", "detect_format", "line_ending_of"]

# (magic prefix, what to tell the user). Checked before decoding.
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"PK\x03\x04", "a zip archive or an Excel/Word file (xlsx, docx); save it as CSV first"),
    (b"PK\x05\x06", "an empty zip archive"),
    (b"\xd0\xcf\x11\xe0", "an old Excel/Word file (xls, doc); save it as CSV first"),
    (b"%PDF", "a PDF document; ask the lab for a CSV, HL7 or FHIR export"),
    (b"\x1f\x8b", "a gzip archive; extract it first"),
    (b"7z\xbc\xaf", "a 7-Zip archive; extract it first"),
    (b"Rar!", "a RAR archive; extract it first"),
    (b"BZh", "a bzip2 archive; extract it first"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"SQLite format 3\x00", "an SQLite database"),
    (b"{\\rtf", "a rich-text (RTF) document; save it as CSV first"),
)

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)

# C0 control characters other than tab, LF, VT, FF, CR and the HL7 MLLP frame bytes.
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1b\x7f]")
_MLLP = re.compile(r"[\x0b\x1c]")


@dataclass(frozen=True, slots=True)
class DecodedText:
    """The file as text and the codec that produced it."""

    text: str
    encoding: str


def _refuse_binary(data: bytes) -> None:
    """Refuse files whose first bytes name a binary format."""
    for magic, what in _MAGIC:
        if data.startswith(magic):
            kind, _, advice = what.partition("; ")
            tail = f"; {advice}." if advice else "."
            raise FileRejected(f"This file is {kind}, not a lab-results text file{tail}")


def _guess_bomless_utf16(head: bytes) -> str | None:
    """Spot UTF-16 without a BOM: ASCII text then has a NUL in every other byte."""
    if len(head) < 8:
        return None
    even, odd = head[0::2], head[1::2]
    if odd.count(0) > 0.8 * len(odd) and even.count(0) < 0.05 * len(even):
        return "utf-16-le"
    if even.count(0) > 0.8 * len(even) and odd.count(0) < 0.05 * len(odd):
        return "utf-16-be"
    return None


def decode(data: bytes, encoding: str | None = None) -> DecodedText:
    """Decode ``data``, refusing binary files.

    Tries, in order: the forced ``encoding``; a byte-order mark (UTF-8, UTF-16, UTF-32);
    BOM-less UTF-16; strict UTF-8; cp1252 (what Windows lab software writes); Latin-1.

    Raises:
        FileRejected: For empty, binary or undecodable files.
    """
    if not data.strip(b" \t\r\n\x0b\x1c"):
        raise FileRejected("The file is empty.")
    _refuse_binary(data)
    candidates: list[str] = []
    if encoding:
        candidates.append(encoding)
    else:
        bom = next((name for prefix, name in _BOMS if data.startswith(prefix)), None)
        if bom is None:
            bom = _guess_bomless_utf16(data[:4096])
        if bom:
            candidates.append(bom)
        else:
            if b"\x00" in data:
                raise FileRejected("This file contains binary data (NUL bytes), not text.")
            candidates += ["utf-8", "cp1252", "latin-1"]
    for name in candidates:
        try:
            text = data.decode(name)
        except (UnicodeDecodeError, LookupError):
            continue
        if name == "utf-16" or name == "utf-32":
            name = f"{name}-{'le' if data[:2] == codecs.BOM_UTF16_LE else 'be'}"
        if name == "utf-8-sig" or name.startswith(("utf-16", "utf-32")):
            text = text.lstrip("\ufeff")
        _refuse_control_characters(text)
        return DecodedText(text, name)
    if encoding:
        raise FileRejected(f"The file could not be decoded as {encoding}.")
    raise FileRejected("The file's text encoding could not be recognised.")


def _refuse_control_characters(text: str) -> None:
    """Refuse decoded text that is mostly control characters (binary data)."""
    sample = text[:65536]
    if not sample.strip():
        raise FileRejected("The file is empty.")
    if "\x00" in sample:
        raise FileRejected("This file contains binary data (NUL bytes), not text.")
    controls = len(_CONTROL.findall(sample))
    if controls > max(2, len(sample) // 200):
        raise FileRejected("This file contains binary data, not text.")


def strip_mllp(text: str) -> str:
    """Remove HL7 MLLP framing bytes (VT before, FS after each message)."""
    return _MLLP.sub("", text) if "\x0b" in text or "\x1c" in text else text


def detect_format(text: str) -> str:
    """Return ``'hl7v2'``, ``'fhir'`` or ``'csv'`` from the start of the decoded text.

    Raises:
        FileRejected: For JSON that is not FHIR, and for XML or HTML.
    """
    head = _MLLP.sub("", text[:4096]).lstrip()
    if head[:4] in ("MSH|", "FHS|", "BHS|") or (head[:3] == "MSH" and len(head) > 8):
        return "hl7v2"
    if head[:1] in ("{", "["):
        if re.search(r'"resourceType"\s*:', text[:1_000_000]):
            return "fhir"
        raise FileRejected("This is a JSON file but not a FHIR resource or bundle.")
    lowered = head[:200].lower()
    if lowered.startswith(("<?xml", "<!doctype", "<html", "<bundle", "<observation")):
        raise FileRejected(
            "This is an XML or HTML file; export the results as CSV, HL7 v2 or FHIR JSON."
        )
    return "csv"


def line_ending_of(text: str) -> str:
    """Name the line ending: ``'CRLF'``, ``'LF'``, ``'CR'``, ``'mixed'`` or ``''``."""
    if "\r" not in text:  # one fast scan settles most files
        return "LF" if "\n" in text else ""
    crlf = text.count("\r\n")
    cr = text.count("\r") - crlf
    lf = text.count("\n") - crlf
    kinds = [name for name, count in (("CRLF", crlf), ("LF", lf), ("CR", cr)) if count]
    if not kinds:
        return ""
    return kinds[0] if len(kinds) == 1 else "mixed"
