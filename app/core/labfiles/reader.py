"""The one entry point: bytes of a lab file in, a :class:`ParsedFile` out."""

from __future__ import annotations

import gc
from collections.abc import Callable
from datetime import date

from .csv_reader import read_csv
from .fhir import read_fhir
from .finish import Ticker
from .hl7 import read_hl7
from .model import DATE_ORDERS, FileRejected, ParsedFile, ReadOptions
from .sniff import decode, detect_format, line_ending_of, strip_mllp

__all__ = ["read_lab_file"]


def read_lab_file(
    data: bytes,
    filename: str,
    options: ReadOptions | None = None,
    progress: Callable[[float], None] | None = None,
    is_cancelled: Callable[[], bool] | None = None,
) -> ParsedFile:
    """Read a CSV, HL7 v2 or FHIR JSON lab file.

    Safe to call on a worker thread: it touches nothing but its arguments.

    Args:
        data: The file's bytes.
        filename: The file's name, used only in messages.
        options: Choices the user made (date order, column map...); defaults otherwise.
        progress: Called with a fraction in [0, 1], at most about 100 times.
        is_cancelled: Polled every ~10,000 rows; when it returns True the read stops.

    Returns:
        The rows read and the rows that could not be read, with what was detected.

    Raises:
        FileRejected: When the whole file cannot be read (empty, binary, too large,
            header only, one column, undecodable); the message is one sentence.
        NeedsDateOrder: When the file's day/month order is ambiguous; read again with
            ``options.date_order`` set.
        ImportCancelled: When ``is_cancelled`` returned True.
    """
    options = options or ReadOptions()
    if options.date_order is not None and options.date_order not in DATE_ORDERS:
        raise FileRejected(f"{options.date_order!r} is not a date order (use dmy, mdy or ymd).")
    if options.delimiter is not None and len(options.delimiter) != 1:
        raise FileRejected(f"{options.delimiter!r} is not a single-character delimiter.")
    if options.decimal_mark not in (None, ".", ","):
        raise FileRejected(f"{options.decimal_mark!r} is not a decimal mark (use . or ,).")
    name = filename.rsplit("/", 1)[-1].rsplit("\\", 1)[-1] or "The file"
    if len(data) > options.max_bytes:
        limit = options.max_bytes / (1024 * 1024)
        raise FileRejected(
            f"{name} is larger than {limit:.0f} MiB; split it into smaller files and import "
            "each one."
        )
    today = options.today or date.today()
    # Reading creates millions of small objects that hold no reference cycles; the cyclic
    # collector would rescan them again and again, costing about a fifth of the time.
    # Reference counting still frees memory; the collector is restored on the way out.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _read(data, options, today, progress, is_cancelled)
    finally:
        if collecting:
            gc.enable()


def _read(
    data: bytes,
    options: ReadOptions,
    today: date,
    progress: Callable[[float], None] | None,
    is_cancelled: Callable[[], bool] | None,
) -> ParsedFile:
    """Decode, detect the format and hand the text to its reader."""
    ticker = Ticker(progress, is_cancelled)
    ticker.check()
    ticker.report(0.0)
    decoded = decode(data, options.encoding)
    text = decoded.text
    kind = detect_format(text)
    ticker.report(0.05)
    if kind == "hl7v2":
        text = strip_mllp(text)
        return read_hl7(text, decoded.encoding, line_ending_of(text), today, ticker)
    if kind == "fhir":
        return read_fhir(text, decoded.encoding, line_ending_of(text), today, ticker)
    return read_csv(text, decoded.encoding, line_ending_of(text), options, today, ticker)
